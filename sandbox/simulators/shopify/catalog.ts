/**
 * How a Shopify shop looks from the world's listings. A listing is keyed (sku, location); all listings of a SKU
 * share one variant and one inventory item (`listing.ids`), and each listing is that item's inventory level at
 * the listing's location. `listing.shows` is the level's `available` quantity.
 */
import type { ChannelState, Listing, World } from '../../world';
import { gid, legacyId } from './ids';

/** Every quantity name Shopify knows; `on_hand` = available + committed + reserved + damaged + safety_stock + quality_control. */
export const QUANTITY_NAMES = [
  'available',
  'committed',
  'damaged',
  'incoming',
  'on_hand',
  'quality_control',
  'reserved',
  'safety_stock',
] as const;
export type QuantityName = (typeof QUANTITY_NAMES)[number];

export function isQuantityName(name: string): name is QuantityName {
  return (QUANTITY_NAMES as readonly string[]).includes(name);
}

/** One variant / inventory item of the shop, with its levels (one per stocked location). */
export interface Item {
  sku: string;
  itemId: string;
  variantId: string;
  productId: string;
  levels: Listing[];
}

export function items(channel: ChannelState): Item[] {
  const byItem = new Map<string, Item>();
  for (const l of channel.listings) {
    const itemId = l.ids.inventoryItem;
    if (!itemId) continue;
    let item = byItem.get(itemId);
    if (!item) {
      item = {
        sku: l.sku,
        itemId,
        variantId: l.ids.variant ?? '',
        productId: l.ids.product ?? '',
        levels: [],
      };
      byItem.set(itemId, item);
    }
    item.levels.push(l);
  }
  const all = [...byItem.values()];
  for (const i of all) i.levels.sort((a, b) => legacyId(a.location) - legacyId(b.location));
  return all.sort((a, b) => legacyId(a.itemId) - legacyId(b.itemId));
}

export function itemById(channel: ChannelState, itemId: string): Item | undefined {
  return items(channel).find((i) => i.itemId === itemId);
}

export function itemByVariant(channel: ChannelState, variantId: string): Item | undefined {
  return items(channel).find((i) => i.variantId === variantId);
}

export function itemBySku(channel: ChannelState, sku: string): Item | undefined {
  return items(channel).find((i) => i.sku === sku);
}

export function locationIds(channel: ChannelState): string[] {
  return channel.locations.map((l) => l.id).sort((a, b) => legacyId(a) - legacyId(b));
}

export function hasLocation(channel: ChannelState, locationId: string): boolean {
  return channel.locations.some((l) => l.id === locationId);
}

export function level(item: Item, locationId: string): Listing | undefined {
  return item.levels.find((l) => l.location === locationId);
}

/** `gid://shopify/InventoryLevel/<location>?inventory_item_id=<item>`, the shape Shopify uses. */
export function levelId(listing: Listing): string {
  return `${gid('InventoryLevel', legacyId(listing.location))}?inventory_item_id=${legacyId(listing.ids.inventoryItem ?? '')}`;
}

/**
 * Units sold on the channel and not yet shipped: Shopify's `committed`. The world has no Shopify fulfilment, so
 * an order stops being committed when the ERP ships it (or it is cancelled/returned).
 */
export function committed(world: World, channel: ChannelState, listing: Listing): number {
  let units = 0;
  for (const o of channel.orders) {
    if (o.status !== 'open' || o.sku !== listing.sku || o.location !== listing.location) continue;
    if (world.erpOrder(`${channel.id}:${o.id}`)?.status === 'shipped') continue;
    units += o.qty;
  }
  return units;
}

/** All quantities of one level. The world models available and committed; the other states are always 0. */
export function quantities(
  world: World,
  channel: ChannelState,
  listing: Listing,
): Record<QuantityName, number> {
  const available = listing.shows;
  const c = committed(world, channel, listing);
  return {
    available,
    committed: c,
    damaged: 0,
    incoming: 0,
    on_hand: available + c,
    quality_control: 0,
    reserved: 0,
    safety_stock: 0,
  };
}

export function productTitle(world: World, sku: string): string {
  return world.product(sku)?.name ?? sku;
}

/** The latest change of any of the item's levels. */
export function itemUpdatedAt(item: Item): number {
  return Math.max(...item.levels.map((l) => l.updatedAt));
}
