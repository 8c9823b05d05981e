/**
 * What a listing shows, per channel location. Full-only items are all Mercado Libre's (`meli_facility`, read-only);
 * an item that holds one quantity shows it at the config's first location; stock spread over locations (Full plus
 * the seller's address, or a multi-origin seller's stores) is read from the user-products API, which also
 * remembers its x-version for the write that usually follows.
 */
import type { ChannelLevel } from '../types';
import type { Listed } from './catalog';
import { FULL, type Locations } from './locations';
import type { UserProducts } from './stock';

export interface ReadDeps {
  channel: string;
  locations: Locations;
  stock: UserProducts;
}

/** Stock the item's one available_quantity cannot describe: only the user product's locations say where it is. */
export const distributed = (l: Listed, locations: Locations): boolean =>
  l.userProductId !== undefined && (l.logistic === 'coexist' || locations.multiOrigin);

export async function levelsOf(list: readonly Listed[], d: ReadDeps): Promise<ChannelLevel[]> {
  const out: ChannelLevel[] = [];
  // One user product at a time: its resource allows ~100 calls a minute, so bursts buy nothing but 429s.
  for (const l of list) {
    if (l.userProductId !== undefined && distributed(l, d.locations)) {
      const s = await d.stock.read(l.userProductId, { channel: d.channel, operation: 'levels', sku: l.sku });
      for (const loc of s.locations)
        out.push({
          sku: l.sku,
          location: d.locations.nameOf(loc),
          shows: loc.quantity,
          ...(loc.type === FULL ? { readOnly: 'full' as const } : {}),
        });
    } else if (l.logistic !== 'seller')
      // Full only (or, without a user product, Full that cannot be split): Mercado Libre's stock.
      out.push({ sku: l.sku, location: FULL, shows: l.quantity, readOnly: 'full' });
    else out.push({ sku: l.sku, location: d.locations.plain, shows: l.quantity });
  }
  return out;
}
