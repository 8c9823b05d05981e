/**
 * Contract: the Shopify Admin GraphQL simulator driven by the real `@shopify/admin-api-client` (2026-04).
 */
import { createHmac } from 'node:crypto';
import { Credentials } from '../../sandbox/context';
import type { Served } from '../../sandbox/http';
import { startShopify } from '../../sandbox/simulators/shopify';
import type { SeedInput } from '../../sandbox/seed';
import { WebhookHub } from '../../sandbox/webhooks';
import { World, type Listing } from '../../sandbox/world';
import {
  adminClient,
  ADJUST,
  BULK_STATUS,
  BULK_VARIANT_LEVELS,
  L1,
  L2,
  LEVELS,
  RUN_BULK,
  SET,
  SET_WITHOUT_KEY,
  VARIANTS_BY_SKU,
  webhookReceiver,
} from './support/shopify-fixtures';

const seed: SeedInput = {
  erp: {
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
    ],
    products: [{ sku: 'SKU-A', name: 'Red shirt' }, { sku: 'SKU-B' }],
    stock: [
      { sku: 'SKU-A', location: 'WH1/Stock', onHand: 20 },
      { sku: 'SKU-B', location: 'WH1/Stock', onHand: 5 },
    ],
    ingestLagMs: 600_000,
  },
  channels: [
    {
      id: 'shop-main',
      kind: 'shopify',
      locations: [
        { id: L1, erpLocations: ['WH1/Stock'] },
        { id: L2, erpLocations: ['WH2/Stock'] },
      ],
      listings: [
        { sku: 'SKU-A', location: L1, shows: 10 },
        { sku: 'SKU-A', location: L2, shows: 4 },
        { sku: 'SKU-B', location: L1, shows: 5 },
      ],
    },
    {
      id: 'shop-two',
      kind: 'shopify',
      locations: [{ id: L1, erpLocations: ['WH1/Stock'] }],
      listings: [{ sku: 'SKU-B', location: L1, shows: 2 }],
    },
  ],
};

const credentials = new Credentials('contract-secret');
const world = new World(seed);
const hub = new WebhookHub(world);
let served: Served;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

const main = () => adminClient(served.port, credentials.shopify('shop-main').accessToken);
const listing = (sku: string, location: string): Listing => {
  const l = world.listing('shop-main', sku, location);
  if (!l) throw new Error(`no listing ${sku} at ${location}`);
  return l;
};
const itemA = () => listing('SKU-A', L1).ids.inventoryItem ?? '';
const itemB = () => listing('SKU-B', L1).ids.inventoryItem ?? '';
const calls = (endpoint: string) =>
  world.state().calls.find((c) => c.system === 'shopify' && c.endpoint === endpoint);

interface SetData {
  inventorySetQuantities: {
    inventoryAdjustmentGroup: {
      id: string;
      createdAt: string;
      reason: string;
      referenceDocumentUri: string | null;
      changes: {
        name: string;
        delta: number;
        quantityAfterChange: number | null;
        item: { id: string };
        location: { id: string };
      }[];
    } | null;
    userErrors: { field: string[] | null; message: string; code: string }[];
  } | null;
}

const setInput = (quantities: Record<string, unknown>[]) => ({
  name: 'available',
  reason: 'correction',
  referenceDocumentUri: 'invsync://push/1',
  quantities,
});

beforeAll(async () => {
  receiver = await webhookReceiver();
  hub.settings.baseUrl = receiver.url;
  hub.settings.backoffMs = 10;
  served = await startShopify({ world, webhooks: hub, credentials }, { bulkDelayMs: 20 });
});

beforeEach(async () => {
  await hub.drain();
  world.faults = [];
  world.reset(seed);
  hub.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await hub.drain();
  world.clearTimers();
  await served.close();
  await receiver.close();
});

describe('reads', () => {
  it('finds a variant by SKU, with paging and the cost of the query', async () => {
    const res = await main().request(VARIANTS_BY_SKU, { variables: { query: 'sku:SKU-A' } });
    expect(res.errors).toBeUndefined();
    const a = listing('SKU-A', L1);
    expect(res.data).toEqual({
      productVariants: {
        edges: [
          {
            cursor: expect.any(String),
            node: {
              id: a.ids.variant,
              sku: 'SKU-A',
              inventoryItem: { id: a.ids.inventoryItem, tracked: true },
            },
          },
        ],
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      },
    });
    // 2 + 10 x (variant 1 + inventoryItem 1) requested; 2 + 1 x 2 actually returned.
    expect(res.extensions?.cost).toEqual({
      requestedQueryCost: 22,
      actualQueryCost: 4,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 100 },
    });
    expect(calls('productVariants')).toMatchObject({ count: 1, errors: 0, throttled: 0 });
  });

  it('pages with first/after cursors and demands one of first or last', async () => {
    const page1 = await main().request<{
      productVariants: { nodes: { sku: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>('{ productVariants(first: 1) { nodes { sku } pageInfo { hasNextPage endCursor } } }');
    expect(page1.data?.productVariants.nodes).toEqual([{ sku: 'SKU-A' }]);
    expect(page1.data?.productVariants.pageInfo.hasNextPage).toBe(true);
    const page2 = await main().request(
      'query($after: String) { productVariants(first: 1, after: $after) { nodes { sku } pageInfo { hasNextPage } } }',
      {
        variables: { after: page1.data?.productVariants.pageInfo.endCursor },
      },
    );
    expect(page2.data).toEqual({
      productVariants: { nodes: [{ sku: 'SKU-B' }], pageInfo: { hasNextPage: false } },
    });

    const missing = await main().request('{ productVariants { nodes { id } } }');
    expect(missing.errors?.graphQLErrors).toEqual([
      {
        message: 'you must provide one of first or last',
        locations: [{ line: 1, column: 3 }],
        path: ['productVariants'],
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
  });

  it('shows each level per location with available, committed and on_hand', async () => {
    const placed = world.placeOrder({ channel: 'shop-main', sku: 'SKU-A', qty: 3, location: L1 });
    expect(placed.accepted).toBe(true);
    const res = await main().request(LEVELS, { variables: { id: itemA(), loc: L2 } });
    expect(res.errors).toBeUndefined();
    const item = itemA().split('/').pop();
    expect(res.data).toEqual({
      inventoryItem: {
        id: itemA(),
        sku: 'SKU-A',
        inventoryLevels: {
          nodes: [
            {
              id: `gid://shopify/InventoryLevel/1?inventory_item_id=${item}`,
              location: { id: L1, name: 'Location 1', isActive: true },
              // The sale took 3 from available into committed; on hand is unchanged until it ships.
              quantities: [
                { name: 'available', quantity: 7 },
                { name: 'on_hand', quantity: 10 },
                { name: 'committed', quantity: 3 },
                { name: 'incoming', quantity: 0 },
              ],
              updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
            },
            {
              id: `gid://shopify/InventoryLevel/2?inventory_item_id=${item}`,
              location: { id: L2, name: 'Location 2', isActive: true },
              quantities: [
                { name: 'available', quantity: 4 },
                { name: 'on_hand', quantity: 4 },
                { name: 'committed', quantity: 0 },
                { name: 'incoming', quantity: 0 },
              ],
              updatedAt: expect.any(String),
            },
          ],
        },
        inventoryLevel: {
          id: `gid://shopify/InventoryLevel/2?inventory_item_id=${item}`,
          quantities: [{ name: 'available', quantity: 4 }],
        },
      },
      locations: {
        nodes: [
          { id: L1, name: 'Location 1', isActive: true },
          { id: L2, name: 'Location 2', isActive: true },
        ],
      },
    });
  });

  it('tells shops apart by access token', async () => {
    const two = adminClient(served.port, credentials.shopify('shop-two').accessToken);
    const res = await two.request<{ productVariants: { nodes: { sku: string }[] } }>(
      '{ productVariants(first: 10) { nodes { sku } } }',
    );
    expect(res.data?.productVariants.nodes).toEqual([{ sku: 'SKU-B' }]);
  });

  it('refuses a query over the 1000-point single query limit', async () => {
    const res = await main().request(
      '{ productVariants(first: 250) { nodes { inventoryItem { inventoryLevels(first: 10) { nodes { id } } } } } }',
    );
    // 2 + 250 x (1 + 1 + 2 + 10 x 1)
    expect(res.errors?.graphQLErrors).toEqual([
      {
        message: expect.stringMatching(
          /^Query cost is 3502, which exceeds the single query max cost limit \(1000\)\.\n/,
        ),
        extensions: {
          code: 'MAX_COST_EXCEEDED',
          cost: 3502,
          maxCost: 1000,
          documentation: 'https://shopify.dev/api/usage/limits#rate-limits',
        },
      },
    ]);
    expect(res.data).toBeUndefined();
  });
});

describe('inventorySetQuantities', () => {
  it('sets available when changeFromQuantity matches, and reports both available and on_hand', async () => {
    const versionBefore = listing('SKU-A', L1).version;
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'set-1',
        input: setInput([{ inventoryItemId: itemA(), locationId: L1, quantity: 13, changeFromQuantity: 10 }]),
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.inventorySetQuantities).toEqual({
      inventoryAdjustmentGroup: {
        id: expect.stringMatching(/^gid:\/\/shopify\/InventoryAdjustmentGroup\/\d+$/),
        createdAt: expect.stringMatching(/Z$/),
        reason: 'correction',
        referenceDocumentUri: 'invsync://push/1',
        // Live Shopify leaves quantityAfterChange null in mutation payloads.
        changes: [
          {
            name: 'available',
            delta: 3,
            quantityAfterChange: null,
            item: { id: itemA() },
            location: { id: L1 },
          },
          {
            name: 'on_hand',
            delta: 3,
            quantityAfterChange: null,
            item: { id: itemA() },
            location: { id: L1 },
          },
        ],
      },
      userErrors: [],
    });
    expect(res.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
    expect(listing('SKU-A', L1)).toMatchObject({ shows: 13, version: versionBefore + 1 });
  });

  it('skips the compare when changeFromQuantity is an explicit null', async () => {
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'set-null',
        input: setInput([
          { inventoryItemId: itemA(), locationId: L2, quantity: 1, changeFromQuantity: null },
        ]),
      },
    });
    expect(res.data?.inventorySetQuantities?.userErrors).toEqual([]);
    expect(listing('SKU-A', L2).shows).toBe(1);
  });

  it('rejects a stale changeFromQuantity and applies nothing of the batch', async () => {
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'set-stale',
        input: setInput([
          { inventoryItemId: itemA(), locationId: L1, quantity: 8, changeFromQuantity: 10 },
          { inventoryItemId: itemB(), locationId: L1, quantity: 9, changeFromQuantity: 4 },
        ]),
      },
    });
    expect(res.data?.inventorySetQuantities).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        {
          field: ['input', 'quantities', '1', 'changeFromQuantity'],
          message: 'The changeFromQuantity value does not match persisted value.',
          code: 'CHANGE_FROM_QUANTITY_STALE',
        },
      ],
    });
    expect(listing('SKU-A', L1).shows).toBe(10);
    expect(listing('SKU-B', L1).shows).toBe(5);
  });

  it('names unknown items, unknown locations and unstocked levels', async () => {
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'set-bad',
        input: setInput([
          {
            inventoryItemId: 'gid://shopify/InventoryItem/999',
            locationId: L1,
            quantity: 1,
            changeFromQuantity: null,
          },
          {
            inventoryItemId: itemA(),
            locationId: 'gid://shopify/Location/77',
            quantity: 1,
            changeFromQuantity: null,
          },
          { inventoryItemId: itemB(), locationId: L2, quantity: 1, changeFromQuantity: null },
        ]),
      },
    });
    expect(res.data?.inventorySetQuantities?.userErrors).toEqual([
      {
        field: ['input', 'quantities', '0', 'inventoryItemId'],
        message: 'The specified inventory item could not be found.',
        code: 'INVALID_INVENTORY_ITEM',
      },
      {
        field: ['input', 'quantities', '1', 'locationId'],
        message: 'The specified location could not be found.',
        code: 'INVALID_LOCATION',
      },
      {
        field: ['input', 'quantities', '2', 'locationId'],
        message: 'The specified inventory item is not stocked at the location.',
        code: 'ITEM_NOT_STOCKED_AT_LOCATION',
      },
    ]);
  });

  it('requires changeFromQuantity on every quantity (2026-04)', async () => {
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'set-no-cfq',
        input: setInput([{ inventoryItemId: itemA(), locationId: L1, quantity: 2 }]),
      },
    });
    expect(res.errors?.graphQLErrors).toEqual([
      {
        message: 'InventoryQuantityInput must include the following argument: changeFromQuantity.',
        locations: [{ line: 2, column: 3 }],
        path: ['inventorySetQuantities'],
        extensions: { code: 'INVALID_FIELD_ARGUMENTS' },
      },
    ]);
    expect(res.data).toEqual({ inventorySetQuantities: null });
    expect(listing('SKU-A', L1).shows).toBe(10);
  });

  it('caps the input at 250 quantities', async () => {
    const row = { inventoryItemId: itemA(), locationId: L1, quantity: 1, changeFromQuantity: null };
    const res = await main().request(SET, {
      variables: { key: 'set-251', input: setInput(Array.from({ length: 251 }, () => row)) },
    });
    expect(res.errors?.graphQLErrors).toEqual([
      {
        message: 'The input array size of 251 is greater than the maximum allowed of 250.',
        locations: [{ line: 2, column: 3 }],
        path: ['inventorySetQuantities', 'input', 'quantities'],
        extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
      },
    ]);
    expect(res.data).toBeUndefined();
    expect(listing('SKU-A', L1).shows).toBe(10);

    // 250 passes the cap (and then fails on the duplicated pair, as Shopify would).
    const ok = await main().request<SetData>(SET, {
      variables: { key: 'set-250', input: setInput(Array.from({ length: 250 }, () => row)) },
    });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.inventorySetQuantities?.userErrors[0]?.code).toBe(
      'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
    );
  });
});

describe('@idempotent', () => {
  it('is required on inventory mutations in 2026-04', async () => {
    const res = await main().request(SET_WITHOUT_KEY, {
      variables: {
        input: setInput([{ inventoryItemId: itemA(), locationId: L1, quantity: 2, changeFromQuantity: 10 }]),
      },
    });
    expect(res.errors?.networkStatusCode).toBe(200);
    expect(res.errors?.graphQLErrors).toEqual([
      {
        message: 'The @idempotent directive is required for this mutation but was not provided.',
        locations: [{ line: 2, column: 3 }],
        path: ['inventorySetQuantities'],
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(res.data).toEqual({ inventorySetQuantities: null });
    expect(listing('SKU-A', L1).shows).toBe(10);
    expect(calls('inventorySetQuantities')).toMatchObject({ count: 1, errors: 1 });
  });

  it('is optional before 2026-04', async () => {
    const old = adminClient(served.port, credentials.shopify('shop-main').accessToken, '2026-01');
    const res = await old.request<SetData>(SET_WITHOUT_KEY, {
      variables: { input: setInput([{ inventoryItemId: itemA(), locationId: L1, quantity: 2 }]) },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.inventorySetQuantities?.userErrors).toEqual([]);
    expect(listing('SKU-A', L1).shows).toBe(2);
  });

  it('replays the first result for the same key and input, applying the change once', async () => {
    const input = {
      name: 'available',
      reason: 'received',
      changes: [{ inventoryItemId: itemA(), locationId: L1, delta: 2, changeFromQuantity: 10 }],
    };
    const first = await main().request(ADJUST, { variables: { key: 'adj-1', input } });
    const again = await main().request(ADJUST, { variables: { key: 'adj-1', input } });
    expect(first.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(first.data).toEqual({
      inventoryAdjustQuantities: {
        inventoryAdjustmentGroup: {
          id: expect.any(String),
          createdAt: expect.any(String),
          changes: [
            { name: 'available', delta: 2 },
            { name: 'on_hand', delta: 2 },
          ],
        },
        userErrors: [],
      },
    });
    expect(listing('SKU-A', L1).shows).toBe(12);
  });

  it('refuses the same key with different input', async () => {
    const input = (delta: number) => ({
      name: 'available',
      reason: 'received',
      changes: [{ inventoryItemId: itemA(), locationId: L1, delta, changeFromQuantity: null }],
    });
    await main().request(ADJUST, { variables: { key: 'adj-2', input: input(1) } });
    const res = await main().request(ADJUST, { variables: { key: 'adj-2', input: input(5) } });
    expect(res.data).toEqual({
      inventoryAdjustQuantities: {
        inventoryAdjustmentGroup: null,
        userErrors: [
          {
            field: null,
            message: 'The same idempotency key cannot be used with different operation parameters.',
            code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          },
        ],
      },
    });
    expect(listing('SKU-A', L1).shows).toBe(11);
  });
});

describe('bulk operations', () => {
  it('runs a bulk query and serves JSONL with __parentId rows', async () => {
    const started = await main().request<{
      bulkOperationRunQuery: { bulkOperation: { id: string; status: string }; userErrors: unknown[] };
    }>(RUN_BULK, {
      variables: { query: BULK_VARIANT_LEVELS },
    });
    expect(started.data?.bulkOperationRunQuery).toEqual({
      bulkOperation: {
        id: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/),
        status: 'CREATED',
      },
      userErrors: [],
    });
    const id = started.data?.bulkOperationRunQuery.bulkOperation.id;

    type Op = {
      id: string;
      status: string;
      objectCount: string;
      rootObjectCount: string;
      fileSize: string | null;
      url: string | null;
      errorCode: null;
      partialDataUrl: null;
      completedAt: string | null;
    };
    let op: Op | undefined;
    for (let i = 0; i < 100 && op?.status !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      op = (await main().request<{ currentBulkOperation: Op }>(BULK_STATUS)).data?.currentBulkOperation;
    }
    expect(op).toEqual({
      id,
      status: 'COMPLETED',
      errorCode: null,
      objectCount: '5',
      rootObjectCount: '2',
      fileSize: expect.stringMatching(/^\d+$/),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/bulk-operation-outputs\/\w+\.jsonl$/),
      partialDataUrl: null,
      completedAt: expect.any(String),
    });
    const byNode = await main().request(
      'query($id: ID!) { node(id: $id) { ... on BulkOperation { id status } } }',
      { variables: { id } },
    );
    expect(byNode.data).toEqual({ node: { id, status: 'COMPLETED' } });

    const file = await fetch(op?.url ?? '');
    expect(file.status).toBe(200);
    const text = await file.text();
    expect(Buffer.byteLength(text)).toBe(Number(op?.fileSize));
    const a = listing('SKU-A', L1);
    const b = listing('SKU-B', L1);
    const lvl = (l: Listing) =>
      `gid://shopify/InventoryLevel/${l.location.split('/').pop()}?inventory_item_id=${l.ids.inventoryItem?.split('/').pop()}`;
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { id: a.ids.variant, sku: 'SKU-A', inventoryItem: { id: a.ids.inventoryItem } },
      {
        id: lvl(a),
        location: { id: L1 },
        quantities: [{ name: 'available', quantity: 10 }],
        __parentId: a.ids.variant,
      },
      {
        id: lvl(listing('SKU-A', L2)),
        location: { id: L2 },
        quantities: [{ name: 'available', quantity: 4 }],
        __parentId: a.ids.variant,
      },
      { id: b.ids.variant, sku: 'SKU-B', inventoryItem: { id: b.ids.inventoryItem } },
      {
        id: lvl(b),
        location: { id: L1 },
        quantities: [{ name: 'available', quantity: 5 }],
        __parentId: b.ids.variant,
      },
    ]);
  });

  it('rejects bulk queries Shopify rejects', async () => {
    const res = await main().request(RUN_BULK, {
      variables: { query: '{ productVariants { nodes { id } } }' },
    });
    expect(res.data).toEqual({
      bulkOperationRunQuery: {
        bulkOperation: null,
        userErrors: [
          {
            field: ['query'],
            message:
              "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: 'productVariants { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: 'productVariants'.",
            code: 'INVALID',
          },
        ],
      },
    });
    const none = await main().request(RUN_BULK, { variables: { query: '{ shop { id } }' } });
    expect(none.data).toEqual({
      bulkOperationRunQuery: {
        bulkOperation: null,
        userErrors: [
          {
            field: ['query'],
            message: 'Bulk queries must contain at least one connection.',
            code: 'INVALID',
          },
        ],
      },
    });
  });
});

describe('HTTP errors and injected faults', () => {
  it("answers a wrong token with 401 and Shopify's body", async () => {
    const bad = adminClient(served.port, 'shpat_wrong');
    const raw = await bad.fetch('{ shop { id } }');
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({
      errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
    });
    const res = await bad.request('{ shop { id } }');
    expect(res.errors).toMatchObject({ networkStatusCode: 401, message: 'GraphQL Client: Unauthorized' });
  });

  it('answers a malformed body with 400 and accepts application/graphql', async () => {
    const url = `http://127.0.0.1:${served.port}/admin/api/2026-04/graphql.json`;
    const headers = { 'x-shopify-access-token': credentials.shopify('shop-main').accessToken };
    for (const body of ['{"query": ', '{"variables": {}}']) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: { query: 'Required parameter missing or invalid' } });
    }
    const raw = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/graphql' },
      body: '{ shop { name } }',
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('x-shopify-api-version')).toBe('2026-04');
    expect(await raw.json()).toMatchObject({ data: { shop: { name: 'shop-main' } } });
  });

  it("turns errorRate 1 into HTTP 500 with Shopify's body", async () => {
    world.setFaults({ system: 'shopify', errorRate: 1 });
    const raw = await main().fetch('{ shop { id } }');
    expect(raw.status).toBe(500);
    expect(await raw.json()).toEqual({ errors: 'An unexpected error occurred' });
    const res = await main().request('{ shop { id } }');
    expect(res.errors).toMatchObject({
      networkStatusCode: 500,
      message: 'GraphQL Client: Internal Server Error',
    });
    expect(calls('shop')).toMatchObject({ count: 2, errors: 2 });
  });

  it('lets the client retry an injected 503', async () => {
    world.setFaults({ system: 'shopify', endpoint: 'shop', errorRate: 1, status: 503 });
    const retrying = adminClient(served.port, credentials.shopify('shop-main').accessToken, '2026-04', 1);
    const res = await retrying.request('{ shop { id } }');
    expect(res.errors).toMatchObject({ networkStatusCode: 503 });
    expect(calls('shop')).toMatchObject({ count: 2, errors: 2 });
  });

  it('delays answers by latencyMs', async () => {
    world.setFaults({ system: 'shopify', latencyMs: 150 });
    const t0 = Date.now();
    const res = await main().request<{ shop: { myshopifyDomain: string } }>('{ shop { myshopifyDomain } }');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145);
    expect(res.data?.shop.myshopifyDomain).toBe('shop-main.myshopify.com');
  });

  it('silently drops a write: success answered, world unchanged, no webhook', async () => {
    world.setFaults({ system: 'shopify', silentDropRate: 1 });
    const res = await main().request<SetData>(SET, {
      variables: {
        key: 'drop-1',
        input: setInput([{ inventoryItemId: itemA(), locationId: L1, quantity: 6, changeFromQuantity: 10 }]),
      },
    });
    expect(res.data?.inventorySetQuantities?.userErrors).toEqual([]);
    expect(res.data?.inventorySetQuantities?.inventoryAdjustmentGroup?.changes[0]).toMatchObject({
      name: 'available',
      delta: -4,
    });
    expect(listing('SKU-A', L1)).toMatchObject({ shows: 10, version: 1 });
    await hub.drain();
    expect(hub.deliveries).toEqual([]);
  });
});

describe('webhooks', () => {
  const sign = (body: string) =>
    createHmac('sha256', credentials.shopify('shop-main').webhookSecret).update(body).digest('base64');
  const topics = () => receiver.received.map((r) => r.headers['x-shopify-topic']);
  const delivery = (topic: string) => {
    const d = receiver.received.find((r) => r.headers['x-shopify-topic'] === topic);
    if (!d) throw new Error(`no ${topic} delivery`);
    return { ...d, json: JSON.parse(d.body) as Record<string, unknown> };
  };
  const expectSigned = (
    d: { url: string; headers: Record<string, unknown>; body: string },
    topic: string,
  ) => {
    expect(d.url).toBe('/webhooks/shopify/shop-main');
    expect(d.headers).toMatchObject({
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': sign(d.body),
      'x-shopify-shop-domain': 'shop-main.myshopify.com',
      'x-shopify-api-version': '2026-04',
      'x-shopify-webhook-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-shopify-event-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-shopify-triggered-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  };

  it('sends orders/create and inventory_levels/update for a sale', async () => {
    const placed = world.placeOrder({ channel: 'shop-main', sku: 'SKU-A', qty: 2, location: L1 });
    if (!placed.accepted) throw new Error('order refused');
    await hub.drain();
    expect(topics().sort()).toEqual(['inventory_levels/update', 'orders/create']);
    const a = listing('SKU-A', L1);
    const order = delivery('orders/create');
    expectSigned(order, 'orders/create');
    expect(order.json).toMatchObject({
      id: Number(placed.orderId),
      admin_graphql_api_id: `gid://shopify/Order/${placed.orderId}`,
      name: `#${placed.orderId}`,
      cancelled_at: null,
      financial_status: 'paid',
      location_id: 1,
      line_items: [
        {
          sku: 'SKU-A',
          quantity: 2,
          variant_id: Number(a.ids.variant?.split('/').pop()),
          product_id: Number(a.ids.product?.split('/').pop()),
          title: 'Red shirt',
        },
      ],
    });
    const level = delivery('inventory_levels/update');
    expectSigned(level, 'inventory_levels/update');
    const item = Number(a.ids.inventoryItem?.split('/').pop());
    expect(level.json).toEqual({
      inventory_item_id: item,
      location_id: 1,
      available: 8,
      updated_at: expect.stringMatching(/\+00:00$/),
      admin_graphql_api_id: `gid://shopify/InventoryLevel/1?inventory_item_id=${item}`,
    });
  });

  it('sends orders/cancelled and refunds/create', async () => {
    const cancelled = world.placeOrder({ channel: 'shop-main', sku: 'SKU-B', qty: 1, location: L1 });
    const returned = world.placeOrder({ channel: 'shop-main', sku: 'SKU-A', qty: 2, location: L1 });
    if (!cancelled.accepted || !returned.accepted) throw new Error('order refused');
    world.cancel({ channel: 'shop-main', orderId: cancelled.orderId });
    world.returnOrder({ channel: 'shop-main', orderId: returned.orderId, qty: 1 });
    await hub.drain();
    const c = delivery('orders/cancelled');
    expectSigned(c, 'orders/cancelled');
    expect(c.json).toMatchObject({
      id: Number(cancelled.orderId),
      cancel_reason: 'customer',
      cancelled_at: expect.stringMatching(/\+00:00$/),
      line_items: [{ sku: 'SKU-B', quantity: 1 }],
    });
    const r = delivery('refunds/create');
    expectSigned(r, 'refunds/create');
    expect(r.json).toMatchObject({
      order_id: Number(returned.orderId),
      restock: false,
      refund_line_items: [
        { quantity: 1, restock_type: 'no_restock', line_item: { sku: 'SKU-A', quantity: 2 } },
      ],
    });
  });

  it('sends inventory_levels/update for an API write and keeps the webhook id across retries', async () => {
    receiver.failFirst.add('inventory_levels/update');
    await main().request(SET, {
      variables: {
        key: 'wh-1',
        input: setInput([{ inventoryItemId: itemB(), locationId: L1, quantity: 0, changeFromQuantity: 5 }]),
      },
    });
    await hub.drain();
    const attempts = receiver.received.filter(
      (r) => r.headers['x-shopify-topic'] === 'inventory_levels/update',
    );
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.headers['x-shopify-webhook-id']).toBe(attempts[0]?.headers['x-shopify-webhook-id']);
    expect(attempts[1]?.body).toBe(attempts[0]?.body);
    expect(JSON.parse(attempts[0]?.body ?? '{}')).toMatchObject({ available: 0, location_id: 1 });
    expect(hub.deliveries).toMatchObject([
      { topic: 'inventory_levels/update', status: 'delivered', attempts: 2 },
    ]);
  });
});

describe('cost throttle (production limits, Standard plan)', () => {
  let clock = Date.UTC(2026, 3, 1);
  const skus = Array.from({ length: 60 }, (_, i) => `T-${String(i).padStart(3, '0')}`);
  const throttleWorld = new World(
    {
      erp: { locations: [{ id: 'WH1/Stock', warehouse: 'WH1' }], products: skus.map((sku) => ({ sku })) },
      channels: [
        {
          id: 'shop-load',
          kind: 'shopify',
          locations: [
            { id: L1, erpLocations: ['WH1/Stock'] },
            { id: L2, erpLocations: ['WH1/Stock'] },
          ],
          listings: skus.flatMap((sku) => [
            { sku, location: L1, shows: 1 },
            { sku, location: L2, shows: 1 },
          ]),
        },
      ],
    },
    () => clock,
  );
  let server: Served;
  const load = () => adminClient(server.port, credentials.shopify('shop-load').accessToken);
  // 2 + 60 x (variant 1 + item 1 + levels 2 + 2 x (level 1 + location 1)) = 482, requested and actual.
  const QUERY =
    '{ productVariants(first: 60) { nodes { inventoryItem { inventoryLevels(first: 2) { nodes { location { id } } } } } } }';

  beforeAll(async () => {
    server = await startShopify({
      world: throttleWorld,
      webhooks: new WebhookHub(throttleWorld),
      credentials,
    });
  });
  afterAll(() => server.close());

  it('reports a full bucket while limits are off', async () => {
    const res = await load().request(QUERY);
    expect(res.extensions?.cost).toEqual({
      requestedQueryCost: 482,
      actualQueryCost: 482,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 100 },
    });
  });

  it('charges requested cost, refunds the unused part, throttles with HTTP 200 THROTTLED and restores 100/s', async () => {
    throttleWorld.setFaults({ system: 'shopify', rateLimits: 'production' });
    // first: 100 asks for 802 points but only 60 rows come back (482): 2000 - 802 + 320 = 1518.
    const wide = await load().request(
      '{ productVariants(first: 100) { nodes { inventoryItem { inventoryLevels(first: 2) { nodes { location { id } } } } } } }',
    );
    expect(wide.extensions?.cost).toEqual({
      requestedQueryCost: 802,
      actualQueryCost: 482,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1518, restoreRate: 100 },
    });
    for (const left of [1036, 554, 72]) {
      const res = await load().request(QUERY);
      expect(res.extensions?.cost?.throttleStatus?.currentlyAvailable).toBe(left);
    }
    const throttled = await load().request(QUERY);
    expect(throttled.data).toBeUndefined();
    expect(throttled.errors).toMatchObject({ networkStatusCode: 200 });
    expect(throttled.errors?.graphQLErrors).toEqual([
      {
        message: 'Throttled',
        extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
      },
    ]);
    expect(throttled.extensions?.cost).toEqual({
      requestedQueryCost: 482,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 72, restoreRate: 100 },
    });
    expect(throttleWorld.state().calls).toContainEqual({
      system: 'shopify',
      endpoint: 'productVariants',
      count: 6,
      throttled: 1,
      errors: 0,
    });

    clock += 5_000; // +500 points
    const after = await load().request(QUERY);
    expect(after.errors).toBeUndefined();
    expect(after.extensions?.cost?.throttleStatus?.currentlyAvailable).toBe(90);
  });
});
