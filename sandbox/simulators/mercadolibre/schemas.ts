/** Request bodies and query strings, validated with zod; other fields a real client may send are ignored. */
import { z } from 'zod';
import { badRequest, issuesToCauses, mlError, type MlError } from './errors';

const int = z.number().int();
const numericId = z.union([int, z.string().regex(/^\d+$/).transform(Number)]);
/** Query-string integers arrive as text. */
const queryInt = z.string().regex(/^\d+$/, 'must be a non-negative integer').transform(Number);

export const itemUpdateSchema = z.object({
  available_quantity: int.optional(),
  variations: z.array(z.object({ id: numericId, available_quantity: int.optional() })).optional(),
});
export type ItemUpdate = z.output<typeof itemUpdateSchema>;

export const sellingAddressSchema = z.object({ quantity: int });
export const sellerWarehouseSchema = z.object({
  locations: z
    .array(
      z.object({
        store_id: z.union([z.string(), int.transform(String)]).optional(),
        network_node_id: z.string().optional(),
        quantity: int,
      }),
    )
    .min(1),
});

export const tokenRequestSchema = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  code: z.string().optional(),
});

export const multigetQuery = z.object({ ids: z.string().min(1), attributes: z.string().optional() });
export const itemQuery = z.object({ attributes: z.string().optional() });

export const itemSearchQuery = z.object({
  seller_sku: z.string().optional(),
  sku: z.string().optional(),
  status: z.enum(['active', 'paused', 'closed']).optional(),
  offset: queryInt.optional(),
  limit: queryInt.optional(),
  search_type: z.enum(['scan']).optional(),
  scroll_id: z.string().optional(),
});

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date');
export const orderSearchQuery = z.object({
  seller: z.string().regex(/^\d+$/, 'must be a user id'),
  'order.status': z
    .enum(['paid', 'cancelled', 'confirmed', 'payment_required', 'payment_in_process'])
    .optional(),
  'order.date_created.from': isoDate.optional(),
  'order.date_created.to': isoDate.optional(),
  'order.date_last_updated.from': isoDate.optional(),
  'order.date_last_updated.to': isoDate.optional(),
  sort: z.enum(['date_asc', 'date_desc']).optional(),
  offset: queryInt.optional(),
  limit: queryInt.optional(),
});
export type OrderSearch = z.output<typeof orderSearchQuery>;

/** A query string that fails validation: 400 with one cause per bad parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const r = schema.safeParse(query);
  if (r.success) return r.data;
  throw badRequest('Invalid query parameters', issuesToCauses(r.error.issues, 'query'));
}

/**
 * A body that fails validation: 400 with one cause per bad field. Items answer `validation_error` (their
 * validator's shape); other resources answer `bad_request`.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  prefix: string,
  error: 'validation_error' | 'bad_request',
): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const message = error === 'validation_error' ? 'Validation error' : 'Invalid request body';
  const err: MlError = mlError(400, error, message, issuesToCauses(r.error.issues, prefix));
  throw err;
}
