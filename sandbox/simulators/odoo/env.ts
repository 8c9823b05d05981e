/**
 * The simulator's ORM environment: one per RPC call, like Odoo's `env` (user, context, a cache of records).
 * Models are views over the world computed on demand; non-stored computed fields (quantities) are evaluated
 * only for the records a call reads or searches on.
 */
import type { World } from '../../world';
import type { OdooState } from './state';
import type { OdooVersion } from './version';

/** A stored value: many2one as the id (or false), x2many as ids, datetimes as ms, empty as false. */
export type RawValue = string | number | boolean | number[];

export type FieldType =
  | 'integer'
  | 'float'
  | 'char'
  | 'text'
  | 'boolean'
  | 'selection'
  | 'datetime'
  | 'many2one'
  | 'one2many'
  | 'many2many';

export interface FieldDef {
  type: FieldType;
  string: string;
  relation?: string;
  selection?: [string, string][];
  readonly?: boolean;
  required?: boolean;
  /** A non-stored computed field: evaluated for a record only when read or searched on. */
  compute?: (row: Row, env: Env) => RawValue;
}

export interface Row {
  id: number;
  values: Record<string, RawValue>;
  /** The model's own handle on the world object behind the record (a quant's `sku\0location`, ...). */
  key?: string;
}

export interface ParamDef {
  name: string;
  required?: boolean;
  default?: unknown;
  /** The last version that has the parameter (search's `count` went away in 17). */
  until?: OdooVersion;
}

export interface MethodDef {
  /** `@api.model` methods take no ids; record methods take ids first. */
  api: 'model' | 'records';
  params: ParamDef[];
  /** The method accepts `**kwargs` (search_read forwards them to read). */
  varkw?: boolean;
  /** Writes are acknowledged but not applied under a silent-drop fault. */
  write: boolean;
  /** Returns the method's value; `undefined` is Python's None. */
  call(env: Env, model: ModelDef, ids: number[], args: Record<string, unknown>): unknown;
}

export interface ModelDef {
  name: string;
  /** `_description`, as access-error messages name it. */
  description: string;
  /** `_order`. */
  order: string;
  /** The many2one that makes the model a tree (`child_of`), e.g. stock.location's `location_id`. */
  parentField?: string;
  fields(version: OdooVersion): Record<string, FieldDef>;
  rows(env: Env): Row[];
  displayName(row: Row, env: Env): string;
  /** Model-specific methods and the create/write/unlink the model allows. */
  methods?: Record<string, MethodDef>;
}

export interface Registry {
  get(name: string): ModelDef | undefined;
}

/** Fields every model has. */
function magicFields(): Record<string, FieldDef> {
  return {
    id: { type: 'integer', string: 'ID', readonly: true },
    display_name: { type: 'char', string: 'Display Name', readonly: true },
    create_date: { type: 'datetime', string: 'Created on', readonly: true },
    write_date: { type: 'datetime', string: 'Last Updated on', readonly: true },
    create_uid: { type: 'many2one', string: 'Created by', relation: 'res.users', readonly: true },
    write_uid: { type: 'many2one', string: 'Last Updated by', relation: 'res.users', readonly: true },
  };
}

export class Env {
  private rowCache = new Map<string, { rows: Row[]; byId: Map<number, Row> }>();
  private fieldCache = new Map<string, Record<string, FieldDef>>();
  /** Per-call memo for derived data (location tree, quantity scope). */
  readonly memo = new Map<string, unknown>();

  constructor(
    readonly world: World,
    readonly state: OdooState,
    readonly registry: Registry,
    readonly uid: number,
    readonly context: Record<string, unknown>,
    /** A silent-drop fault is in force: writes answer as usual but change nothing. */
    readonly drop: boolean,
  ) {}

  get version(): OdooVersion {
    return this.state.version;
  }

  now(): number {
    return this.world.now();
  }

  model(name: string): ModelDef {
    const m = this.registry.get(name);
    if (!m) throw new Error(`model ${name} is not registered`);
    return m;
  }

  fields(model: ModelDef): Record<string, FieldDef> {
    let f = this.fieldCache.get(model.name);
    if (!f) this.fieldCache.set(model.name, (f = { ...magicFields(), ...model.fields(this.version) }));
    return f;
  }

  private table(model: ModelDef): { rows: Row[]; byId: Map<number, Row> } {
    let t = this.rowCache.get(model.name);
    if (!t) {
      const rows = model.rows(this);
      t = { rows, byId: new Map(rows.map((r) => [r.id, r])) };
      this.rowCache.set(model.name, t);
    }
    return t;
  }

  rows(model: ModelDef): Row[] {
    return this.table(model).rows;
  }

  byId(model: ModelDef, id: number): Row | undefined {
    return this.table(model).byId.get(id);
  }

  /** After a write, records are recomputed from the world. */
  invalidate(): void {
    this.rowCache.clear();
    this.memo.clear();
  }

  /** A field's raw value: stored, computed (then cached on the row), or a magic field's default. */
  value(model: ModelDef, row: Row, field: string): RawValue {
    if (field === 'id') return row.id;
    if (field in row.values) return row.values[field] as RawValue;
    const def = this.fields(model)[field];
    let v: RawValue = false;
    if (def?.compute) v = def.compute(row, this);
    else if (field === 'display_name') v = model.displayName(row, this);
    else if (field === 'create_date' || field === 'write_date') v = this.state.epoch;
    else if (field === 'create_uid' || field === 'write_uid') v = this.uid;
    else if (def?.type === 'one2many' || def?.type === 'many2many') v = [];
    else if (def?.type === 'float' || def?.type === 'integer') v = 0;
    row.values[field] = v;
    return v;
  }

  displayNameOf(modelName: string, id: number): string {
    const m = this.model(modelName);
    const row = this.byId(m, id);
    return row ? (this.value(m, row, 'display_name') as string) : '';
  }

  memoize<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }
}
