/**
 * How the world's listings look as Mercado Libre items, variations and user products.
 *
 * A seed listing names its item (`itemId`); listings that share an item id are one item. Within an item each SKU is
 * one user product (UP): an item with one SKU has no variations, an item with several SKUs has one variation per
 * SKU. A UP's stock may sit at several locations: `selling_address` (the seller's warehouse), `meli_facility`
 * (Full, a listing with `full: true`) and `seller_warehouse` (any other channel location id, multi-origin).
 */
import type { Credentials } from '../../context';
import type { ChannelState, Listing, World } from '../../world';
import { mlDate, siteOf, stableCode, stableNumber } from './format';

export type StockType = 'selling_address' | 'meli_facility' | 'seller_warehouse';

/** One SKU of an item: a user product with its stock locations. */
export interface MlProduct {
  sku: string;
  userProductId: string;
  variationId: number;
  listings: Listing[];
}

export interface MlItem {
  id: string;
  channel: ChannelState;
  products: MlProduct[];
}

/** Quantities a write would set, used to answer a silently dropped write exactly as a successful one. */
export type Pending = Map<Listing, number>;

/** Prices are not modelled; every unit sells at this price. */
export const UNIT_PRICE = 100;

export function itemsOf(channel: ChannelState): MlItem[] {
  const byId = new Map<string, MlItem>();
  for (const l of channel.listings) {
    const id = l.ids.item;
    if (id === undefined) continue;
    let item = byId.get(id);
    if (!item) byId.set(id, (item = { id, channel, products: [] }));
    let p = item.products.find((x) => x.sku === l.sku);
    if (!p) {
      p = {
        sku: l.sku,
        userProductId: l.ids.userProduct ?? `${siteOf(id).site}U${stableNumber(`meli-up:${id}:${l.sku}`, 9)}`,
        variationId: stableNumber(`meli-variation:${id}:${l.sku}`),
        listings: [],
      };
      item.products.push(p);
    }
    p.listings.push(l);
  }
  return [...byId.values()];
}

/** The item among the seller's own, else any seller's (items are public to read). */
export function findItem(world: World, own: ChannelState, id: string): MlItem | undefined {
  const mine = itemsOf(own).find((i) => i.id === id);
  if (mine) return mine;
  for (const ch of world.channels.values())
    if (ch.kind === 'mercadolibre' && ch.id !== own.id) {
      const other = itemsOf(ch).find((i) => i.id === id);
      if (other) return other;
    }
  return undefined;
}

/** A UP by id. Every listing's UP id resolves, so Full+Flex seeds whose listings got separate ids still work. */
export function findProduct(
  channel: ChannelState,
  upId: string,
): { item: MlItem; product: MlProduct } | undefined {
  for (const item of itemsOf(channel))
    for (const product of item.products)
      if (product.userProductId === upId || product.listings.some((l) => l.ids.userProduct === upId))
        return { item, product };
  return undefined;
}

export function stockType(l: Listing): StockType {
  if (l.full || l.location === 'meli_facility') return 'meli_facility';
  return l.location === 'selling_address' ? 'selling_address' : 'seller_warehouse';
}

export const isFull = (item: MlItem): boolean =>
  item.products.some((p) => p.listings.some((l) => stockType(l) === 'meli_facility'));

/** The UP's `x-version`: every change to one of its locations bumps a listing version, so the sum only grows. */
export const upVersion = (p: MlProduct): number => p.listings.reduce((s, l) => s + l.version, 0);

export const storeId = (channelId: string, location: string): string =>
  String(stableNumber(`meli-store:${channelId}:${location}`, 7));

const qty = (l: Listing, pending?: Pending): number => pending?.get(l) ?? l.shows;
const productQty = (p: MlProduct, pending?: Pending): number =>
  p.listings.reduce((s, l) => s + qty(l, pending), 0);

function soldQuantity(channel: ChannelState, p: MlProduct): number {
  const locations = new Set(p.listings.map((l) => l.location));
  return channel.orders
    .filter((o) => o.sku === p.sku && locations.has(o.location) && o.status !== 'cancelled')
    .reduce((s, o) => s + o.qty, 0);
}

const skuAttribute = (sku: string) => ({
  id: 'SELLER_SKU',
  name: 'SKU',
  value_id: null,
  value_name: sku,
  values: [{ id: null, name: sku, struct: null }],
  value_type: 'string',
});

/** `GET /items/{id}`: the fields a stock connector reads, with the real names and nesting. */
export function renderItem(world: World, credentials: Credentials, item: MlItem, pending?: Pending) {
  const { site, currency } = siteOf(item.id);
  const single = item.products.length === 1 ? item.products[0] : undefined;
  const available = item.products.reduce((s, p) => s + productQty(p, pending), 0);
  const full = isFull(item);
  // Full + Flex coexistence: fulfillment logistics plus the `self_service_in` shipping tag.
  const coexists =
    full && item.products.some((p) => p.listings.some((l) => stockType(l) !== 'meli_facility'));
  const updated = Math.max(...item.products.flatMap((p) => p.listings.map((l) => l.updatedAt)));
  return {
    id: item.id,
    site_id: site,
    title: world.product(item.products[0]?.sku ?? '')?.name ?? item.products[0]?.sku ?? item.id,
    seller_id: Number(credentials.mercadolibre(item.channel.id).userId),
    category_id: `${site}1055`,
    price: UNIT_PRICE,
    base_price: UNIT_PRICE,
    currency_id: currency,
    available_quantity: available,
    sold_quantity: item.products.reduce((s, p) => s + soldQuantity(item.channel, p), 0),
    buying_mode: 'buy_it_now',
    listing_type_id: 'gold_special',
    condition: 'new',
    // Mercado Libre pauses an item that runs out and reactivates it when stock comes back.
    status: available > 0 ? 'active' : 'paused',
    sub_status: available > 0 ? [] : ['out_of_stock'],
    seller_custom_field: single ? single.sku : null,
    attributes: single ? [skuAttribute(single.sku)] : [],
    variations: single
      ? []
      : item.products.map((p) => ({
          id: p.variationId,
          price: UNIT_PRICE,
          attribute_combinations: [{ id: 'MODEL', name: 'Modelo', value_id: null, value_name: p.sku }],
          available_quantity: productQty(p, pending),
          sold_quantity: soldQuantity(item.channel, p),
          seller_custom_field: p.sku,
          attributes: [skuAttribute(p.sku)],
          user_product_id: p.userProductId,
          inventory_id: full ? stableCode(`meli-inventory:${item.id}:${p.sku}`) : null,
        })),
    user_product_id: single ? single.userProductId : null,
    inventory_id: single && full ? stableCode(`meli-inventory:${item.id}:${single.sku}`) : null,
    shipping: {
      mode: 'me2',
      logistic_type: full ? 'fulfillment' : 'cross_docking',
      free_shipping: false,
      local_pick_up: false,
      tags: coexists ? ['self_service_in'] : [],
    },
    tags: ['immediate_payment', 'cart_eligible', ...(single ? ['user_product_listing'] : [])],
    last_updated: mlDate(updated),
  };
}

/** `?attributes=a,b`: only the named top-level fields, as the real API filters them. */
export function pickAttributes(
  body: Record<string, unknown>,
  attributes: string | undefined,
): Record<string, unknown> {
  if (!attributes) return body;
  const wanted = new Set(attributes.split(',').map((a) => a.trim()));
  return Object.fromEntries(Object.entries(body).filter(([k]) => wanted.has(k)));
}

const order: Record<StockType, number> = { selling_address: 0, seller_warehouse: 1, meli_facility: 2 };

/** `GET /user-products/{id}/stock`. */
export function renderStock(item: MlItem, product: MlProduct, userId: number) {
  const locations = [...product.listings]
    .sort((a, b) => order[stockType(a)] - order[stockType(b)])
    .map((l) => {
      const type = stockType(l);
      return type === 'seller_warehouse'
        ? {
            type,
            network_node_id: l.location,
            store_id: storeId(item.channel.id, l.location),
            quantity: l.shows,
          }
        : { type, quantity: l.shows };
    });
  return { locations, user_id: userId, id: product.userProductId };
}
