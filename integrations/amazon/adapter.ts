/**
 * The Amazon SP-API channel adapter: LWA tokens shared through the token store, FBA stock read-only from the FBA
 * inventory summaries, FBM quantity read from and written to Listings Items (one patch per SKU for a few SKUs, one
 * JSON_LISTINGS_FEED for many), orders from Orders v0 (orders.ts). No `levelsByRef`: Amazon's notifications carry
 * the SKU and the quantity themselves.
 */
import type { ChannelOrder } from '../../domain/events';
import type { AdapterDeps } from '../deps';
import type { ChannelAdapter, ChannelLevel, ChannelPush, Page, PushOutcome } from '../types';
import { SpApi } from './api';
import { spClients } from './clients';
import { settings as resolve, type AmazonAdapterOptions, type AmazonChannelConfig } from './config';
import { LwaTokens, StoreBackedAuth } from './lwa';
import { ORDERS_OVERLAP_MS, ordersSince, readOrder, type OrdersContext } from './orders';
import { push } from './push';
import { readAllPage, readLevels } from './reads';

export function createAmazonAdapter(
  cfg: AmazonChannelConfig,
  deps: AdapterDeps,
  options: AmazonAdapterOptions = {},
): ChannelAdapter {
  const settings = resolve(options);
  const lwa = new LwaTokens(cfg, deps, settings.requestTimeoutMs);
  const api = new SpApi(spClients(cfg, new StoreBackedAuth(lwa, cfg)), lwa, cfg, settings.requestTimeoutMs);
  const fba = cfg.fba.enabled;
  const orders: OrdersContext = {
    api,
    channel: cfg.id,
    now: deps.now ?? Date.now,
    overlapMs: options.ordersOverlapMs ?? ORDERS_OVERLAP_MS,
  };

  return {
    id: cfg.id,
    kind: 'amazon',
    mode: cfg.mode,

    /** A fresh LWA refresh (the refresh token and client credentials work) and one inventory summaries call. */
    async checkAccess(): Promise<void> {
      await lwa.refresh();
      await api.probe();
    },

    levels(skus: readonly string[]): Promise<ChannelLevel[]> {
      return readLevels(api, skus, fba);
    },

    readAll(cursor?: string): Promise<Page<ChannelLevel>> {
      return readAllPage(
        { api, channel: cfg.id, fba, pageSize: settings.fbmPageSize, catalogue: options.catalogue },
        cursor,
      );
    },

    push(pushes: readonly ChannelPush[], idempotencyKey: string): Promise<PushOutcome[]> {
      return push({ api, cfg, deps, settings }, pushes, idempotencyKey);
    },

    order(orderId: string): Promise<ChannelOrder | undefined> {
      return readOrder(orders, orderId);
    },

    ordersSince(cursor?: string): Promise<{ orders: ChannelOrder[]; cursor: string }> {
      return ordersSince(orders, cursor);
    },
  };
}
