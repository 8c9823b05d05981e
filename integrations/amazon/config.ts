/**
 * What the Amazon adapter is built from: its channel's part of the config, plus tuning options that are not part of
 * the config file (batch threshold, feed wait, page sizes) and the SKU catalogue that `readAll` needs for FBM.
 */
import type { Config } from '../../domain/config/schema';

export type AmazonChannelConfig = Extract<Config['channels'][number], { kind: 'amazon' }>;

export interface AmazonAdapterOptions {
  /**
   * The seller SKUs to read FBM quantities for in `readAll` (normally the linked catalogue). SP-API has no bulk
   * read of merchant-fulfilled quantities that the sandbox offers (no Reports API, no searchListingsItems), so FBM
   * is read with one getListingsItem per SKU and the adapter must be told which SKUs to ask about. Without it,
   * `readAll` refuses the FBM phase rather than silently report FBA stock only. Called once per FBM page: pass a
   * cached source, e.g. `erpCatalogue(erp)` (catalogue.ts).
   */
  catalogue?: () => Promise<readonly string[]>;
  /** Up to this many SKUs are written with one patchListingsItem each; more go in one JSON_LISTINGS_FEED. */
  patchThreshold?: number;
  /** How long `push` waits for a feed to be processed before it throws a retryable TIMEOUT (the retry polls on). */
  feedWaitMs?: number;
  /** Interval between getFeed polls (getFeed allows 2 rps, burst 15). */
  feedPollMs?: number;
  /** SKUs per FBM page of `readAll` (getListingsItem bursts to 10 at 5 rps). */
  fbmPageSize?: number;
  /** Per-request timeout for SP-API, LWA and feed-document calls. */
  requestTimeoutMs?: number;
  /** How far before its cursor ordersSince reads (default 5 s). */
  ordersOverlapMs?: number;
}

export interface AmazonSettings {
  patchThreshold: number;
  feedWaitMs: number;
  feedPollMs: number;
  fbmPageSize: number;
  requestTimeoutMs: number;
}

export const DEFAULT_SETTINGS: AmazonSettings = {
  patchThreshold: 10,
  feedWaitMs: 30_000,
  feedPollMs: 2_000,
  fbmPageSize: 10,
  requestTimeoutMs: 30_000,
};

export function settings(o: AmazonAdapterOptions): AmazonSettings {
  return {
    patchThreshold: o.patchThreshold ?? DEFAULT_SETTINGS.patchThreshold,
    feedWaitMs: o.feedWaitMs ?? DEFAULT_SETTINGS.feedWaitMs,
    feedPollMs: o.feedPollMs ?? DEFAULT_SETTINGS.feedPollMs,
    fbmPageSize: Math.max(1, o.fbmPageSize ?? DEFAULT_SETTINGS.fbmPageSize),
    requestTimeoutMs: o.requestTimeoutMs ?? DEFAULT_SETTINGS.requestTimeoutMs,
  };
}

/** The one FBM location (fulfillment_channel_code DEFAULT) and the read-only FBA location. */
export const FBM_LOCATION = 'DEFAULT';
export const FBA_LOCATION = 'FBA';
