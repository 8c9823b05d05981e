/**
 * Validation of create/write values as the ORM does it: unknown fields are a ValueError, values of the wrong type
 * are "Wrong value for model.field: ...", and the idempotency reference the connector puts in the context.
 */
import type { z } from 'zod';
import type { Env, ModelDef } from '../env';
import { invalidField, pyError } from '../errors';
import { pyRepr } from '../values';

/** `create()` takes one dict (returns an id) or a list of dicts (returns ids). */
export function valsList(arg: unknown): { list: Record<string, unknown>[]; single: boolean } {
  const isDict = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isDict(arg)) return { list: [arg], single: true };
  if (Array.isArray(arg) && arg.every(isDict)) return { list: arg, single: false };
  throw pyError('TypeError', `create() expects a dict or a list of dicts, got ${pyRepr(arg)}`);
}

export function checkFieldNames(env: Env, model: ModelDef, vals: Record<string, unknown>): void {
  const fields = env.fields(model);
  for (const k of Object.keys(vals)) if (!(k in fields)) throw invalidField(model.name, k);
}

export function parseVals<T>(model: string, schema: z.ZodType<T>, vals: unknown): T {
  const r = schema.safeParse(vals);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path ?? [];
  let bad: unknown = vals;
  for (const k of path) bad = (bad as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
  throw pyError('ValueError', `Wrong value for ${model}.${String(path[0] ?? '?')}: ${pyRepr(bad)}`);
}

/** `context.inventory_mode`, as `stock.quant._is_inventory_mode` reads it. */
export const inventoryMode = (env: Env): boolean => Boolean(env.context.inventory_mode);

/**
 * The idempotency reference of a write: our extension `context.invsync_reference`. A call that applies several
 * changes suffixes it with /1, /2, ... so each one is applied once.
 */
export function references(env: Env, n: number): (string | undefined)[] {
  const ref = env.context.invsync_reference;
  if (typeof ref !== 'string' || ref === '') return Array.from({ length: n }, () => undefined);
  return n === 1 ? [ref] : Array.from({ length: n }, (_, i) => `${ref}/${i + 1}`);
}
