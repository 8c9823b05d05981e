/**
 * The Mercado Libre channel adapter, over fetch (Mercado Libre publishes no maintained Node client).
 *
 * Calls per operation (the edge allows ~1500 a minute per seller; user-products stock ~100):
 * - `levels(skus)`: one items search per SKU, one multiget per 20 items, one user-products stock read per
 *   distributed stock (Full + seller's address, or a multi-origin seller's stores).
 * - `readAll`: one scan page of 100 items, five multigets, plus the user-products reads for distributed stock.
 * - `push`: as `levels` for resolution, then one `PUT /items/{id}` per item (all its variations in one) or one
 *   user-products PUT per user product.
 * - `order` / `ordersSince`: one order read (or one search page of 51) plus one shipment read per order (orders.ts).
 * - `levelsByRef(item)`: one multiget, plus the user-products reads for distributed stock.
 * Full (`meli_facility`) stock is read and reported read-only, never written. See push.ts on idempotency and
 * auth.ts on the single-use refresh tokens.
 */
import type { ChannelOrder } from '../../domain/events';
import type { Config } from '../../domain/config/schema';
import type { AdapterDeps } from '../deps';
import { IntegrationError } from '../errors';
import type { ChannelAdapter, ChannelLevel, Page, PushOutcome } from '../types';
import { MlAuth } from './auth';
import { Catalog, isLive, listedOf, stockKey } from './catalog';
import { SYSTEM } from './errors';
import { MlHttp } from './http';
import { levelsOf, type ReadDeps } from './levels';
import { Locations } from './locations';
import { MlOrders, ORDERS_OVERLAP_MS } from './orders';
import { pushStock, type PushDeps } from './push';
import { userAnswer } from './schemas';
import { UserProducts } from './stock';

export type MercadoLibreConfig = Extract<Config['channels'][number], { kind: 'mercadolibre' }>;

export const DEFAULT_ENDPOINT = 'https://api.mercadolibre.com';

export interface MercadoLibreAdapterOptions {
  /** How far before its cursor ordersSince reads (default 5 s). */
  ordersOverlapMs?: number | undefined;
}

/** Mercado Libre item ids: the site and a number (`MLM123456`, `MLA1`). */
const ITEM_ID = /^[A-Z]{3}\d+$/;

export function createMercadoLibreAdapter(
  cfg: MercadoLibreConfig,
  deps: AdapterDeps,
  options: MercadoLibreAdapterOptions = {},
): ChannelAdapter {
  const baseUrl = (cfg.credentials.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const fetchImpl = deps.fetch ?? fetch;
  const auth = new MlAuth({
    channel: cfg.id,
    baseUrl,
    clientId: cfg.credentials.clientId,
    clientSecret: cfg.credentials.clientSecret,
    refreshToken: cfg.credentials.refreshToken,
    tokens: deps.tokens,
    fetch: fetchImpl,
    now: deps.now ?? Date.now,
  });
  const http = new MlHttp(baseUrl, fetchImpl, auth);
  const userId = cfg.credentials.userId;
  const catalog = new Catalog(http, userId, cfg.id);
  const read: ReadDeps = {
    channel: cfg.id,
    locations: new Locations(cfg.locations),
    stock: new UserProducts(http),
  };
  const writeDeps: PushDeps = { ...read, mode: cfg.mode, catalog, http };
  const orders = new MlOrders({
    http,
    channel: cfg.id,
    userId,
    locations: read.locations,
    now: deps.now ?? Date.now,
    overlapMs: options.ordersOverlapMs ?? ORDERS_OVERLAP_MS,
  });

  return {
    id: cfg.id,
    kind: 'mercadolibre',
    mode: cfg.mode,

    async checkAccess(): Promise<void> {
      const ctx = { channel: cfg.id, operation: 'GET /users/me' };
      const me = await http.json(userAnswer, { method: 'GET', path: '/users/me', ctx });
      if (String(me.id) !== userId)
        throw new IntegrationError({
          system: SYSTEM,
          ...ctx,
          code: 'AUTH_FAILED',
          message: `The Mercado Libre token of channel ${cfg.id} belongs to user ${me.id}, but the config says userId ${userId}: authorise the app with the seller's own account, or fix credentials.userId`,
        });
    },

    async levels(skus: readonly string[]): Promise<ChannelLevel[]> {
      if (skus.length === 0) return [];
      const listed = await catalog.resolve(skus, 'levels');
      return levelsOf([...listed.values()], read);
    },

    async readAll(cursor?: string): Promise<Page<ChannelLevel>> {
      const page = await catalog.scan(cursor);
      // A user product listed in several items (classic + premium) is one stock: reported once per page.
      const byStock = new Map(
        page.items
          .filter(isLive)
          .flatMap(listedOf)
          .map((l) => [stockKey(l), l] as const),
      );
      return { items: await levelsOf([...byStock.values()], read), next: page.next };
    },

    push(pushes, _idempotencyKey): Promise<PushOutcome[]> {
      // No key goes to Mercado Libre: it takes none, and absolute, compared writes need none (push.ts).
      return pushStock(pushes, writeDeps);
    },

    order(orderId: string): Promise<ChannelOrder | undefined> {
      return orders.order(orderId);
    },

    ordersSince(cursor?: string): Promise<{ orders: ChannelOrder[]; cursor: string }> {
      return orders.since(cursor);
    },

    /**
     * What an `items` notification's item shows now: every SKU (variation) of it, at every location, Full
     * read-only. Nothing for an item Mercado Libre does not know, a closed one, or another seller's.
     */
    async levelsByRef(ref: { item: string; location?: string | undefined }): Promise<ChannelLevel[]> {
      if (!ITEM_ID.test(ref.item))
        throw new IntegrationError({
          system: SYSTEM,
          channel: cfg.id,
          operation: 'GET /items',
          code: 'INVALID_REQUEST',
          message: `levelsByRef on Mercado Libre channel ${cfg.id}: "${ref.item}" is not a Mercado Libre item id (e.g. MLM123456)`,
        });
      const [item] = await catalog.items([ref.item]);
      if (!item || !isLive(item)) return [];
      if (item.seller_id !== undefined && String(item.seller_id) !== userId) return [];
      return levelsOf(
        listedOf(item).filter((l) => l.sku !== ''),
        read,
      );
    },
  };
}
