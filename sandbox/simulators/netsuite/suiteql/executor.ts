/**
 * Runs a parsed SELECT over the simulator's tables with Oracle semantics where they matter to an integrator:
 * three-valued logic (a NULL comparison drops the row), ROWNUM assigned while filtering, NULLs sorting last
 * ascending, unaliased expressions named expr1, expr2, … Equality joins use a hash index so a catalogue-sized
 * join stays linear.
 */
import { AGGREGATES, type Expr, type Join, type Select } from './ast';
import { callScalar, isScalarFunction } from './functions';
import type { Catalog, ColumnDef, Hints, Row, TableDef } from './schema';
import { SqlDate, SqlError, compare, norm, render, toNumber, valueKey, type SqlValue } from './values';

export interface ResultSet {
  columns: string[];
  rows: SqlValue[][];
}

/** One combination of joined rows: alias -> row (null: no match on a LEFT JOIN). */
type Env = Map<string, Row | null>;

interface Ctx {
  env: Env;
  group?: Env[];
  rownum: number;
}

const PSEUDO = new Set(['rownum', 'sysdate', 'current_date', 'current_timestamp']);
const DAY_MS = 86_400_000;

class Scope {
  readonly tables = new Map<string, TableDef>();

  constructor(
    sel: Select,
    private readonly catalog: Catalog,
  ) {
    for (const ref of [sel.from, ...sel.joins.map((j) => j.ref)]) {
      const def = catalog(ref.table);
      if (!def) throw new SqlError(`Invalid search type: ${ref.table}.`);
      if (this.tables.has(ref.alias))
        throw new SqlError(`Search error occurred: Duplicate identifier '${ref.alias}'.`);
      this.tables.set(ref.alias, def);
    }
  }

  /** The alias and column a reference means, or 'pseudo' for ROWNUM/SYSDATE. */
  resolve(col: { table?: string; name: string }): { alias: string; column: ColumnDef } | 'pseudo' {
    if (col.table !== undefined) {
      const def = this.tables.get(col.table);
      if (!def) {
        const known = [...this.tables].map(([a, d]) => `${a}=${d.name}`).join(', ');
        throw new SqlError(
          `Search error occurred: Unknown identifier '${col.table}'. Available identifiers are: {${known}}.`,
        );
      }
      const column = def.columns.find((c) => c.name === col.name);
      if (!column)
        throw new SqlError(
          `Search error occurred: Field '${col.name}' for record '${def.name}' was not found.`,
        );
      return { alias: col.table, column };
    }
    const hits: { alias: string; column: ColumnDef }[] = [];
    for (const [alias, def] of this.tables) {
      const column = def.columns.find((c) => c.name === col.name);
      if (column) hits.push({ alias, column });
    }
    if (hits.length === 1 && hits[0]) return hits[0];
    if (hits.length > 1) throw new SqlError(`Search error occurred: Column '${col.name}' is ambiguous.`);
    if (PSEUDO.has(col.name)) return 'pseudo';
    const first = this.tables.values().next().value as TableDef;
    throw new SqlError(
      `Search error occurred: Field '${col.name}' for record '${first.name}' was not found.`,
    );
  }

  get catalogFn(): Catalog {
    return this.catalog;
  }
}

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.k) {
    case 'cmp':
    case 'arith':
    case 'and':
    case 'or':
      walk(e.l, visit);
      walk(e.r, visit);
      break;
    case 'not':
    case 'neg':
    case 'isnull':
      walk(e.e, visit);
      break;
    case 'in':
      walk(e.e, visit);
      if (Array.isArray(e.list)) e.list.forEach((x) => walk(x, visit));
      break;
    case 'like':
      walk(e.e, visit);
      walk(e.pattern, visit);
      break;
    case 'between':
      walk(e.e, visit);
      walk(e.lo, visit);
      walk(e.hi, visit);
      break;
    case 'call':
      e.args.forEach((x) => walk(x, visit));
      break;
    case 'case':
      if (e.base) walk(e.base, visit);
      e.whens.forEach((w) => {
        walk(w.when, visit);
        walk(w.then, visit);
      });
      if (e.else) walk(e.else, visit);
      break;
    default:
      break;
  }
}

const hasAggregate = (e: Expr): boolean => {
  let found = false;
  walk(e, (x) => {
    if (x.k === 'call' && AGGREGATES.has(x.name)) found = true;
  });
  return found;
};

const conjuncts = (e: Expr | undefined): Expr[] =>
  e === undefined ? [] : e.k === 'and' ? [...conjuncts(e.l), ...conjuncts(e.r)] : [e];

function likeRegex(pattern: string): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

class Executor {
  private readonly scope: Scope;
  private readonly subqueries = new Map<Select, Set<string | null>>();

  constructor(
    private readonly sel: Select,
    catalog: Catalog,
    private readonly now: number,
  ) {
    this.scope = new Scope(sel, catalog);
  }

  run(): ResultSet {
    const sel = this.sel;
    const outputs = this.outputs();
    const aliases = new Set(outputs.map((o) => o.name));
    // Resolve every reference up front so a bad column fails even on an empty table, as NetSuite does.
    const check = (e: Expr, allowAlias: boolean) =>
      walk(e, (x) => {
        if (x.k === 'col' && !(allowAlias && x.table === undefined && aliases.has(x.name)))
          this.scope.resolve(x);
        if (x.k === 'call' && !AGGREGATES.has(x.name) && x.name !== 'builtin.df' && !isScalarFunction(x.name))
          throw new SqlError(`Search error occurred: Unknown function ${x.name.toUpperCase()}.`);
      });
    outputs.forEach((o) => check(o.expr, false));
    for (const e of [sel.where, ...sel.joins.map((j) => j.on), ...sel.groupBy, sel.having])
      if (e) check(e, false);
    sel.orderBy.forEach((o) => check(o.expr, true));

    let envs = this.fromRows();
    for (const j of sel.joins) envs = this.join(envs, j);

    const filtered: Ctx[] = [];
    for (const env of envs) {
      const ctx: Ctx = { env, rownum: filtered.length + 1 };
      if (!sel.where || this.test(sel.where, ctx) === true) filtered.push(ctx);
    }

    const grouped =
      sel.groupBy.length > 0 ||
      outputs.some((o) => hasAggregate(o.expr)) ||
      (sel.having !== undefined && hasAggregate(sel.having));
    let ctxs = grouped ? this.group(filtered) : filtered;
    if (sel.having) {
      const having = sel.having;
      ctxs = ctxs.filter((c) => this.test(having, c) === true);
    }

    let rows = ctxs.map((ctx) => {
      const values = outputs.map((o) => this.value(o.expr, ctx));
      const keys = sel.orderBy.map((o) => {
        if (o.expr.k === 'lit' && typeof o.expr.v === 'number') {
          const v = values[o.expr.v - 1];
          if (v === undefined)
            throw new SqlError('Search error occurred: ORDER BY position is out of range.');
          return v;
        }
        // Oracle resolves an ORDER BY name to a select-list alias before a table column.
        const expr = o.expr;
        if (expr.k === 'col' && expr.table === undefined) {
          const idx = outputs.findIndex((out) => out.name === expr.name);
          if (idx >= 0) return values[idx] ?? null;
        }
        return this.value(o.expr, ctx);
      });
      return { values, keys };
    });

    if (sel.distinct) {
      const seen = new Set<string>();
      rows = rows.filter((r) => {
        const k = JSON.stringify(r.values.map((v) => valueKey(v)));
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }

    if (sel.orderBy.length > 0)
      rows.sort((a, b) => {
        for (let i = 0; i < sel.orderBy.length; i++) {
          const o = sel.orderBy[i];
          if (!o) continue;
          const x = a.keys[i] ?? null;
          const y = b.keys[i] ?? null;
          if (x === null && y === null) continue;
          if (x === null) return o.nullsFirst ? -1 : 1;
          if (y === null) return o.nullsFirst ? 1 : -1;
          const c = compare(x, y) ?? 0;
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });

    const start = sel.offset ?? 0;
    const end = sel.fetch === undefined ? undefined : start + sel.fetch;
    return { columns: outputs.map((o) => o.name), rows: rows.slice(start, end).map((r) => r.values) };
  }

  /** The output columns: stars expanded, names as NetSuite gives them (alias, column name, or exprN). */
  private outputs(): { name: string; expr: Expr }[] {
    const out: { name: string; expr: Expr }[] = [];
    let n = 0;
    for (const item of this.sel.items) {
      if (item.k === 'star') {
        const aliases = item.table === undefined ? [...this.scope.tables.keys()] : [item.table];
        for (const alias of aliases) {
          const def = this.scope.tables.get(alias);
          if (!def) this.scope.resolve({ table: alias, name: '*' });
          for (const c of def?.columns ?? [])
            out.push({ name: c.name, expr: { k: 'col', table: alias, name: c.name } });
        }
      } else {
        const name = item.alias ?? (item.expr.k === 'col' ? item.expr.name : `expr${++n}`);
        out.push({ name, expr: item.expr });
      }
    }
    return out;
  }

  /** Rows of the FROM table, narrowed by top-level `col = literal` / `col IN (literals)` filters when possible. */
  private fromRows(): Env[] {
    const { alias } = this.sel.from;
    const def = this.scope.tables.get(alias) as TableDef;
    const hints: Hints = new Map();
    for (const c of conjuncts(this.sel.where)) {
      let col: Expr | undefined;
      let values: Expr[] = [];
      if (c.k === 'cmp' && c.op === '=') {
        if (c.l.k === 'col' && c.r.k === 'lit') [col, values] = [c.l, [c.r]];
        else if (c.r.k === 'col' && c.l.k === 'lit') [col, values] = [c.r, [c.l]];
      } else if (c.k === 'in' && !c.not && Array.isArray(c.list) && c.list.every((x) => x.k === 'lit')) {
        [col, values] = [c.e, c.list];
      }
      if (col?.k !== 'col') continue;
      const target = this.scope.resolve(col);
      if (target === 'pseudo' || target.alias !== alias) continue;
      const keys = new Set<string>();
      for (const v of values) if (v.k === 'lit' && v.v !== null) keys.add(valueKey(v.v) as string);
      const prev = hints.get(target.column.name);
      hints.set(target.column.name, prev ? new Set([...prev].filter((k) => keys.has(k))) : keys);
    }
    return def.rows(hints).map((r) => new Map([[alias, r]]));
  }

  private join(left: Env[], j: Join): Env[] {
    const def = this.scope.tables.get(j.ref.alias) as TableDef;
    const right = def.rows(new Map());
    const out: Env[] = [];
    const pair = (env: Env, r: Row | null): Env => new Map([...env, [j.ref.alias, r]]);
    if (j.kind === 'cross' || !j.on) {
      for (const env of left) for (const r of right) out.push(pair(env, r));
      return out;
    }
    const on = j.on;
    // An equality between a column of the joined table and one of the tables before it: hash the joined table.
    let probe: { rightCol: string; leftExpr: Expr } | undefined;
    for (const c of conjuncts(on)) {
      if (c.k !== 'cmp' || c.op !== '=' || c.l.k !== 'col' || c.r.k !== 'col') continue;
      const l = this.scope.resolve(c.l);
      const r = this.scope.resolve(c.r);
      if (l === 'pseudo' || r === 'pseudo') continue;
      if (r.alias === j.ref.alias && l.alias !== j.ref.alias)
        probe = { rightCol: r.column.name, leftExpr: c.l };
      else if (l.alias === j.ref.alias && r.alias !== j.ref.alias)
        probe = { rightCol: l.column.name, leftExpr: c.r };
      if (probe) break;
    }
    let index: Map<string, Row[]> | undefined;
    if (probe) {
      index = new Map();
      for (const r of right) {
        const k = valueKey(norm(r[probe.rightCol]));
        if (k === null) continue;
        const list = index.get(k);
        if (list) list.push(r);
        else index.set(k, [r]);
      }
    }
    for (const env of left) {
      let candidates = right;
      if (probe && index) {
        const k = valueKey(this.value(probe.leftExpr, { env, rownum: 0 }));
        candidates = k === null ? [] : (index.get(k) ?? []);
      }
      let matched = false;
      for (const r of candidates) {
        const e = pair(env, r);
        if (this.test(on, { env: e, rownum: 0 }) === true) {
          out.push(e);
          matched = true;
        }
      }
      if (!matched && j.kind === 'left') out.push(pair(env, null));
    }
    return out;
  }

  private group(rows: Ctx[]): Ctx[] {
    if (this.sel.groupBy.length === 0)
      return [{ env: rows[0]?.env ?? new Map(), group: rows.map((r) => r.env), rownum: 1 }];
    const groups = new Map<string, Env[]>();
    for (const r of rows) {
      const key = JSON.stringify(this.sel.groupBy.map((g) => valueKey(this.value(g, r))));
      const list = groups.get(key);
      if (list) list.push(r.env);
      else groups.set(key, [r.env]);
    }
    return [...groups.values()].map((g, i) => ({ env: g[0] as Env, group: g, rownum: i + 1 }));
  }

  // ---- evaluation ------------------------------------------------------------------------------------------

  private column(e: { table?: string; name: string }, ctx: Ctx): SqlValue {
    const target = this.scope.resolve(e);
    if (target === 'pseudo') return e.name === 'rownum' ? ctx.rownum : new SqlDate(this.now);
    const row = ctx.env.get(target.alias);
    return row ? norm(row[target.column.name]) : null;
  }

  value(e: Expr, ctx: Ctx): SqlValue {
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'col':
        return this.column(e, ctx);
      case 'neg': {
        const n = toNumber(this.value(e.e, ctx));
        return n === null ? null : -n;
      }
      case 'arith':
        return this.arith(e.op, this.value(e.l, ctx), this.value(e.r, ctx));
      case 'call':
        return this.call(e, ctx);
      case 'case': {
        const base = e.base === undefined ? undefined : this.value(e.base, ctx);
        for (const w of e.whens) {
          const hit =
            base === undefined
              ? this.test(w.when, ctx) === true
              : compare(base, this.value(w.when, ctx)) === 0;
          if (hit) return this.value(w.then, ctx);
        }
        return e.else === undefined ? null : this.value(e.else, ctx);
      }
      default:
        throw new SqlError('Search error occurred: a condition is not allowed here.');
    }
  }

  private arith(op: string, a: SqlValue, b: SqlValue): SqlValue {
    if (op === '||') return norm(`${render(a) ?? ''}${render(b) ?? ''}`);
    if (a === null || b === null) return null;
    if (a instanceof SqlDate && b instanceof SqlDate && op === '-') return (a.ms - b.ms) / DAY_MS;
    if (a instanceof SqlDate && (op === '+' || op === '-')) {
      const days = toNumber(b) ?? 0;
      return new SqlDate(a.ms + (op === '+' ? days : -days) * DAY_MS);
    }
    const x = toNumber(a) as number;
    const y = toNumber(b) as number;
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      default:
        if (y === 0) throw new SqlError('Search error occurred: divisor is equal to zero');
        return x / y;
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>, ctx: Ctx): SqlValue {
    if (AGGREGATES.has(e.name)) return this.aggregate(e, ctx);
    if (e.name === 'builtin.df') {
      const arg = e.args[0];
      if (e.args.length !== 1 || !arg)
        throw new SqlError('Search error occurred: BUILTIN.DF takes one field.');
      const v = this.value(arg, ctx);
      if (arg.k !== 'col') return v;
      const target = this.scope.resolve(arg);
      return target !== 'pseudo' && target.column.display && v !== null ? norm(target.column.display(v)) : v;
    }
    return callScalar(
      e.name,
      e.args.map((a) => this.value(a, ctx)),
    );
  }

  private aggregate(e: Extract<Expr, { k: 'call' }>, ctx: Ctx): SqlValue {
    if (!ctx.group) throw new SqlError('Search error occurred: group function is not allowed here.');
    if (e.star) return ctx.group.length;
    const arg = e.args[0];
    if (!arg) throw new SqlError(`Search error occurred: ${e.name.toUpperCase()} needs an argument.`);
    let values = ctx.group
      .map((env) => this.value(arg, { env, rownum: 0 }))
      .filter((v): v is Exclude<SqlValue, null> => v !== null);
    if (e.distinct) {
      const seen = new Set<string>();
      values = values.filter((v) => {
        const k = valueKey(v) as string;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    switch (e.name) {
      case 'count':
        return values.length;
      case 'sum':
        return values.length === 0 ? null : values.reduce<number>((s, v) => s + (toNumber(v) ?? 0), 0);
      case 'avg':
        return values.length === 0
          ? null
          : values.reduce<number>((s, v) => s + (toNumber(v) ?? 0), 0) / values.length;
      default: {
        if (values.length === 0) return null;
        const sign = e.name === 'max' ? 1 : -1;
        return values.reduce((best, v) => ((compare(v, best) ?? 0) * sign > 0 ? v : best));
      }
    }
  }

  /** Three-valued truth of a condition: true, false, or null (unknown). */
  test(e: Expr, ctx: Ctx): boolean | null {
    switch (e.k) {
      case 'and': {
        const a = this.test(e.l, ctx);
        if (a === false) return false;
        const b = this.test(e.r, ctx);
        if (b === false) return false;
        return a === null || b === null ? null : true;
      }
      case 'or': {
        const a = this.test(e.l, ctx);
        if (a === true) return true;
        const b = this.test(e.r, ctx);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      }
      case 'not': {
        const a = this.test(e.e, ctx);
        return a === null ? null : !a;
      }
      case 'cmp': {
        const c = compare(this.value(e.l, ctx), this.value(e.r, ctx));
        if (c === null) return null;
        switch (e.op) {
          case '=':
            return c === 0;
          case '<>':
            return c !== 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          default:
            return c >= 0;
        }
      }
      case 'isnull': {
        const isNull = this.value(e.e, ctx) === null;
        return e.not ? !isNull : isNull;
      }
      case 'between': {
        const v = this.value(e.e, ctx);
        const lo = compare(v, this.value(e.lo, ctx));
        const hi = compare(v, this.value(e.hi, ctx));
        if (lo === null || hi === null) return null;
        const inside = lo >= 0 && hi <= 0;
        return e.not ? !inside : inside;
      }
      case 'like': {
        const v = this.value(e.e, ctx);
        const p = this.value(e.pattern, ctx);
        if (v === null || p === null) return null;
        const hit = likeRegex(render(p) ?? '').test(render(v) ?? '');
        return e.not ? !hit : hit;
      }
      case 'in': {
        const v = this.value(e.e, ctx);
        if (v === null) return null;
        let hit = false;
        let unknown = false;
        if (Array.isArray(e.list)) {
          for (const x of e.list) {
            const c = compare(v, this.value(x, ctx));
            if (c === null) unknown = true;
            else if (c === 0) hit = true;
          }
        } else {
          const set = this.subquery(e.list);
          hit = set.has(valueKey(v));
          unknown = set.has(null);
        }
        if (hit) return !e.not;
        return unknown ? null : e.not;
      }
      default:
        throw new SqlError('Search error occurred: expected a condition.');
    }
  }

  private subquery(sel: Select): Set<string | null> {
    let set = this.subqueries.get(sel);
    if (!set) {
      const result = new Executor(sel, this.scope.catalogFn, this.now).run();
      if (result.columns.length !== 1)
        throw new SqlError('Search error occurred: too many values in sub-query.');
      set = new Set(result.rows.map((r) => valueKey(r[0] ?? null)));
      this.subqueries.set(sel, set);
    }
    return set;
  }
}

export function execute(sel: Select, catalog: Catalog, now: number): ResultSet {
  return new Executor(sel, catalog, now).run();
}
