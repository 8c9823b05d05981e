/**
 * What a stock write would change, decided before anything is applied: a request either applies whole or is
 * refused whole, and a silently dropped write can be answered exactly as an applied one.
 */
import type { Listing } from '../../world';
import { badRequest, cause, validationError } from './errors';
import { isFull, stockType, storeId, type MlItem, type MlProduct } from './catalog';
import { parseBody, sellerWarehouseSchema, sellingAddressSchema, type ItemUpdate } from './schemas';

export interface Change {
  listing: Listing;
  qty: number;
}

function nonNegative(qty: number, reference: string): void {
  if (qty < 0)
    throw validationError(
      'item.available_quantity.invalid',
      'available_quantity must be greater than or equal to 0',
      reference,
    );
}

/** The one listing an item-level write may set: not Full, not spread over several locations. */
function writable(product: MlProduct, qty: number, reference: string): Change {
  const [listing, ...rest] = product.listings;
  if (!listing || rest.length > 0)
    throw validationError(
      'item.available_quantity.not_modifiable',
      `The stock of user product ${product.userProductId} is distributed over locations: use /user-products/${product.userProductId}/stock`,
      reference,
    );
  return { listing, qty };
}

/** `PUT /items/{id}` with `available_quantity` or `variations[].available_quantity`; other fields are ignored. */
export function planItemUpdate(item: MlItem, body: ItemUpdate): Change[] {
  const variations = body.variations ?? [];
  if (body.available_quantity !== undefined) nonNegative(body.available_quantity, 'item.available_quantity');
  variations.forEach((v, i) => {
    if (v.available_quantity !== undefined)
      nonNegative(v.available_quantity, `item.variations[${i}].available_quantity`);
  });
  const touchesStock =
    body.available_quantity !== undefined || variations.some((v) => v.available_quantity !== undefined);
  if (!touchesStock) return [];
  // Full stock sits in Mercado Libre's warehouses; only Mercado Libre changes it.
  if (isFull(item))
    throw validationError(
      'item.available_quantity.not_modifiable',
      `The available_quantity of item ${item.id} cannot be modified: its stock is managed by Mercado Libre (logistic_type fulfillment)`,
      'item.available_quantity',
    );
  const changes: Change[] = [];
  const [only] = item.products;
  if (body.available_quantity !== undefined) {
    if (item.products.length > 1 || !only)
      throw validationError(
        'item.available_quantity.invalid',
        `Item ${item.id} has variations: set variations[].available_quantity`,
        'item.available_quantity',
      );
    changes.push(writable(only, body.available_quantity, 'item.available_quantity'));
  }
  variations.forEach((v, i) => {
    const product = item.products.length > 1 ? item.products.find((p) => p.variationId === v.id) : undefined;
    if (!product)
      throw validationError(
        'item.variations.id.invalid',
        `Variation ${v.id} does not belong to item ${item.id}`,
        `item.variations[${i}].id`,
      );
    if (v.available_quantity !== undefined)
      changes.push(writable(product, v.available_quantity, `item.variations[${i}].available_quantity`));
  });
  return changes;
}

function checkQuantity(q: number): void {
  if (q < 0)
    throw badRequest('Invalid quantity', [
      cause('stock.quantity.invalid', 'quantity must be greater than or equal to 0'),
    ]);
}

/** `PUT /user-products/{id}/stock/type/{type}`: selling_address and seller_warehouse are the seller's to set. */
export function planStockUpdate(item: MlItem, product: MlProduct, type: string, body: unknown): Change[] {
  const id = product.userProductId;
  if (type === 'meli_facility')
    throw badRequest(`The meli_facility stock of user product ${id} is managed by Mercado Libre`, [
      cause('stock.location.not_modifiable', 'meli_facility stock cannot be modified'),
    ]);
  if (type === 'selling_address') {
    const b = parseBody(sellingAddressSchema, body, 'stock', 'bad_request');
    checkQuantity(b.quantity);
    const listing = product.listings.find((l) => stockType(l) === 'selling_address');
    if (!listing)
      throw badRequest(`User product ${id} has no selling_address location`, [
        cause('stock.location.not_found', 'selling_address is not a location of this user product'),
      ]);
    return [{ listing, qty: b.quantity }];
  }
  if (type === 'seller_warehouse') {
    const b = parseBody(sellerWarehouseSchema, body, 'stock', 'bad_request');
    return b.locations.map((loc) => {
      checkQuantity(loc.quantity);
      const listing = product.listings.find(
        (l) =>
          stockType(l) === 'seller_warehouse' &&
          (loc.network_node_id === undefined || loc.network_node_id === l.location) &&
          (loc.store_id === undefined || loc.store_id === storeId(item.channel.id, l.location)),
      );
      if (!listing || (loc.network_node_id === undefined && loc.store_id === undefined))
        throw badRequest(`User product ${id} has no such seller_warehouse location`, [
          cause(
            'stock.location.not_found',
            `store ${loc.store_id ?? '?'} / node ${loc.network_node_id ?? '?'} not found`,
          ),
        ]);
      return { listing, qty: loc.quantity };
    });
  }
  throw badRequest(`Invalid stock location type ${type}`, [
    cause('stock.type.invalid', 'type must be selling_address, seller_warehouse or meli_facility'),
  ]);
}
