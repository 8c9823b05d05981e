/**
 * The Odoo ERP adapter against the sandbox's Odoo: XML-RPC through the `xmlrpc` client on 16, 17 and 18, JSON-2 on
 * 19. Every ErpAdapter method on 17, the same walk-through on 16, 18 and 19 (a second Odoo server on the same
 * world, switched with setOdooVersion), the change feed, idempotent writes checked in the world, every fault
 * mapped, and the calls per 1,000 SKUs of the bulk read over the demo preset.
 */
import xmlrpc from 'xmlrpc';
import { parseConfigObject } from '../../domain/config/parse';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { SeedInput } from '../../sandbox/seed';
import { setOdooVersion, startOdoo, type OdooServed } from '../../sandbox/simulators/odoo';
import { IntegrationError } from '../../integrations/errors';
import { createOdooAdapter, type OdooConfig, type OdooDeps } from '../../integrations/odoo';
import { createTransport } from '../../integrations/odoo/adapter';
import { fromXmlrpcError } from '../../integrations/odoo/faults';
import type { ErpAdapter, ErpStock } from '../../integrations/types';

const seed: SeedInput = {
  erp: {
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH1/Stock/Shelf 1', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
      { id: 'WH1/Quarantine', warehouse: 'WH1', sellable: false },
    ],
    products: [
      { sku: 'TSHIRT-RED-M', barcode: '0001', name: 'T-shirt red M' },
      { sku: 'MUG-BLUE', name: 'Blue mug' },
      { sku: 'CAP-GREEN', name: 'Green cap' },
      { sku: 'DUP-SKU', name: 'First of two' },
      { sku: 'DUP-SKU', name: 'Second of two' },
    ],
    stock: [
      { sku: 'TSHIRT-RED-M', location: 'WH1/Stock', onHand: 10, reserved: 2 },
      { sku: 'TSHIRT-RED-M', location: 'WH1/Stock/Shelf 1', onHand: 5 },
      { sku: 'TSHIRT-RED-M', location: 'WH2/Stock', onHand: 7, damaged: 1 },
      { sku: 'TSHIRT-RED-M', location: 'WH1/Quarantine', onHand: 4 },
      { sku: 'MUG-BLUE', location: 'WH1/Stock', onHand: 9 },
      { sku: 'CAP-GREEN', location: 'WH2/Stock', onHand: 3 },
    ],
    kits: [
      {
        sku: 'GIFT-SET',
        components: [
          { sku: 'TSHIRT-RED-M', qty: 1 },
          { sku: 'MUG-BLUE', qty: 2 },
        ],
      },
    ],
    ingestLagMs: 600_000,
  },
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [{ id: 'gid://shopify/Location/1', erpLocations: ['WH1/Stock'] }],
      listings: [
        { sku: 'MUG-BLUE', location: 'gid://shopify/Location/1', shows: 9 },
        { sku: 'TSHIRT-RED-M', location: 'gid://shopify/Location/1', shows: 13 },
      ],
    },
  ],
};

const WH = ['WH1/Stock', 'WH2/Stock'];

let sb: Sandbox;
/** A second Odoo server on the same world and credentials, switched between 16, 18 and 19. */
let other: OdooServed;
let cfg: OdooConfig;

function odooConfig(s: Sandbox): OdooConfig {
  const parsed = parseConfigObject(s.config(), {});
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  if (parsed.config.erp.kind !== 'odoo') throw new Error('the sandbox ERP is not Odoo');
  return parsed.config.erp;
}

const adapterFor = (over: Partial<OdooConfig> = {}, deps: OdooDeps = {}) =>
  createOdooAdapter({ ...cfg, ...over }, deps);

async function failure(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IntegrationError) return e;
    throw e;
  }
  throw new Error('expected an IntegrationError');
}

const odooCalls = (s: Sandbox) =>
  s.world
    .state()
    .calls.filter((c) => c.system === 'odoo')
    .reduce((n, c) => n + c.count, 0);

const qty = (sku: string, location: string) => sb.world.qty(sku, location);
const stock = (rows: ErpStock[]) => rows.map((r) => [r.sku, r.location, r.onHand, r.reserved]);

async function allPages(a: ErpAdapter, locations: string[]): Promise<ErpStock[]> {
  const out: ErpStock[] = [];
  let cursor: string | undefined;
  do {
    const page = await a.availabilityPage(locations, cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

function placeAndIngest(sku: string, quantity: number): string {
  const placed = sb.world.placeOrder({ channel: 'shopify', sku, qty: quantity });
  if (!placed.accepted) throw new Error(placed.reason);
  sb.world.flushIngest();
  return `shopify:${placed.orderId}`;
}

beforeAll(async () => {
  sb = await startSandbox({ seed, secret: 'odoo-integration' });
  other = await startOdoo(sb.ctx, { version: 16 });
  cfg = odooConfig(sb);
});

beforeEach(() => {
  sb.world.faults = [];
  sb.world.reset(seed);
});

afterAll(async () => {
  await other?.close();
  await sb?.close();
});

/**
 * Every method, the same way on every version: what a version changes (field names, product types, order
 * states, the transport) is the adapter's business, not the caller's.
 */
async function walkThrough(a: ErpAdapter): Promise<void> {
  await a.checkAccess();

  const products = (await a.products()).items;
  expect(products.map((p) => [p.sku, p.barcode ?? null, p.isKit])).toEqual([
    ['TSHIRT-RED-M', '0001', false],
    ['MUG-BLUE', null, false],
    ['CAP-GREEN', null, false],
    ['DUP-SKU', null, false],
    ['DUP-SKU', null, false],
    ['GIFT-SET', null, true],
  ]);

  expect((await a.locations()).map((l) => [l.id, l.warehouse, l.internal])).toEqual([
    ['WH1/Stock', 'WH1', true],
    ['WH1/Stock/Shelf 1', 'WH1', true],
    ['WH2/Stock', 'WH2', true],
    ['WH1/Quarantine', 'WH1', true],
  ]);

  // WH1/Stock includes its Shelf 1 (child_of); WH2's damaged unit is not Odoo stock; Quarantine is not asked for.
  expect(stock(await a.availability('TSHIRT-RED-M', WH))).toEqual([
    ['TSHIRT-RED-M', 'WH1/Stock', 15, 2],
    ['TSHIRT-RED-M', 'WH2/Stock', 6, 0],
  ]);

  const page = await allPages(a, WH);
  expect(stock(page.filter((r) => r.sku !== 'DUP-SKU'))).toEqual([
    ['TSHIRT-RED-M', 'WH1/Stock', 15, 2],
    ['TSHIRT-RED-M', 'WH2/Stock', 6, 0],
    ['MUG-BLUE', 'WH1/Stock', 9, 0],
    ['MUG-BLUE', 'WH2/Stock', 0, 0],
    ['CAP-GREEN', 'WH1/Stock', 0, 0],
    ['CAP-GREEN', 'WH2/Stock', 3, 0],
  ]);

  const start = await a.changesSince();
  expect(start.skus).toEqual([]);

  const ref = placeAndIngest('MUG-BLUE', 1);
  expect(await a.orderPresence(ref)).toBe('reserved');
  sb.world.ship(sb.world.erpOrder(ref)!);
  expect(await a.orderPresence(ref)).toBe('shipped');
  expect(await a.orderPresence('shopify:never-placed')).toBe('absent');

  expect(
    await a.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: 2, reference: 'walk:adjust' }),
  ).toMatchObject({ applied: true });
  expect(qty('CAP-GREEN', 'WH2/Stock').onHand).toBe(5);
  expect(
    await a.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: 2, reference: 'walk:adjust' }),
  ).toMatchObject({ applied: false });
  expect(qty('CAP-GREEN', 'WH2/Stock').onHand).toBe(5);

  expect(
    await a.transfer({ sku: 'MUG-BLUE', qty: 3, from: 'WH1/Stock', to: 'WH2/Stock', reference: 'walk:move' }),
  ).toMatchObject({ applied: true });
  expect(
    await a.transfer({ sku: 'MUG-BLUE', qty: 3, from: 'WH1/Stock', to: 'WH2/Stock', reference: 'walk:move' }),
  ).toMatchObject({ applied: false });
  expect([qty('MUG-BLUE', 'WH1/Stock').onHand, qty('MUG-BLUE', 'WH2/Stock').onHand]).toEqual([5, 3]);

  // The shipment, the count and the transfer all show in the feed.
  expect((await a.changesSince(start.cursor)).skus).toEqual(['CAP-GREEN', 'MUG-BLUE']);

  expect(await a.kits()).toEqual([
    {
      sku: 'GIFT-SET',
      components: [
        { sku: 'TSHIRT-RED-M', qty: 1 },
        { sku: 'MUG-BLUE', qty: 2 },
      ],
    },
  ]);
}

describe('Odoo 17 over XML-RPC: every method', () => {
  test('all methods, as the sandbox config writes them (version 17, xmlrpc)', async () => {
    expect([cfg.version, cfg.transport]).toEqual([17, undefined]);
    await walkThrough(adapterFor());
  });

  test('checkAccess: a wrong key or database, and a user who may not read stock.quant', async () => {
    const badKey = await failure(adapterFor({ apiKey: 'not-the-key' }).checkAccess());
    expect([badKey.code, badKey.kind, badKey.message]).toEqual([
      'AUTH_FAILED',
      'permanent',
      `Odoo rejected the login of admin on database invsync at ${cfg.url} (authenticate answered false): check erp.username/erp.apiKey`,
    ]);
    const badUser = await failure(adapterFor({ username: 'someone' }).checkAccess());
    expect(badUser.message).toMatch(/^Odoo rejected the login of someone on database invsync/);
    const badDb = await failure(adapterFor({ database: 'nope' }).checkAccess());
    expect([badDb.code, badDb.message]).toEqual([
      'AUTH_FAILED',
      `Odoo at ${cfg.url} has no database "nope": check erp.database`,
    ]);
    // The sandbox has no per-model access rights: a 403 in front of the read stands for the refusal.
    sb.world.setFaults({ system: 'odoo', endpoint: 'stock.quant.search_read', errorRate: 1, status: 403 });
    const denied = await failure(adapterFor().checkAccess());
    expect([denied.code, denied.context.operation]).toEqual(['PERMISSION_DENIED', 'stock.quant.search_read']);
    expect(denied.message).toMatch(
      /^Odoo user admin may not read stock\.quant \(.*\): give the integration user the Inventory access rights on stock\.quant$/,
    );
  });

  test('products are paged by id, with barcodes and phantom kits', async () => {
    const a = adapterFor({}, { pageSize: 2 });
    const first = await a.products();
    expect(first.items.map((p) => p.sku)).toEqual(['TSHIRT-RED-M', 'MUG-BLUE']);
    expect(first.items[0]).toEqual({
      sku: 'TSHIRT-RED-M',
      barcode: '0001',
      id: '1',
      name: 'T-shirt red M',
      isKit: false,
    });
    const second = await a.products(first.next);
    const third = await a.products(second.next);
    expect([...second.items, ...third.items].map((p) => p.sku)).toEqual([
      'CAP-GREEN',
      'DUP-SKU',
      'DUP-SKU',
      'GIFT-SET',
    ]);
    expect(third.items.find((p) => p.sku === 'GIFT-SET')?.isKit).toBe(true);
    // A full page may be the last one: the next one is empty and has no cursor.
    expect(await a.products(third.next)).toEqual({ items: [] });
    expect((await failure(a.products('garbage'))).code).toBe('INVALID_REQUEST');
  });

  test('locations: internal ones by complete_name, with their warehouse and Odoo id', async () => {
    expect(await adapterFor().locations()).toEqual([
      { id: 'WH1/Stock', erpId: '100', warehouse: 'WH1', internal: true },
      { id: 'WH1/Stock/Shelf 1', erpId: '101', warehouse: 'WH1', internal: true },
      { id: 'WH2/Stock', erpId: '102', warehouse: 'WH2', internal: true },
      { id: 'WH1/Quarantine', erpId: '103', warehouse: 'WH1', internal: true },
    ]);
  });

  test('availability: quants of the mapped locations and their children, never the company-wide total', async () => {
    const a = adapterFor();
    const rows = await a.availability('TSHIRT-RED-M', ['WH1/Stock']);
    // Company-wide Odoo has 10 + 5 + 6 + 4 = 25 on hand; WH1/Stock (with Shelf 1) has 15.
    expect(rows).toEqual([
      { sku: 'TSHIRT-RED-M', location: 'WH1/Stock', onHand: 15, reserved: 2, damaged: 0 },
    ]);
    expect(stock(await a.availability('TSHIRT-RED-M', ['WH1/Stock/Shelf 1']))).toEqual([
      ['TSHIRT-RED-M', 'WH1/Stock/Shelf 1', 5, 0],
    ]);
    expect(stock(await a.availability('CAP-GREEN', WH))).toEqual([
      ['CAP-GREEN', 'WH1/Stock', 0, 0],
      ['CAP-GREEN', 'WH2/Stock', 3, 0],
    ]);
    // A kit holds no stock of its own in Odoo (the ATP engine computes it from the components).
    expect(stock(await a.availability('GIFT-SET', ['WH1/Stock']))).toEqual([['GIFT-SET', 'WH1/Stock', 0, 0]]);
    // The reservation of an ingested order shows at once.
    placeAndIngest('TSHIRT-RED-M', 3);
    expect(stock(await a.availability('TSHIRT-RED-M', ['WH1/Stock']))).toEqual([
      ['TSHIRT-RED-M', 'WH1/Stock', 15, 5],
    ]);
  });

  test('availability refuses an unknown SKU, a duplicate SKU and an unknown location, with what to fix', async () => {
    const a = adapterFor();
    const unlinked = await failure(a.availability('ABC-RED-M', WH));
    expect([unlinked.code, unlinked.kind, unlinked.message, unlinked.context.sku]).toEqual([
      'UNLINKED_SKU',
      'permanent',
      'SKU ABC-RED-M has no linked Odoo product',
      'ABC-RED-M',
    ]);
    const dup = await failure(a.availability('DUP-SKU', WH));
    expect([dup.code, dup.message]).toEqual([
      'DUPLICATE_SKU',
      'SKU DUP-SKU is the Internal Reference of 2 Odoo products (product.product 4, 5): keep it on one product',
    ]);
    const unmapped = await failure(a.availability('MUG-BLUE', ['WH9/Stock']));
    expect([unmapped.code, unmapped.message, unmapped.context.location]).toEqual([
      'UNMAPPED_LOCATION',
      'SKU MUG-BLUE: Odoo location WH9/Stock does not exist (check erp.locations)',
      'WH9/Stock',
    ]);
    const page = await failure(a.availabilityPage(['WH9/Stock']));
    expect([page.code, page.message]).toEqual([
      'UNMAPPED_LOCATION',
      'Odoo location WH9/Stock does not exist (check erp.locations)',
    ]);
  });

  test('availabilityPage: every storable SKU once per location, zeros where Odoo has no quant, same across page sizes', async () => {
    const big = await allPages(adapterFor(), ['WH1/Stock', 'WH1/Quarantine']);
    const small = await allPages(adapterFor({}, { pageSize: 1 }), ['WH1/Stock', 'WH1/Quarantine']);
    expect(small).toEqual(big);
    expect(stock(big)).toEqual([
      ['TSHIRT-RED-M', 'WH1/Stock', 15, 2],
      ['TSHIRT-RED-M', 'WH1/Quarantine', 4, 0],
      ['MUG-BLUE', 'WH1/Stock', 9, 0],
      ['MUG-BLUE', 'WH1/Quarantine', 0, 0],
      ['CAP-GREEN', 'WH1/Stock', 0, 0],
      ['CAP-GREEN', 'WH1/Quarantine', 0, 0],
      ['DUP-SKU', 'WH1/Stock', 0, 0],
      ['DUP-SKU', 'WH1/Quarantine', 0, 0],
      ['DUP-SKU', 'WH1/Stock', 0, 0],
      ['DUP-SKU', 'WH1/Quarantine', 0, 0],
    ]);
    // A quant that went to zero is deleted by Odoo: the SKU is still listed, with zeros.
    sb.world.adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', set: 0 });
    expect(stock(await allPages(adapterFor(), ['WH1/Stock'])).filter((r) => r[0] === 'MUG-BLUE')).toEqual([
      ['MUG-BLUE', 'WH1/Stock', 0, 0],
    ]);
  });

  test('orderPresence: absent until ingested, reserved, shipped, cancelled', async () => {
    const a = adapterFor();
    const placed = sb.world.placeOrder({ channel: 'shopify', sku: 'MUG-BLUE', qty: 1 });
    if (!placed.accepted) throw new Error(placed.reason);
    const ref = `shopify:${placed.orderId}`;
    expect(await a.orderPresence(ref)).toBe('absent');
    sb.world.flushIngest();
    expect(await a.orderPresence(ref)).toBe('reserved');
    sb.world.ship(sb.world.erpOrder(ref)!);
    expect(await a.orderPresence(ref)).toBe('shipped');
    const other = placeAndIngest('MUG-BLUE', 1);
    sb.world.cancel({ channel: 'shopify', orderId: other.slice('shopify:'.length) });
    expect(await a.orderPresence(other)).toBe('cancelled');
  });

  test('adjust: once per reference (a replay changes nothing in the world), refused when it would go negative', async () => {
    const a = adapterFor();
    const first = await a.adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', delta: 3, reference: 'count:1' });
    expect(first).toEqual({ applied: true, id: expect.any(String) });
    expect(qty('MUG-BLUE', 'WH1/Stock')).toEqual({ onHand: 12, reserved: 0, damaged: 0 });
    const movesBefore = sb.world.moves.length;
    // A retry after a lost answer, even on a fresh worker, applies nothing.
    expect(
      await adapterFor().adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', delta: 3, reference: 'count:1' }),
    ).toEqual({ applied: false, id: expect.any(String) });
    expect(qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(12);
    expect(sb.world.moves.length).toBe(movesBefore);
    // Odoo counts exclude damaged units, which the world keeps: removing 2 of Odoo's 6 at WH2 leaves 4 + 1 damaged.
    await a.adjust({ sku: 'TSHIRT-RED-M', location: 'WH2/Stock', delta: -2, reference: 'count:2' });
    expect(qty('TSHIRT-RED-M', 'WH2/Stock')).toEqual({ onHand: 5, reserved: 0, damaged: 1 });
    // A child location is counted on its own.
    await a.adjust({ sku: 'TSHIRT-RED-M', location: 'WH1/Stock/Shelf 1', delta: 1, reference: 'count:3' });
    expect([
      qty('TSHIRT-RED-M', 'WH1/Stock').onHand,
      qty('TSHIRT-RED-M', 'WH1/Stock/Shelf 1').onHand,
    ]).toEqual([10, 6]);

    const negative = await failure(
      a.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: -4, reference: 'count:4' }),
    );
    expect([negative.code, negative.message]).toEqual([
      'INSUFFICIENT_STOCK',
      'SKU CAP-GREEN at WH2/Stock: Odoo has 3 on hand, cannot remove 4 (check the count)',
    ]);
    expect(
      (await failure(a.adjust({ sku: 'NOPE', location: 'WH1/Stock', delta: 1, reference: 'r' }))).code,
    ).toBe('UNLINKED_SKU');
    expect(
      (await failure(a.adjust({ sku: 'MUG-BLUE', location: 'WH9/Stock', delta: 1, reference: 'r' }))).code,
    ).toBe('UNMAPPED_LOCATION');
    expect(qty('CAP-GREEN', 'WH2/Stock').onHand).toBe(3);
  });

  test('transfer: an internal picking with origin = reference; a replay moves nothing, a picking left unvalidated is finished', async () => {
    const a = adapterFor();
    const t = { sku: 'MUG-BLUE', qty: 4, from: 'WH1/Stock', to: 'WH2/Stock', reference: 'transfer:T1' };
    const first = await a.transfer(t);
    expect(first).toEqual({ applied: true, id: expect.any(String) });
    expect([qty('MUG-BLUE', 'WH1/Stock'), qty('MUG-BLUE', 'WH2/Stock')]).toEqual([
      { onHand: 5, reserved: 0, damaged: 0 },
      { onHand: 4, reserved: 0, damaged: 0 },
    ]);
    expect(await adapterFor().transfer(t)).toEqual({ applied: false, id: first.id });
    expect([qty('MUG-BLUE', 'WH1/Stock').onHand, qty('MUG-BLUE', 'WH2/Stock').onHand]).toEqual([5, 4]);
    expect(sb.world.moves.filter((m) => m.kind === 'transfer')).toHaveLength(1);

    // The worker died after creating the picking (the validation never reached Odoo): the retry validates it.
    sb.world.setFaults({ system: 'odoo', endpoint: 'stock.picking.button_validate', silentDropRate: 1 });
    const t2 = { ...t, qty: 2, reference: 'transfer:T2' };
    await a.transfer(t2);
    expect(qty('MUG-BLUE', 'WH2/Stock').onHand).toBe(4);
    sb.world.faults = [];
    expect(await a.transfer(t2)).toMatchObject({ applied: false });
    expect([qty('MUG-BLUE', 'WH1/Stock').onHand, qty('MUG-BLUE', 'WH2/Stock').onHand]).toEqual([3, 6]);
    expect(sb.world.moves.filter((m) => m.kind === 'transfer')).toHaveLength(2);

    // Not enough free stock: refused before anything is created in Odoo (no picking holds a reservation).
    const short = await failure(a.transfer({ ...t, qty: 50, reference: 'transfer:T3' }));
    expect([short.code, short.message]).toEqual([
      'INSUFFICIENT_STOCK',
      'SKU MUG-BLUE at WH1/Stock: Odoo has 3 free (on hand less reserved), cannot move 50 to WH2/Stock',
    ]);
    expect(qty('MUG-BLUE', 'WH1/Stock')).toEqual({ onHand: 3, reserved: 0, damaged: 0 });
    const unmapped = await failure(a.transfer({ ...t, to: 'WH9/Stock', reference: 'transfer:T4' }));
    expect(unmapped.code).toBe('UNMAPPED_LOCATION');
  });

  test('kits from phantom BoMs and their lines', async () => {
    expect(await adapterFor().kits()).toEqual([
      {
        sku: 'GIFT-SET',
        components: [
          { sku: 'TSHIRT-RED-M', qty: 1 },
          { sku: 'MUG-BLUE', qty: 2 },
        ],
      },
    ]);
  });
});

describe('change feed', () => {
  test('starts now, then names SKUs whose quants changed, including a quant that went to zero and vanished', async () => {
    const a = adapterFor();
    const start = await a.changesSince();
    expect(start.skus).toEqual([]);
    // Nothing happened: nothing to report (the quants of the cursor's second are not reported again).
    const idle = await a.changesSince(start.cursor);
    expect(idle.skus).toEqual([]);

    sb.world.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', set: 0 });
    const zero = await a.changesSince(idle.cursor);
    expect(zero.skus).toEqual(['CAP-GREEN']);

    // A reservation changes no move to done: the quant's write_date carries it.
    placeAndIngest('TSHIRT-RED-M', 2);
    const reserved = await a.changesSince(zero.cursor);
    expect(reserved.skus).toEqual(['TSHIRT-RED-M']);

    // write_date shows whole seconds: a write later in the cursor's own second is not lost. Both writes and the
    // poll between them happen at the start of one second.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    sb.world.adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', delta: 1 });
    const firstWrite = sb.world.stockWriteDate.get('MUG-BLUE\u0000WH1/Stock')!;
    const one = await a.changesSince(reserved.cursor);
    sb.world.adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', delta: 1 });
    const secondWrite = sb.world.stockWriteDate.get('MUG-BLUE\u0000WH1/Stock')!;
    expect(Math.floor(secondWrite / 1000)).toBe(Math.floor(firstWrite / 1000));
    const two = await a.changesSince(one.cursor);
    expect([one.skus, two.skus]).toEqual([['MUG-BLUE'], ['MUG-BLUE']]);
    expect((await a.changesSince(two.cursor)).skus).toEqual([]);

    const bad = await failure(a.changesSince('not-a-cursor'));
    expect([bad.code, bad.message]).toEqual([
      'INVALID_REQUEST',
      'the Odoo change-feed cursor is not one this adapter wrote: start again without a cursor',
    ]);
  });

  test('a transfer that empties a location (its quant deleted) is caught by the done move', async () => {
    const a = adapterFor();
    const start = await a.changesSince();
    await a.transfer({ sku: 'CAP-GREEN', qty: 3, from: 'WH2/Stock', to: 'WH1/Stock', reference: 'empty:1' });
    expect((await a.changesSince(start.cursor)).skus).toEqual(['CAP-GREEN']);
  });
});

describe('Odoo fault codes and HTTP failures', () => {
  const rpc = () => createTransport(cfg);

  test('fault 3 Access Denied -> AUTH_FAILED', async () => {
    // A key revoked after login: execute_kw answers fault 3 (the adapter logs in again next time).
    const client = xmlrpc.createClient({ url: `${cfg.url}/xmlrpc/2/object` });
    const fault = await new Promise<unknown>((resolve) =>
      client.methodCall(
        'execute_kw',
        [cfg.database, 2, 'revoked', 'product.product', 'search', [[]], {}],
        (e) => resolve(e),
      ),
    );
    const err = fromXmlrpcError(
      fault,
      { model: 'product.product', method: 'search' },
      { url: cfg.url, database: cfg.database, username: cfg.username },
    );
    expect([err.code, err.vendorCode, err.message]).toEqual([
      'AUTH_FAILED',
      'fault 3',
      `Odoo rejected the login of admin on database invsync at ${cfg.url} (Access Denied): check erp.username/erp.apiKey`,
    ]);
  });

  test('fault 4 AccessError -> PERMISSION_DENIED naming the model', async () => {
    const err = await failure(
      rpc().call('product.product', 'create', { arg: ['vals_list', [{ name: 'x' }]] }),
    );
    expect([err.code, err.vendorCode]).toEqual(['PERMISSION_DENIED', 'fault 4']);
    expect(err.message).toBe(
      "Odoo denied product.product.create to admin: You are not allowed to create 'Product Variant' (product.product) records.\n\nContact your administrator to request access if necessary.: grant the integration user access to product.product",
    );
  });

  test('fault 2 MissingError -> NOT_FOUND; fault 2 UserError/ValidationError -> UPSTREAM_REJECTED with the SKU and location', async () => {
    const missing = await failure(
      rpc().call('product.product', 'read', { ids: [999], kw: { fields: ['name'] } }),
    );
    expect([missing.code, missing.message]).toEqual([
      'NOT_FOUND',
      'Odoo product.product.read found no record: Record does not exist or has been deleted.\n(Record: product.product(999,), User: 2)',
    ]);
    // Odoo refuses a count on a kit (a consumable): its text, with the SKU and location it was about.
    const kit = await failure(
      adapterFor().adjust({ sku: 'GIFT-SET', location: 'WH1/Stock', delta: 1, reference: 'kit:1' }),
    );
    expect([kit.code, kit.kind, kit.message]).toEqual([
      'UPSTREAM_REJECTED',
      'permanent',
      'SKU GIFT-SET at WH1/Stock: Odoo refused stock.quant.create: Quants cannot be created for consumables or services.',
    ]);
    const user = await failure(
      rpc().call('stock.quant', 'create', {
        arg: ['vals_list', [{ product_id: 2, location_id: 100, inventory_quantity_auto_apply: 1 }]],
        sku: 'MUG-BLUE',
        location: 'WH1/Stock',
      }),
    );
    expect([user.code, user.message]).toEqual([
      'UPSTREAM_REJECTED',
      "SKU MUG-BLUE at WH1/Stock: Odoo refused stock.quant.create: Quant's creation is restricted, you can't do this operation.",
    ]);
  });

  test('fault 1 (a traceback) -> UPSTREAM_REJECTED with the exception line', async () => {
    const err = await failure(rpc().call('product.product', 'frobnicate', { ids: [1] }));
    expect([err.code, err.vendorCode, err.message]).toEqual([
      'UPSTREAM_REJECTED',
      'fault 1',
      "Odoo failed on product.product.frobnicate: AttributeError: The method 'frobnicate' does not exist on the model 'product.product'",
    ]);
  });

  test('"cannot marshal None" after action_apply_inventory is the success it is (Odoo committed)', async () => {
    const r = rpc();
    const [quant] = (await r.call('stock.quant', 'search', {
      arg: ['domain', [['product_id', '=', 2]]],
    })) as number[];
    await r.call('stock.quant', 'write', {
      ids: [quant!],
      arg: ['vals', { inventory_quantity: 12 }],
      context: { inventory_mode: true },
    });
    expect(
      await r.call('stock.quant', 'action_apply_inventory', {
        ids: [quant!],
        context: { inventory_mode: true },
      }),
    ).toBeNull();
    expect(qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(12);
  });

  test('injected 5xx -> retryable UPSTREAM_UNAVAILABLE; a refused connection -> retryable NETWORK; a wrong URL -> NOT_FOUND', async () => {
    for (const status of [500, 502, 503]) {
      sb.world.setFaults({ system: 'odoo', endpoint: 'stock.quant.search_read', errorRate: 1, status });
      const err = await failure(adapterFor().availability('MUG-BLUE', ['WH1/Stock']));
      expect([err.code, err.kind, err.retryable, err.status, err.message]).toEqual([
        'UPSTREAM_UNAVAILABLE',
        'retryable',
        true,
        status,
        `SKU MUG-BLUE: odoo stock.quant.search_read answered ${status}`,
      ]);
    }
    // Odoo has no rate limits of its own; a proxy's 429 is retryable (it sent no Retry-After, so no hint).
    sb.world.setFaults({ system: 'odoo', endpoint: 'stock.quant.search_read', errorRate: 1, status: 429 });
    const throttled = await failure(adapterFor().availability('MUG-BLUE', ['WH1/Stock']));
    expect([throttled.code, throttled.retryable, throttled.retryAfterMs]).toEqual([
      'RATE_LIMITED',
      true,
      undefined,
    ]);
    sb.world.faults = [];
    const closed = await failure(adapterFor({ url: 'http://127.0.0.1:9' }).checkAccess());
    expect([closed.code, closed.retryable]).toEqual(['NETWORK', true]);
    expect(closed.message).toMatch(
      /^odoo res\.users\.authenticate unreachable: connect ECONNREFUSED 127\.0\.0\.1:9/,
    );
    const notOdoo = await failure(adapterFor({ url: sb.urls.admin }).checkAccess());
    expect([notOdoo.code, notOdoo.message]).toEqual([
      'NOT_FOUND',
      `odoo res.users.authenticate found nothing (404): no XML-RPC endpoint at ${sb.urls.admin} (check erp.url)`,
    ]);
  });
});

describe('Odoo 16 and 18 over XML-RPC, 19 over JSON-2 (a second Odoo server on the same world)', () => {
  const on = (version: 16 | 18 | 19, over: Partial<OdooConfig> = {}) => {
    setOdooVersion(other, version);
    return adapterFor({ url: other.url, version, ...over });
  };

  test('16: every method (storable = type product, shipped = state done)', async () => {
    await walkThrough(on(16));
  });

  test('18: every method (storable = type consu + is_storable)', async () => {
    await walkThrough(on(18));
  });

  test('19: every method over JSON-2 (bearer API key, named arguments)', async () => {
    const before = sb.world.state().calls.filter((c) => c.system === 'odoo');
    expect(before).toEqual([]);
    await walkThrough(on(19));
    // Nothing went through XML-RPC: authenticate is not a JSON-2 endpoint, context_get is.
    const endpoints = sb.world
      .state()
      .calls.filter((c) => c.system === 'odoo')
      .map((c) => c.endpoint);
    expect(endpoints).toContain('res.users.context_get');
    expect(endpoints).not.toContain('common.authenticate');
  });

  test('19 JSON-2 errors: 401 -> AUTH_FAILED, 403 -> PERMISSION_DENIED, 404 MissingError -> NOT_FOUND, 422 UserError -> UPSTREAM_REJECTED, 5xx -> retryable', async () => {
    const denied = await failure(on(19, { apiKey: 'wrong' }).checkAccess());
    expect([denied.code, denied.status, denied.message]).toEqual([
      'AUTH_FAILED',
      401,
      `Odoo rejected the login of admin on database invsync at ${other.url} (Invalid apikey): check erp.username/erp.apiKey`,
    ]);
    setOdooVersion(other, 19);
    const rpc = createTransport({ ...cfg, url: other.url, version: 19 });
    const priv = await failure(rpc.call('stock.quant', '_update_available_quantity', {}));
    expect([priv.code, priv.vendorCode]).toEqual(['PERMISSION_DENIED', 'odoo.exceptions.AccessError']);
    const missing = await failure(
      rpc.call('product.product', 'read', { ids: [999], kw: { fields: ['name'] } }),
    );
    expect([missing.code, missing.status]).toEqual(['NOT_FOUND', 404]);
    const kit = await failure(
      on(19).adjust({ sku: 'GIFT-SET', location: 'WH1/Stock', delta: 1, reference: 'kit:19' }),
    );
    expect([kit.code, kit.status, kit.message]).toEqual([
      'UPSTREAM_REJECTED',
      422,
      'SKU GIFT-SET at WH1/Stock: Odoo refused stock.quant.create: Quants cannot be created for consumables or services.',
    ]);
    // A Python exception is a 500 with Odoo's body: the request is wrong, not the server down (fault 1 on XML-RPC).
    const field = await failure(
      rpc.call('product.product', 'search_read', { arg: ['domain', [['nope', '=', 1]]] }),
    );
    expect([field.code, field.retryable, field.status, field.message]).toEqual([
      'UPSTREAM_REJECTED',
      false,
      500,
      "Odoo failed on product.product.search_read: builtins.ValueError: Invalid field product.product.nope in leaf ['nope', '=', 1]",
    ]);
    const method = await failure(rpc.call('product.product', 'frobnicate', { ids: [1] }));
    expect([method.code, method.status]).toEqual(['NOT_FOUND', 404]);
    for (const status of [500, 503]) {
      sb.world.setFaults({ system: 'odoo', endpoint: 'stock.quant.search_read', errorRate: 1, status });
      const err = await failure(on(19).availability('MUG-BLUE', ['WH1/Stock']));
      expect([err.code, err.retryable, err.status]).toEqual(['UPSTREAM_UNAVAILABLE', true, status]);
    }
  });

  test('a config that says 19 in front of Odoo 17 is told to fix the version', async () => {
    setOdooVersion(other, 17);
    const err = await failure(adapterFor({ url: other.url, version: 19 }).checkAccess());
    expect([err.code, err.message]).toEqual([
      'INVALID_REQUEST',
      `Odoo at ${other.url} has no JSON-2 API (Odoo 19+): set erp.version to the server's version or erp.transport: xmlrpc`,
    ]);
  });
});

describe('bulk read cost over the demo preset', () => {
  let demo: Sandbox;
  beforeAll(async () => {
    demo = await startSandbox({ preset: 'demo', secret: 'odoo-demo' });
  });
  afterAll(async () => {
    await demo?.close();
  });

  test('availabilityPage: calls per 1,000 SKUs', async () => {
    // Production limits on: Odoo has none, so the figure is the same.
    demo.world.setFaults({ system: 'odoo', rateLimits: 'production' });
    const a = createOdooAdapter(odooConfig(demo));
    const locations = ['WH1/Stock', 'WH2/Stock'];
    const before = odooCalls(demo);
    const rows = await allPages(a, locations);
    const calls = odooCalls(demo) - before;
    const skus = new Set(rows.map((r) => r.sku)).size;
    expect(skus).toBeGreaterThanOrEqual(200);
    expect(rows).toHaveLength(skus * locations.length);
    // Matches the world (Odoo's quantity excludes damaged units).
    const world = demo.world.qty('TSHIRT-RED-S', 'WH1/Stock');
    expect(rows.find((r) => r.sku === 'TSHIRT-RED-S' && r.location === 'WH1/Stock')).toMatchObject({
      onHand: world.onHand - world.damaged,
      reserved: world.reserved,
    });
    const perThousand = (calls / skus) * 1000;
    // A cold adapter: authenticate, version, locations, then 2 calls per page of 500 products.
    expect(calls).toBe(5);
    expect(perThousand).toBeLessThanOrEqual(25);
    // Warm (logged in, locations known): 2 calls per page.
    const warm = odooCalls(demo);
    await allPages(a, locations);
    const warmCalls = odooCalls(demo) - warm;
    expect(warmCalls).toBe(2);
    process.stdout.write(
      `Odoo availabilityPage over the demo preset: ${skus} SKUs x ${locations.length} locations in ${calls} calls cold ` +
        `(${perThousand.toFixed(1)} per 1,000 SKUs), ${warmCalls} warm (${((warmCalls / skus) * 1000).toFixed(1)} per 1,000 SKUs; ` +
        `4 per 1,000 at full pages of 500)\n`,
    );
  });
});
