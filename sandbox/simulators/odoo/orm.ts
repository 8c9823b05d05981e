/**
 * The ORM methods every model has (search, search_read, read, search_count, fields_get, create, write, unlink)
 * and the Python calling convention in front of them: positional and keyword arguments bound to a signature with
 * Python's TypeError texts, ids checked for existence (MissingError), values marshalled the way Odoo reads them.
 */
import type { Env, FieldDef, MethodDef, ModelDef, ParamDef, RawValue, Row } from './env';
import { invalidField, missingError, notAllowed, pyError } from './errors';
import { filterRows } from './domain';
import { Double, formatDatetime } from './values';

// ---- reading ------------------------------------------------------------------------------------------------

/** One field as `read()` returns it: many2one as [id, display_name], floats as doubles, datetimes as strings. */
function output(env: Env, def: FieldDef | undefined, v: RawValue, load: boolean): unknown {
  if (!def) return v;
  switch (def.type) {
    case 'many2one':
      if (typeof v !== 'number') return false;
      return load ? [v, env.displayNameOf(def.relation as string, v)] : v;
    case 'float':
      return new Double(typeof v === 'number' ? v : 0);
    case 'datetime':
      return typeof v === 'number' ? formatDatetime(v) : false;
    default:
      return v;
  }
}

function fieldList(env: Env, model: ModelDef, fields: unknown): string[] {
  const all = env.fields(model);
  if (
    fields === null ||
    fields === undefined ||
    fields === false ||
    (Array.isArray(fields) && fields.length === 0)
  )
    return Object.keys(all).filter((f) => f !== 'id');
  const list = typeof fields === 'string' ? [fields] : fields;
  if (!Array.isArray(list)) throw pyError('TypeError', `'${typeof fields}' object is not iterable`);
  for (const f of list) if (typeof f !== 'string' || !(f in all)) throw invalidField(model.name, String(f));
  return (list as string[]).filter((f) => f !== 'id');
}

export function readRows(
  env: Env,
  model: ModelDef,
  rows: Row[],
  fields: unknown,
  load: unknown = '_classic_read',
) {
  const names = fieldList(env, model, fields);
  const defs = env.fields(model);
  return rows.map((row) => {
    const out: Record<string, unknown> = { id: row.id };
    for (const f of names) out[f] = output(env, defs[f], env.value(model, row, f), Boolean(load));
    return out;
  });
}

// ---- ordering -----------------------------------------------------------------------------------------------

const ORDER_TERM = /^\s*([a-z0-9_]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i;

function sortRows(env: Env, model: ModelDef, rows: Row[], order: unknown): Row[] {
  const spec = typeof order === 'string' && order.trim() !== '' ? order : model.order;
  const defs = env.fields(model);
  const terms = spec.split(',').map((t) => {
    const m = ORDER_TERM.exec(t);
    if (!m)
      throw pyError(
        'ValueError',
        `Invalid "order" specified (${spec}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
      );
    const field = m[1] as string;
    if (!(field in defs)) throw invalidField(model.name, field);
    const desc = (m[2] ?? 'asc').toLowerCase() === 'desc';
    // PostgreSQL: NULLs sort last ascending, first descending.
    const nullsFirst = m[3] ? m[3].toLowerCase() === 'first' : desc;
    return { field, desc, nullsFirst, def: defs[field] as FieldDef };
  });
  const key = (row: Row, t: (typeof terms)[number]): number | string | false => {
    const v = env.value(model, row, t.field);
    if (v === false) return t.def.type === 'boolean' ? 0 : false;
    if (v === true) return 1;
    // many2one sorts by the comodel's name, as Odoo orders by the comodel's _order.
    if (t.def.type === 'many2one' && typeof v === 'number')
      return env.displayNameOf(t.def.relation as string, v);
    if (Array.isArray(v)) return v.length;
    return v;
  };
  return [...rows].sort((a, b) => {
    for (const t of terms) {
      const x = key(a, t);
      const y = key(b, t);
      if (x === y) continue;
      if (x === false) return t.nullsFirst ? -1 : 1;
      if (y === false) return t.nullsFirst ? 1 : -1;
      const c = x < y ? -1 : 1;
      return t.desc ? -c : c;
    }
    return a.id - b.id;
  });
}

const toInt = (v: unknown, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : dflt;

export function searchRows(env: Env, model: ModelDef, args: Record<string, unknown>): Row[] {
  const rows = sortRows(env, model, filterRows(env, model, args.domain), args.order);
  const offset = toInt(args.offset, 0);
  const limit = toInt(args.limit, 0);
  // Odoo treats limit None/0/False as "no limit".
  return rows.slice(offset, limit > 0 ? offset + limit : undefined);
}

// ---- the generic methods ------------------------------------------------------------------------------------

const p = (name: string, extra: Omit<ParamDef, 'name'> = {}): ParamDef => ({ name, ...extra });

export const GENERIC: Record<string, MethodDef> = {
  search: {
    api: 'model',
    params: [p('domain', { required: true }), p('offset'), p('limit'), p('order'), p('count', { until: 16 })],
    write: false,
    call: (env, model, _ids, a) => {
      const rows = searchRows(env, model, a);
      return a.count === true ? rows.length : rows.map((r) => r.id);
    },
  },
  search_read: {
    api: 'model',
    params: [p('domain'), p('fields'), p('offset'), p('limit'), p('order')],
    varkw: true,
    write: false,
    call: (env, model, _ids, a) => {
      // search_read(**read_kwargs) forwards them to read(fields, load), which rejects anything else.
      const extra = (a.__kwargs ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(extra))
        if (k !== 'load')
          throw pyError('TypeError', `BaseModel.read() got an unexpected keyword argument '${k}'`);
      return readRows(
        env,
        model,
        searchRows(env, model, a),
        a.fields,
        'load' in extra ? extra.load : '_classic_read',
      );
    },
  },
  read: {
    api: 'records',
    params: [p('fields'), p('load', { default: '_classic_read' })],
    write: false,
    call: (env, model, ids, a) =>
      readRows(
        env,
        model,
        ids.map((id) => env.byId(model, id) as Row),
        a.fields,
        'load' in a ? a.load : '_classic_read',
      ),
  },
  search_count: {
    api: 'model',
    params: [p('domain', { required: true }), p('limit')],
    write: false,
    call: (env, model, _ids, a) => {
      const n = filterRows(env, model, a.domain).length;
      const limit = toInt(a.limit, 0);
      return limit > 0 ? Math.min(n, limit) : n;
    },
  },
  fields_get: {
    api: 'model',
    params: [p('allfields'), p('attributes')],
    write: false,
    call: (env, model, _ids, a) => fieldsGet(env, model, a.allfields, a.attributes),
  },
  create: {
    api: 'model',
    params: [p('vals_list', { required: true })],
    write: true,
    call: (_env, model) => {
      throw notAllowed('create', model.description, model.name);
    },
  },
  write: {
    api: 'records',
    params: [p('vals', { required: true })],
    write: true,
    call: (_env, model) => {
      throw notAllowed('write', model.description, model.name);
    },
  },
  unlink: {
    api: 'records',
    params: [],
    write: true,
    call: (_env, model) => {
      throw notAllowed('unlink', model.description, model.name);
    },
  },
};

function fieldsGet(
  env: Env,
  model: ModelDef,
  allfields: unknown,
  attributes: unknown,
): Record<string, unknown> {
  const defs = env.fields(model);
  const names =
    Array.isArray(allfields) && allfields.length > 0
      ? allfields.filter((f) => typeof f === 'string' && f in defs)
      : Object.keys(defs);
  const out: Record<string, unknown> = {};
  for (const name of names as string[]) {
    const d = defs[name] as FieldDef;
    const desc: Record<string, unknown> = {
      type: d.type,
      string: d.string,
      readonly: d.readonly ?? Boolean(d.compute),
      required: d.required ?? false,
      store: !d.compute,
      searchable: true,
      sortable: !d.compute,
      ...(d.relation ? { relation: d.relation } : {}),
      ...(d.selection ? { selection: d.selection } : {}),
    };
    if (Array.isArray(attributes) && attributes.length > 0)
      for (const k of Object.keys(desc)) if (!attributes.includes(k)) delete desc[k];
    out[name] = desc;
  }
  return out;
}

/** A model's method: its own, else the generic one. */
export function findMethod(model: ModelDef, name: string): MethodDef | undefined {
  return (
    model.methods?.[name] ?? (Object.prototype.hasOwnProperty.call(GENERIC, name) ? GENERIC[name] : undefined)
  );
}

/** The Python class that defines a method, for TypeError texts: BaseModel for the generic ones. */
export function qualname(model: ModelDef, name: string): string {
  if (!model.methods?.[name]) return `BaseModel.${name}`;
  const cls = model.name
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
  return `${cls}.${name}`;
}

// ---- calling --------------------------------------------------------------------------------------------

/**
 * Binds an XML-RPC call's positional and keyword arguments as Python would, raising Python's TypeError texts.
 * `self` counts as the first positional argument in those texts.
 */
export function bindPython(
  env: Env,
  qual: string,
  method: MethodDef,
  positional: unknown[],
  kwargs: Record<string, unknown>,
): Record<string, unknown> {
  const params = method.params.filter((x) => x.until === undefined || env.version <= x.until);
  const fn = `${qual}()`;
  if (positional.length > params.length) {
    const min = 1 + params.filter((x) => x.required).length;
    const max = 1 + params.length;
    const takes = min === max ? `${max}` : `from ${min} to ${max}`;
    throw pyError(
      'TypeError',
      `${fn} takes ${takes} positional argument${max === 1 ? '' : 's'} but ${positional.length + 1} were given`,
    );
  }
  const bound: Record<string, unknown> = {};
  positional.forEach((v, i) => (bound[(params[i] as ParamDef).name] = v));
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (params.some((x) => x.name === k)) {
      if (k in bound) throw pyError('TypeError', `${fn} got multiple values for argument '${k}'`);
      bound[k] = v;
    } else if (method.varkw) extra[k] = v;
    else throw pyError('TypeError', `${fn} got an unexpected keyword argument '${k}'`);
  }
  const missing = params.filter((x) => x.required && !(x.name in bound)).map((x) => `'${x.name}'`);
  if (missing.length > 0) {
    const names =
      missing.length === 1
        ? missing[0]
        : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`;
    throw pyError(
      'TypeError',
      `${fn} missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${names}`,
    );
  }
  if (method.varkw) bound.__kwargs = extra;
  return bound;
}

/** JSON-2 binds named arguments with `inspect.Signature.bind`, whose TypeError texts name no function. */
export function bindNamed(
  env: Env,
  method: MethodDef,
  kwargs: Record<string, unknown>,
): Record<string, unknown> {
  const params = method.params.filter((x) => x.until === undefined || env.version <= x.until);
  const bound: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (params.some((x) => x.name === k)) bound[k] = v;
    else if (method.varkw) extra[k] = v;
    else throw pyError('TypeError', `got an unexpected keyword argument '${k}'`);
  }
  const missing = params.find((x) => x.required && !(x.name in bound));
  if (missing) throw pyError('TypeError', `missing a required argument: '${missing.name}'`);
  if (method.varkw) bound.__kwargs = extra;
  return bound;
}

/** Record ids as `browse()` accepts them: one id or a list of ids. */
export function toIdList(v: unknown): number[] {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (v === false || v === null || v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    return [...new Set(v as number[])];
  throw pyError('TypeError', `Invalid ids ${JSON.stringify(v)}`);
}

/** Runs a bound method; record methods first check that every id exists (MissingError otherwise). */
export function invoke(
  env: Env,
  model: ModelDef,
  method: MethodDef,
  ids: number[],
  args: Record<string, unknown>,
): unknown {
  if (method.api === 'records') {
    const missing = ids.filter((id) => !env.byId(model, id));
    if (missing.length > 0) throw missingError(model.name, missing, env.uid);
  }
  return method.call(env, model, ids, args);
}
