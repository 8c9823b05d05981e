/**
 * A recursive-descent parser for the SuiteQL the connector runs: one SELECT (optionally DISTINCT / TOP n) over a
 * table with INNER/LEFT joins or comma joins, WHERE with comparisons, IN (list or sub-select), LIKE, BETWEEN,
 * IS NULL, AND/OR/NOT and parentheses, GROUP BY / HAVING, ORDER BY, and Oracle's OFFSET n ROWS / FETCH FIRST n ROWS
 * ONLY. Anything else is a syntax error, reported as NetSuite reports a bad query.
 */
import type { CompareOp, Expr, Join, OrderItem, Select, SelectItem, TableRef } from './ast';
import { tokenize, type Token } from './lexer';
import { SqlDate, SqlError, implicitDate } from './values';

const RESERVED = new Set([
  'select',
  'from',
  'where',
  'group',
  'order',
  'by',
  'having',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'outer',
  'cross',
  'on',
  'and',
  'or',
  'not',
  'in',
  'like',
  'is',
  'null',
  'between',
  'case',
  'when',
  'then',
  'else',
  'end',
  'as',
  'asc',
  'desc',
  'nulls',
  'offset',
  'fetch',
  'union',
  'distinct',
  'top',
]);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i += 1;
    return t;
  }

  private fail(what: string): never {
    const t = this.peek();
    const got = t.kind === 'eof' ? 'end of query' : `'${String(t.value)}' at position ${t.pos}`;
    throw new SqlError(`Search error occurred: Syntax error: expected ${what} but found ${got}.`);
  }

  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && !t.quoted && t.value === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i += 1;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) this.fail(word.toUpperCase());
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i += 1;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`'${op}'`);
  }

  private identifier(what: string): string {
    const t = this.peek();
    if (t.kind !== 'ident' || (!t.quoted && RESERVED.has(t.value))) this.fail(what);
    this.i += 1;
    return t.value;
  }

  private integer(what: string): number {
    const t = this.next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) this.fail(what);
    return t.value;
  }

  parseStatement(): Select {
    const s = this.select();
    this.acceptOp(';');
    if (this.peek().kind !== 'eof') this.fail('end of query');
    return s;
  }

  select(): Select {
    this.expectWord('select');
    const distinct = this.acceptWord('distinct');
    if (!distinct) this.acceptWord('all');
    let fetch: number | undefined;
    if (this.acceptWord('top')) fetch = this.integer('a row count after TOP');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOp(','));
    this.expectWord('from');
    const from = this.tableRef();
    const joins: Join[] = [];
    for (;;) {
      if (this.acceptOp(',')) {
        joins.push({ kind: 'cross', ref: this.tableRef() });
        continue;
      }
      const kind = this.joinKind();
      if (!kind) break;
      const ref = this.tableRef();
      if (kind === 'cross') {
        joins.push({ kind, ref });
      } else {
        this.expectWord('on');
        joins.push({ kind, ref, on: this.expr() });
      }
    }
    const s: Select = { distinct, items, from, joins, groupBy: [], orderBy: [] };
    if (fetch !== undefined) s.fetch = fetch;
    if (this.acceptWord('where')) s.where = this.expr();
    if (this.acceptWord('group')) {
      this.expectWord('by');
      do s.groupBy.push(this.expr());
      while (this.acceptOp(','));
    }
    if (this.acceptWord('having')) s.having = this.expr();
    if (this.acceptWord('order')) {
      this.expectWord('by');
      do s.orderBy.push(this.orderItem());
      while (this.acceptOp(','));
    }
    if (this.acceptWord('offset')) {
      s.offset = this.integer('a row count after OFFSET');
      if (!this.acceptWord('rows')) this.expectWord('row');
    }
    if (this.acceptWord('fetch')) {
      if (!this.acceptWord('first')) this.expectWord('next');
      s.fetch = this.integer('a row count after FETCH FIRST');
      if (!this.acceptWord('rows')) this.expectWord('row');
      this.expectWord('only');
    }
    return s;
  }

  private joinKind(): Join['kind'] | undefined {
    if (this.acceptWord('join')) return 'inner';
    if (this.isWord('inner') && this.isWord('join', 1)) {
      this.i += 2;
      return 'inner';
    }
    if (this.isWord('cross') && this.isWord('join', 1)) {
      this.i += 2;
      return 'cross';
    }
    if (this.isWord('left')) {
      this.i += 1;
      this.acceptWord('outer');
      this.expectWord('join');
      return 'left';
    }
    if (this.isWord('right') || this.isWord('full'))
      throw new SqlError('Search error occurred: RIGHT and FULL joins are not supported by the sandbox.');
    return undefined;
  }

  private tableRef(): TableRef {
    const table = this.identifier('a table name');
    this.acceptWord('as');
    const t = this.peek();
    const alias =
      t.kind === 'ident' && (t.quoted || !RESERVED.has(t.value)) ? this.identifier('an alias') : table;
    return { table, alias };
  }

  private selectItem(): SelectItem {
    if (this.acceptOp('*')) return { k: 'star' };
    const t0 = this.peek();
    if (t0.kind === 'ident' && this.peek(1).kind === 'op' && this.peek(2).kind === 'op') {
      const dot = this.peek(1);
      const star = this.peek(2);
      if (dot.kind === 'op' && dot.value === '.' && star.kind === 'op' && star.value === '*') {
        this.i += 3;
        return { k: 'star', table: t0.value };
      }
    }
    const expr = this.expr();
    if (this.acceptWord('as')) return { k: 'expr', expr, alias: this.identifier('an alias') };
    const t = this.peek();
    if (t.kind === 'ident' && (t.quoted || !RESERVED.has(t.value)))
      return { k: 'expr', expr, alias: this.identifier('an alias') };
    return { k: 'expr', expr };
  }

  private orderItem(): OrderItem {
    const expr = this.expr();
    const desc = this.acceptWord('desc');
    if (!desc) this.acceptWord('asc');
    // Oracle: NULLs sort as the largest value unless told otherwise.
    let nullsFirst = desc;
    if (this.acceptWord('nulls')) {
      if (this.acceptWord('first')) nullsFirst = true;
      else {
        this.expectWord('last');
        nullsFirst = false;
      }
    }
    return { expr, desc, nullsFirst };
  }

  expr(): Expr {
    let l = this.andExpr();
    while (this.acceptWord('or')) l = { k: 'or', l, r: this.andExpr() };
    return l;
  }

  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.acceptWord('and')) l = { k: 'and', l, r: this.notExpr() };
    return l;
  }

  private notExpr(): Expr {
    if (this.acceptWord('not')) return { k: 'not', e: this.notExpr() };
    return this.predicate();
  }

  private predicate(): Expr {
    const e = this.additive();
    const t = this.peek();
    if (t.kind === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(t.value)) {
      this.i += 1;
      return { k: 'cmp', op: t.value as CompareOp, l: e, r: this.additive() };
    }
    if (this.acceptWord('is')) {
      const not = this.acceptWord('not');
      this.expectWord('null');
      return { k: 'isnull', e, not };
    }
    const not =
      this.isWord('not') && (this.isWord('in', 1) || this.isWord('like', 1) || this.isWord('between', 1));
    if (not) this.i += 1;
    if (this.acceptWord('in')) {
      this.expectOp('(');
      if (this.isWord('select')) {
        const sub = this.select();
        this.expectOp(')');
        return { k: 'in', e, list: sub, not };
      }
      const list: Expr[] = [];
      do list.push(this.additive());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { k: 'in', e, list, not };
    }
    if (this.acceptWord('like')) {
      const pattern = this.additive();
      if (this.acceptWord('escape'))
        throw new SqlError('Search error occurred: LIKE ... ESCAPE is not supported by the sandbox.');
      return { k: 'like', e, pattern, not };
    }
    if (this.acceptWord('between')) {
      const lo = this.additive();
      this.expectWord('and');
      return { k: 'between', e, lo, hi: this.additive(), not };
    }
    if (not) this.fail('IN, LIKE or BETWEEN');
    return e;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !['+', '-', '||'].includes(t.value)) return l;
      this.i += 1;
      l = { k: 'arith', op: t.value as '+' | '-' | '||', l, r: this.multiplicative() };
    }
  }

  private multiplicative(): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !['*', '/'].includes(t.value)) return l;
      this.i += 1;
      l = { k: 'arith', op: t.value as '*' | '/', l, r: this.unary() };
    }
  }

  private unary(): Expr {
    if (this.acceptOp('-')) return { k: 'neg', e: this.unary() };
    if (this.acceptOp('+')) return this.unary();
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.i += 1;
      return { k: 'lit', v: t.value };
    }
    if (t.kind === 'string') {
      this.i += 1;
      return { k: 'lit', v: t.value === '' ? null : t.value };
    }
    if (this.acceptOp('(')) {
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    if (t.kind !== 'ident') this.fail('an expression');
    if (!t.quoted) {
      if (this.acceptWord('null')) return { k: 'lit', v: null };
      if (this.acceptWord('case')) return this.caseExpr();
      if ((t.value === 'date' || t.value === 'timestamp') && this.peek(1).kind === 'string') {
        this.i += 1;
        const s = this.next();
        return { k: 'lit', v: new SqlDate(implicitDate(s.kind === 'string' ? s.value : '')) };
      }
    }
    const first = this.identifier('an expression');
    let name = first;
    let table: string | undefined;
    if (this.isOp('.')) {
      this.i += 1;
      table = first;
      name = this.identifier('a column name');
    }
    if (this.acceptOp('(')) return this.call(table === undefined ? name : `${table}.${name}`);
    return table === undefined ? { k: 'col', name } : { k: 'col', table, name };
  }

  private call(name: string): Expr {
    if (this.acceptOp('*')) {
      this.expectOp(')');
      return { k: 'call', name, args: [], star: true, distinct: false };
    }
    const distinct = this.acceptWord('distinct');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.expr());
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    return { k: 'call', name, args, star: false, distinct };
  }

  private caseExpr(): Expr {
    const base = this.isWord('when') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('when')) {
      const when = this.expr();
      this.expectWord('then');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.fail('WHEN');
    const otherwise = this.acceptWord('else') ? this.expr() : undefined;
    this.expectWord('end');
    return {
      k: 'case',
      whens,
      ...(base === undefined ? {} : { base }),
      ...(otherwise === undefined ? {} : { else: otherwise }),
    };
  }
}

export function parseSuiteQL(sql: string): Select {
  return new Parser(tokenize(sql)).parseStatement();
}
