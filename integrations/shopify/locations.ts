/**
 * Which Shopify locations the channel's config maps. Reads return only those; a level at any other location is
 * left out of the result but remembered here, so `invsync audit` can say "Shopify location X holds N SKUs that
 * the config does not map" (`unmappedLocations()`).
 */
import type { ChannelLevel } from '../types';

export class LocationFilter {
  private readonly configured: ReadonlySet<string>;
  private readonly unmapped = new Map<string, Set<string>>();

  constructor(locations: readonly { id: string }[]) {
    this.configured = new Set(locations.map((l) => l.id));
  }

  has(location: string): boolean {
    return this.configured.has(location);
  }

  /** The levels at configured locations; the others are counted, not returned. */
  keep(sku: string, levels: readonly { location: string; available: number }[]): ChannelLevel[] {
    const out: ChannelLevel[] = [];
    for (const l of levels) {
      if (this.configured.has(l.location)) {
        out.push({ sku, location: l.location, shows: l.available });
        continue;
      }
      const skus = this.unmapped.get(l.location) ?? new Set<string>();
      skus.add(sku);
      this.unmapped.set(l.location, skus);
    }
    return out;
  }

  /** Every unmapped location seen by a read so far, with how many distinct SKUs it holds. */
  list(): { location: string; skus: number }[] {
    return [...this.unmapped.entries()]
      .map(([location, skus]) => ({ location, skus: skus.size }))
      .sort((a, b) => a.location.localeCompare(b.location));
  }
}
