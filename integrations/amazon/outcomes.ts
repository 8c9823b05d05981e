/** What the write paths share: the pre-read that stands in for compare-and-set, and Amazon's refusals. */
import { IntegrationError, where } from '../errors';
import type { ChannelPush, PushOutcome } from '../types';
import type { SpApi } from './api';
import { FBM_LOCATION } from './config';
import { SYSTEM } from './errors';
import { fbmLevel } from './reads';
import type { ListingIssue } from './schemas';

/**
 * The read that stands in for compare-and-set (see the module comment): `unchanged` when Amazon already shows the
 * quantity, `stale` when it shows neither that nor what the caller expected, undefined when the write should go.
 */
export async function compare(api: SpApi, p: ChannelPush): Promise<PushOutcome | undefined> {
  if (p.expected === undefined) return undefined;
  const level = fbmLevel(p.sku, await api.listing(p.sku));
  // No DEFAULT offer (an FBA-only listing): nothing to compare; the write itself will say why Amazon refuses it.
  if (!level) return undefined;
  if (level.shows === p.qty)
    return { sku: p.sku, location: p.location, status: 'unchanged', shows: level.shows };
  if (level.shows === p.expected) return undefined;
  return {
    sku: p.sku,
    location: p.location,
    status: 'stale',
    shows: level.shows,
    message: `Amazon shows ${level.shows}, not the ${p.expected} invsync expected: ${p.qty} was not written; recompute from what Amazon shows`,
  };
}

export const errorText = (issues: readonly { message: string; code?: string | undefined }[]): string =>
  issues.map((i) => (i.code ? `${i.code} ${i.message}` : i.message)).join('; ');

export const onlyErrors = (issues: readonly ListingIssue[] | undefined) =>
  (issues ?? []).filter((i) => i.severity === 'ERROR');

export function rejection(
  channel: string,
  operation: string,
  what: string,
  rejected: readonly { sku: string; text: string }[],
  total: number,
): IntegrationError {
  const only = rejected.length === 1 && total === 1 ? rejected[0] : undefined;
  const fix = 'Fix the listing in Seller Central or unlink the SKU from this channel.';
  const applied = total - rejected.length;
  const message = only
    ? `${where({ sku: only.sku, location: FBM_LOCATION, channel })}Amazon rejected ${what} as INVALID. Amazon says: ${only.text} ${fix}`
    : `Amazon rejected ${what} for ${rejected.length} of ${total} SKUs on channel ${channel} (the other ${applied} were accepted). ${rejected.map((r) => `SKU ${r.sku}: ${r.text}`).join(' | ')} ${fix}`;
  return new IntegrationError({
    system: SYSTEM,
    channel,
    operation,
    code: 'UPSTREAM_REJECTED',
    ...(rejected.length === 1 ? { sku: rejected[0]?.sku, location: FBM_LOCATION } : {}),
    message,
  });
}
