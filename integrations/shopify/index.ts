/**
 * The Shopify channel adapter (design C2, apis.md §3), built on `@shopify/admin-api-client` against the Admin
 * GraphQL API (2026-04 rules: `@idempotent` and `changeFromQuantity` on inventory mutations).
 *
 * - checkAccess: a `locations` query; every configured location must exist and be active.
 * - levels: variants by SKU with their levels' `available` (catalog.ts), at the configured locations only.
 * - readAll: a bulk query, paged by a cursor holding the bulk operation id and an offset (bulk.ts).
 * - push: inventorySetQuantities in idempotent batches of 250 with compare-and-set (push.ts).
 * - unmappedLocations: levels that reads saw at Shopify locations the config does not map (locations.ts).
 * - order / ordersSince: one order by id, or the orders updated since a cursor (orders.ts).
 * - levelsByRef: an `inventory_levels/update` webhook's inventory_item_id and location_id -> that level now.
 * Throttling: the last throttle status is kept per adapter; a request it cannot afford is refused before it is
 * sent (throttle.ts, client.ts). Loopback store domains are reached over http (client.ts, the loopback knob).
 */
import type { Config } from '../../domain/config/schema';
import type { AdapterDeps } from '../deps';
import type { ChannelOrder } from '../../domain/events';
import type { ChannelAdapter, ChannelLevel, ChannelPush, Page, PushOutcome } from '../types';
import { BulkReader } from './bulk';
import { Catalog } from './catalog';
import { ShopifyGraphql } from './client';
import { LocationFilter } from './locations';
import { LOCATIONS, type DataOf } from './operations';
import { Orders, ORDERS_OVERLAP_MS, toGid } from './orders';
import { Pusher } from './push';
import { IntegrationError } from '../errors';

export { isLoopbackStore, storeFetch } from './client';
export { decodeCursor, encodeCursor } from './bulk';
export { MAX_BATCH } from './push';

export type ShopifyChannelConfig = Extract<Config['channels'][number], { kind: 'shopify' }>;

export interface ShopifyAdapterOptions {
  /** Between two checks of a running bulk query (default 2 s). */
  bulkPollMs?: number | undefined;
  /** How long one readAll call waits for a bulk query before returning an empty page to resume (default 60 s). */
  bulkWaitMs?: number | undefined;
  /** Levels per readAll page (default 2000). */
  readAllPageSize?: number | undefined;
  /** Per GraphQL request (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** For the bulk result file (default 120 s). */
  downloadTimeoutMs?: number | undefined;
  /** How far before its cursor ordersSince reads (default 5 s). */
  ordersOverlapMs?: number | undefined;
}

export interface ShopifyChannelAdapter extends ChannelAdapter {
  readonly kind: 'shopify';
  /** Shopify locations not in the config where reads found levels, with how many SKUs each (for the audit). */
  unmappedLocations(): Promise<{ location: string; skus: number }[]>;
  levelsByRef(ref: { item: string; location?: string | undefined }): Promise<ChannelLevel[]>;
}

/** Each levels read asks about this much cost, a quarter of the Standard plan's bucket, so it rarely waits. */
const LEVELS_READ_BUDGET = 500;
const LOCATION_PAGE = 50;

export function createShopifyAdapter(
  cfg: ShopifyChannelConfig,
  deps: AdapterDeps,
  options: ShopifyAdapterOptions = {},
): ShopifyChannelAdapter {
  const now = deps.now ?? Date.now;
  const gql = new ShopifyGraphql({
    channel: cfg.id,
    storeDomain: cfg.credentials.storeDomain,
    accessToken: cfg.credentials.accessToken,
    apiVersion: cfg.credentials.apiVersion,
    fetch: deps.fetch,
    now,
    timeoutMs: options.requestTimeoutMs ?? 30_000,
  });
  // Levels asked per item: the mapped locations and a few more, so unmapped ones are seen too; more are paged.
  const levelsPerItem = Math.min(50, Math.max(5, cfg.locations.length + 3));
  const catalog = new Catalog(gql, {
    channel: cfg.id,
    idBatch: 50,
    levelBatch: Math.min(25, Math.max(1, Math.floor((LEVELS_READ_BUDGET - 2) / (4 + 3 * levelsPerItem)))),
    levelsPerItem,
  });
  const locations = new LocationFilter(cfg.locations);
  const bulk = new BulkReader(gql, catalog, locations, {
    channel: cfg.id,
    pollMs: options.bulkPollMs ?? 2_000,
    waitMs: options.bulkWaitMs ?? 60_000,
    pageSize: options.readAllPageSize ?? 2_000,
    downloadTimeoutMs: options.downloadTimeoutMs ?? 120_000,
    now,
    fetch: deps.fetch ?? fetch,
  });
  const pusher = new Pusher(gql, catalog, locations, { channel: cfg.id, mode: cfg.mode });
  const orders = new Orders(gql, locations, {
    channel: cfg.id,
    now,
    overlapMs: options.ordersOverlapMs ?? ORDERS_OVERLAP_MS,
    pageSize: 10,
    maxOrders: 250,
  });

  async function checkAccess(): Promise<void> {
    const found = new Map<string, { name: string; isActive: boolean }>();
    let after: string | null = null;
    do {
      const page: DataOf<typeof LOCATIONS>['locations'] = (
        await gql.run(LOCATIONS, { first: LOCATION_PAGE, after })
      ).locations;
      for (const l of page.nodes) found.set(l.id, l);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    cfg.locations.forEach((l, i) => {
      const shop = found.get(l.id);
      const path = `channels[${cfg.id}].locations[${i}]`;
      if (!shop || !shop.isActive)
        throw new IntegrationError({
          ...gql.context(LOCATIONS.name),
          location: l.id,
          code: 'UNMAPPED_LOCATION',
          message: shop
            ? `Shopify location ${l.id} (${shop.name}, ${path}) is deactivated in ${cfg.credentials.storeDomain}: reactivate it in Shopify or remove it from the config`
            : `Shopify location ${l.id} (${path}) does not exist in ${cfg.credentials.storeDomain}: use a location id of this shop (${[...found.keys()].join(', ') || 'none visible'})`,
        });
    });
  }

  async function levels(skus: readonly string[]): Promise<ChannelLevel[]> {
    const read = await catalog.readLevels(skus);
    const out: ChannelLevel[] = [];
    for (const sku of new Set(skus)) {
      const item = read.get(sku);
      if (item) out.push(...locations.keep(sku, item.levels));
    }
    return out;
  }

  /**
   * What Shopify shows now for the level an `inventory_levels/update` webhook names (REST numeric ids, or gids),
   * at configured locations only; nothing when the item is unknown or has no SKU.
   */
  async function levelsByRef(ref: { item: string; location?: string | undefined }): Promise<ChannelLevel[]> {
    for (const [what, id] of [
      ['inventory item', ref.item],
      ['location', ref.location],
    ] as const)
      if (id !== undefined && !/^(\d+|gid:\/\/shopify\/\w+\/\d+)$/.test(id))
        throw new IntegrationError({
          ...gql.context('inventoryItem'),
          code: 'INVALID_REQUEST',
          message: `levelsByRef on Shopify channel ${cfg.id}: "${id}" is not a Shopify ${what} id (a number, or its gid)`,
        });
    const item = await catalog.itemById(toGid('InventoryItem', ref.item));
    if (!item || item.ref.sku === '') return [];
    const at = ref.location === undefined ? undefined : toGid('Location', ref.location);
    return locations.keep(
      item.ref.sku,
      item.levels.filter((l) => at === undefined || l.location === at),
    );
  }

  return {
    id: cfg.id,
    kind: 'shopify',
    mode: cfg.mode,
    checkAccess,
    levels,
    readAll: (cursor?: string): Promise<Page<ChannelLevel>> => bulk.page(cursor),
    push: (pushes: readonly ChannelPush[], idempotencyKey: string): Promise<PushOutcome[]> =>
      pusher.push(pushes, idempotencyKey),
    unmappedLocations: () => Promise.resolve(locations.list()),
    order: (orderId: string): Promise<ChannelOrder | undefined> => orders.order(orderId),
    ordersSince: (cursor?: string) => orders.since(cursor),
    levelsByRef,
  };
}
