/** The sandbox admin API over HTTP, as in design section 5. */
import { startAdmin } from '../../sandbox/admin';
import { Credentials, type SandboxContext } from '../../sandbox/context';
import { smallSeed } from '../../sandbox/presets';
import { WebhookHub } from '../../sandbox/webhooks';
import { World } from '../../sandbox/world';
import type { Served } from '../../sandbox/http';

let ctx: SandboxContext;
let admin: Served;

beforeAll(async () => {
  const world = new World(smallSeed(0));
  ctx = { world, webhooks: new WebhookHub(world), credentials: new Credentials('test-secret') };
  admin = await startAdmin(ctx, () => ({ admin: admin.url }));
});
afterAll(async () => {
  ctx.world.clearTimers();
  await admin.close();
});

async function call(
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(
    `${admin.url}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('reset with a preset, then state shows the truth in the documented format', async () => {
  expect((await call('/_sandbox/reset', { preset: 'small', ingestLagMs: 0 })).json).toMatchObject({
    ok: true,
    channels: ['shopify', 'amazon', 'mercadolibre'],
  });
  const { json } = await call('/_sandbox/state');
  expect(Object.keys(json).sort()).toEqual(['calls', 'channels', 'erp', 'oracle', 'webhooks']);
  expect(json.oracle).toEqual({
    ordersAccepted: 0,
    unitsAccepted: 0,
    oversoldUnits: 0,
    oversoldOrders: 0,
    bySku: [],
  });
  const erp = json.erp as {
    stock: { sku: string; location: string; onHand: number; reserved: number; damaged: number }[];
  };
  expect(erp.stock[0]).toEqual({
    sku: expect.any(String),
    location: expect.any(String),
    onHand: expect.any(Number),
    reserved: expect.any(Number),
    damaged: expect.any(Number),
  });
  const shopify = (
    json.channels as Record<
      string,
      { kind: string; listings: { sku: string; location: string; shows: number }[] }
    >
  ).shopify;
  expect(shopify?.kind).toBe('shopify');
  expect(shopify?.listings[0]).toMatchObject({ sku: 'TSHIRT-RED-S', location: 'gid://shopify/Location/1' });
});

test('reset with an explicit seed; a bad seed is a 400 with the reason', async () => {
  const seed = {
    erp: {
      kind: 'netsuite',
      locations: [{ id: 'A', warehouse: 'W' }],
      products: [{ sku: 'X' }],
      stock: [{ sku: 'X', location: 'A', onHand: 2 }],
      ingestLagMs: 0,
    },
    channels: [
      {
        id: 's',
        kind: 'shopify',
        locations: [{ id: 'L', erpLocations: ['A'] }],
        listings: [{ sku: 'X', location: 'L', shows: 2 }],
      },
    ],
  };
  expect((await call('/_sandbox/reset', { seed })).json).toMatchObject({
    ok: true,
    products: 1,
    channels: ['s'],
  });
  const bad = await call('/_sandbox/reset', { seed: { erp: { locations: [] } } });
  expect(bad.status).toBe(400);
  expect(String(bad.json.error)).toMatch(/erp/);
  expect((await call('/_sandbox/reset', { preset: 'nope' })).json.error).toBe(
    'unknown preset "nope" (presets: demo, small, broken-catalogue)',
  );
});

test('orders follow the channel acceptance rule; cancel, return, adjust, transfer, edit', async () => {
  const seed = {
    erp: {
      locations: [
        { id: 'A', warehouse: 'W' },
        { id: 'B', warehouse: 'V' },
      ],
      products: [{ sku: 'X' }],
      stock: [{ sku: 'X', location: 'A', onHand: 3 }],
      ingestLagMs: 0,
    },
    channels: [
      {
        id: 's',
        kind: 'shopify',
        locations: [{ id: 'L', erpLocations: ['A'] }],
        listings: [{ sku: 'X', location: 'L', shows: 3 }],
      },
    ],
  };
  await call('/_sandbox/reset', { seed });
  expect((await call('/_sandbox/orders', { channel: 's', sku: 'X', qty: 4 })).json).toEqual({
    accepted: false,
    reason: 's shows 3 of X, 4 wanted',
  });
  const ok = await call('/_sandbox/orders', { channel: 's', sku: 'X', qty: 2 });
  expect(ok.json).toEqual({ accepted: true, orderId: expect.any(String) });
  expect((await call('/_sandbox/erp/ingest', {})).json).toEqual({ ok: true });
  expect(
    (await call('/_sandbox/cancel', { channel: 's', orderId: ok.json.orderId })).json.order,
  ).toMatchObject({ status: 'cancelled' });
  expect(
    (await call('/_sandbox/erp/adjust', { sku: 'X', location: 'A', delta: 5, reference: 'r1' })).json,
  ).toMatchObject({ replayed: false, qty: { onHand: 8 } });
  expect(
    (await call('/_sandbox/erp/adjust', { sku: 'X', location: 'A', delta: 5, reference: 'r1' })).json,
  ).toMatchObject({ replayed: true });
  expect((await call('/_sandbox/erp/adjust', { sku: 'X', location: 'A', delta: 1, set: 3 })).status).toBe(
    400,
  );
  expect((await call('/_sandbox/erp/transfer', { sku: 'X', qty: 2, from: 'A', to: 'B' })).status).toBe(200);
  expect((await call('/_sandbox/erp/transfer', { sku: 'X', qty: 99, from: 'A', to: 'B' })).json.error).toBe(
    'X: only 6 available at A, cannot move 99',
  );
  expect((await call('/_sandbox/channel/edit', { channel: 's', sku: 'X', shows: 9 })).json).toEqual({
    sku: 'X',
    location: 'L',
    shows: 9,
  });
  const o2 = await call('/_sandbox/orders', { channel: 's', sku: 'X', qty: 1 });
  expect(
    (await call('/_sandbox/return', { channel: 's', orderId: o2.json.orderId, condition: 'sellable' })).json
      .order,
  ).toMatchObject({ status: 'returned' });
  expect((await call('/_sandbox/orders', { channel: 'nope', sku: 'X', qty: 1 })).status).toBe(404);
});

test('FBA events, faults and webhooks target', async () => {
  await call('/_sandbox/reset', { preset: 'small', ingestLagMs: 0 });
  const fba = await call('/_sandbox/fba/event', {
    channel: 'amazon',
    sku: 'TSHIRT-BLUE-S-FBA',
    type: 'inbound-shipped',
    qty: 5,
  });
  expect(fba.status).toBe(200);
  expect(fba.json).toMatchObject({ sku: 'TSHIRT-BLUE-S-FBA', inboundShipped: 5 });
  const f = await call('/_sandbox/faults', {
    system: 'shopify',
    errorRate: 0.5,
    rateLimits: 'production',
    webhookLossRate: 0.01,
  });
  expect(f.json.faults).toEqual([
    { system: 'shopify', errorRate: 0.5, rateLimits: 'production', webhookLossRate: 0.01 },
  ]);
  expect((await call('/_sandbox/faults', { system: 'ebay' })).status).toBe(400);
  expect((await call('/_sandbox/faults', { clear: true })).json.faults).toEqual([]);
  expect((await call('/_sandbox/webhooks', { baseUrl: 'http://127.0.0.1:9/x' })).json).toEqual({
    baseUrl: 'http://127.0.0.1:9/x',
  });
});

test('the market returns the oracle figures plus attempted and rejected', async () => {
  await call('/_sandbox/reset', { preset: 'small', ingestLagMs: 0 });
  const { json } = await call('/_sandbox/market', { ordersPerSecond: 100, seconds: 1, seed: 3 });
  expect(json).toMatchObject({
    ordersAttempted: 100,
    ordersAccepted: expect.any(Number),
    ordersRejected: expect.any(Number),
    oversoldUnits: expect.any(Number),
    bySku: expect.any(Array),
  });
  expect((json.ordersAccepted as number) + (json.ordersRejected as number)).toBe(100);
});
