/**
 * The shapes Odoo answers, validated before use. Odoo marshals an empty field as `false`, a many2one as
 * `[id, display_name]`, floats as doubles and datetimes as UTC strings "YYYY-MM-DD HH:MM:SS".
 */
import { z } from 'zod';
import { badResponse } from './faults';
import { callContext, type CallSpec, type OdooRpc } from './rpc';

export const id = z.number().int().positive();
export const many2one = z.tuple([id, z.string()]);
export const optionalMany2one = z.union([many2one, z.literal(false)]);
export const optionalChar = z.union([z.string(), z.literal(false)]);
export const datetime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

export const productRow = z.object({
  id,
  default_code: optionalChar,
  barcode: optionalChar,
  name: z.string(),
  product_tmpl_id: many2one,
});
export const productCodeRow = z.object({ id, default_code: optionalChar });
export const productUomRow = z.object({ id, default_code: optionalChar, uom_id: many2one });
export const productTemplateRow = z.object({ id, default_code: optionalChar, product_tmpl_id: many2one });

export const locationRow = z.object({
  id,
  complete_name: z.string(),
  warehouse_id: optionalMany2one,
  parent_path: optionalChar,
});

export const quantRow = z.object({
  id,
  product_id: many2one,
  location_id: many2one,
  quantity: z.number(),
  reserved_quantity: z.number(),
});
export const quantQtyRow = z.object({ id, quantity: z.number() });
export const quantChangeRow = z.object({
  id,
  product_id: many2one,
  quantity: z.number(),
  reserved_quantity: z.number(),
  write_date: datetime,
});

export const moveRow = z.object({ id, product_id: many2one, date: datetime });
export const idRow = z.object({ id });

export const saleOrderRow = z.object({
  id,
  state: z.string(),
  delivery_status: z.union([z.string(), z.literal(false)]).optional(),
});

export const pickingRow = z.object({ id, name: z.string(), state: z.string() });
export const warehouseRow = z.object({ id, int_type_id: many2one });

export const bomRow = z.object({
  id,
  product_id: optionalMany2one,
  product_tmpl_id: many2one,
  product_qty: z.number().positive(),
});
export const bomKitRow = z.object({ id, product_id: optionalMany2one, product_tmpl_id: many2one });
export const bomLineRow = z.object({ id, bom_id: many2one, product_id: many2one, product_qty: z.number() });

/** `create` with a list of values answers a list of ids (XML-RPC answers one int for one dict). */
export const createdIds = z.union([id.transform((v) => [v]), z.array(id)]);

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : error.message;
}

/** Calls and validates; an answer that does not parse is BAD_RESPONSE naming the model method. */
export async function callParsed<T>(
  rpc: OdooRpc,
  model: string,
  method: string,
  spec: CallSpec,
  schema: z.ZodType<T>,
): Promise<T> {
  const answer = await rpc.call(model, method, spec);
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw badResponse(callContext(model, method, spec), describe(parsed.error));
  return parsed.data;
}

export interface SearchOptions {
  limit?: number | undefined;
  order?: string | undefined;
  context?: Record<string, unknown> | undefined;
  sku?: string | undefined;
  location?: string | undefined;
}

/** `search_read(domain, fields, limit, order)`, each row validated. */
export function searchRead<T>(
  rpc: OdooRpc,
  model: string,
  domain: unknown[],
  fields: string[],
  row: z.ZodType<T>,
  o: SearchOptions = {},
): Promise<T[]> {
  const kw: Record<string, unknown> = { fields };
  if (o.limit !== undefined) kw.limit = o.limit;
  if (o.order !== undefined) kw.order = o.order;
  return callParsed(
    rpc,
    model,
    'search_read',
    { arg: ['domain', domain], kw, context: o.context, sku: o.sku, location: o.location },
    z.array(row),
  );
}
