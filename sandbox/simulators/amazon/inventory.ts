/**
 * FBA inventory: `GET /fba/inventory/v1/summaries` (apis.md 4.1) from the world's `fba` rows. At most 50 summaries a
 * page, with `pagination.nextToken` (valid 30 s). With `details=true` every summary carries the full
 * `inventoryDetails` breakdown, in which only `fulfillableQuantity` is sellable; without it, only the totals.
 */
import type { FbaInventory } from '../../world';
import { badInput } from './errors';
import {
  decodePageToken,
  derivedAsin,
  derivedFnSku,
  encodePageToken,
  fingerprint,
  isoDate,
  parseDate,
  queryList,
  queryString,
} from './format';
import { OPERATIONS, spRoute, type SpCall, type SpReply } from './pipeline';
import type { AmazonState } from './state';
import type { FastifyInstance } from '../../http';

const PAGE_SIZE = 50;
const MAX_SKUS = 50;
const NEXT_TOKEN_TTL_MS = 30_000;
const EIGHTEEN_MONTHS_MS = 548 * 24 * 3_600_000;

export function registerInventory(app: FastifyInstance, state: AmazonState): void {
  spRoute(app, state, 'GET', '/fba/inventory/v1/summaries', OPERATIONS.getInventorySummaries, (call) =>
    getInventorySummaries(state, call),
  );
}

function getInventorySummaries(state: AmazonState, call: SpCall): SpReply {
  const q = call.req.query as Record<string, unknown>;
  const granularityType = queryString(q.granularityType);
  const granularityId = queryString(q.granularityId);
  const marketplaceIds = queryList(q.marketplaceIds);
  if (granularityType === undefined) throw badInput('Missing required parameter: granularityType.');
  if (granularityType !== 'Marketplace') throw badInput(`Invalid granularityType: ${granularityType}.`);
  if (!granularityId) throw badInput('Missing required parameter: granularityId.');
  if (marketplaceIds.length === 0) throw badInput('Missing required parameter: marketplaceIds.');
  if (marketplaceIds.length > 1) throw badInput('marketplaceIds accepts one marketplace.');
  if (marketplaceIds[0] !== call.seller.marketplaceId || granularityId !== call.seller.marketplaceId)
    throw badInput(
      `Invalid marketplaceId: ${marketplaceIds[0] !== call.seller.marketplaceId ? marketplaceIds[0] : granularityId}.`,
    );
  const details = parseBool(queryString(q.details));
  const startDateTime = parseDate('startDateTime', queryString(q.startDateTime));
  if (startDateTime !== undefined && startDateTime < call.now - EIGHTEEN_MONTHS_MS)
    throw badInput('startDateTime must be within the last 18 months.');
  const sellerSkus = queryList(q.sellerSkus);
  if (sellerSkus.length > MAX_SKUS) throw badInput(`sellerSkus accepts at most ${MAX_SKUS} SKUs.`);
  const sellerSku = queryString(q.sellerSku);

  // The documented precedence: startDateTime wins over sellerSkus, which wins over sellerSku.
  let rows = inventoryRows(state, call.channelId);
  if (startDateTime !== undefined) rows = rows.filter((r) => r.updatedAt >= startDateTime);
  else if (sellerSkus.length > 0) rows = rows.filter((r) => sellerSkus.includes(r.sku));
  else if (sellerSku !== undefined) rows = rows.filter((r) => r.sku === sellerSku);

  const filters = fingerprint([
    granularityId,
    startDateTime,
    startDateTime === undefined ? sellerSkus : [],
    sellerSku,
  ]);
  const offset = pageOffset(queryString(q.nextToken), filters, call.now);
  const page = rows.slice(offset, offset + PAGE_SIZE);
  const more = offset + PAGE_SIZE < rows.length;
  return {
    body: {
      payload: {
        granularity: { granularityType, granularityId },
        inventorySummaries: page.map((r) => summary(state, call.channelId, r, details)),
      },
      ...(more ? { pagination: { nextToken: encodePageToken(offset + PAGE_SIZE, filters, call.now) } } : {}),
    },
  };
}

function parseBool(v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badInput(`Invalid details: ${v}.`);
}

function pageOffset(token: string | undefined, filters: string, now: number): number {
  if (token === undefined || token === '') return 0;
  const t = decodePageToken(token);
  if (!t || t.fingerprint !== filters) throw badInput('Invalid nextToken.');
  if (now - t.issuedAt > NEXT_TOKEN_TTL_MS) throw badInput('The nextToken has expired.');
  return t.offset;
}

/** FBA rows plus FBA listings the world has no row for (Amazon reports them with zero quantities). */
function inventoryRows(state: AmazonState, channelId: string): FbaInventory[] {
  const ch = state.ctx.world.channel(channelId);
  const rows = [...ch.fba];
  for (const l of ch.listings)
    if (l.location === 'FBA' && !rows.some((r) => r.sku === l.sku))
      rows.push({
        sku: l.sku,
        fulfillable: 0,
        inboundWorking: 0,
        inboundShipped: 0,
        inboundReceiving: 0,
        reserved: 0,
        unfulfillable: 0,
        researching: 0,
        pendingInspection: 0,
        updatedAt: l.updatedAt,
      });
  return rows.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

function summary(
  state: AmazonState,
  channelId: string,
  f: FbaInventory,
  details: boolean,
): Record<string, unknown> {
  const world = state.ctx.world;
  const listing = world.channel(channelId).listings.find((l) => l.sku === f.sku && l.location === 'FBA');
  // The world keeps one `reserved` figure (pending customer orders) and returns awaiting inspection apart; Amazon
  // reports the latter as fulfilment-centre processing inside reserved.
  const reserved = f.reserved + f.pendingInspection;
  const inbound = f.inboundWorking + f.inboundShipped + f.inboundReceiving;
  const base = {
    asin: listing?.ids.asin ?? derivedAsin(f.sku),
    fnSku: listing?.ids.fnsku ?? derivedFnSku(f.sku),
    sellerSku: f.sku,
    condition: 'NewItem',
    lastUpdatedTime: isoDate(f.updatedAt),
    productName: world.product(f.sku)?.name ?? f.sku,
    totalQuantity: f.fulfillable + inbound + reserved + f.unfulfillable + f.researching,
  };
  if (!details) return base;
  return {
    ...base,
    inventoryDetails: {
      fulfillableQuantity: f.fulfillable,
      inboundWorkingQuantity: f.inboundWorking,
      inboundShippedQuantity: f.inboundShipped,
      inboundReceivingQuantity: f.inboundReceiving,
      reservedQuantity: {
        totalReservedQuantity: reserved,
        pendingCustomerOrderQuantity: f.reserved,
        pendingTransshipmentQuantity: 0,
        fcProcessingQuantity: f.pendingInspection,
      },
      researchingQuantity: {
        totalResearchingQuantity: f.researching,
        researchingQuantityBreakdown: [
          { name: 'researchingQuantityInShortTerm', quantity: f.researching },
          { name: 'researchingQuantityInMidTerm', quantity: 0 },
          { name: 'researchingQuantityInLongTerm', quantity: 0 },
        ],
      },
      // The world does not say why a unit is unfulfillable; customer damage is the usual cause after returns.
      unfulfillableQuantity: {
        totalUnfulfillableQuantity: f.unfulfillable,
        customerDamagedQuantity: f.unfulfillable,
        warehouseDamagedQuantity: 0,
        distributorDamagedQuantity: 0,
        carrierDamagedQuantity: 0,
        defectiveQuantity: 0,
        expiredQuantity: 0,
      },
    },
  };
}
