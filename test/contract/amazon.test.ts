/**
 * Amazon SP-API simulator contract, driven by the real `@sp-api-sdk` clients the connector uses (pointed at the
 * simulator as apis.md 4.4 describes: `basePath` plus an auth whose LWA refresh goes to the simulator). Every
 * response body is validated against Amazon's official models.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SellingPartnerApiError } from '@sp-api-sdk/common';
import { Credentials, type SandboxContext } from '../../sandbox/context';
import type { SeedInput } from '../../sandbox/seed';
import { signNotification, startAmazon, type AmazonServed } from '../../sandbox/simulators/amazon';
import { WebhookHub } from '../../sandbox/webhooks';
import { World } from '../../sandbox/world';
import {
  amazonClients,
  LwaError,
  ModelValidator,
  notificationErrors,
  SimulatorLwaAuth,
  type AmazonClients,
} from './support/amazon-clients';

const MARKETPLACE = 'ATVPDKIKX0DER';
const FBA_SKUS = Array.from({ length: 60 }, (_, i) => `FBA-${String(i).padStart(3, '0')}`);
const ODD_SKU = 'MUG/BLUE 12oz+50%';

const seed: SeedInput = {
  erp: {
    locations: [{ id: 'WH1/Stock', warehouse: 'WH1' }],
    products: [
      { sku: 'TSHIRT-RED-M', name: 'Red T-shirt M' },
      { sku: 'MUG-BLUE', name: 'Blue mug' },
      { sku: ODD_SKU },
    ],
    stock: [{ sku: 'TSHIRT-RED-M', location: 'WH1/Stock', onHand: 40 }],
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'amazon',
      kind: 'amazon',
      fbmErpLocations: ['WH1/Stock'],
      listings: [
        { sku: 'TSHIRT-RED-M', fulfillment: 'FBM', shows: 40 },
        { sku: ODD_SKU, fulfillment: 'FBM', shows: 5 },
        { sku: 'MUG-BLUE', fulfillment: 'FBA', shows: 10 },
      ],
      fba: [
        {
          sku: 'MUG-BLUE',
          fulfillable: 10,
          inboundShipped: 50,
          reserved: 5,
          unfulfillable: 7,
          researching: 1,
        },
        ...FBA_SKUS.map((sku, i) => ({ sku, fulfillable: i })),
      ],
    },
    {
      id: 'amazon-b',
      kind: 'amazon',
      fbmErpLocations: ['WH1/Stock'],
      listings: [{ sku: 'TSHIRT-RED-M', fulfillment: 'FBM', shows: 3 }],
      fba: [{ sku: 'ONLY-B', fulfillable: 4 }],
    },
  ],
};

const inventoryModel = new ModelValidator('fbaInventory.json');
const listingsModel = new ModelValidator('listingsItems_2021-08-01.json');
const feedsModel = new ModelValidator('feeds_2021-06-30.json');
const ordersModel = new ModelValidator('ordersV0.json');

interface Failure {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

/** The SDK throws `SellingPartnerApiError` (an AxiosError) for non-2xx answers; this returns what came back. */
async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SellingPartnerApiError && err.response)
      return {
        status: err.response.status,
        headers: err.response.headers as Record<string, unknown>,
        data: err.response.data,
      };
    throw err;
  }
  throw new Error('expected the call to fail');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let world: World;
let credentials: Credentials;
let hub: WebhookHub;
let ctx: SandboxContext;
let sim: AmazonServed;
let auth: SimulatorLwaAuth;
let api: AmazonClients;
let seller: ReturnType<Credentials['amazon']>;

beforeAll(async () => {
  world = new World(seed);
  credentials = new Credentials('test-secret');
  hub = new WebhookHub(world);
  ctx = { world, webhooks: hub, credentials };
  sim = await startAmazon(ctx, { port: 0, feedQueueMs: 400, feedProcessingMs: 400 });
  seller = credentials.amazon('amazon');
  auth = new SimulatorLwaAuth(sim.lwaUrl, seller);
  api = amazonClients(sim.url, auth);
});

afterAll(async () => {
  await hub.drain();
  await sim.close();
});

beforeEach(() => {
  world.reset(seed);
  world.faults = [];
});

const listing = (channel: string, sku: string) => world.listing(channel, sku);
const calls = (endpoint: string) =>
  world.state().calls.find((c) => c.system === 'amazon' && c.endpoint === endpoint);

describe('the model validators', () => {
  it('reject bodies that break the official models', () => {
    expect(
      inventoryModel.errors('getInventorySummaries', 200, {
        payload: { granularity: {}, inventorySummaries: [{ totalQuantity: '3' }] },
      }),
    ).toEqual(['/payload/inventorySummaries/0/totalQuantity must be integer']);
    // An issue without `categories`, which the Listings model requires.
    expect(
      listingsModel.errors('patchListingsItem', 200, {
        sku: 'A',
        status: 'INVALID',
        submissionId: 'x',
        issues: [{ code: '1', message: 'm', severity: 'ERROR' }],
      }),
    ).toEqual(["/issues/0 must have required property 'categories'"]);
    expect(
      feedsModel.errors('getFeed', 200, {
        feedId: '1',
        feedType: 'X',
        createdTime: 'yesterday',
        processingStatus: 'DONE',
      }),
    ).toEqual(['/createdTime must match format "date-time"']);
    expect(
      ordersModel.errors('getOrders', 200, { payload: { Orders: [{ AmazonOrderId: '1' }] } }),
    ).toHaveLength(3);
    expect(
      notificationErrors('ListingsItemMfnQuantityChange.json', {
        NotificationType: 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
      }),
    ).not.toEqual([]);
  });
});

// ---- Login with Amazon ------------------------------------------------------------------------------------------

describe('LWA token endpoint', () => {
  const post = (body: string, contentType: string) =>
    fetch(sim.lwaUrl, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('refreshes with JSON and with a form body', async () => {
    const grant = {
      grant_type: 'refresh_token',
      refresh_token: seller.refreshToken,
      client_id: seller.clientId,
      client_secret: seller.clientSecret,
    };
    for (const res of [
      await post(JSON.stringify(grant), 'application/json'),
      await post(new URLSearchParams(grant).toString(), 'application/x-www-form-urlencoded'),
    ]) {
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({
        access_token: expect.stringMatching(/^Atza\|/),
        refresh_token: seller.refreshToken,
        token_type: 'bearer',
        expires_in: 3600,
      });
    }
  });

  it('answers a bad refresh token with invalid_grant and a bad secret with invalid_client', async () => {
    const badGrant = await post(
      JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: 'Atzr|nope',
        client_id: seller.clientId,
        client_secret: seller.clientSecret,
      }),
      'application/json',
    );
    expect(badGrant.status).toBe(400);
    expect(await badGrant.json()).toEqual({
      error_description: 'The request has an invalid grant parameter : refresh_token',
      error: 'invalid_grant',
    });
    const badClient = await post(
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: seller.refreshToken,
        client_id: seller.clientId,
        client_secret: 'wrong',
      }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(badClient.status).toBe(401);
    expect(await badClient.json()).toEqual({
      error_description: 'Client authentication failed',
      error: 'invalid_client',
    });
    expect(calls('lwa.token')).toMatchObject({ count: 2, errors: 2 });
  });

  it('makes an SDK call fail with invalid_grant when the refresh token is wrong', async () => {
    const bad = amazonClients(
      sim.url,
      new SimulatorLwaAuth(sim.lwaUrl, { ...seller, refreshToken: 'Atzr|revoked' }),
    );
    const err = await bad.inventory
      .getInventorySummaries({
        granularityType: 'Marketplace',
        granularityId: MARKETPLACE,
        marketplaceIds: [MARKETPLACE],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LwaError);
    expect(err).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(calls('getInventorySummaries')).toBeUndefined();
  });
});

// ---- FBA inventory ----------------------------------------------------------------------------------------------

describe('getInventorySummaries', () => {
  const base = {
    granularityType: 'Marketplace' as const,
    granularityId: MARKETPLACE,
    marketplaceIds: [MARKETPLACE],
  };

  it('pages more than 50 summaries with pagination.nextToken', async () => {
    const first = await api.inventory.getInventorySummaries({ ...base, details: true });
    expect(inventoryModel.errors('getInventorySummaries', 200, first.data)).toEqual([]);
    expect(first.headers['x-amzn-ratelimit-limit']).toBe('2');
    expect(first.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.data.payload?.granularity).toEqual({
      granularityType: 'Marketplace',
      granularityId: MARKETPLACE,
    });
    expect(first.data.payload?.inventorySummaries).toHaveLength(50);
    const nextToken = first.data.pagination?.nextToken;
    expect(typeof nextToken).toBe('string');

    const second = await api.inventory.getInventorySummaries({ ...base, details: true, nextToken });
    expect(inventoryModel.errors('getInventorySummaries', 200, second.data)).toEqual([]);
    expect(second.data.payload?.inventorySummaries).toHaveLength(11);
    expect(second.data.pagination).toBeUndefined();
    const skus = [
      ...(first.data.payload?.inventorySummaries ?? []),
      ...(second.data.payload?.inventorySummaries ?? []),
    ].map((s) => s.sellerSku);
    expect(new Set(skus)).toEqual(new Set(['MUG-BLUE', ...FBA_SKUS]));
  });

  it('details every quantity, and only fulfillable can be sold', async () => {
    const res = await api.inventory.getInventorySummaries({
      ...base,
      details: true,
      sellerSkus: ['MUG-BLUE'],
    });
    const mug = res.data.payload?.inventorySummaries[0];
    expect(mug).toEqual({
      asin: expect.stringMatching(/^B0/),
      fnSku: expect.stringMatching(/^X00/),
      sellerSku: 'MUG-BLUE',
      condition: 'NewItem',
      lastUpdatedTime: expect.any(String),
      productName: 'Blue mug',
      totalQuantity: 73,
      inventoryDetails: {
        fulfillableQuantity: 10,
        inboundWorkingQuantity: 0,
        inboundShippedQuantity: 50,
        inboundReceivingQuantity: 0,
        reservedQuantity: {
          totalReservedQuantity: 5,
          pendingCustomerOrderQuantity: 5,
          pendingTransshipmentQuantity: 0,
          fcProcessingQuantity: 0,
        },
        researchingQuantity: {
          totalResearchingQuantity: 1,
          researchingQuantityBreakdown: [
            { name: 'researchingQuantityInShortTerm', quantity: 1 },
            { name: 'researchingQuantityInMidTerm', quantity: 0 },
            { name: 'researchingQuantityInLongTerm', quantity: 0 },
          ],
        },
        unfulfillableQuantity: {
          totalUnfulfillableQuantity: 7,
          customerDamagedQuantity: 7,
          warehouseDamagedQuantity: 0,
          distributorDamagedQuantity: 0,
          carrierDamagedQuantity: 0,
          defectiveQuantity: 0,
          expiredQuantity: 0,
        },
      },
    });
    // 73 units in Amazon's network, but a shopper can buy only the 10 fulfillable ones.
    expect(world.placeOrder({ channel: 'amazon', sku: 'MUG-BLUE', qty: 11 })).toEqual({
      accepted: false,
      reason: 'FBA has 10 fulfillable',
    });
    expect(world.placeOrder({ channel: 'amazon', sku: 'MUG-BLUE', qty: 10 })).toMatchObject({
      accepted: true,
    });
    const after = await api.inventory.getInventorySummaries({
      ...base,
      details: true,
      sellerSkus: ['MUG-BLUE'],
    });
    expect(after.data.payload?.inventorySummaries[0]).toMatchObject({
      totalQuantity: 63,
      inventoryDetails: {
        fulfillableQuantity: 0,
        inboundShippedQuantity: 50,
        reservedQuantity: { totalReservedQuantity: 5 },
      },
    });
  });

  it('without details returns only the totals', async () => {
    const res = await api.inventory.getInventorySummaries({ ...base, sellerSku: 'MUG-BLUE' });
    expect(inventoryModel.errors('getInventorySummaries', 200, res.data)).toEqual([]);
    expect(res.data.payload?.inventorySummaries).toEqual([
      expect.not.objectContaining({ inventoryDetails: expect.anything() }),
    ]);
    expect(res.data.payload?.inventorySummaries[0]).toMatchObject({
      sellerSku: 'MUG-BLUE',
      totalQuantity: 73,
    });
  });

  it('returns the changes since startDateTime', async () => {
    await sleep(5);
    const since = new Date(world.now());
    await sleep(5);
    world.fbaEvent({ channel: 'amazon', sku: 'FBA-007', type: 'inbound-shipped', qty: 3 });
    const res = await api.inventory.getInventorySummaries({
      ...base,
      details: true,
      startDateTime: since.toISOString(),
    });
    expect(
      res.data.payload?.inventorySummaries.map((s) => [
        s.sellerSku,
        s.inventoryDetails?.inboundShippedQuantity,
      ]),
    ).toEqual([['FBA-007', 3]]);
  });

  it('answers more than 50 sellerSkus with 400 InvalidInput', async () => {
    const res = await failure(
      api.inventory.getInventorySummaries({ ...base, sellerSkus: [...FBA_SKUS, 'MUG-BLUE'] }),
    );
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      errors: [{ code: 'InvalidInput', message: 'sellerSkus accepts at most 50 SKUs.', details: '' }],
    });
    expect(inventoryModel.errors('getInventorySummaries', 400, res.data)).toEqual([]);
  });

  it('shows each channel its own inventory', async () => {
    const b = amazonClients(sim.url, new SimulatorLwaAuth(sim.lwaUrl, credentials.amazon('amazon-b')));
    const res = await b.inventory.getInventorySummaries(base);
    expect(res.data.payload?.inventorySummaries.map((s) => s.sellerSku)).toEqual(['ONLY-B']);
  });
});

// ---- Listings Items ---------------------------------------------------------------------------------------------

describe('Listings Items 2021-08-01', () => {
  const quantity = (q: number, op: 'replace' | 'merge' = 'replace') => ({
    productType: 'PRODUCT',
    patches: [
      {
        op,
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity: q }],
      },
    ],
  });

  it('reads an FBM listing by a URL-encoded SKU, with its fulfillment availability', async () => {
    const res = await api.listings.getListingsItem({
      sellerId: seller.sellerId,
      sku: ODD_SKU,
      marketplaceIds: [MARKETPLACE],
      includedData: ['summaries', 'attributes', 'issues', 'offers', 'fulfillmentAvailability'],
    });
    expect(listingsModel.errors('getListingsItem', 200, res.data)).toEqual([]);
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('5');
    expect(res.data).toMatchObject({
      sku: ODD_SKU,
      summaries: [
        { marketplaceId: MARKETPLACE, productType: 'PRODUCT', status: ['BUYABLE', 'DISCOVERABLE'] },
      ],
      attributes: { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }] },
      issues: [],
      offers: [
        { marketplaceId: MARKETPLACE, offerType: 'B2C', price: { currencyCode: 'USD', amount: '19.99' } },
      ],
      fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 5 }],
    });
  });

  it('accepts a quantity patch and changes the world through setShows(api)', async () => {
    const changes: string[] = [];
    world.on('event', (e) => {
      if (e.type === 'listing.changed') changes.push(`${e.listing.sku}=${e.listing.shows} by ${e.by}`);
    });
    const res = await api.listings.patchListingsItem({
      sellerId: seller.sellerId,
      sku: ODD_SKU,
      marketplaceIds: [MARKETPLACE],
      body: quantity(12),
    });
    expect(listingsModel.errors('patchListingsItem', 200, res.data)).toEqual([]);
    expect(res.data).toEqual({
      sku: ODD_SKU,
      status: 'ACCEPTED',
      submissionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      issues: [],
    });
    expect(changes).toEqual([`${ODD_SKU}=12 by api`]);
    expect(world.state().channels.amazon).toMatchObject({
      listings: expect.arrayContaining([
        { sku: ODD_SKU, location: 'DEFAULT', shows: 12, fulfillment: 'FBM' },
      ]),
    });

    // merge changes only the quantity; then a sale lowers what Amazon processed, not what the seller submitted.
    await api.listings.patchListingsItem({
      sellerId: seller.sellerId,
      sku: ODD_SKU,
      marketplaceIds: [MARKETPLACE],
      body: quantity(9, 'merge'),
    });
    expect(world.placeOrder({ channel: 'amazon', sku: ODD_SKU, qty: 2 })).toMatchObject({ accepted: true });
    const read = await api.listings.getListingsItem({
      sellerId: seller.sellerId,
      sku: ODD_SKU,
      marketplaceIds: [MARKETPLACE],
      includedData: ['attributes', 'fulfillmentAvailability'],
    });
    expect(read.data.attributes).toMatchObject({
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 9 }],
    });
    expect(read.data.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 7 }]);
  });

  it('answers an invalid patch with HTTP 200, status INVALID and issues, and changes nothing', async () => {
    const patch = (
      sku: string,
      body: {
        productType: string;
        patches: { op: 'replace'; path: string; value: Record<string, unknown>[] }[];
      },
    ) =>
      api.listings.patchListingsItem({ sellerId: seller.sellerId, sku, marketplaceIds: [MARKETPLACE], body });
    const negative = await patch('TSHIRT-RED-M', quantity(-3) as Parameters<typeof patch>[1]);
    const unknownPath = await patch('TSHIRT-RED-M', {
      productType: 'PRODUCT',
      patches: [{ op: 'replace', path: '/attributes/colour_map', value: [{ value: 'red' }] }],
    });
    const fbaCode = await patch('TSHIRT-RED-M', {
      productType: 'PRODUCT',
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'AMAZON_NA', quantity: 5 }],
        },
      ],
    });
    const fbaSku = await patch('MUG-BLUE', quantity(5) as Parameters<typeof patch>[1]);
    const issue = (message: string, attribute = 'fulfillment_availability') => ({
      code: '90000900',
      message,
      severity: 'ERROR',
      attributeNames: [attribute],
      categories: ['INVALID_ATTRIBUTE'],
    });
    for (const r of [negative, unknownPath, fbaCode, fbaSku]) {
      expect(listingsModel.errors('patchListingsItem', 200, r.data)).toEqual([]);
      expect(r.status).toBe(200);
      expect(r.data.status).toBe('INVALID');
    }
    expect(negative.data.issues).toEqual([
      issue("The value '-3' for 'quantity' in 'fulfillment_availability' must be a non-negative integer."),
    ]);
    expect(unknownPath.data.issues).toEqual([
      issue(
        "The attribute 'colour_map' is not modelled by the invsync sandbox; only fulfillment_availability can be patched.",
        'colour_map',
      ),
    ]);
    expect(fbaCode.data.issues).toEqual([
      issue(
        "The quantity of Amazon-fulfilled inventory (AMAZON_NA) is managed by Amazon and cannot be set for SKU 'TSHIRT-RED-M'.",
      ),
    ]);
    expect(fbaSku.data.issues).toEqual([
      issue(
        "SKU 'MUG-BLUE' is fulfilled by Amazon; its quantity cannot be set with fulfillment_channel_code DEFAULT.",
      ),
    ]);
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(40);
    expect(world.fba('amazon', 'MUG-BLUE')?.fulfillable).toBe(10);
  });

  it('validates without writing in VALIDATION_PREVIEW mode', async () => {
    const res = await api.listings.patchListingsItem({
      sellerId: seller.sellerId,
      sku: 'TSHIRT-RED-M',
      marketplaceIds: [MARKETPLACE],
      mode: 'VALIDATION_PREVIEW',
      includedData: ['identifiers', 'issues'],
      body: quantity(1),
    });
    expect(res.data).toEqual({
      sku: 'TSHIRT-RED-M',
      status: 'VALID',
      submissionId: expect.any(String),
      issues: [],
      identifiers: [{ marketplaceId: MARKETPLACE, asin: listing('amazon', 'TSHIRT-RED-M')?.ids.asin }],
    });
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(40);
  });

  it('answers an unknown SKU with 404 NotFound, another seller with 403 and a malformed body with 400', async () => {
    const missing = await failure(
      api.listings.getListingsItem({ sellerId: seller.sellerId, sku: 'NOPE', marketplaceIds: [MARKETPLACE] }),
    );
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({
      errors: [
        { code: 'NotFound', message: `SKU 'NOPE' not found in marketplace ${MARKETPLACE}.`, details: '' },
      ],
    });
    expect(listingsModel.errors('getListingsItem', 404, missing.data)).toEqual([]);
    const patchMissing = await failure(
      api.listings.patchListingsItem({
        sellerId: seller.sellerId,
        sku: 'NOPE',
        marketplaceIds: [MARKETPLACE],
        body: quantity(1),
      }),
    );
    expect(patchMissing.status).toBe(404);

    const other = credentials.amazon('amazon-b').sellerId;
    const denied = await failure(
      api.listings.getListingsItem({ sellerId: other, sku: 'TSHIRT-RED-M', marketplaceIds: [MARKETPLACE] }),
    );
    expect(denied.status).toBe(403);
    expect(denied.data).toEqual({
      errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.', details: '' }],
    });
    expect(denied.headers['x-amzn-ratelimit-limit']).toBeUndefined();
    expect(listingsModel.errors('getListingsItem', 403, denied.data)).toEqual([]);

    const token = await auth.getAccessToken();
    const malformed = await fetch(
      `${sim.url}/listings/2021-08-01/items/${seller.sellerId}/TSHIRT-RED-M?marketplaceIds=${MARKETPLACE}`,
      {
        method: 'PATCH',
        headers: { 'x-amz-access-token': token, 'content-type': 'application/json' },
        body: '{"productType":',
      },
    );
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      errors: [
        {
          code: 'InvalidInput',
          message: 'Request has missing or invalid parameters and cannot be parsed.',
          details: '',
        },
      ],
    });
    const noPatches = await failure(
      api.listings.patchListingsItem({
        sellerId: seller.sellerId,
        sku: 'TSHIRT-RED-M',
        marketplaceIds: [MARKETPLACE],
        body: { productType: 'PRODUCT', patches: [] },
      }),
    );
    expect(noPatches.status).toBe(400);
    expect(noPatches.data).toMatchObject({ errors: [{ code: 'InvalidInput' }] });
    expect(listingsModel.errors('patchListingsItem', 400, noPatches.data)).toEqual([]);
  });
});

// ---- Feeds ------------------------------------------------------------------------------------------------------

describe('JSON_LISTINGS_FEED through the Feeds API', () => {
  async function submit(content: string, contentType = 'application/json; charset=UTF-8'): Promise<string> {
    const doc = await api.feeds.createFeedDocument({ body: { contentType } });
    expect(doc.status).toBe(201);
    expect(feedsModel.errors('createFeedDocument', 201, doc.data)).toEqual([]);
    const upload = await fetch(doc.data.url, {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: content,
    });
    expect(upload.status).toBe(200);
    const feed = await api.feeds.createFeed({
      body: {
        feedType: 'JSON_LISTINGS_FEED',
        marketplaceIds: [MARKETPLACE],
        inputFeedDocumentId: doc.data.feedDocumentId,
      },
    });
    expect(feed.status).toBe(202);
    expect(feedsModel.errors('createFeed', 202, feed.data)).toEqual([]);
    return feed.data.feedId;
  }

  const message = (messageId: number, sku: string, q: number) => ({
    messageId,
    sku,
    operationType: 'PATCH',
    productType: 'PRODUCT',
    patches: [
      {
        op: 'replace',
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity: q }],
      },
    ],
  });

  it('round-trips: queued, in progress, done, then the report and the world changed', async () => {
    const feedId = await submit(
      JSON.stringify({
        header: { sellerId: seller.sellerId, version: '2.0', issueLocale: 'en_US' },
        messages: [message(1, 'TSHIRT-RED-M', 17), message(2, ODD_SKU, 0), message(3, 'TSHIRT-RED-M', -1)],
      }),
    );
    const status = async () => {
      const r = await api.feeds.getFeed({ feedId });
      expect(feedsModel.errors('getFeed', 200, r.data)).toEqual([]);
      return r.data;
    };
    expect(await status()).toMatchObject({
      feedId,
      feedType: 'JSON_LISTINGS_FEED',
      processingStatus: 'IN_QUEUE',
      marketplaceIds: [MARKETPLACE],
    });
    await sleep(600);
    expect(await status()).toMatchObject({
      processingStatus: 'IN_PROGRESS',
      processingStartTime: expect.any(String),
    });
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(40);
    await sleep(500);
    const done = await status();
    expect(done).toMatchObject({
      processingStatus: 'DONE',
      processingEndTime: expect.any(String),
      resultFeedDocumentId: expect.any(String),
    });

    const doc = await api.feeds.getFeedDocument({ feedDocumentId: done.resultFeedDocumentId ?? '' });
    expect(feedsModel.errors('getFeedDocument', 200, doc.data)).toEqual([]);
    const report: unknown = await (await fetch(doc.data.url)).json();
    expect(report).toEqual({
      header: { sellerId: seller.sellerId, version: '2.0', feedId },
      issues: [
        {
          messageId: 3,
          code: '90000900',
          severity: 'ERROR',
          message:
            "The value '-1' for 'quantity' in 'fulfillment_availability' must be a non-negative integer.",
          attributeName: 'fulfillment_availability',
        },
      ],
      summary: { errors: 1, warnings: 0, messagesProcessed: 3, messagesAccepted: 2, messagesInvalid: 1 },
    });
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(17);
    expect(listing('amazon', ODD_SKU)?.shows).toBe(0);
  });

  it('ends FATAL for a feed over 25,000 messages and applies none of them', async () => {
    const messages = Array.from({ length: 25_001 }, (_, i) => message(i + 1, 'TSHIRT-RED-M', 1));
    const feedId = await submit(
      JSON.stringify({ header: { sellerId: seller.sellerId, version: '2.0' }, messages }),
    );
    await sleep(900);
    const feed = await api.feeds.getFeed({ feedId });
    expect(feed.data.processingStatus).toBe('FATAL');
    const doc = await api.feeds.getFeedDocument({ feedDocumentId: feed.data.resultFeedDocumentId ?? '' });
    expect(await (await fetch(doc.data.url)).json()).toEqual({
      header: { sellerId: seller.sellerId, version: '2.0', feedId },
      issues: [
        {
          severity: 'ERROR',
          message: 'The feed has 25001 messages; a JSON_LISTINGS_FEED accepts at most 25000.',
        },
      ],
      summary: { errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 },
    });
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(40);
  });

  it("hides one seller's feeds from another", async () => {
    const feedId = await submit(
      JSON.stringify({ header: { sellerId: seller.sellerId, version: '2.0' }, messages: [] }),
    );
    const other = amazonClients(sim.url, new SimulatorLwaAuth(sim.lwaUrl, credentials.amazon('amazon-b')));
    const res = await failure(other.feeds.getFeed({ feedId }));
    expect(res.status).toBe(404);
    expect(res.data).toEqual({
      errors: [{ code: 'NotFound', message: `Feed ${feedId} not found.`, details: '' }],
    });
    expect(feedsModel.errors('getFeed', 404, res.data)).toEqual([]);
  });

  it('refuses an upload whose Content-Type differs from the declared one, and an unsupported feed type', async () => {
    const doc = await api.feeds.createFeedDocument({
      body: { contentType: 'application/json; charset=UTF-8' },
    });
    const upload = await fetch(doc.data.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(upload.status).toBe(403);
    expect(await upload.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const legacy = await failure(
      api.feeds.createFeed({
        body: {
          feedType: 'POST_INVENTORY_AVAILABILITY_DATA',
          marketplaceIds: [MARKETPLACE],
          inputFeedDocumentId: doc.data.feedDocumentId,
        },
      }),
    );
    expect(legacy.status).toBe(400);
    expect(legacy.data).toEqual({
      errors: [
        {
          code: 'InvalidInput',
          message:
            'Feed type POST_INVENTORY_AVAILABILITY_DATA is not supported; the invsync sandbox accepts JSON_LISTINGS_FEED.',
          details: '',
        },
      ],
    });
    expect(feedsModel.errors('createFeed', 400, legacy.data)).toEqual([]);
  });
});

// ---- Orders -----------------------------------------------------------------------------------------------------

describe('Orders v0', () => {
  it('lists the orders placed since a time, with their items', async () => {
    world.placeOrder({ channel: 'amazon', sku: 'TSHIRT-RED-M', qty: 1 });
    await sleep(5);
    const since = new Date(world.now()).toISOString();
    await sleep(5);
    const mfn = world.placeOrder({ channel: 'amazon', sku: 'TSHIRT-RED-M', qty: 2 });
    const afn = world.placeOrder({ channel: 'amazon', sku: 'MUG-BLUE', qty: 3 });
    expect(mfn.accepted && afn.accepted).toBe(true);

    const res = await api.orders.getOrders({ marketplaceIds: [MARKETPLACE], createdAfter: since });
    expect(ordersModel.errors('getOrders', 200, res.data)).toEqual([]);
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('0.0167');
    const orders = res.data.payload?.Orders ?? [];
    expect(orders.map((o) => [o.OrderStatus, o.FulfillmentChannel, o.NumberOfItemsUnshipped])).toEqual([
      ['Unshipped', 'MFN', 2],
      ['Unshipped', 'AFN', 3],
    ]);
    expect(orders[0]).toMatchObject({
      AmazonOrderId: expect.stringMatching(/^\d{3}-\d{7}-\d{7}$/),
      MarketplaceId: MARKETPLACE,
    });
    expect(Date.parse(orders[0]?.PurchaseDate ?? '')).toBeLessThanOrEqual(world.now());

    const items = await api.orders.getOrderItems({ orderId: orders[0]?.AmazonOrderId ?? '' });
    expect(ordersModel.errors('getOrderItems', 200, items.data)).toEqual([]);
    expect(items.data.payload).toMatchObject({
      AmazonOrderId: orders[0]?.AmazonOrderId,
      OrderItems: [
        {
          SellerSKU: 'TSHIRT-RED-M',
          QuantityOrdered: 2,
          QuantityShipped: 0,
          ASIN: listing('amazon', 'TSHIRT-RED-M')?.ids.asin,
        },
      ],
    });
  });

  it('finds a cancellation with LastUpdatedAfter and pages with NextToken', async () => {
    const a = world.placeOrder({ channel: 'amazon', sku: 'TSHIRT-RED-M', qty: 1 });
    world.placeOrder({ channel: 'amazon', sku: 'TSHIRT-RED-M', qty: 1 });
    await sleep(5);
    const since = new Date(world.now()).toISOString();
    await sleep(5);
    if (!a.accepted) throw new Error('order refused');
    world.cancel({ channel: 'amazon', orderId: a.orderId });
    const updated = await api.orders.getOrders({ marketplaceIds: [MARKETPLACE], lastUpdatedAfter: since });
    expect(updated.data.payload?.Orders.map((o) => o.OrderStatus)).toEqual(['Canceled']);
    expect(updated.data.payload?.LastUpdatedBefore).toEqual(expect.any(String));

    const page1 = await api.orders.getOrders({
      marketplaceIds: [MARKETPLACE],
      createdAfter: '2020-01-01T00:00:00Z',
      maxResultsPerPage: 1,
    });
    expect(page1.data.payload?.Orders).toHaveLength(1);
    const page2 = await api.orders.getOrders({
      marketplaceIds: [MARKETPLACE],
      createdAfter: '2020-01-01T00:00:00Z',
      maxResultsPerPage: 1,
      nextToken: page1.data.payload?.NextToken,
    });
    expect(page2.data.payload?.Orders).toHaveLength(1);
    expect(page2.data.payload?.NextToken).toBeUndefined();
    expect(page2.data.payload?.Orders[0]?.AmazonOrderId).not.toBe(
      page1.data.payload?.Orders[0]?.AmazonOrderId,
    );
  });

  it('answers CreatedAfter with LastUpdatedAfter with 400 InvalidInput', async () => {
    const res = await failure(
      api.orders.getOrders({
        marketplaceIds: [MARKETPLACE],
        createdAfter: '2024-01-01T00:00:00Z',
        lastUpdatedAfter: '2024-01-01T00:00:00Z',
      }),
    );
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      errors: [
        {
          code: 'InvalidInput',
          message: 'LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter is set.',
          details: '',
        },
      ],
    });
    expect(ordersModel.errors('getOrders', 400, res.data)).toEqual([]);
    const missing = await failure(api.orders.getOrderItems({ orderId: '111-0000000-0000000' }));
    expect(missing.status).toBe(404);
    expect(ordersModel.errors('getOrderItems', 404, missing.data)).toEqual([]);
  });
});

// ---- Throttling, tokens, faults ---------------------------------------------------------------------------------

describe('rate limits (production)', () => {
  const request = {
    granularityType: 'Marketplace' as const,
    granularityId: MARKETPLACE,
    marketplaceIds: [MARKETPLACE],
  };

  it('answers the call over the burst with 429 QuotaExceeded and the headers', async () => {
    world.setFaults({ system: 'amazon', rateLimits: 'production' });
    await api.inventory.getInventorySummaries(request);
    await api.inventory.getInventorySummaries(request);
    const res = await failure(api.inventory.getInventorySummaries(request));
    expect(res.status).toBe(429);
    expect(res.data).toEqual({
      errors: [
        {
          code: 'QuotaExceeded',
          message: 'You exceeded your quota for the requested resource.',
          details: '',
        },
      ],
    });
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('2');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(inventoryModel.errors('getInventorySummaries', 429, res.data)).toEqual([]);
    expect(calls('getInventorySummaries')).toMatchObject({ count: 3, throttled: 1 });

    // getOrders: burst 20 at 0.0167 rps.
    for (let i = 0; i < 20; i++)
      await api.orders.getOrders({ marketplaceIds: [MARKETPLACE], createdAfter: '2024-01-01T00:00:00Z' });
    const orders = await failure(
      api.orders.getOrders({ marketplaceIds: [MARKETPLACE], createdAfter: '2024-01-01T00:00:00Z' }),
    );
    expect(orders.status).toBe(429);
    expect(orders.headers['x-amzn-ratelimit-limit']).toBe('0.0167');
  });

  it('leaves retrying to the caller: the SDK cannot enable its own retry under CommonJS', async () => {
    // @sp-api-sdk/common 4.0.4 (CJS build) wraps axios-retry's exports object instead of its default export, so
    // `rateLimiting: {retry: true}` throws while the client is built. The connector must retry 429s itself.
    expect(() => amazonClients(sim.url, auth, { retry: true })).toThrow(
      'axios_retry.default) is not a function',
    );
    world.setFaults({ system: 'amazon', rateLimits: 'production' });
    await api.inventory.getInventorySummaries(request);
    await api.inventory.getInventorySummaries(request);
    const throttled = await failure(api.inventory.getInventorySummaries(request));
    expect(throttled.status).toBe(429);
    // Waiting one request interval (1000 / x-amzn-RateLimit-Limit ms) is enough for the bucket to give a token back.
    await sleep(1000 / Number(throttled.headers['x-amzn-ratelimit-limit']) + 20);
    expect((await api.inventory.getInventorySummaries(request)).status).toBe(200);
    expect(calls('getInventorySummaries')).toMatchObject({ count: 4, throttled: 1 });
  });

  it("limits JSON_LISTINGS_FEED to 5 submissions per 5 minutes on top of createFeed's own bucket", async () => {
    world.setFaults({ system: 'amazon', rateLimits: 'production' });
    const doc = await api.feeds.createFeedDocument({ body: { contentType: 'application/json' } });
    const create = () =>
      api.feeds.createFeed({
        body: {
          feedType: 'JSON_LISTINGS_FEED',
          marketplaceIds: [MARKETPLACE],
          inputFeedDocumentId: doc.data.feedDocumentId,
        },
      });
    for (let i = 0; i < 5; i++) expect((await create()).status).toBe(202);
    const sixth = await failure(create());
    expect(sixth.status).toBe(429);
    expect(sixth.data).toEqual({
      errors: [
        {
          code: 'QuotaExceeded',
          message: 'You exceeded your quota for the requested resource.',
          details: '',
        },
      ],
    });
    expect(sixth.headers['x-amzn-ratelimit-limit']).toBe('0.0083');
  });

  it('applies no limits by default', async () => {
    for (let i = 0; i < 5; i++) await api.inventory.getInventorySummaries(request);
    expect(calls('getInventorySummaries')).toMatchObject({ count: 5, throttled: 0 });
  });
});

describe('access tokens', () => {
  const request = {
    granularityType: 'Marketplace' as const,
    granularityId: MARKETPLACE,
    marketplaceIds: [MARKETPLACE],
  };

  it('answers an expired token with 403, and a refreshed one succeeds', async () => {
    const own = new SimulatorLwaAuth(sim.lwaUrl, seller);
    const client = amazonClients(sim.url, own);
    await client.inventory.getInventorySummaries(request);
    expect(sim.expireAccessTokens('amazon')).toBeGreaterThan(0);
    const expired = await failure(client.inventory.getInventorySummaries(request));
    expect(expired.status).toBe(403);
    expect(expired.data).toEqual({
      errors: [
        {
          code: 'Unauthorized',
          message: 'Access to requested resource is denied.',
          details: 'The access token you provided has expired.',
        },
      ],
    });
    expect(expired.headers['x-amzn-ratelimit-limit']).toBeUndefined();
    expect(inventoryModel.errors('getInventorySummaries', 403, expired.data)).toEqual([]);
    own.invalidate();
    const again = await client.inventory.getInventorySummaries(request);
    expect(again.status).toBe(200);
    expect(own.refreshes).toBe(2);
    auth.invalidate(); // the shared client's token was expired too
  });

  it('expires tokens after tokenTtlSeconds and refuses unknown ones', async () => {
    const short = await startAmazon(ctx, { tokenTtlSeconds: 1 });
    try {
      const grant = await fetch(short.lwaUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'refresh_token',
          refresh_token: seller.refreshToken,
          client_id: seller.clientId,
          client_secret: seller.clientSecret,
        }),
      });
      const { access_token, expires_in } = (await grant.json()) as {
        access_token: string;
        expires_in: number;
      };
      expect(expires_in).toBe(1);
      const url = `${short.url}/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=${MARKETPLACE}&marketplaceIds=${MARKETPLACE}`;
      expect((await fetch(url, { headers: { 'x-amz-access-token': access_token } })).status).toBe(200);
      await sleep(1100);
      const late = await fetch(url, { headers: { 'x-amz-access-token': access_token } });
      expect(late.status).toBe(403);
      expect(((await late.json()) as { errors: { details: string }[] }).errors[0]?.details).toBe(
        'The access token you provided has expired.',
      );
      const unknown = await fetch(url, { headers: { 'x-amz-access-token': 'Atza|forged' } });
      expect(unknown.status).toBe(403);
      expect(await unknown.json()).toEqual({
        errors: [
          {
            code: 'Unauthorized',
            message: 'Access to requested resource is denied.',
            details: 'The access token you provided is revoked, malformed or invalid.',
          },
        ],
      });
    } finally {
      await short.close();
    }
  });
});

describe('injected faults', () => {
  it('answers errorRate 1 with 500 InternalFailure', async () => {
    world.setFaults({ system: 'amazon', endpoint: 'getListingsItem', errorRate: 1 });
    const res = await failure(
      api.listings.getListingsItem({
        sellerId: seller.sellerId,
        sku: 'TSHIRT-RED-M',
        marketplaceIds: [MARKETPLACE],
      }),
    );
    expect(res.status).toBe(500);
    expect(res.data).toEqual({
      errors: [
        {
          code: 'InternalFailure',
          message: 'We encountered an internal error. Please try again.',
          details: '',
        },
      ],
    });
    expect(listingsModel.errors('getListingsItem', 500, res.data)).toEqual([]);
    expect(calls('getListingsItem')).toMatchObject({ count: 1, errors: 1 });
  });

  it('delays by latencyMs', async () => {
    world.setFaults({ system: 'amazon', endpoint: 'getOrders', latencyMs: 300 });
    const t = Date.now();
    await api.orders.getOrders({ marketplaceIds: [MARKETPLACE], createdAfter: '2024-01-01T00:00:00Z' });
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('acknowledges a silently dropped patch without applying it', async () => {
    world.setFaults({ system: 'amazon', endpoint: 'patchListingsItem', silentDropRate: 1 });
    const res = await api.listings.patchListingsItem({
      sellerId: seller.sellerId,
      sku: 'TSHIRT-RED-M',
      marketplaceIds: [MARKETPLACE],
      body: {
        productType: 'PRODUCT',
        patches: [
          {
            op: 'replace',
            path: '/attributes/fulfillment_availability',
            value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }],
          },
        ],
      },
    });
    expect(res.data).toMatchObject({ status: 'ACCEPTED', issues: [] });
    expect(listing('amazon', 'TSHIRT-RED-M')?.shows).toBe(40);
  });
});

// ---- Notifications ----------------------------------------------------------------------------------------------

describe('notifications', () => {
  interface Received {
    path: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  let receiver: Server;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hub.settings.baseUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    hub.settings.baseUrl = undefined;
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  const parsed = (r: Received) =>
    JSON.parse(r.body) as Record<string, unknown> & { Payload: Record<string, unknown> };

  it('sends LISTINGS_ITEM_MFN_QUANTITY_CHANGE, signed with the notification secret', async () => {
    const l = listing('amazon', 'TSHIRT-RED-M');
    if (!l) throw new Error('no listing');
    world.setShows('amazon', l, 33, 'person');
    await hub.drain();
    expect(received).toHaveLength(1);
    const [r] = received;
    if (!r) throw new Error('nothing received');
    expect(r.path).toBe('/webhooks/amazon/amazon');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-invsync-signature']).toBe(signNotification(seller.notificationSecret, r.body));
    const body = parsed(r);
    expect(notificationErrors('ListingsItemMfnQuantityChange.json', body)).toEqual([]);
    expect(body).toEqual({
      NotificationVersion: '1.0',
      NotificationType: 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
      PayloadVersion: '1.0',
      EventTime: expect.any(String),
      Payload: {
        SellerId: seller.sellerId,
        FulfillmentChannelCode: 'DEFAULT',
        Sku: 'TSHIRT-RED-M',
        Quantity: 33,
      },
      NotificationMetadata: {
        ApplicationId: expect.stringMatching(/^amzn1\.sellerapps\.app\./),
        SubscriptionId: expect.any(String),
        PublishTime: body.EventTime,
        NotificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
  });

  it('sends ORDER_CHANGE for an order and FBA_INVENTORY_AVAILABILITY_CHANGES for FBA stock', async () => {
    const order = world.placeOrder({ channel: 'amazon', sku: 'MUG-BLUE', qty: 2 });
    await hub.drain();
    const byType = new Map(received.map((r) => [String(parsed(r).NotificationType), parsed(r)]));
    expect([...byType.keys()].sort()).toEqual(['FBA_INVENTORY_AVAILABILITY_CHANGES', 'ORDER_CHANGE']);
    const change = byType.get('ORDER_CHANGE');
    expect(notificationErrors('OrderChangeNotification.json', change)).toEqual([]);
    expect(change?.Payload.OrderChangeNotification).toMatchObject({
      SellerId: seller.sellerId,
      OrderChangeType: 'OrderStatusChange',
      Summary: {
        OrderStatus: 'Unshipped',
        FulfillmentType: 'AFN',
        OrderItems: [{ SellerSKU: 'MUG-BLUE', Quantity: 2 }],
      },
    });
    const api2 = await api.orders.getOrders({
      marketplaceIds: [MARKETPLACE],
      createdAfter: '2020-01-01T00:00:00Z',
    });
    expect((change?.Payload.OrderChangeNotification as { AmazonOrderId: string }).AmazonOrderId).toBe(
      api2.data.payload?.Orders[0]?.AmazonOrderId,
    );
    const fba = byType.get('FBA_INVENTORY_AVAILABILITY_CHANGES');
    expect(notificationErrors('FBAInventoryAvailabilityChangeNotification.json', fba)).toEqual([]);
    expect(fba?.Payload).toMatchObject({
      SKU: 'MUG-BLUE',
      FulfillmentInventoryByMarketplace: [
        {
          MarketplaceId: MARKETPLACE,
          FulfillmentInventory: {
            Fulfillable: 8,
            Unfulfillable: 7,
            InboundQuantityBreakdown: { Shipped: 50 },
          },
        },
      ],
    });
    expect(order.accepted).toBe(true);
  });
});
