/**
 * SKU -> Shopify variant and inventory item, and the levels of those items. Variants are found with
 * `productVariants(query: "sku:\"A\" OR sku:\"B\"")`, batched and paged; Shopify's search is not an exact match,
 * so the answer is filtered on the exact SKU here. The mapping is cached for the adapter's life: a push needs the
 * inventory item ids and should not pay a lookup each time. An id Shopify no longer knows (INVALID_INVENTORY_ITEM)
 * drops its entry (`forget`), so the next attempt looks the SKU up again.
 */
import { IntegrationError } from '../errors';
import { badResponse, type ShopifyGraphql } from './client';
import {
  INVENTORY_ITEM,
  ITEM_LEVELS,
  VARIANT_IDS,
  VARIANT_LEVELS,
  type DataOf,
  type LevelNode,
} from './operations';

export interface VariantRef {
  sku: string;
  variantId: string;
  inventoryItemId: string;
}

export interface ItemLevels {
  ref: VariantRef;
  /** Every level of the item (configured locations or not), with its `available`. */
  levels: { location: string; available: number }[];
}

export interface CatalogOptions {
  channel: string;
  /** SKUs per ids lookup (cheap: 2 points a variant). */
  idBatch: number;
  /** SKUs per levels read; sized so one read stays near 500 requested points. */
  levelBatch: number;
  /** Levels asked per item in a levels read; more are paged with ITEM_LEVELS. */
  levelsPerItem: number;
}

const ITEM_LEVEL_PAGE = 50;

/** A `sku:` term of Shopify's search syntax, quoted so SKUs with spaces or colons stay one value. */
export function skuTerm(sku: string): string {
  return `sku:"${sku.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class Catalog {
  private readonly cache = new Map<string, VariantRef>();

  constructor(
    private readonly gql: ShopifyGraphql,
    private readonly o: CatalogOptions,
  ) {}

  forget(sku: string): void {
    this.cache.delete(sku);
  }

  /** Remembers what a bulk read saw (readAll fills the cache for later pushes). */
  remember(ref: VariantRef): void {
    if (ref.sku) this.cache.set(ref.sku, ref);
  }

  unlinked(sku: string): IntegrationError {
    return new IntegrationError({
      system: 'shopify',
      channel: this.o.channel,
      sku,
      code: 'UNLINKED_SKU',
      message: `SKU ${sku} has no Shopify variant on channel ${this.o.channel}: give a Shopify variant this SKU, or link it to the right one (skuLinks.overrides)`,
    });
  }

  private duplicate(sku: string, refs: VariantRef[]): IntegrationError {
    return new IntegrationError({
      system: 'shopify',
      channel: this.o.channel,
      sku,
      code: 'DUPLICATE_SKU',
      message: `SKU ${sku} is on ${refs.length} Shopify variants on channel ${this.o.channel} (${refs.map((r) => r.variantId).join(', ')}): give each variant its own SKU`,
    });
  }

  /** Groups search results by exact SKU; every asked SKU must have exactly one variant. */
  private exact(skus: readonly string[], found: VariantRef[]): Map<string, VariantRef> {
    const bySku = new Map<string, VariantRef[]>();
    for (const ref of found) {
      const list = bySku.get(ref.sku) ?? [];
      if (!list.some((r) => r.variantId === ref.variantId)) list.push(ref);
      bySku.set(ref.sku, list);
    }
    const out = new Map<string, VariantRef>();
    for (const sku of skus) {
      const refs = bySku.get(sku) ?? [];
      const ref = refs[0];
      if (!ref) throw this.unlinked(sku);
      if (refs.length > 1) throw this.duplicate(sku, refs);
      out.set(sku, ref);
      this.cache.set(sku, ref);
    }
    return out;
  }

  /** Variant and inventory item of each SKU: from the cache, else looked up. */
  async resolve(skus: readonly string[]): Promise<Map<string, VariantRef>> {
    const out = new Map<string, VariantRef>();
    const missing: string[] = [];
    for (const sku of new Set(skus)) {
      if (sku.trim() === '') throw this.unlinked(sku);
      const ref = this.cache.get(sku);
      if (ref) out.set(sku, ref);
      else missing.push(sku);
    }
    for (const batch of chunk(missing, this.o.idBatch)) {
      const found: VariantRef[] = [];
      const query = batch.map(skuTerm).join(' OR ');
      let after: string | null = null;
      do {
        const page: DataOf<typeof VARIANT_IDS>['productVariants'] = (
          await this.gql.run(VARIANT_IDS, { query, first: batch.length, after })
        ).productVariants;
        for (const n of page.nodes)
          found.push({ sku: n.sku ?? '', variantId: n.id, inventoryItemId: n.inventoryItem.id });
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      for (const [sku, ref] of this.exact(batch, found)) out.set(sku, ref);
    }
    return out;
  }

  /** The levels of these SKUs (variants looked up in the same query, so the cache is refreshed too). */
  async readLevels(skus: readonly string[]): Promise<Map<string, ItemLevels>> {
    const out = new Map<string, ItemLevels>();
    const unique = [...new Set(skus)];
    const blank = unique.find((s) => s.trim() === '');
    if (blank !== undefined) throw this.unlinked(blank);
    for (const batch of chunk(unique, this.o.levelBatch)) {
      const found: ItemLevels[] = [];
      const query = batch.map(skuTerm).join(' OR ');
      let after: string | null = null;
      do {
        const page: DataOf<typeof VARIANT_LEVELS>['productVariants'] = (
          await this.gql.run(VARIANT_LEVELS, {
            query,
            first: batch.length,
            levels: this.o.levelsPerItem,
            after,
          })
        ).productVariants;
        for (const n of page.nodes) {
          const ref = { sku: n.sku ?? '', variantId: n.id, inventoryItemId: n.inventoryItem.id };
          if (!batch.includes(ref.sku)) continue; // a fuzzy search hit: not asked for
          const levels = [...n.inventoryItem.inventoryLevels.nodes];
          const more = n.inventoryItem.inventoryLevels.pageInfo;
          if (more.hasNextPage) levels.push(...(await this.moreLevels(ref, more.endCursor)));
          found.push({ ref, levels: levels.map((l) => this.available(l)) });
        }
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      const refs = this.exact(
        batch,
        found.map((f) => f.ref),
      );
      for (const [sku, ref] of refs) {
        const item = found.find((f) => f.ref.variantId === ref.variantId);
        if (item) out.set(sku, item);
      }
    }
    return out;
  }

  /**
   * One inventory item by its gid, with its SKU and every level (a webhook names the item, not the SKU); undefined
   * when Shopify does not know it. The variant it names is remembered for later pushes.
   */
  async itemById(inventoryItemId: string): Promise<ItemLevels | undefined> {
    const item = (await this.gql.run(INVENTORY_ITEM, { id: inventoryItemId, first: this.o.levelsPerItem }))
      .inventoryItem;
    if (!item) return undefined;
    const ref = { sku: (item.sku ?? '').trim(), variantId: item.variant.id, inventoryItemId: item.id };
    this.remember(ref);
    const levels = [...item.inventoryLevels.nodes];
    const more = item.inventoryLevels.pageInfo;
    if (more.hasNextPage) levels.push(...(await this.moreLevels(ref, more.endCursor)));
    return { ref, levels: levels.map((l) => this.available(l)) };
  }

  /** The levels of an item past the first page (paging, not retrying). */
  private async moreLevels(ref: VariantRef, cursor: string | null): Promise<LevelNode[]> {
    const levels: LevelNode[] = [];
    let after = cursor;
    while (after) {
      const item = (
        await this.gql.run(ITEM_LEVELS, { id: ref.inventoryItemId, first: ITEM_LEVEL_PAGE, after })
      ).inventoryItem;
      if (!item) break; // deleted between the two reads: what was read stands
      levels.push(...item.inventoryLevels.nodes);
      after = item.inventoryLevels.pageInfo.hasNextPage ? item.inventoryLevels.pageInfo.endCursor : null;
    }
    return levels;
  }

  available(l: LevelNode): { location: string; available: number } {
    const q = l.quantities.find((x) => x.name === 'available');
    if (!q)
      throw badResponse(this.gql.context('productVariants'), `no "available" quantity at ${l.location.id}`);
    return { location: l.location.id, available: q.quantity };
  }
}
