/**
 * What Amazon shows. FBA stock comes from the FBA inventory summaries: it is Amazon's, read-only, at location `FBA`,
 * and only `fulfillableQuantity` can be sold (inbound, reserved, researching and unfulfillable units are reported in
 * the breakdown, never counted). FBM stock is the listing's processed `fulfillmentAvailability` DEFAULT quantity, at
 * location `DEFAULT`.
 *
 * `readAll` pages FBA summaries first (50 a page, Amazon's page size), then the FBM catalogue with one
 * getListingsItem per SKU: the sandbox offers no bulk FBM read (no Reports API, no searchListingsItems).
 */
import { z } from 'zod';
import { IntegrationError, isIntegrationError } from '../errors';
import type { ChannelLevel, Page } from '../types';
import type { SpApi } from './api';
import { FBA_LOCATION, FBM_LOCATION } from './config';
import { SYSTEM } from './errors';
import type { InventorySummary, ListingsItem } from './schemas';

/** sellerSkus accepts at most 50 SKUs per call. */
export const SUMMARY_SKUS_PER_CALL = 50;

export function fbaLevel(s: InventorySummary): ChannelLevel {
  const d = s.inventoryDetails;
  return {
    sku: s.sellerSku,
    location: FBA_LOCATION,
    shows: d.fulfillableQuantity,
    readOnly: 'fba',
    fba: {
      fulfillable: d.fulfillableQuantity,
      inbound: d.inboundWorkingQuantity + d.inboundShippedQuantity + d.inboundReceivingQuantity,
      reserved: d.reservedQuantity?.totalReservedQuantity ?? 0,
      unfulfillable: d.unfulfillableQuantity?.totalUnfulfillableQuantity ?? 0,
      researching: d.researchingQuantity?.totalResearchingQuantity ?? 0,
    },
  };
}

/** The FBM level of a listing, or undefined when the SKU has no merchant-fulfilled (DEFAULT) offer. */
export function fbmLevel(sku: string, item: ListingsItem): ChannelLevel | undefined {
  const entry = item.fulfillmentAvailability?.find((f) => f.fulfillmentChannelCode === 'DEFAULT');
  return entry ? { sku, location: FBM_LOCATION, shows: entry.quantity ?? 0 } : undefined;
}

/** What the channel shows for these SKUs: one getListingsItem each, plus FBA summaries 50 SKUs a call. */
export async function readLevels(api: SpApi, skus: readonly string[], fba: boolean): Promise<ChannelLevel[]> {
  const unique = [...new Set(skus)];
  const out: ChannelLevel[] = [];
  // Sequential on purpose: getListingsItem bursts to 10 at 5 rps, and a 429 should stop the batch, not scatter.
  for (const sku of unique) {
    const level = fbmLevel(sku, await api.listing(sku));
    if (level) out.push(level);
  }
  if (!fba) return out;
  for (let i = 0; i < unique.length; i += SUMMARY_SKUS_PER_CALL) {
    const chunk = unique.slice(i, i + SUMMARY_SKUS_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await api.summaries({ sellerSkus: chunk, nextToken });
      out.push(...page.payload.inventorySummaries.filter((s) => chunk.includes(s.sellerSku)).map(fbaLevel));
      nextToken = page.pagination?.nextToken;
    } while (nextToken);
  }
  return out;
}

// ---- readAll ----------------------------------------------------------------------------------------------------

const cursorSchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('fba'), token: z.string().optional() }),
  z.object({ phase: z.literal('fbm'), after: z.string().optional() }),
]);
type Cursor = z.output<typeof cursorSchema>;

const encode = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(cursor: string, channel: string): Cursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = cursorSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new IntegrationError({
    system: SYSTEM,
    channel,
    operation: 'readAll',
    code: 'INVALID_REQUEST',
    message: `readAll on Amazon channel ${channel} was given a cursor it did not issue: start again without one`,
  });
}

export interface ReadAllContext {
  api: SpApi;
  channel: string;
  fba: boolean;
  pageSize: number;
  catalogue: (() => Promise<readonly string[]>) | undefined;
}

export async function readAllPage(c: ReadAllContext, cursor?: string): Promise<Page<ChannelLevel>> {
  const at: Cursor = cursor ? decode(cursor, c.channel) : c.fba ? { phase: 'fba' } : { phase: 'fbm' };
  if (at.phase === 'fba') {
    const page = await c.api.summaries({ nextToken: at.token });
    const token = page.pagination?.nextToken;
    return {
      items: page.payload.inventorySummaries.map(fbaLevel),
      next: encode(token ? { phase: 'fba', token } : { phase: 'fbm' }),
    };
  }
  return fbmPage(c, at.after);
}

/**
 * One page of FBM levels, in SKU order after `after`. When Amazon throttles part-way, the SKUs read so far are
 * returned with a cursor at the throttled one, so every attempt makes progress; the next call meets the 429 and
 * surfaces it with its delay. A catalogue SKU Amazon does not list (404) is not on the channel: it is skipped.
 */
async function fbmPage(c: ReadAllContext, after: string | undefined): Promise<Page<ChannelLevel>> {
  if (!c.catalogue)
    throw new IntegrationError({
      system: SYSTEM,
      channel: c.channel,
      operation: 'readAll',
      code: 'INVALID_REQUEST',
      message: `readAll on Amazon channel ${c.channel} needs the SKU catalogue (options.catalogue): SP-API has no bulk FBM read here, so FBM quantities are read SKU by SKU`,
    });
  const all = [...new Set(await c.catalogue())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rest = after === undefined ? all : all.filter((s) => s > after);
  const skus = rest.slice(0, c.pageSize);
  const items: ChannelLevel[] = [];
  let last: string | undefined = after;
  for (const sku of skus) {
    try {
      const level = fbmLevel(sku, await c.api.listing(sku));
      if (level) items.push(level);
    } catch (err) {
      if (isIntegrationError(err) && err.code === 'UNLINKED_SKU') {
        last = sku;
        continue;
      }
      if (isIntegrationError(err) && err.code === 'RATE_LIMITED' && last !== after)
        return { items, next: encode({ phase: 'fbm', ...(last !== undefined ? { after: last } : {}) }) };
      throw err;
    }
    last = sku;
  }
  const more = rest.length > skus.length;
  return { items, next: more && last !== undefined ? encode({ phase: 'fbm', after: last }) : undefined };
}
