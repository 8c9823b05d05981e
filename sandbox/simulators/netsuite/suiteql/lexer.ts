/** Tokens of SuiteQL (Oracle SQL): identifiers are case-insensitive, strings use single quotes with '' escapes. */
import { SqlError } from './values';

export type Token =
  | { kind: 'ident'; value: string; quoted: boolean; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'eof'; pos: number };

const OPS = ['<=', '>=', '<>', '!=', '||', '=', '<', '>', '(', ')', ',', '.', '*', '+', '-', '/', ';'];

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SqlError('Search error occurred: unterminated comment');
      i = end + 2;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new SqlError('Search error occurred: unterminated string literal');
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j];
        j += 1;
      }
      out.push({ kind: 'string', value, pos: i });
      i = j + 1;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw new SqlError('Search error occurred: unterminated quoted identifier');
      out.push({ kind: 'ident', value: sql.slice(i + 1, end).toLowerCase(), quoted: true, pos: i });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(sql.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: 'number', value: Number(text), pos: i });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$#]*/.exec(sql.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: 'ident', value: text.toLowerCase(), quoted: false, pos: i });
      i += text.length;
    } else {
      const op = OPS.find((o) => sql.startsWith(o, i));
      if (!op) throw new SqlError(`Search error occurred: unexpected character '${c}' at position ${i}`);
      out.push({ kind: 'op', value: op === '!=' ? '<>' : op, pos: i });
      i += op.length;
    }
  }
  out.push({ kind: 'eof', pos: sql.length });
  return out;
}
