/**
 * Listings Items 2021-08-01 (apis.md 4.2): `getListingsItem` and `patchListingsItem` on
 * `/listings/2021-08-01/items/{sellerId}/{sku}`. The SKU arrives URL-encoded (it may hold `/`, spaces, `+`), so the
 * path is split and decoded here rather than by the router. An accepted patch changes the world through
 * `world.setShows(..., 'api')`; a refused one is HTTP 200 with `status: "INVALID"` and issues.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from '../../http';
import { badInput, notFound } from './errors';
import { isoDate, queryList, queryString } from './format';
import { patchOperation, planPatches, type SkuListings } from './patches';
import { assertSeller, jsonBody, OPERATIONS, spRoute, type SpCall, type SpReply } from './pipeline';
import type { AmazonState } from './state';

const BASE = '/listings/2021-08-01/items';
const GET_INCLUDED = [
  'summaries',
  'attributes',
  'issues',
  'offers',
  'fulfillmentAvailability',
  'procurement',
  'relationships',
  'productTypes',
];
const PATCH_INCLUDED = ['identifiers', 'issues'];
/** The world has no product types or prices; every listing is the generic PRODUCT at a fixed sandbox price. */
const PRODUCT_TYPE = 'PRODUCT';
const PRICE = { currencyCode: 'USD', amount: '19.99' };

const patchRequest = z.object({
  productType: z.string().min(1),
  patches: z.array(patchOperation).min(1),
});

export function registerListings(app: FastifyInstance, state: AmazonState): void {
  spRoute(app, state, 'GET', `${BASE}/*`, OPERATIONS.getListingsItem, (call) => getListingsItem(state, call));
  spRoute(app, state, 'PATCH', `${BASE}/*`, OPERATIONS.patchListingsItem, (call) =>
    patchListingsItem(state, call),
  );
}

/** `{sellerId}/{sku}` from the raw path, each segment percent-decoded once. */
function pathParams(req: FastifyRequest): { sellerId: string; sku: string } {
  const path = req.url.split('?')[0] ?? '';
  const rest = path.slice(BASE.length + 1).split('/');
  if (rest.length !== 2 || rest[0] === '' || rest[1] === '') throw notFound('Resource not found.');
  try {
    return { sellerId: decodeURIComponent(rest[0] ?? ''), sku: decodeURIComponent(rest[1] ?? '') };
  } catch {
    throw badInput('The SKU is not correctly URL-encoded.');
  }
}

function marketplace(call: SpCall): string {
  const ids = queryList((call.req.query as Record<string, unknown>).marketplaceIds);
  if (ids.length === 0) throw badInput('Missing required parameter: marketplaceIds.');
  if (ids.length > 1) throw badInput('marketplaceIds accepts one marketplace.');
  if (ids[0] !== call.seller.marketplaceId) throw badInput(`Invalid marketplaceIds: ${ids[0]}.`);
  return call.seller.marketplaceId;
}

function included(call: SpCall, allowed: string[], fallback: string[]): string[] {
  const values = queryList((call.req.query as Record<string, unknown>).includedData);
  for (const v of values) if (!allowed.includes(v)) throw badInput(`Invalid includedData: ${v}.`);
  return values.length > 0 ? values : fallback;
}

export function skuListings(state: AmazonState, channelId: string, sku: string): SkuListings {
  const listings = state.ctx.world.channel(channelId).listings.filter((l) => l.sku === sku);
  return {
    fbm: listings.find((l) => l.location === 'DEFAULT'),
    fba: listings.find((l) => l.location === 'FBA'),
  };
}

const submittedKey = (channelId: string, sku: string) => `${channelId}\u0000${sku}`;

function getListingsItem(state: AmazonState, call: SpCall): SpReply {
  const { sellerId, sku } = pathParams(call.req);
  assertSeller(call, sellerId);
  const marketplaceId = marketplace(call);
  const data = included(call, GET_INCLUDED, ['summaries']);
  const { fbm, fba } = skuListings(state, call.channelId, sku);
  const any = fbm ?? fba;
  if (!any) throw notFound(`SKU '${sku}' not found in marketplace ${marketplaceId}.`);
  const world = state.ctx.world;
  const fbaQty = fba ? (world.fba(call.channelId, sku)?.fulfillable ?? fba.shows) : 0;
  const buyable = (fbm?.shows ?? 0) > 0 || fbaQty > 0;
  const name = world.product(sku)?.name ?? sku;
  const submitted = state.submitted.get(submittedKey(call.channelId, sku)) ?? fbm?.shows;
  const updated = Math.max(fbm?.updatedAt ?? 0, fba?.updatedAt ?? 0);

  const item: Record<string, unknown> = { sku };
  if (data.includes('summaries'))
    item.summaries = [
      {
        marketplaceId,
        asin: any.ids.asin,
        productType: PRODUCT_TYPE,
        conditionType: 'new_new',
        status: buyable ? ['BUYABLE', 'DISCOVERABLE'] : ['DISCOVERABLE'],
        ...(fba ? { fnSku: fba.ids.fnsku } : {}),
        itemName: name,
        createdDate: isoDate(state.listingsCreatedAt),
        lastUpdatedDate: isoDate(updated),
      },
    ];
  // `attributes` holds what the seller submitted, `fulfillmentAvailability` what Amazon processed; after a sale the
  // two differ (selling-partner-api-models#5327), and only the latter is the live count.
  if (data.includes('attributes'))
    item.attributes = {
      fulfillment_availability: [
        ...(fbm ? [{ fulfillment_channel_code: 'DEFAULT', quantity: submitted }] : []),
        ...(fba ? [{ fulfillment_channel_code: 'AMAZON_NA' }] : []),
      ],
      condition_type: [{ value: 'new_new', marketplace_id: marketplaceId }],
      item_name: [{ value: name, language_tag: 'en_US', marketplace_id: marketplaceId }],
    };
  if (data.includes('issues')) item.issues = [];
  if (data.includes('offers')) item.offers = [{ marketplaceId, offerType: 'B2C', price: PRICE }];
  if (data.includes('fulfillmentAvailability'))
    item.fulfillmentAvailability = [
      ...(fbm ? [{ fulfillmentChannelCode: 'DEFAULT', quantity: fbm.shows }] : []),
      ...(fba ? [{ fulfillmentChannelCode: 'AMAZON_NA', quantity: fbaQty }] : []),
    ];
  if (data.includes('procurement')) item.procurement = [];
  if (data.includes('relationships')) item.relationships = [{ marketplaceId, relationships: [] }];
  if (data.includes('productTypes')) item.productTypes = [{ marketplaceId, productType: PRODUCT_TYPE }];
  return { body: item };
}

function patchListingsItem(state: AmazonState, call: SpCall): SpReply {
  const { sellerId, sku } = pathParams(call.req);
  assertSeller(call, sellerId);
  const marketplaceId = marketplace(call);
  const data = included(call, PATCH_INCLUDED, ['issues']);
  const mode = queryString((call.req.query as Record<string, unknown>).mode);
  if (mode !== undefined && mode !== 'VALIDATION_PREVIEW') throw badInput(`Invalid mode: ${mode}.`);
  const parsed = patchRequest.safeParse(jsonBody(call.req));
  if (!parsed.success)
    throw badInput(
      'Request has missing or invalid parameters and cannot be parsed.',
      parsed.error.issues[0]?.message ?? '',
    );

  const listings = skuListings(state, call.channelId, sku);
  const listing = listings.fbm ?? listings.fba;
  if (!listing) throw notFound(`SKU '${sku}' not found in marketplace ${marketplaceId}.`);
  const plan = planPatches(sku, listings, parsed.data.patches);
  const status = plan.issues.length > 0 ? 'INVALID' : mode === 'VALIDATION_PREVIEW' ? 'VALID' : 'ACCEPTED';
  if (status === 'ACCEPTED' && !call.gate.drop && plan.quantity !== undefined && listings.fbm) {
    state.submitted.set(submittedKey(call.channelId, sku), plan.quantity);
    state.ctx.world.setShows(call.channelId, listings.fbm, plan.quantity, 'api');
  }
  return {
    body: {
      sku,
      status,
      submissionId: randomUUID(),
      ...(data.includes('issues') ? { issues: plan.issues } : {}),
      ...(data.includes('identifiers') ? { identifiers: [{ marketplaceId, asin: listing.ids.asin }] } : {}),
    },
  };
}

/** Applies a quantity from a feed message the same way an accepted patch does. */
export function applyQuantity(state: AmazonState, channelId: string, sku: string, quantity: number): void {
  const fbm = skuListings(state, channelId, sku).fbm;
  if (!fbm) return;
  state.submitted.set(submittedKey(channelId, sku), quantity);
  state.ctx.world.setShows(channelId, fbm, quantity, 'api');
}
