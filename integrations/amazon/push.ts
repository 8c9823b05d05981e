/**
 * Writing FBM quantities. A few SKUs go one patchListingsItem each (patch.ts); more go in one JSON_LISTINGS_FEED
 * (bulk.ts). FBA stock is Amazon's and is never written; in shadow mode nothing is written at all.
 *
 * Amazon has no compare-and-set on quantities (no version, no "change from"): when the caller says what it expects
 * the channel to show, the adapter reads the listing first and does not write when Amazon shows something else
 * (`stale`, with what it shows; outcomes.ts). A sale can still land between that read and the write; the
 * reconciliation's read-back is what catches that window.
 *
 * Idempotency: Amazon takes no idempotency key on either path, so the adapter records what it did under the
 * caller's key in `deps.tokens`: the SKUs already patched (`amazon-patch:<channel>:<key>`), and the feed submitted
 * with its messageIds (`amazon-feed:<channel>:<key>`). A retry with the same key skips what was applied and polls the
 * same feed; it never re-sends a quantity that a sale may have lowered since.
 */
import type { AdapterDeps } from '../deps';
import { IntegrationError, where } from '../errors';
import type { ChannelPush, PushOutcome } from '../types';
import { FEED_TYPE, type SpApi } from './api';
import { pushByFeed } from './bulk';
import { FBA_LOCATION, FBM_LOCATION, type AmazonChannelConfig, type AmazonSettings } from './config';
import { SYSTEM } from './errors';
import { pushByPatch } from './patch';

export interface PushContext {
  api: SpApi;
  cfg: AmazonChannelConfig;
  deps: AdapterDeps;
  settings: AmazonSettings;
}

export async function push(
  c: PushContext,
  pushes: readonly ChannelPush[],
  key: string,
): Promise<PushOutcome[]> {
  validate(c.cfg.id, pushes);
  const byFeed = pushes.length > c.settings.patchThreshold;
  if (c.cfg.mode === 'shadow') return pushes.map((p, i) => shadow(c.cfg.id, p, byFeed, i, pushes.length));
  if (pushes.length === 0) return [];
  return byFeed ? pushByFeed(c, pushes, key) : pushByPatch(c, pushes, key);
}

function validate(channel: string, pushes: readonly ChannelPush[]): void {
  const seen = new Set<string>();
  const fail = (
    p: ChannelPush,
    code: 'WRITE_FORBIDDEN' | 'UNMAPPED_LOCATION' | 'INVALID_REQUEST',
    message: string,
  ) =>
    new IntegrationError({
      system: SYSTEM,
      channel,
      sku: p.sku,
      location: p.location,
      operation: 'push',
      code,
      message,
    });
  for (const p of pushes) {
    if (p.location === FBA_LOCATION)
      throw fail(
        p,
        'WRITE_FORBIDDEN',
        `FBA stock is Amazon's: invsync never pushes it (SKU ${p.sku}, channel ${channel})`,
      );
    if (p.location !== FBM_LOCATION)
      throw fail(
        p,
        'UNMAPPED_LOCATION',
        `${where({ sku: p.sku, location: p.location, channel })}Amazon channel ${channel} has one writable location, ${FBM_LOCATION} (FBM); ${p.location} is not an Amazon location`,
      );
    if (!Number.isInteger(p.qty) || p.qty < 0)
      throw fail(
        p,
        'INVALID_REQUEST',
        `${where({ sku: p.sku, location: p.location, channel })}quantity ${p.qty} is not a whole number of units >= 0`,
      );
    if (seen.has(p.sku))
      throw fail(
        p,
        'INVALID_REQUEST',
        `${where({ sku: p.sku, location: p.location, channel })}the SKU appears twice in one push: send one quantity per SKU`,
      );
    seen.add(p.sku);
  }
}

function shadow(channel: string, p: ChannelPush, byFeed: boolean, i: number, n: number): PushOutcome {
  const via = byFeed
    ? `message ${i + 1} of a ${FEED_TYPE} of ${n} SKUs`
    : 'patchListingsItem merge /attributes/fulfillment_availability';
  const cas = p.expected !== undefined ? `, if Amazon still shows ${p.expected}` : '';
  return {
    sku: p.sku,
    location: p.location,
    status: 'shadow',
    message: `shadow mode: would set SKU ${p.sku} at ${FBM_LOCATION} on ${channel} to ${p.qty} (${via}${cas}); nothing was sent`,
  };
}
