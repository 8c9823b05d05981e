/**
 * The Mercado Libre answers the adapter reads, validated with zod. Only the fields invsync uses are declared; the
 * rest of each body is ignored, so a field Mercado Libre adds never breaks a read.
 */
import { z } from 'zod';

const int = z.number().int();

/** `POST /oauth/token` (refresh_token grant). */
export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: int.positive(),
  scope: z.string().optional(),
  user_id: int.optional(),
  refresh_token: z.string().min(1),
});
export type TokenAnswer = z.output<typeof tokenAnswer>;

/** One entry of an error's `cause` array (items add department, cause_id, references). */
export const errorCause = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
});

/** `{message, error, status, cause}`, the shape of every JSON error (OAuth adds `error_description`). */
export const errorAnswer = z.object({
  message: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
  status: int.optional(),
  // Causes are objects on most resources, bare strings on a few older ones: keep both, read the objects.
  cause: z.array(z.unknown()).optional(),
});
export type ErrorAnswer = z.output<typeof errorAnswer>;

const attribute = z.object({
  id: z.string().nullable().optional(),
  value_name: z.string().nullable().optional(),
});

export const variation = z.object({
  id: int,
  available_quantity: int,
  seller_custom_field: z.string().nullable().optional(),
  attributes: z.array(attribute).optional(),
  user_product_id: z.string().nullable().optional(),
});
export type Variation = z.output<typeof variation>;

export const item = z.object({
  id: z.string().min(1),
  seller_id: int.optional(),
  available_quantity: int,
  status: z.string().optional(),
  seller_custom_field: z.string().nullable().optional(),
  attributes: z.array(attribute).optional(),
  variations: z.array(variation).optional(),
  user_product_id: z.string().nullable().optional(),
  shipping: z
    .object({
      logistic_type: z.string().nullable().optional(),
      tags: z.array(z.string()).optional(),
    })
    .nullable()
    .optional(),
});
export type Item = z.output<typeof item>;

/** The fields asked for on item reads (`?attributes=`): the stock-relevant part of a large body. */
export const ITEM_FIELDS = [
  'id',
  'seller_id',
  'available_quantity',
  'status',
  'seller_custom_field',
  'attributes',
  'variations',
  'user_product_id',
  'shipping',
].join(',');

/** `GET /items?ids=`: one `{code, body}` per id, in the order asked. */
export const multigetAnswer = z.array(z.object({ code: int, body: z.unknown() }));

/** `GET /users/{id}/items/search`, by SKU, by offset or by scan (`scroll_id`). */
export const searchAnswer = z.object({
  results: z.array(z.string()),
  paging: z.object({ total: int.nonnegative(), offset: int.optional(), limit: int.optional() }),
  scroll_id: z.string().nullable().optional(),
});

export const stockLocation = z.object({
  type: z.string(),
  quantity: int,
  store_id: z
    .union([z.string(), int.transform(String)])
    .nullable()
    .optional(),
  network_node_id: z.string().nullable().optional(),
});
export type StockLocation = z.output<typeof stockLocation>;

/** `GET /user-products/{id}/stock` (the `x-version` header comes with it). */
export const stockAnswer = z.object({
  id: z.string(),
  user_id: int.optional(),
  locations: z.array(stockLocation),
});

/** `x-version` is a long: kept as its decimal text, never as a float. */
export const xVersion = z.string().regex(/^\d+$/);

export const userAnswer = z.object({ id: int, nickname: z.string().optional() });

// ---- orders and shipments ---------------------------------------------------------------------------------------

/** Ids Mercado Libre writes as numbers, kept as their decimal text. */
const numericText = z.union([int.transform(String), z.string().regex(/^\d+$/)]);
/** Mercado Libre writes resource times with a local offset (`2019-10-30T12:19:20.000-04:00`). */
const mlTime = z.iso.datetime({ offset: true });

export const orderItem = z.object({
  item: z.object({
    id: z.string().nullable().optional(),
    variation_id: int.nullable().optional(),
    seller_sku: z.string().nullable().optional(),
    seller_custom_field: z.string().nullable().optional(),
  }),
  quantity: int.nonnegative(),
  /** Multi-origin sellers: the store (seller_warehouse) the unit sells from. */
  stock: z
    .object({
      store_id: z
        .union([z.string(), int.transform(String)])
        .nullable()
        .optional(),
      node_id: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
});

/** `GET /orders/{id}` and each result of `GET /orders/search`. */
export const orderAnswer = z.object({
  id: numericText,
  status: z.string(),
  date_created: mlTime,
  last_updated: mlTime.nullable().optional(),
  order_items: z.array(orderItem),
  shipping: z.object({ id: numericText.nullable().optional() }).nullable().optional(),
  /** Claims opened on the order (a return is one). */
  mediations: z.array(z.object({ id: z.union([int, z.string()]) })).optional(),
});
export type OrderAnswer = z.output<typeof orderAnswer>;

export const orderSearchAnswer = z.object({
  results: z.array(orderAnswer),
  paging: z.object({ total: int.nonnegative(), offset: int.optional(), limit: int.optional() }),
});

/** `GET /shipments/{id}`: `logistic_type` `fulfillment` is Full (shipped from Mercado Libre's warehouse). */
export const shipmentAnswer = z.object({
  id: numericText,
  logistic_type: z.string().nullable().optional(),
  status: z.string().optional(),
});
