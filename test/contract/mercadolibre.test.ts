/**
 * Mercado Libre simulator contract: the connector uses plain fetch for Mercado Libre, so these tests drive the
 * simulator with fetch against its base URL, exactly as the connector will.
 */
import { Credentials, type SandboxContext } from '../../sandbox/context';
import type { SeedInput } from '../../sandbox/seed';
import { startMercadoLibre, type MercadoLibreServed } from '../../sandbox/simulators/mercadolibre';
import { WebhookHub } from '../../sandbox/webhooks';
import { World, type Listing } from '../../sandbox/world';
import { MlClient, startReceiver, type TokenBody } from './support/mercadolibre-client';

interface Variation {
  id: number;
  available_quantity: number;
  seller_custom_field: string;
  attributes: { id: string; value_name: string }[];
  user_product_id: string;
}
interface Item {
  id: string;
  title: string;
  available_quantity: number;
  sold_quantity: number;
  status: string;
  sub_status: string[];
  seller_id: number;
  seller_custom_field: string | null;
  attributes: { id: string; value_name: string }[];
  variations: Variation[];
  user_product_id: string | null;
  shipping: { logistic_type: string; tags: string[] };
  tags: string[];
}
interface Order {
  id: number;
  status: string;
  date_created: string;
  last_updated: string;
  order_items: { item: { id: string; seller_sku: string; variation_id: number | null }; quantity: number }[];
  buyer: { id: number };
  seller: { id: number };
  shipping: { id: number };
}

const seed: SeedInput = {
  erp: {
    locations: [{ id: 'WH1/Stock', warehouse: 'WH1' }],
    products: [
      { sku: 'TSHIRT-RED-M', name: 'Red T-shirt M' },
      { sku: 'TSHIRT-BLUE-M' },
      { sku: 'TSHIRT-BLUE-L' },
      { sku: 'MUG-FULL' },
      { sku: 'CAP-FLEX' },
    ],
    stock: [{ sku: 'TSHIRT-RED-M', location: 'WH1/Stock', onHand: 40 }],
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'meli',
      kind: 'mercadolibre',
      locations: [{ id: 'selling_address', erpLocations: ['WH1/Stock'] }],
      listings: [
        { sku: 'TSHIRT-RED-M', itemId: 'MLM100', location: 'selling_address', shows: 10 },
        // One item, two SKUs: an item with variations.
        { sku: 'TSHIRT-BLUE-M', itemId: 'MLM200', location: 'selling_address', shows: 4 },
        { sku: 'TSHIRT-BLUE-L', itemId: 'MLM200', location: 'selling_address', shows: 6 },
        { sku: 'MUG-FULL', itemId: 'MLM300', location: 'selling_address', shows: 8, full: true },
        // Full + Flex coexistence: one user product with stock at selling_address and meli_facility.
        { sku: 'CAP-FLEX', itemId: 'MLM400', location: 'selling_address', shows: 5 },
        { sku: 'CAP-FLEX', itemId: 'MLM400', location: 'selling_address', shows: 7, full: true },
      ],
    },
    {
      id: 'meli2',
      kind: 'mercadolibre',
      locations: [{ id: 'selling_address', erpLocations: ['WH1/Stock'] }],
      listings: [{ sku: 'TSHIRT-RED-M', itemId: 'MLA900', location: 'selling_address', shows: 3 }],
    },
  ],
};

// A controllable clock: token lifetimes and rate-limit buckets run on the world's time.
const clock = { t: Date.parse('2025-03-01T12:00:00.000Z') };
const world = new World(seed, () => clock.t);
const credentials = new Credentials('test-secret');
const hub = new WebhookHub(world);
const ctx: SandboxContext = { world, webhooks: hub, credentials };
const meli = credentials.mercadolibre('meli');
let served: MercadoLibreServed;
let ml: MlClient;

const listing = (sku: string, location = 'selling_address'): Listing => {
  const l = world.channel('meli').listings.find((x) => x.sku === sku && x.location === location);
  if (!l) throw new Error(`no listing ${sku}@${location}`);
  return l;
};
const invalidToken = { message: 'invalid access token', error: 'unauthorized', status: 401, cause: [] };

beforeAll(async () => {
  served = await startMercadoLibre(ctx, { port: 0 });
  ml = new MlClient(served.url, credentials);
  expect((await ml.refresh('meli')).status).toBe(200);
  expect((await ml.refresh('meli2')).status).toBe(200);
});

afterAll(async () => {
  await hub.drain();
  world.clearTimers();
  await served.close();
});

afterEach(() => {
  world.faults = [];
});

describe('OAuth', () => {
  test('a refresh rotates both tokens; the spent refresh token is rejected with invalid_grant', async () => {
    const before = ml.sessions.get('meli');
    const res = await ml.refresh('meli');
    expect(res.status).toBe(200);
    const t = res.json as TokenBody;
    expect(t).toEqual({
      access_token: expect.stringMatching(
        new RegExp(`^APP_USR-${meli.clientId}-\\d{6}-[0-9a-f]{32}-${meli.userId}$`),
      ),
      token_type: 'Bearer',
      expires_in: 21600,
      scope: 'offline_access read write',
      user_id: Number(meli.userId),
      refresh_token: expect.stringMatching(new RegExp(`^TG-[0-9a-f]{24}-${meli.userId}$`)),
    });
    expect(t.refresh_token).not.toBe(before?.refresh);
    expect(t.access_token).not.toBe(before?.access);

    const invalidGrant = {
      message: expect.stringContaining('refresh token') as unknown,
      error: 'invalid_grant',
      error_description: expect.stringContaining('already used') as unknown,
      status: 400,
      cause: [],
    };
    // The token spent just now, and the one from the credentials (spent in beforeAll), are both dead.
    for (const spent of [before?.refresh, meli.refreshToken]) {
      const again = await ml.refresh('meli', spent);
      expect(again.status).toBe(400);
      expect(again.json).toEqual(invalidGrant);
    }
    // The new access token works.
    expect((await ml.call('meli', 'GET', '/users/me')).json).toMatchObject({ id: Number(meli.userId) });
  });

  test("a refresh token only works with its own app's client credentials", async () => {
    const wrongSecret = await ml.refresh('meli', undefined, { client_secret: 'nope' });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.json).toMatchObject({ error: 'invalid_client', status: 400, cause: [] });
    const other = await ml.refresh('meli2', ml.sessions.get('meli')?.refresh);
    expect(other.json).toMatchObject({ error: 'invalid_grant', status: 400 });
    const grant = await ml.refresh('meli', undefined, { grant_type: 'password' });
    expect(grant.json).toMatchObject({ error: 'unsupported_grant_type', status: 400 });
    // None of the refusals spent the live token.
    expect((await ml.refresh('meli')).status).toBe(200);
  });

  test('an expired access token gets 401; a refresh restores access', async () => {
    const token = ml.token('meli');
    expect((await ml.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    clock.t += 21_600_000; // the 6-hour lifetime passes
    const expired = await ml.call('meli', 'GET', '/items/MLM100');
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual(invalidToken);
    expect((await ml.refresh('meli')).status).toBe(200);
    expect((await ml.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    // The test hook expires one token on demand.
    expect(served.tokens.expire(ml.token('meli'))).toBe(true);
    expect((await ml.call('meli', 'GET', '/items/MLM100')).json).toEqual(invalidToken);
    expect((await ml.refresh('meli')).status).toBe(200);
    expect(token).not.toBe(ml.token('meli'));
  });

  test('unknown or missing bearer tokens get 401', async () => {
    expect((await ml.call('meli', 'GET', '/items/MLM100', { token: 'APP_USR-1-010100-x-1' })).json).toEqual(
      invalidToken,
    );
    const none = await ml.call('meli', 'GET', '/items/MLM100', { token: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual(invalidToken);
  });
});

describe('items', () => {
  test('GET /items/{id}: quantities, SELLER_SKU, user product, cross_docking', async () => {
    const res = await ml.call('meli', 'GET', '/items/MLM100');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 'MLM100',
      title: 'Red T-shirt M',
      available_quantity: 10,
      sold_quantity: 0,
      status: 'active',
      seller_id: Number(meli.userId),
      seller_custom_field: 'TSHIRT-RED-M',
      attributes: [{ id: 'SELLER_SKU', value_name: 'TSHIRT-RED-M' }],
      variations: [],
      user_product_id: listing('TSHIRT-RED-M').ids.userProduct,
      shipping: { logistic_type: 'cross_docking' },
      tags: expect.arrayContaining(['user_product_listing']) as unknown,
    });
    const trimmed = await ml.call('meli', 'GET', '/items/MLM100?attributes=id,available_quantity');
    expect(trimmed.json).toEqual({ id: 'MLM100', available_quantity: 10 });
  });

  test('an item with variations lists them with ids and user products; Full is fulfillment', async () => {
    const item = (await ml.call('meli', 'GET', '/items/MLM200')).json as Item;
    expect(item.available_quantity).toBe(10);
    expect(item.user_product_id).toBeNull();
    expect(item.attributes).toEqual([]);
    expect(
      item.variations.map((v) => [v.seller_custom_field, v.available_quantity, v.user_product_id]),
    ).toEqual([
      ['TSHIRT-BLUE-M', 4, listing('TSHIRT-BLUE-M').ids.userProduct],
      ['TSHIRT-BLUE-L', 6, listing('TSHIRT-BLUE-L').ids.userProduct],
    ]);
    expect(item.variations[0]?.attributes[0]).toMatchObject({
      id: 'SELLER_SKU',
      value_name: 'TSHIRT-BLUE-M',
    });
    expect(item.variations.every((v) => Number.isInteger(v.id) && v.id > 0)).toBe(true);
    const full = (await ml.call('meli', 'GET', '/items/MLM300')).json as Item;
    expect(full.shipping).toMatchObject({ logistic_type: 'fulfillment', tags: [] });
    const coexist = (await ml.call('meli', 'GET', '/items/MLM400')).json as Item;
    expect(coexist.shipping).toMatchObject({ logistic_type: 'fulfillment', tags: ['self_service_in'] });
    expect(coexist.available_quantity).toBe(12);
  });

  test('GET /items?ids= (multiget) answers one {code, body} per id', async () => {
    const res = await ml.call('meli', 'GET', '/items?ids=MLM100,MLM999&attributes=id,available_quantity');
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { code: 200, body: { id: 'MLM100', available_quantity: listing('TSHIRT-RED-M').shows } },
      {
        code: 404,
        body: { message: 'Item with id MLM999 not found', error: 'not_found', status: 404, cause: [] },
      },
    ]);
  });

  test('GET an unknown item: 404 in the API shape', async () => {
    const res = await ml.call('meli', 'GET', '/items/MLM1');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      message: 'Item with id MLM1 not found',
      error: 'not_found',
      status: 404,
      cause: [],
    });
  });

  test('PUT available_quantity and variations[].available_quantity land in the world', async () => {
    const res = await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: 7 } });
    expect(res.status).toBe(200);
    expect((res.json as Item).available_quantity).toBe(7);
    expect(listing('TSHIRT-RED-M').shows).toBe(7);

    const item = (await ml.call('meli', 'GET', '/items/MLM200')).json as Item;
    const blueL = item.variations.find((v) => v.seller_custom_field === 'TSHIRT-BLUE-L');
    const put = await ml.call('meli', 'PUT', '/items/MLM200', {
      json: { variations: [{ id: blueL?.id, available_quantity: 2 }] },
    });
    expect(put.status).toBe(200);
    expect((put.json as Item).available_quantity).toBe(6);
    expect(listing('TSHIRT-BLUE-L').shows).toBe(2);
    expect(listing('TSHIRT-BLUE-M').shows).toBe(4);
    const state = world.state().channels.meli as { listings: { sku: string; shows: number }[] };
    expect(state.listings.find((l) => l.sku === 'TSHIRT-BLUE-L')?.shows).toBe(2);

    // Zero stock pauses the item, as Mercado Libre does.
    const zero = (await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: 0 } }))
      .json as Item;
    expect([zero.status, zero.sub_status]).toEqual(['paused', ['out_of_stock']]);
    await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: 10 } });
  });

  test('PUT on a Full item is refused with item.available_quantity.not_modifiable', async () => {
    const res = await ml.call('meli', 'PUT', '/items/MLM300', { json: { available_quantity: 3 } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      message: 'Validation error',
      error: 'validation_error',
      status: 400,
      cause: [
        {
          department: 'items',
          cause_id: 363,
          type: 'error',
          code: 'item.available_quantity.not_modifiable',
          references: ['item.available_quantity'],
          message: expect.stringContaining('fulfillment') as unknown,
        },
      ],
    });
    expect(listing('MUG-FULL', 'meli_facility').shows).toBe(8);
  });

  test('PUT with a negative or malformed quantity: 400 item.available_quantity.invalid', async () => {
    const neg = await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: -1 } });
    expect(neg.status).toBe(400);
    expect(neg.json).toMatchObject({
      error: 'validation_error',
      status: 400,
      cause: [
        {
          code: 'item.available_quantity.invalid',
          type: 'error',
          message: 'available_quantity must be greater than or equal to 0',
        },
      ],
    });
    const text = await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: 'five' } });
    expect(text.status).toBe(400);
    expect(text.json).toMatchObject({
      error: 'validation_error',
      cause: [{ code: 'item.available_quantity.invalid', type: 'error' }],
    });
    const broken = await ml.call('meli', 'PUT', '/items/MLM100', {
      body: '{"available_quantity":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ error: 'bad_request', status: 400, cause: [] });
    expect(listing('TSHIRT-RED-M').shows).toBe(10);
  });

  test("another seller's item can be read but not written", async () => {
    expect((await ml.call('meli', 'GET', '/items/MLA900')).status).toBe(200);
    const res = await ml.call('meli', 'PUT', '/items/MLA900', { json: { available_quantity: 1 } });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: 'forbidden', status: 403, cause: [] });
  });
});

describe('user-products stock', () => {
  const upPath = () => `/user-products/${listing('CAP-FLEX').ids.userProduct}/stock`;

  test('GET answers the locations and the x-version header', async () => {
    const res = await ml.call('meli', 'GET', upPath());
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      locations: [
        { type: 'selling_address', quantity: 5 },
        { type: 'meli_facility', quantity: 7 },
      ],
      user_id: Number(meli.userId),
      id: listing('CAP-FLEX').ids.userProduct,
    });
    expect(res.headers.get('x-version')).toBe(
      String(listing('CAP-FLEX').version + listing('CAP-FLEX', 'meli_facility').version),
    );
    const single = await ml.call(
      'meli',
      'GET',
      `/user-products/${listing('TSHIRT-RED-M').ids.userProduct}/stock`,
    );
    expect(single.headers.get('x-version')).toBe(String(listing('TSHIRT-RED-M').version));
  });

  test('PUT selling_address with the current x-version: 204 and the world changes; a stale one: 409', async () => {
    const read = await ml.call('meli', 'GET', upPath());
    const version = read.headers.get('x-version') ?? '';
    const put = await ml.call('meli', 'PUT', `${upPath()}/type/selling_address`, {
      json: { quantity: 9 },
      headers: { 'x-version': version },
    });
    expect(put.status).toBe(204);
    expect(put.text).toBe('');
    expect(listing('CAP-FLEX').shows).toBe(9);
    expect(listing('CAP-FLEX', 'meli_facility').shows).toBe(7);
    const after = await ml.call('meli', 'GET', upPath());
    expect(Number(after.headers.get('x-version'))).toBeGreaterThan(Number(version));

    const stale = await ml.call('meli', 'PUT', `${upPath()}/type/selling_address`, {
      json: { quantity: 1 },
      headers: { 'x-version': version },
    });
    expect(stale.status).toBe(409);
    expect(stale.json).toEqual({
      message: `Version mismatch for user product ${listing('CAP-FLEX').ids.userProduct}`,
      error: 'conflict',
      status: 409,
      cause: [
        {
          code: 'stock.version_mismatch',
          message: expect.stringContaining('x-version') as unknown,
          type: 'error',
        },
      ],
    });
    expect(listing('CAP-FLEX').shows).toBe(9);
  });

  test('a sale on the channel makes an earlier x-version stale', async () => {
    const version = (await ml.call('meli', 'GET', upPath())).headers.get('x-version') ?? '';
    expect(
      world.placeOrder({ channel: 'meli', sku: 'CAP-FLEX', qty: 1, location: 'meli_facility' }).accepted,
    ).toBe(true);
    const stale = await ml.call('meli', 'PUT', `${upPath()}/type/selling_address`, {
      json: { quantity: 3 },
      headers: { 'x-version': version },
    });
    expect(stale.status).toBe(409);
  });

  test('missing x-version: 400; meli_facility is not writable: 400', async () => {
    const missing = await ml.call('meli', 'PUT', `${upPath()}/type/selling_address`, {
      json: { quantity: 1 },
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      message: 'The x-version header is required',
      error: 'bad_request',
      status: 400,
      cause: [{ code: 'stock.x_version.required', type: 'error' }],
    });
    const version = (await ml.call('meli', 'GET', upPath())).headers.get('x-version') ?? '';
    const full = await ml.call('meli', 'PUT', `${upPath()}/type/meli_facility`, {
      json: { quantity: 1 },
      headers: { 'x-version': version },
    });
    expect(full.status).toBe(400);
    expect(full.json).toMatchObject({
      error: 'bad_request',
      status: 400,
      cause: [{ code: 'stock.location.not_modifiable', type: 'error' }],
    });
    const unknown = await ml.call('meli', 'GET', '/user-products/MLMU1/stock');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      message: 'User product MLMU1 not found',
      error: 'not_found',
      status: 404,
      cause: [],
    });
    expect(listing('CAP-FLEX', 'meli_facility').shows).toBe(6);
  });
});

describe('items search by SKU', () => {
  test('seller_sku and sku find the item, including a variation SKU; offset/limit page', async () => {
    const res = await ml.call('meli', 'GET', `/users/${meli.userId}/items/search?seller_sku=TSHIRT-BLUE-L`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      seller_id: meli.userId,
      query: 'TSHIRT-BLUE-L',
      paging: { total: 1, offset: 0, limit: 50 },
      results: ['MLM200'],
    });
    const bySku = await ml.call('meli', 'GET', `/users/${meli.userId}/items/search?sku=TSHIRT-RED-M`);
    expect((bySku.json as { results: string[] }).results).toEqual(['MLM100']);
    const page = await ml.call('meli', 'GET', `/users/${meli.userId}/items/search?offset=1&limit=2`);
    expect(page.json).toMatchObject({
      paging: { total: 4, offset: 1, limit: 2 },
      results: ['MLM200', 'MLM300'],
    });
    const none = await ml.call('meli', 'GET', `/users/${meli.userId}/items/search?seller_sku=NOPE`);
    expect(none.json).toMatchObject({ paging: { total: 0 }, results: [] });
    const scan1 = (
      await ml.call('meli', 'GET', `/users/${meli.userId}/items/search?search_type=scan&limit=3`)
    ).json as { results: string[]; scroll_id: string };
    const scan2 = (
      await ml.call(
        'meli',
        'GET',
        `/users/${meli.userId}/items/search?search_type=scan&limit=3&scroll_id=${scan1.scroll_id}`,
      )
    ).json as { results: string[] };
    expect([...scan1.results, ...scan2.results]).toEqual(['MLM100', 'MLM200', 'MLM300', 'MLM400']);
  });

  test("another seller's search is forbidden", async () => {
    const res = await ml.call(
      'meli',
      'GET',
      `/users/${credentials.mercadolibre('meli2').userId}/items/search?seller_sku=TSHIRT-RED-M`,
    );
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: 'forbidden', status: 403, cause: [] });
  });
});

describe('orders', () => {
  test('an order placed in the world is found by the date_last_updated search and by id', async () => {
    clock.t += 60_000;
    const from = new Date(clock.t).toISOString();
    const placed = world.placeOrder({ channel: 'meli', sku: 'TSHIRT-BLUE-M', qty: 2 });
    if (!placed.accepted) throw new Error(placed.reason);
    const search = await ml.call(
      'meli',
      'GET',
      `/orders/search?seller=${meli.userId}&order.date_last_updated.from=${encodeURIComponent(from)}&sort=date_asc`,
    );
    expect(search.status).toBe(200);
    const body = search.json as { results: Order[]; paging: unknown };
    expect(body.paging).toEqual({ total: 1, offset: 0, limit: 51 });
    const item = (await ml.call('meli', 'GET', '/items/MLM200')).json as Item;
    const variation = item.variations.find((v) => v.seller_custom_field === 'TSHIRT-BLUE-M');
    expect(body.results[0]).toMatchObject({
      id: Number(placed.orderId),
      status: 'paid',
      date_created: '2025-03-01T14:01:00.000-04:00',
      order_items: [
        { item: { id: 'MLM200', seller_sku: 'TSHIRT-BLUE-M', variation_id: variation?.id }, quantity: 2 },
      ],
      seller: { id: Number(meli.userId) },
    });
    expect(item.sold_quantity).toBe(2);
    expect(listing('TSHIRT-BLUE-M').shows).toBe(2);

    clock.t += 1000;
    world.cancel({ channel: 'meli', orderId: placed.orderId });
    const one = await ml.call('meli', 'GET', `/orders/${placed.orderId}`);
    expect(one.json).toMatchObject({
      id: Number(placed.orderId),
      status: 'cancelled',
      last_updated: '2025-03-01T14:01:01.000-04:00',
    });
    const later = new Date(clock.t).toISOString();
    const since = await ml.call(
      'meli',
      'GET',
      `/orders/search?seller=${meli.userId}&order.date_last_updated.from=${encodeURIComponent(later)}`,
    );
    expect((since.json as { results: Order[] }).results.map((o) => [o.id, o.status])).toEqual([
      [Number(placed.orderId), 'cancelled'],
    ]);
  });

  test('unknown order: 404; another seller: 403; a bad date filter: 400', async () => {
    const missing = await ml.call('meli', 'GET', '/orders/99999999');
    expect(missing.json).toEqual({
      message: 'Order 99999999 not found',
      error: 'not_found',
      status: 404,
      cause: [],
    });
    const foreign = await ml.call(
      'meli',
      'GET',
      `/orders/search?seller=${credentials.mercadolibre('meli2').userId}`,
    );
    expect(foreign.status).toBe(403);
    const bad = await ml.call(
      'meli',
      'GET',
      `/orders/search?seller=${meli.userId}&order.date_last_updated.from=yesterday`,
    );
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'bad_request', status: 400, cause: [{ type: 'error' }] });
  });
});

describe('notifications', () => {
  test('orders_v2 for an order, items for a stock change: the exact body, no signature', async () => {
    const receiver = await startReceiver();
    hub.settings.baseUrl = receiver.url;
    try {
      const placed = world.placeOrder({ channel: 'meli', sku: 'TSHIRT-RED-M', qty: 1 });
      if (!placed.accepted) throw new Error(placed.reason);
      world.setShows('meli', listing('TSHIRT-BLUE-L'), 5, 'person');
      await hub.drain();
      const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
      const at = new Date(clock.t).toISOString();
      const expected = (topic: string, resource: string) => ({
        _id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        ) as unknown,
        resource,
        user_id: Number(meli.userId),
        topic,
        application_id: Number(meli.clientId),
        attempts: 1,
        sent: at,
        received: at,
      });
      expect(bodies).toEqual(
        expect.arrayContaining([
          expected('orders_v2', `/orders/${placed.orderId}`),
          expected('items', '/items/MLM100'), // the sale lowered the item's stock
          expected('items', '/items/MLM200'), // a person edited a variation
        ]),
      );
      expect(bodies).toHaveLength(3);
      for (const r of receiver.received) {
        expect(r.url).toBe('/webhooks/mercadolibre/meli');
        expect(r.headers['content-type']).toBe('application/json');
        expect(Object.keys(r.headers).filter((h) => /signature|hmac/i.test(h))).toEqual([]);
      }
    } finally {
      hub.settings.baseUrl = undefined;
      await receiver.close();
    }
  });
});

describe('faults', () => {
  test('injected 500 and 503 in the API shape, counted as errors', async () => {
    world.setFaults({ system: 'mercadolibre', endpoint: 'GET /items/{id}', errorRate: 1 });
    const res = await ml.call('meli', 'GET', '/items/MLM100');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      message: 'Internal Server Error',
      error: 'internal_server_error',
      status: 500,
      cause: [],
    });
    world.setFaults({ system: 'mercadolibre', endpoint: 'GET /items/{id}', errorRate: 1, status: 503 });
    const unavailable = await ml.call('meli', 'GET', '/items/MLM100');
    expect(unavailable.json).toEqual({
      message: 'Service not available',
      error: 'service_not_available',
      status: 503,
      cause: [],
    });
    const stats = world
      .state()
      .calls.find((c) => c.system === 'mercadolibre' && c.endpoint === 'GET /items/{id}');
    expect(stats?.errors).toBeGreaterThanOrEqual(2);
    // Other endpoints are unaffected.
    expect((await ml.call('meli', 'GET', '/items?ids=MLM100')).status).toBe(200);
  });

  test('latency is added to every call', async () => {
    world.setFaults({ system: 'mercadolibre', latencyMs: 150 });
    const started = Date.now();
    expect((await ml.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('a silently dropped write answers as a success and changes nothing', async () => {
    world.setFaults({ system: 'mercadolibre', silentDropRate: 1 });
    const put = await ml.call('meli', 'PUT', '/items/MLM100', { json: { available_quantity: 33 } });
    expect(put.status).toBe(200);
    expect((put.json as Item).available_quantity).toBe(33);
    expect(listing('TSHIRT-RED-M').shows).toBe(9);
    const up = `/user-products/${listing('TSHIRT-RED-M').ids.userProduct}/stock`;
    const version = (await ml.call('meli', 'GET', up)).headers.get('x-version') ?? '';
    const stock = await ml.call('meli', 'PUT', `${up}/type/selling_address`, {
      json: { quantity: 44 },
      headers: { 'x-version': version },
    });
    expect(stock.status).toBe(204);
    expect(listing('TSHIRT-RED-M').shows).toBe(9);
  });
});

describe('production rate limits', () => {
  test('the user-products resource answers the JSON 429 after 100 calls a minute', async () => {
    world.setFaults({ system: 'mercadolibre', rateLimits: 'production' });
    const up = `/user-products/${listing('TSHIRT-RED-M').ids.userProduct}/stock`;
    const first = await Promise.all(Array.from({ length: 100 }, () => ml.call('meli', 'GET', up)));
    expect(first.every((r) => r.status === 200)).toBe(true);
    const limited = await ml.call('meli', 'GET', up);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      message: 'Too Many Requests',
      error: 'too_many_requests',
      status: 429,
      cause: [],
    });
    // Other resources still answer; the bucket refills with time.
    expect((await ml.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    clock.t += 60_000;
    expect((await ml.call('meli', 'GET', up)).status).toBe(200);
    const stats = world.state().calls.find((c) => c.endpoint === 'GET /user-products/{id}/stock');
    expect(stats?.throttled).toBe(1);
  });

  test('the edge proxy answers plain-text local_rate_limited after 1500 calls a minute per seller', async () => {
    expect((await ml.refresh('meli2')).status).toBe(200);
    world.setFaults({ system: 'mercadolibre', rateLimits: 'production' });
    for (let batch = 0; batch < 15; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 100 }, () => ml.call('meli2', 'GET', '/items/MLA900')),
      );
      expect(rs.filter((r) => r.status !== 200)).toEqual([]);
    }
    const limited = await ml.call('meli2', 'GET', '/items/MLA900');
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('local_rate_limited');
    expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
    // Per seller: the other channel is unaffected, and OAuth sits behind the same edge.
    expect((await ml.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    expect((await ml.refresh('meli2')).text).toBe('local_rate_limited');
    // Off again: no limits at all.
    world.setFaults({ system: 'mercadolibre', rateLimits: 'off' });
    expect((await ml.call('meli2', 'GET', '/items/MLA900')).status).toBe(200);
  });
});

describe('restart', () => {
  test('a restarted simulator honours the newest refresh token and rejects older ones', async () => {
    const latest = ml.sessions.get('meli')?.refresh ?? '';
    const second = await startMercadoLibre(ctx);
    try {
      const again = new MlClient(second.url, credentials);
      const res = await again.refresh('meli', latest);
      expect(res.status).toBe(200);
      // Once the newest token is spent, every older one is dead too, including the credentials' own.
      expect((await again.refresh('meli', latest)).status).toBe(400);
      expect((await again.refresh('meli', meli.refreshToken)).status).toBe(400);
      expect((await again.call('meli', 'GET', '/items/MLM100')).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
