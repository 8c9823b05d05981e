/** The sandbox's model of the physical truth and its oversell oracle. */
import { World, type SystemName } from '../../sandbox/world';
import { runMarket } from '../../sandbox/market';
import { demoSeed, brokenCatalogueSeed, smallSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';

const seed = (ingestLagMs = 0): SeedInput => ({
  erp: {
    kind: 'odoo',
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
    ],
    products: [{ sku: 'TEE' }, { sku: 'MUG' }, { sku: 'TEE-2PACK' }],
    stock: [
      { sku: 'TEE', location: 'WH1/Stock', onHand: 5 },
      { sku: 'TEE', location: 'WH2/Stock', onHand: 2 },
      { sku: 'MUG', location: 'WH1/Stock', onHand: 3 },
    ],
    kits: [{ sku: 'TEE-2PACK', components: [{ sku: 'TEE', qty: 2 }] }],
    ingestLagMs,
  },
  channels: [
    {
      id: 'shop',
      kind: 'shopify',
      locations: [{ id: 'L1', erpLocations: ['WH1/Stock'] }],
      listings: [
        { sku: 'TEE', location: 'L1', shows: 5 },
        { sku: 'TEE-2PACK', location: 'L1', shows: 2 },
      ],
    },
    {
      id: 'amz',
      kind: 'amazon',
      fbmErpLocations: ['WH1/Stock', 'WH2/Stock'],
      listings: [
        { sku: 'TEE', shows: 7 },
        { sku: 'MUG-FBA', fulfillment: 'FBA', shows: 4 },
      ],
      fba: [{ sku: 'MUG-FBA', fulfillable: 4, inboundShipped: 10 }],
    },
  ],
});

let world: World;
afterEach(() => world?.clearTimers());

test('a channel accepts an order only if it shows enough, and lowers only its own count', () => {
  world = new World(seed());
  expect(world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 6 })).toEqual({
    accepted: false,
    reason: 'shop shows 5 of TEE, 6 wanted',
  });
  expect(world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 2 })).toMatchObject({ accepted: true });
  expect(world.listing('shop', 'TEE')?.shows).toBe(3);
  expect(world.listing('amz', 'TEE')?.shows).toBe(7); // nobody synced Amazon: it still shows 7
});

test('the ERP ingests after the lag, reserving at the serving locations; shortfalls are oversold units', () => {
  world = new World(seed());
  world.placeOrder({ channel: 'amz', sku: 'TEE', qty: 6 });
  world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 3 }); // WH1 only: 5 - (6 taken by Amazon, 5 from WH1 first) ...
  world.flushIngest();
  const s = world.state();
  // Amazon's 6 took WH1's 5 and WH2's 1; Shopify's 3 found nothing left at WH1: 3 units oversold.
  expect(s.erp.stock.filter((r) => r.sku === 'TEE')).toEqual([
    { sku: 'TEE', location: 'WH1/Stock', onHand: 5, reserved: 5, damaged: 0 },
    { sku: 'TEE', location: 'WH2/Stock', onHand: 2, reserved: 1, damaged: 0 },
  ]);
  expect(s.oracle).toMatchObject({
    ordersAccepted: 2,
    unitsAccepted: 9,
    oversoldUnits: 3,
    oversoldOrders: 1,
  });
  expect(s.oracle.bySku[0]).toEqual({ sku: 'TEE', unitsAccepted: 9, oversoldUnits: 3 });
  expect(s.erp.orders.map((o) => o.status)).toEqual(['reserved', 'reserved']);
});

test('kit orders reserve their components', () => {
  world = new World(seed());
  world.placeOrder({ channel: 'shop', sku: 'TEE-2PACK', qty: 2 });
  world.flushIngest();
  expect(world.qty('TEE', 'WH1/Stock').reserved).toBe(4);
  expect(world.oracleView().oversoldUnits).toBe(0);
});

test('the ingest lag is real time: pending until it passes', async () => {
  world = new World(seed(80));
  world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 1 });
  expect(world.state().erp.orders[0]?.status).toBe('pending-ingest');
  await new Promise((r) => setTimeout(r, 150));
  expect(world.state().erp.orders[0]?.status).toBe('reserved');
});

test('cancel restocks the channel and releases the ERP reservation', () => {
  world = new World(seed());
  const r = world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 2 });
  world.flushIngest();
  if (!r.accepted) throw new Error('rejected');
  world.cancel({ channel: 'shop', orderId: r.orderId });
  expect(world.listing('shop', 'TEE')?.shows).toBe(5);
  expect(world.qty('TEE', 'WH1/Stock').reserved).toBe(0);
  expect(world.state().erp.orders[0]?.status).toBe('cancelled');
  expect(() => world.cancel({ channel: 'shop', orderId: r.orderId })).toThrow('is cancelled');
});

test('a merchant return ships the order, then puts the units back as on hand or damaged', () => {
  world = new World(seed());
  const r = world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 2 });
  if (!r.accepted) throw new Error('rejected');
  world.flushIngest();
  world.returnOrder({ channel: 'shop', orderId: r.orderId, qty: 1, condition: 'damaged' });
  expect(world.qty('TEE', 'WH1/Stock')).toEqual({ onHand: 4, reserved: 0, damaged: 1 });
  expect(world.state().erp.orders[0]?.status).toBe('shipped');
});

test('ERP writes carrying a reference apply once', () => {
  world = new World(seed());
  const a = world.adjust({ sku: 'MUG', location: 'WH1/Stock', delta: 4, reference: 'count-1' });
  const b = world.adjust({ sku: 'MUG', location: 'WH1/Stock', delta: 4, reference: 'count-1' });
  expect(a.replayed).toBe(false);
  expect(b).toMatchObject({ replayed: true, moveId: a.moveId });
  expect(world.qty('MUG', 'WH1/Stock').onHand).toBe(7);
  const t1 = world.transfer({ sku: 'TEE', qty: 2, from: 'WH1/Stock', to: 'WH2/Stock', reference: 'T-1' });
  world.transfer({ sku: 'TEE', qty: 2, from: 'WH1/Stock', to: 'WH2/Stock', reference: 'T-1' });
  expect(t1.replayed).toBe(false);
  expect([world.qty('TEE', 'WH1/Stock').onHand, world.qty('TEE', 'WH2/Stock').onHand]).toEqual([3, 4]);
  expect(() => world.transfer({ sku: 'TEE', qty: 9, from: 'WH1/Stock', to: 'WH2/Stock' })).toThrow(
    'only 3 available at WH1/Stock, cannot move 9',
  );
});

test('FBA stock moves inbound -> receiving -> fulfillable; returns wait for inspection; FBA orders never reach the ERP', () => {
  world = new World(seed());
  world.fbaEvent({ channel: 'amz', sku: 'MUG-FBA', type: 'inbound-received', qty: 10 });
  world.fbaEvent({ channel: 'amz', sku: 'MUG-FBA', type: 'receiving-complete', qty: 6 });
  expect(world.fba('amz', 'MUG-FBA')).toMatchObject({
    fulfillable: 10,
    inboundShipped: 0,
    inboundReceiving: 4,
  });
  const r = world.placeOrder({ channel: 'amz', sku: 'MUG-FBA', qty: 3 });
  expect(r.accepted).toBe(true);
  expect(world.erpOrders).toHaveLength(0);
  if (!r.accepted) return;
  world.returnOrder({ channel: 'amz', orderId: r.orderId });
  expect(world.fba('amz', 'MUG-FBA')).toMatchObject({ fulfillable: 7, pendingInspection: 3 });
  world.fbaEvent({ channel: 'amz', sku: 'MUG-FBA', type: 'inspection', qty: 2, result: 'sellable' });
  world.fbaEvent({ channel: 'amz', sku: 'MUG-FBA', type: 'inspection', qty: 1, result: 'unfulfillable' });
  expect(world.fba('amz', 'MUG-FBA')).toMatchObject({
    fulfillable: 9,
    pendingInspection: 0,
    unfulfillable: 1,
  });
});

test('faults: endpoint-specific settings override system-wide ones', () => {
  world = new World(seed());
  world.setFaults({ system: 'shopify', errorRate: 0.5, rateLimits: 'production' });
  world.setFaults({ system: 'shopify', endpoint: 'inventorySetQuantities', errorRate: 1 });
  expect(world.fault('shopify' as SystemName, 'inventorySetQuantities')).toMatchObject({
    errorRate: 1,
    rateLimits: 'production',
  });
  expect(world.fault('shopify' as SystemName, 'productVariants')).toMatchObject({ errorRate: 0.5 });
  expect(world.fault('amazon' as SystemName)).toEqual({ system: 'amazon' });
});

test('presets: demo has 2 warehouses, 200 SKUs, 3 kits, FBA and FBM listings and Full items; broken has three problems', () => {
  world = new World(demoSeed());
  const s = world.state();
  expect(new Set([...world.locations.values()].filter((l) => l.sellable).map((l) => l.warehouse))).toEqual(
    new Set(['WH1', 'WH2']),
  );
  expect(
    world.products.filter((p) => !p.sku.endsWith('-FBA') && !world.kits.some((k) => k.sku === p.sku)),
  ).toHaveLength(200);
  expect(world.kits).toHaveLength(3);
  const amz = s.channels.amazon as { listings: { fulfillment?: string }[]; fba: unknown[] };
  expect(amz.listings.some((l) => l.fulfillment === 'FBA')).toBe(true);
  expect(amz.listings.some((l) => l.fulfillment === 'FBM')).toBe(true);
  expect((s.channels.mercadolibre as { listings: { full?: boolean }[] }).listings.some((l) => l.full)).toBe(
    true,
  );
  const broken = new World(brokenCatalogueSeed());
  expect(broken.products.filter((p) => p.sku === 'MUG-BLUE-M')).toHaveLength(2);
  expect(broken.channel('shopify').listings.map((l) => l.location)).toContain('gid://shopify/Location/3');
  expect(broken.product('ABC-RED-M')).toBeUndefined();
});

test('with no sync running, a short market run oversells as channels drift apart', async () => {
  world = new World(smallSeed(0));
  const r = await runMarket(world, { ordersPerSecond: 200, seconds: 1, seed: 7 });
  expect(r.ordersAttempted).toBe(200);
  expect(r.ordersAccepted + r.ordersRejected).toBe(200);
  expect(r.oversoldUnits).toBeGreaterThan(0);
  expect(r.oversoldUnits).toBe(r.bySku.reduce((s, x) => s + x.oversoldUnits, 0));
  // Conservation: every accepted merchant unit is either reserved in the ERP or oversold.
  const reserved = world.state().erp.stock.reduce((s, x) => s + x.reserved, 0);
  const kitUnits = world.erpOrders.reduce((s, o) => s + o.lines.reduce((a, l) => a + l.qty, 0), 0);
  expect(reserved + r.oversoldUnits).toBe(kitUnits);
});

test('a cancelled order cannot be returned (its units never left)', () => {
  world = new World(seed());
  const r = world.placeOrder({ channel: 'shop', sku: 'TEE', qty: 1 });
  if (!r.accepted) throw new Error('rejected');
  world.cancel({ channel: 'shop', orderId: r.orderId });
  expect(() => world.returnOrder({ channel: 'shop', orderId: r.orderId })).toThrow(
    'is cancelled: nothing to return',
  );
  expect(world.qty('TEE', 'WH1/Stock').onHand).toBe(5);
});

test('kit oversells are counted in kits, not component units', () => {
  world = new World(seed());
  // 5 tees at WH1 make 2 two-packs; Shopify shows 2 packs, a person sets it to 4, shoppers buy 4.
  const listing = world.listing('shop', 'TEE-2PACK');
  if (!listing) throw new Error('no listing');
  world.setShows('shop', listing, 4, 'person');
  world.placeOrder({ channel: 'shop', sku: 'TEE-2PACK', qty: 4 });
  world.flushIngest();
  expect(world.oracleView()).toMatchObject({ unitsAccepted: 4, oversoldUnits: 2, oversoldOrders: 1 });
  expect(world.oracleView().bySku).toEqual([{ sku: 'TEE-2PACK', unitsAccepted: 4, oversoldUnits: 2 }]);
});
