/**
 * Odoo search domains: prefix notation (`&`, `|`, `!`, implicit AND), leaves `[path, operator, value]` with dotted
 * paths through relational fields, and the operators' SQL semantics (NULL-inclusive negations, `ilike` as
 * `%value%`, many2one values given as names matched by name search, `child_of` over a model's parent field).
 */
import type { Env, FieldDef, ModelDef, RawValue, Row } from './env';
import { pyError } from './errors';
import { likeMatcher, parseDatetime, pyRepr } from './values';

type Node =
  | { kind: 'leaf'; path: string[]; op: string; value: unknown }
  | { kind: 'and' | 'or'; a: Node; b: Node }
  | { kind: 'not'; a: Node }
  | { kind: 'const'; value: boolean };

const OPERATORS = new Set([
  '=',
  '!=',
  '<=',
  '<',
  '>',
  '>=',
  '=?',
  '=like',
  '=ilike',
  'like',
  'not like',
  'ilike',
  'not ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
]);
const NEGATIVE: Record<string, string> = {
  '!=': '=',
  'not in': 'in',
  'not like': 'like',
  'not ilike': 'ilike',
};

const isRelational = (f: FieldDef) =>
  f.type === 'many2one' || f.type === 'one2many' || f.type === 'many2many';

/** Parses and checks a domain against the model's fields; raises the ValueError Odoo raises. */
export function parseDomain(env: Env, model: ModelDef, domain: unknown): Node {
  if (domain === null || domain === undefined || domain === false) return { kind: 'const', value: true };
  if (!Array.isArray(domain)) throw pyError('ValueError', `Invalid domain ${pyRepr(domain)}`);
  const stack: Node[] = [];
  const broken = () => pyError('ValueError', `Domain ${pyRepr(domain)} is syntactically not correct.`);
  for (let i = domain.length - 1; i >= 0; i--) {
    const term: unknown = domain[i];
    if (term === '&' || term === '|') {
      const a = stack.pop();
      const b = stack.pop();
      if (!a || !b) throw broken();
      stack.push({ kind: term === '&' ? 'and' : 'or', a, b });
    } else if (term === '!') {
      const a = stack.pop();
      if (!a) throw broken();
      stack.push({ kind: 'not', a });
    } else stack.push(parseLeaf(env, model, term));
  }
  if (stack.length === 0) return { kind: 'const', value: true };
  let node = stack.pop() as Node;
  while (stack.length > 0) node = { kind: 'and', a: node, b: stack.pop() as Node };
  return node;
}

function parseLeaf(env: Env, model: ModelDef, term: unknown): Node {
  if (!Array.isArray(term) || term.length !== 3) throw pyError('ValueError', `Invalid leaf ${pyRepr(term)}`);
  const [left, rawOp, value] = term as [unknown, unknown, unknown];
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1).
  if ((left === 1 || left === 0) && rawOp === '=' && value === 1) return { kind: 'const', value: left === 1 };
  if (typeof left !== 'string' || typeof rawOp !== 'string')
    throw pyError('ValueError', `Invalid leaf ${pyRepr(term)}`);
  let op = rawOp.toLowerCase();
  if (op === '<>') op = '!=';
  if (op === '==') op = '=';
  if (!OPERATORS.has(op)) throw pyError('ValueError', `Invalid leaf ${pyRepr(term)}`);
  const path = left.split('.');
  let m = model;
  path.forEach((name, i) => {
    const f = env.fields(m)[name];
    if (!f || (i < path.length - 1 && !isRelational(f)))
      throw pyError('ValueError', `Invalid field ${m.name}.${name} in leaf ${pyRepr(term)}`);
    if (i < path.length - 1) m = env.model(f.relation as string);
  });
  return { kind: 'leaf', path, op, value };
}

export function matches(env: Env, model: ModelDef, row: Row, node: Node): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'and':
      return matches(env, model, row, node.a) && matches(env, model, row, node.b);
    case 'or':
      return matches(env, model, row, node.a) || matches(env, model, row, node.b);
    case 'not':
      return !matches(env, model, row, node.a);
    case 'leaf':
      return leafMatches(env, model, row, node);
  }
}

export function filterRows(env: Env, model: ModelDef, domain: unknown): Row[] {
  const node = parseDomain(env, model, domain);
  return env.rows(model).filter((r) => matches(env, model, r, node));
}

/** The values a path reaches from a record (several through x2many), and the last field's definition. */
function resolve(
  env: Env,
  model: ModelDef,
  row: Row,
  path: string[],
): { def: FieldDef; owner: ModelDef; values: RawValue[] } {
  let rows = [row];
  let m = model;
  for (const name of path.slice(0, -1)) {
    const f = env.fields(m)[name] as FieldDef;
    const rel = env.model(f.relation as string);
    const ids: number[] = [];
    for (const r of rows) {
      const v = env.value(m, r, name);
      if (Array.isArray(v)) ids.push(...v);
      else if (typeof v === 'number') ids.push(v);
    }
    rows = ids.map((id) => env.byId(rel, id)).filter((r): r is Row => r !== undefined);
    m = rel;
  }
  const last = path[path.length - 1] as string;
  const def = env.fields(m)[last] as FieldDef;
  const values: RawValue[] = [];
  for (const r of rows) {
    const v = env.value(m, r, last);
    if (def.type === 'one2many' || def.type === 'many2many') values.push(...(v as number[]));
    else values.push(v);
  }
  return { def, owner: m, values };
}

function leafMatches(
  env: Env,
  model: ModelDef,
  row: Row,
  leaf: { path: string[]; op: string; value: unknown },
): boolean {
  const { def, owner, values } = resolve(env, model, row, leaf.path);
  const multi = def.type === 'one2many' || def.type === 'many2many' || leaf.path.length > 1;
  const positiveOp = NEGATIVE[leaf.op] ?? leaf.op;
  const negated = positiveOp !== leaf.op;
  // The comodel a value or name refers to: the relation, or the model itself for `id`.
  const target = def.relation
    ? env.registry.get(def.relation)
    : leaf.path[leaf.path.length - 1] === 'id'
      ? owner
      : undefined;
  const test = (v: RawValue) => positive(env, def, target, v, positiveOp, leaf.value);
  let hit: boolean;
  if (values.length === 0) hit = multi ? emptyMatches(positiveOp, leaf.value) : test(false);
  else hit = values.some(test);
  return negated ? !hit : hit;
}

/** An empty x2many (or a path through nothing) equals False. */
function emptyMatches(op: string, value: unknown): boolean {
  if (op === '=' || op === '=?')
    return value === false || value === null || (op === '=?' && value === undefined);
  if (op === 'in') return Array.isArray(value) && value.some((x) => x === false || x === null);
  return false;
}

const isFalse = (x: unknown) => x === false || x === null || x === undefined;

function positive(
  env: Env,
  def: FieldDef,
  target: ModelDef | undefined,
  v: RawValue,
  op: string,
  value: unknown,
): boolean {
  switch (op) {
    case '=?':
      return isFalse(value) || positive(env, def, target, v, '=', value);
    case '=':
      if (isFalse(value)) return v === false || (def.type === 'char' && v === '');
      return equals(env, def, target, v, value);
    case 'in': {
      const list = Array.isArray(value) ? value : [value];
      return list.some((x) => (isFalse(x) ? v === false : equals(env, def, target, v, x)));
    }
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(def, v, value, op);
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike': {
      if (v === false || typeof value !== 'string') return false;
      const text = target && typeof v === 'number' ? env.displayNameOf(target.name, v) : String(v);
      const like = env.memoize(`${op}:${value}`, () =>
        likeMatcher(value, op.endsWith('ilike'), op.startsWith('=')),
      );
      return like(text);
    }
    case 'child_of':
    case 'parent_of': {
      if (typeof v !== 'number' || !target) return false;
      const related = env.memoize(`${op}:${target.name}:${JSON.stringify(value)}`, () => {
        const ids = toIds(env, target, value);
        if (!target.parentField) return new Set(ids);
        return op === 'child_of' ? descendants(env, target, ids) : ancestors(env, target, ids);
      });
      return related.has(v);
    }
    default:
      return false;
  }
}

function equals(env: Env, def: FieldDef, target: ModelDef | undefined, v: RawValue, x: unknown): boolean {
  if (target && typeof x === 'string') return typeof v === 'number' && nameSearch(env, target, x).includes(v);
  if (def.type === 'datetime') return typeof v === 'number' && v === parseDatetime(x);
  if (def.type === 'boolean') return v === (x === true || x === 1);
  if (typeof v === 'number' && typeof x === 'number') return v === x;
  return v === x;
}

function compare(def: FieldDef, v: RawValue, x: unknown, op: string): boolean {
  if (v === false || isFalse(x)) return false;
  let a: number | string;
  let b: number | string;
  if (def.type === 'datetime') {
    const ms = parseDatetime(x);
    if (ms === undefined || typeof v !== 'number') return false;
    [a, b] = [v, ms];
  } else if (typeof v === 'number' && typeof x === 'number') [a, b] = [v, x];
  else [a, b] = [String(v), String(x)];
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a >= b;
  }
}

/** `name_search(name, operator='ilike')` on the display name, as many2one leaves given a name do. */
function nameSearch(env: Env, model: ModelDef, name: string): number[] {
  return env.memoize(`name-search:${model.name}:${name}`, () => {
    const like = likeMatcher(name, true, false);
    return env
      .rows(model)
      .filter((r) => like(env.value(model, r, 'display_name') as string))
      .map((r) => r.id);
  });
}

function toIds(env: Env, model: ModelDef, value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((x) =>
    typeof x === 'number' ? [x] : typeof x === 'string' ? nameSearch(env, model, x) : [],
  );
}

function parentOf(env: Env, model: ModelDef): Map<number, number | false> {
  return env.memoize(`parents:${model.name}`, () => {
    const m = new Map<number, number | false>();
    for (const r of env.rows(model))
      m.set(r.id, env.value(model, r, model.parentField as string) as number | false);
    return m;
  });
}

/** The records and all their descendants (`child_of`). */
export function descendants(env: Env, model: ModelDef, ids: number[]): Set<number> {
  const parents = parentOf(env, model);
  const out = new Set<number>();
  for (const [id] of parents) {
    for (let cur: number | false | undefined = id; cur !== false && cur !== undefined; cur = parents.get(cur))
      if (ids.includes(cur)) {
        out.add(id);
        break;
      }
  }
  return out;
}

function ancestors(env: Env, model: ModelDef, ids: number[]): Set<number> {
  const parents = parentOf(env, model);
  const out = new Set<number>();
  for (const id of ids)
    for (let cur: number | false | undefined = id; cur !== false && cur !== undefined; cur = parents.get(cur))
      out.add(cur);
  return out;
}
