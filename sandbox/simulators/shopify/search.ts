/**
 * The `query:` search syntax of Shopify list fields, reduced to what an inventory connector uses:
 * `field:value` terms (AND by default), `OR` between groups, `-field:value` to exclude, quoted values, a trailing
 * `*` for a prefix, and `> >= < <=` comparisons on ids and dates. Shopify ignores filters it does not know, so
 * unknown fields match everything here too.
 */

export type FieldReader<T> = (row: T) => string | number | undefined;

interface Term {
  field: string | undefined;
  op: '=' | '>' | '>=' | '<' | '<=';
  value: string;
  negate: boolean;
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  const re = /(-?[\w.]+:(?:"[^"]*"|'[^']*'|\S+))|("[^"]*")|(\S+)/g;
  for (let m = re.exec(query); m; m = re.exec(query)) tokens.push(m[0]);
  return tokens;
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}

function parseTerm(token: string): Term {
  const negate = token.startsWith('-');
  const body = negate ? token.slice(1) : token;
  const colon = body.indexOf(':');
  if (colon < 0) return { field: undefined, op: '=', value: unquote(body), negate };
  const field = body.slice(0, colon).toLowerCase();
  let rest = body.slice(colon + 1);
  const op = (['>=', '<=', '>', '<'] as const).find((o) => rest.startsWith(o)) ?? '=';
  if (op !== '=') rest = rest.slice(op.length);
  return { field, op, value: unquote(rest), negate };
}

/** Groups of AND-ed terms, OR-ed together. */
function parse(query: string): Term[][] {
  const groups: Term[][] = [[]];
  for (const token of tokenize(query)) {
    if (token === 'OR') groups.push([]);
    else if (token !== 'AND') groups[groups.length - 1]?.push(parseTerm(token));
  }
  return groups.filter((g) => g.length > 0);
}

function compare(actual: string | number, term: Term): boolean {
  const expected = term.value;
  if (term.op === '=') {
    if (typeof actual === 'number') return String(actual) === expected;
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    return e.endsWith('*') ? a.startsWith(e.slice(0, -1)) : a === e;
  }
  const left = typeof actual === 'number' ? actual : Date.parse(actual);
  const right = typeof actual === 'number' ? Number(expected) : Date.parse(expected);
  if (Number.isNaN(left) || Number.isNaN(right)) return false;
  switch (term.op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    default:
      return left <= right;
  }
}

/**
 * Filters rows by a Shopify search string. `fields` maps the supported filter names to readers; `defaultField`
 * is what a bare word (no `field:`) searches, by substring as Shopify's default search does.
 */
export function search<T>(
  rows: T[],
  query: string | undefined,
  fields: Record<string, FieldReader<T>>,
  defaultField: FieldReader<T>,
): T[] {
  if (!query || !query.trim()) return rows;
  // Unknown filters are dropped before matching, so `-unknown:x` does not exclude everything.
  const groups = parse(query)
    .map((g) => g.filter((t) => t.field === undefined || fields[t.field] !== undefined))
    .filter((g) => g.length > 0);
  if (groups.length === 0) return rows;
  const matches = (row: T, term: Term): boolean => {
    if (term.field === undefined) {
      const v = defaultField(row);
      return v !== undefined && String(v).toLowerCase().includes(term.value.toLowerCase());
    }
    const v = fields[term.field]?.(row);
    return v !== undefined && compare(v, term);
  };
  return rows.filter((row) => groups.some((g) => g.every((t) => matches(row, t) !== t.negate)));
}
