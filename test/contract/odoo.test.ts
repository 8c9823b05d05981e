/**
 * Contract: the Odoo simulator driven by the `xmlrpc` npm client (host/port/path, its documented knob) and, for
 * Odoo 19's JSON-2 API, by fetch. Each test starts from the same seed on a fixed clock.
 */
import xmlrpc from 'xmlrpc';
import { Credentials } from '../../sandbox/context';
import type { SeedInput } from '../../sandbox/seed';
import { startOdoo, type OdooServed } from '../../sandbox/simulators/odoo';
import { WebhookHub } from '../../sandbox/webhooks';
import { World } from '../../sandbox/world';

type Fault = Error & {
  faultCode: number | string;
  code: number | string;
  faultString: string;
  res?: { statusCode: number };
};
type Rows = Record<string, unknown>[];

const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
let clock = T0;
const at = (minutes: number) => (clock = T0 + minutes * 60_000);

const seed: SeedInput = {
  erp: {
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH1/Stock/Shelf 1', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
    ],
    products: [
      { sku: 'TSHIRT-RED-M', barcode: '0001', name: 'T-shirt red M' },
      { sku: 'MUG-BLUE', name: 'Blue mug' },
      { sku: 'CAP-GREEN', name: 'Green cap' },
    ],
    stock: [
      { sku: 'TSHIRT-RED-M', location: 'WH1/Stock', onHand: 10, reserved: 2 },
      { sku: 'TSHIRT-RED-M', location: 'WH1/Stock/Shelf 1', onHand: 5 },
      { sku: 'TSHIRT-RED-M', location: 'WH2/Stock', onHand: 7, damaged: 1 },
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
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [{ id: 'gid://shopify/Location/1', erpLocations: ['WH1/Stock'] }],
      listings: [{ sku: 'MUG-BLUE', location: 'gid://shopify/Location/1', shows: 9 }],
    },
  ],
};

// Ids the seed gives: products in seed order (the kit product after them), locations from 100.
const TSHIRT = 1;
const MUG = 2;
const CAP = 3;
const GIFT = 4;
const WH1_STOCK = 100;
const WH1_SHELF = 101;
const WH2_STOCK = 102;

const world = new World(undefined, () => clock);
const credentials = new Credentials('odoo-contract');
const { database: db, apiKey, password, uid } = credentials.erp.odoo;
let odoo: OdooServed;

function client(path: string) {
  const c = xmlrpc.createClient({ host: '127.0.0.1', port: odoo.port, path });
  return (method: string, params: unknown[]) =>
    new Promise<unknown>((resolve, reject) =>
      c.methodCall(method, params, (err, v) => (err ? reject(err) : resolve(v))),
    );
}
const common = (method: string, params: unknown[]) => client('/xmlrpc/2/common')(method, params);
const execute = (
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
  secret = apiKey,
) => client('/xmlrpc/2/object')('execute_kw', [db, uid, secret, model, method, args, kwargs]);

async function fault(p: Promise<unknown>): Promise<Fault> {
  try {
    await p;
  } catch (e) {
    return e as Fault;
  }
  throw new Error('expected an XML-RPC fault');
}

const json2 = (model: string, method: string, body: unknown, key = apiKey) =>
  fetch(`${odoo.url}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { Authorization: `bearer ${key}`, 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });

const product = async (
  id: number,
  context: Record<string, unknown> = {},
  fields = ['qty_available', 'free_qty'],
) => ((await execute('product.product', 'read', [[id], fields], { context })) as Rows)[0];

beforeAll(async () => {
  world.reset(seed);
  odoo = await startOdoo({ world, credentials, webhooks: new WebhookHub(world) }, { version: 17 });
});

beforeEach(() => {
  at(0);
  world.faults = [];
  world.reset(seed);
  odoo.setVersion(17);
});

afterEach(() => world.clearTimers());

afterAll(async () => {
  await odoo.close();
});

describe('common service', () => {
  test('version() reports the configured major version', async () => {
    expect(await common('version', [])).toEqual({
      server_version: '17.0',
      server_version_info: [17, 0, 0, 'final', 0, ''],
      server_serie: '17.0',
      protocol_version: 1,
    });
    odoo.setVersion(18);
    expect(await common('version', [])).toMatchObject({
      server_version: '18.0',
      server_version_info: [18, 0, 0, 'final', 0, ''],
    });
  });

  test('authenticate answers the uid for the API key or the password, and false (a boolean) otherwise', async () => {
    expect(await common('authenticate', [db, 'admin', apiKey, {}])).toBe(2);
    expect(await common('authenticate', [db, 'admin', password, {}])).toBe(2);
    expect(await common('authenticate', [db, 'admin', 'wrong-key', {}])).toBe(false);
    expect(await common('authenticate', [db, 'someone-else', apiKey, {}])).toBe(false);
    expect(await common('login', [db, 'admin', apiKey])).toBe(2);
  });

  test('an unknown database is a server error (fault 1), not false', async () => {
    const f = await fault(common('authenticate', ['nope', 'admin', apiKey, {}]));
    expect(f.faultCode).toBe(1);
    expect(f.faultString).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(f.faultString).toMatch(
      /\n {4}return g\[exp_method_name\]\(\*params\)\npsycopg2\.OperationalError: .*FATAL: {2}database "nope" does not exist\n\n$/,
    );
  });
});

describe('quantities per location', () => {
  test('free_qty company-wide vs one location (child_of), by id and by name', async () => {
    // TSHIRT: WH1/Stock 10 (2 reserved) + Shelf 1: 5 + WH2/Stock 7 (1 damaged, scrapped in Odoo terms).
    expect(await product(TSHIRT)).toEqual({ id: TSHIRT, qty_available: 21, free_qty: 19 });
    expect(await product(TSHIRT, { location: WH1_STOCK })).toEqual({
      id: TSHIRT,
      qty_available: 15,
      free_qty: 13,
    });
    expect(await product(TSHIRT, { location: 'WH1/Stock/Shelf 1' })).toEqual({
      id: TSHIRT,
      qty_available: 5,
      free_qty: 5,
    });
    expect(await product(TSHIRT, { location: [WH2_STOCK] })).toEqual({
      id: TSHIRT,
      qty_available: 6,
      free_qty: 6,
    });
  });

  test('17 scopes by warehouse_id and ignores warehouse; 16 the other way round', async () => {
    expect(await product(TSHIRT, { warehouse_id: 2 })).toEqual({ id: TSHIRT, qty_available: 6, free_qty: 6 });
    expect(await product(TSHIRT, { warehouse: 2 })).toEqual({ id: TSHIRT, qty_available: 21, free_qty: 19 });
    odoo.setVersion(16);
    expect(await product(TSHIRT, { warehouse: 2 })).toEqual({ id: TSHIRT, qty_available: 6, free_qty: 6 });
    expect(await product(TSHIRT, { warehouse_id: 2 })).toEqual({
      id: TSHIRT,
      qty_available: 21,
      free_qty: 19,
    });
  });

  test('product type is product on 17, consu + is_storable on 18; is_storable does not exist on 17', async () => {
    const fields = ['default_code', 'barcode', 'name', 'type'];
    expect(await execute('product.product', 'read', [[TSHIRT, GIFT], fields])).toEqual([
      { id: TSHIRT, default_code: 'TSHIRT-RED-M', barcode: '0001', name: 'T-shirt red M', type: 'product' },
      { id: GIFT, default_code: 'GIFT-SET', barcode: false, name: 'GIFT-SET', type: 'consu' },
    ]);
    const f = await fault(execute('product.product', 'read', [[TSHIRT], ['is_storable']]));
    expect(f.faultCode).toBe(1);
    expect(f.faultString).toMatch(/\nValueError: Invalid field 'is_storable' on model 'product.product'\n$/);
    odoo.setVersion(18);
    expect(
      await execute('product.product', 'read', [
        [TSHIRT, GIFT],
        ['type', 'is_storable'],
      ]),
    ).toEqual([
      { id: TSHIRT, type: 'consu', is_storable: true },
      { id: GIFT, type: 'consu', is_storable: false },
    ]);
    // fields_get tells a client which version it talks to.
    const described = ['is_storable', 'detailed_type'];
    expect(await execute('product.product', 'fields_get', [described], { attributes: ['type'] })).toEqual({
      is_storable: { type: 'boolean' },
    });
    odoo.setVersion(17);
    expect(await execute('product.product', 'fields_get', [described], { attributes: ['type'] })).toEqual({
      detailed_type: { type: 'selection' },
    });
  });

  test('a kit is as available as its scarcest component', async () => {
    // MUG 9 / 2 per kit = 4; TSHIRT 19 free.
    expect(await product(GIFT)).toEqual({ id: GIFT, qty_available: 4, free_qty: 4 });
    expect(await product(GIFT, { location: WH2_STOCK })).toEqual({ id: GIFT, qty_available: 0, free_qty: 0 });
  });
});

describe('stock.quant', () => {
  const fields = [
    'product_id',
    'location_id',
    'quantity',
    'reserved_quantity',
    'available_quantity',
    'write_date',
  ];

  test('reads quants with many2one pairs, floats and UTC write dates', async () => {
    at(5);
    world.adjust({ sku: 'TSHIRT-RED-M', location: 'WH1/Stock', delta: 1 });
    const rows = (await execute(
      'stock.quant',
      'search_read',
      [[['product_id.default_code', '=', 'TSHIRT-RED-M']]],
      {
        fields,
        order: 'location_id',
      },
    )) as Rows;
    expect(rows).toEqual([
      {
        id: expect.any(Number),
        product_id: [TSHIRT, '[TSHIRT-RED-M] T-shirt red M'],
        location_id: [WH1_STOCK, 'WH1/Stock'],
        quantity: 11,
        reserved_quantity: 2,
        available_quantity: 9,
        write_date: '2025-01-15 10:05:00',
      },
      {
        id: expect.any(Number),
        product_id: [TSHIRT, '[TSHIRT-RED-M] T-shirt red M'],
        location_id: [WH1_SHELF, 'WH1/Stock/Shelf 1'],
        quantity: 5,
        reserved_quantity: 0,
        available_quantity: 5,
        write_date: '2025-01-15 10:00:00',
      },
      {
        id: expect.any(Number),
        product_id: [TSHIRT, '[TSHIRT-RED-M] T-shirt red M'],
        location_id: [WH2_STOCK, 'WH2/Stock'],
        quantity: 6,
        reserved_quantity: 0,
        available_quantity: 6,
        write_date: '2025-01-15 10:00:00',
      },
    ]);
  });

  test('a quant at zero disappears, and comes back with a new id', async () => {
    const domain = [['product_id', '=', CAP]];
    const [before] = (await execute('stock.quant', 'search_read', [domain, ['quantity']])) as Rows;
    expect(before).toEqual({ id: expect.any(Number), quantity: 3 });
    world.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', set: 0 });
    expect(await execute('stock.quant', 'search_read', [domain, ['quantity']])).toEqual([]);
    const gone = await fault(execute('stock.quant', 'read', [[before?.id], ['quantity']]));
    expect(gone.faultCode).toBe(2);
    expect(gone.faultString).toBe(
      `Record does not exist or has been deleted.\n(Record: stock.quant(${String(before?.id)},), User: 2)`,
    );
    world.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: 2 });
    const [again] = (await execute('stock.quant', 'search_read', [domain, ['quantity']])) as Rows;
    expect(again?.quantity).toBe(2);
    expect(again?.id).not.toBe(before?.id);
  });

  test('inventory mode: create with inventory_quantity_auto_apply sets the stock once per invsync_reference', async () => {
    const context = { inventory_mode: true, invsync_reference: 'count:MUG-BLUE:WH1/Stock:1' };
    const vals = { product_id: MUG, location_id: WH1_STOCK, inventory_quantity_auto_apply: 4 };
    const id = await execute('stock.quant', 'create', [vals], { context });
    expect(typeof id).toBe('number');
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(4);
    // A retry with the same reference (even with another number) applies nothing.
    expect(
      await execute('stock.quant', 'create', [{ ...vals, inventory_quantity_auto_apply: 1 }], { context }),
    ).toBe(id);
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(4);
    expect(world.moves.filter((m) => m.kind === 'adjust')).toHaveLength(1);
    // A count on damaged stock sets Odoo's quantity (on hand less damaged).
    await execute(
      'stock.quant',
      'create',
      [{ product_id: TSHIRT, location_id: WH2_STOCK, inventory_quantity_auto_apply: 3 }],
      {
        context: { inventory_mode: true },
      },
    );
    expect(world.qty('TSHIRT-RED-M', 'WH2/Stock')).toEqual({ onHand: 4, reserved: 0, damaged: 1 });
  });

  test('outside inventory mode, quant creation is refused (UserError, fault 2)', async () => {
    const f = await fault(
      execute('stock.quant', 'create', [
        { product_id: MUG, location_id: WH1_STOCK, inventory_quantity_auto_apply: 4 },
      ]),
    );
    expect(f.faultCode).toBe(2);
    expect(f.faultString).toBe("Quant's creation is restricted, you can't do this operation.");
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(9);
  });

  test('action_apply_inventory returns None: Odoo faults (code 1) after committing the count', async () => {
    const [quant] = (await execute('stock.quant', 'search', [[['product_id', '=', MUG]]])) as number[];
    expect(
      await execute('stock.quant', 'write', [[quant], { inventory_quantity: 12 }], {
        context: { inventory_mode: true },
      }),
    ).toBe(true);
    expect(
      await execute('stock.quant', 'read', [
        [quant],
        ['quantity', 'inventory_quantity', 'inventory_quantity_set', 'inventory_diff_quantity'],
      ]),
    ).toEqual([
      {
        id: quant,
        quantity: 9,
        inventory_quantity: 12,
        inventory_quantity_set: true,
        inventory_diff_quantity: 3,
      },
    ]);
    const f = await fault(
      execute('stock.quant', 'action_apply_inventory', [[quant]], { context: { inventory_mode: true } }),
    );
    expect(f.faultCode).toBe(1);
    expect(f.code).toBe(1);
    expect(f.faultString).toMatch(/\nTypeError: cannot marshal None unless allow_none is enabled\n$/);
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(12);
  });
});

describe('internal transfers', () => {
  async function transfer(origin: string, qty: number): Promise<number> {
    const [wh] = (await execute('stock.warehouse', 'search_read', [
      [['code', '=', 'WH1']],
      ['int_type_id', 'lot_stock_id'],
    ])) as Rows;
    const type = (wh?.int_type_id as [number, string])[0];
    return (await execute('stock.picking', 'create', [
      {
        picking_type_id: type,
        location_id: WH1_STOCK,
        location_dest_id: WH2_STOCK,
        origin,
        move_ids: [[0, 0, { name: 'Blue mug', product_id: MUG, product_uom_qty: qty, product_uom: 1 }]],
      },
    ])) as number;
  }

  test('create, confirm, assign (reserves), validate: the stock moves in the world', async () => {
    const id = await transfer('transfer:T1', 4);
    expect(await execute('stock.picking', 'read', [[id], ['name', 'state', 'origin']])).toEqual([
      { id, name: 'WH1/INT/00001', state: 'draft', origin: 'transfer:T1' },
    ]);
    expect(await execute('stock.picking', 'action_confirm', [[id]])).toBe(true);
    // A confirmed transfer is incoming at its destination: the forecast counts it, on-hand does not.
    expect(
      await product(MUG, { location: WH2_STOCK }, ['qty_available', 'incoming_qty', 'virtual_available']),
    ).toEqual({
      id: MUG,
      qty_available: 0,
      incoming_qty: 4,
      virtual_available: 4,
    });
    expect(await execute('stock.picking', 'action_assign', [[id]])).toBe(true);
    // Odoo reserves at the source: free_qty drops before anything moves.
    expect(world.qty('MUG-BLUE', 'WH1/Stock')).toEqual({ onHand: 9, reserved: 4, damaged: 0 });
    expect(await product(MUG, { location: WH1_STOCK })).toEqual({ id: MUG, qty_available: 9, free_qty: 5 });
    expect(await execute('stock.picking', 'button_validate', [[id]])).toBe(true);
    expect(world.qty('MUG-BLUE', 'WH1/Stock')).toEqual({ onHand: 5, reserved: 0, damaged: 0 });
    expect(world.qty('MUG-BLUE', 'WH2/Stock')).toEqual({ onHand: 4, reserved: 0, damaged: 0 });
    const [picking] = (await execute('stock.picking', 'read', [[id], ['state', 'move_ids']])) as Rows;
    expect(picking?.state).toBe('done');
    expect(
      await execute('stock.move', 'read', [
        picking?.move_ids,
        ['state', 'quantity', 'location_id', 'location_dest_id', 'origin'],
      ]),
    ).toEqual([
      {
        id: expect.any(Number),
        state: 'done',
        quantity: 4,
        location_id: [WH1_STOCK, 'WH1/Stock'],
        location_dest_id: [WH2_STOCK, 'WH2/Stock'],
        origin: 'transfer:T1',
      },
    ]);
  });

  test('a repeat with the same origin returns the same picking and moves nothing twice', async () => {
    const id = await transfer('transfer:T2', 3);
    for (const m of ['action_confirm', 'action_assign', 'button_validate'])
      await execute('stock.picking', m, [[id]]);
    const again = await transfer('transfer:T2', 3);
    expect(again).toBe(id);
    for (const m of ['action_confirm', 'action_assign', 'button_validate'])
      expect(await execute('stock.picking', m, [[again]])).toBe(true);
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(6);
    expect(world.qty('MUG-BLUE', 'WH2/Stock').onHand).toBe(3);
    expect(world.moves.filter((m) => m.kind === 'transfer')).toHaveLength(1);
  });

  test('17 refuses to validate a transfer with nothing reserved', async () => {
    const id = await transfer('transfer:T3', 50);
    await execute('stock.picking', 'action_confirm', [[id]]);
    world.adjust({ sku: 'MUG-BLUE', location: 'WH1/Stock', set: 0 });
    await execute('stock.picking', 'action_assign', [[id]]);
    const f = await fault(execute('stock.picking', 'button_validate', [[id]]));
    expect(f.faultCode).toBe(2);
    expect(f.faultString).toMatch(/^You cannot validate a transfer if no quantities are reserved nor done/);
  });
});

describe('change feed: done stock moves since a date', () => {
  test('adjustments, transfers and shipped orders appear with their dates and locations', async () => {
    at(3);
    world.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: 2, reference: 'receipt:42' });
    at(7);
    const order = world.placeOrder({ channel: 'shopify', sku: 'MUG-BLUE', qty: 2 });
    expect(order.accepted).toBe(true);
    world.flushIngest();
    at(9);
    world.ship(world.erpOrders[0]!);
    const fields = [
      'product_id',
      'location_id',
      'location_dest_id',
      'product_qty',
      'quantity',
      'state',
      'date',
      'reference',
      'origin',
    ];
    const since = '2025-01-15 10:01:00';
    const rows = await execute(
      'stock.move',
      'search_read',
      [
        [
          ['state', '=', 'done'],
          ['date', '>', since],
        ],
      ],
      { fields, order: 'date asc, id asc' },
    );
    expect(rows).toEqual([
      {
        id: expect.any(Number),
        product_id: [CAP, '[CAP-GREEN] Green cap'],
        location_id: [14, 'Virtual Locations/Inventory adjustment'],
        location_dest_id: [WH2_STOCK, 'WH2/Stock'],
        product_qty: 2,
        quantity: 2,
        state: 'done',
        date: '2025-01-15 10:03:00',
        reference: 'receipt:42',
        origin: false,
      },
      {
        id: expect.any(Number),
        product_id: [MUG, '[MUG-BLUE] Blue mug'],
        location_id: [WH1_STOCK, 'WH1/Stock'],
        location_dest_id: [5, 'Partners/Customers'],
        product_qty: 2,
        quantity: 2,
        state: 'done',
        date: '2025-01-15 10:09:00',
        reference: expect.stringMatching(/^WH1\/OUT\/\d{5}$/),
        origin: expect.stringMatching(/^S\d{5}$/),
      },
    ]);
    expect(
      await execute('stock.move', 'search_count', [
        [
          ['state', '=', 'done'],
          ['date', '>', '2025-01-15 10:05:00'],
        ],
      ]),
    ).toBe(1);
  });

  test('16 names the done quantity quantity_done (stock.move) and qty_done (stock.move.line)', async () => {
    world.adjust({ sku: 'CAP-GREEN', location: 'WH2/Stock', delta: 1 });
    odoo.setVersion(16);
    const f = await fault(execute('stock.move', 'search_read', [[], ['quantity']]));
    expect(f.faultString).toMatch(/\nValueError: Invalid field 'quantity' on model 'stock.move'\n$/);
    expect(await execute('stock.move', 'search_read', [[], ['quantity_done']])).toEqual([
      { id: expect.any(Number), quantity_done: 1 },
    ]);
    expect(await execute('stock.move.line', 'search_read', [[], ['qty_done']])).toEqual([
      { id: expect.any(Number), qty_done: 1 },
    ]);
  });
});

test('BoMs: phantom kits with their lines', async () => {
  const boms = (await execute('mrp.bom', 'search_read', [[['type', '=', 'phantom']]], {
    fields: ['product_tmpl_id', 'product_id', 'product_qty', 'type', 'bom_line_ids'],
  })) as Rows;
  expect(boms).toEqual([
    {
      id: 1,
      product_tmpl_id: [GIFT, '[GIFT-SET] GIFT-SET'],
      product_id: [GIFT, '[GIFT-SET] GIFT-SET'],
      product_qty: 1,
      type: 'phantom',
      bom_line_ids: [1, 2],
    },
  ]);
  expect(
    await execute('mrp.bom.line', 'read', [boms[0]?.bom_line_ids, ['product_id', 'product_qty', 'bom_id']]),
  ).toEqual([
    {
      id: 1,
      product_id: [TSHIRT, '[TSHIRT-RED-M] T-shirt red M'],
      product_qty: 1,
      bom_id: [1, '[GIFT-SET] GIFT-SET'],
    },
    { id: 2, product_id: [MUG, '[MUG-BLUE] Blue mug'], product_qty: 2, bom_id: [1, '[GIFT-SET] GIFT-SET'] },
  ]);
});

describe('sale.order: the ERP shows it has the channel order', () => {
  const byRef = (ref: string) =>
    execute('sale.order', 'search_read', [[['client_order_ref', '=', ref]]], {
      fields: ['name', 'client_order_ref', 'state', 'delivery_status'],
    }) as Promise<Rows>;

  test('invisible until ingested, then sale; shipped is sale+full on 17 and done on 16; cancelled is cancel', async () => {
    const placed = world.placeOrder({ channel: 'shopify', sku: 'MUG-BLUE', qty: 1 });
    if (!placed.accepted) throw new Error(placed.reason);
    const ref = `shopify:${placed.orderId}`;
    expect(await byRef(ref)).toEqual([]);
    world.flushIngest();
    const [so] = await byRef(ref);
    expect(so).toEqual({
      id: expect.any(Number),
      name: expect.stringMatching(/^S\d{5}$/),
      client_order_ref: ref,
      state: 'sale',
      delivery_status: 'pending',
    });
    world.ship(world.erpOrder(ref)!);
    expect((await byRef(ref))[0]).toMatchObject({ state: 'sale', delivery_status: 'full' });
    odoo.setVersion(16);
    expect((await byRef(ref))[0]).toMatchObject({ state: 'done' });

    const other = world.placeOrder({ channel: 'shopify', sku: 'MUG-BLUE', qty: 1 });
    if (!other.accepted) throw new Error(other.reason);
    world.flushIngest();
    world.cancel({ channel: 'shopify', orderId: other.orderId });
    expect((await byRef(`shopify:${other.orderId}`))[0]).toMatchObject({ state: 'cancel' });
  });
});

describe('domains', () => {
  const search = (model: string, domain: unknown[], kw: Record<string, unknown> = {}) =>
    execute(model, 'search', [domain], kw);

  test('prefix operators, in / not in, ilike, comparisons, child_of and paging', async () => {
    expect(
      await search('product.product', ['|', ['default_code', '=', 'MUG-BLUE'], ['barcode', '=', '0001']], {
        order: 'id',
      }),
    ).toEqual([TSHIRT, MUG]);
    expect(
      await search('product.product', ['!', ['default_code', 'in', ['MUG-BLUE', 'CAP-GREEN']]], {
        order: 'id',
      }),
    ).toEqual([TSHIRT, GIFT]);
    expect(
      await search('product.product', [
        ['default_code', 'not in', ['MUG-BLUE']],
        ['name', 'ilike', 'CAP'],
      ]),
    ).toEqual([CAP]);
    expect(await search('product.product', [['barcode', '!=', false]])).toEqual([TSHIRT]);
    // TSHIRT-RED-M, MUG-BLUE, GIFT-SET, CAP-GREEN: skip one, take two.
    expect(await search('product.product', [], { order: 'default_code desc', offset: 1, limit: 2 })).toEqual([
      MUG,
      GIFT,
    ]);
    const quants = (await execute(
      'stock.quant',
      'search_read',
      [
        [
          ['location_id', 'child_of', 'WH1/Stock'],
          ['quantity', '>=', 5],
        ],
        ['location_id', 'quantity'],
      ],
      {
        order: 'quantity desc',
      },
    )) as Rows;
    expect(quants.map((q) => [(q.location_id as [number, string])[1], q.quantity])).toEqual([
      ['WH1/Stock', 10],
      ['WH1/Stock', 9],
      ['WH1/Stock/Shelf 1', 5],
    ]);
    expect(
      await execute('stock.quant', 'search_count', [
        [
          ['location_id.usage', '=', 'internal'],
          ['lot_id', '=', false],
          ['write_date', '<=', '2025-01-15 10:00:00'],
        ],
      ]),
    ).toBe(5);
    expect(
      await execute('stock.location', 'search_read', [
        [
          ['usage', '!=', 'internal'],
          ['usage', '!=', 'view'],
        ],
        ['complete_name', 'usage'],
      ]),
    ).toEqual([
      { id: 5, complete_name: 'Partners/Customers', usage: 'customer' },
      { id: 4, complete_name: 'Partners/Vendors', usage: 'supplier' },
      { id: 14, complete_name: 'Virtual Locations/Inventory adjustment', usage: 'inventory' },
    ]);
  });

  test('warehouses and locations as the connector maps them', async () => {
    expect(
      await execute('stock.warehouse', 'search_read', [
        [],
        ['name', 'code', 'lot_stock_id', 'view_location_id', 'int_type_id'],
      ]),
    ).toEqual([
      {
        id: 1,
        name: 'WH1',
        code: 'WH1',
        lot_stock_id: [WH1_STOCK, 'WH1/Stock'],
        view_location_id: [1001, 'WH1'],
        int_type_id: [15, 'WH1: Internal Transfers'],
      },
      {
        id: 2,
        name: 'WH2',
        code: 'WH2',
        lot_stock_id: [WH2_STOCK, 'WH2/Stock'],
        view_location_id: [1002, 'WH2'],
        int_type_id: [25, 'WH2: Internal Transfers'],
      },
    ]);
    expect(
      await execute('stock.location', 'read', [
        [WH1_SHELF],
        ['name', 'complete_name', 'usage', 'warehouse_id', 'active', 'location_id'],
      ]),
    ).toEqual([
      {
        id: WH1_SHELF,
        name: 'Shelf 1',
        complete_name: 'WH1/Stock/Shelf 1',
        usage: 'internal',
        warehouse_id: [1, 'WH1'],
        active: true,
        location_id: [WH1_STOCK, 'WH1/Stock'],
      },
    ]);
  });

  test('a leaf on an unknown field is a ValueError (fault 1)', async () => {
    const f = await fault(search('product.product', [['nope', '=', 1]]));
    expect(f.faultCode).toBe(1);
    expect(f.faultString).toMatch(
      /\nValueError: Invalid field product\.product\.nope in leaf \['nope', '=', 1\]\n$/,
    );
  });
});

describe('Odoo fault codes', () => {
  test('Access Denied (3) on a wrong key', async () => {
    const f = await fault(execute('product.product', 'search', [[]], {}, 'not-the-key'));
    expect([f.faultCode, f.code, f.faultString, f.message]).toEqual([
      3,
      3,
      'Access Denied',
      'XML-RPC fault: Access Denied',
    ]);
  });

  test('private methods (4): 17 names the method, 18 the model too', async () => {
    const f17 = await fault(execute('stock.quant', '_update_available_quantity', [[]]));
    expect([f17.faultCode, f17.faultString]).toEqual([
      4,
      'Private methods (such as _update_available_quantity) cannot be called remotely.',
    ]);
    odoo.setVersion(18);
    const f18 = await fault(execute('stock.quant', '_update_available_quantity', [[]]));
    expect([f18.faultCode, f18.faultString]).toEqual([
      4,
      "Private methods (such as 'stock.quant._update_available_quantity') cannot be called remotely.",
    ]);
  });

  test('missing record (2), unknown model (2), unknown method (1, traceback), bad keyword (1)', async () => {
    const missing = await fault(execute('product.product', 'read', [[999], ['name']]));
    expect([missing.faultCode, missing.faultString]).toEqual([
      2,
      'Record does not exist or has been deleted.\n(Record: product.product(999,), User: 2)',
    ]);
    const model = await fault(execute('foo.bar', 'search', [[]]));
    expect([model.faultCode, model.faultString]).toEqual([2, "Object foo.bar doesn't exist"]);
    const method = await fault(execute('product.product', 'frobnicate', [[]]));
    expect(method.faultCode).toBe(1);
    expect(method.faultString).toMatch(/^Traceback \(most recent call last\):\n {2}File ".*", line \d+, in /);
    expect(method.faultString).toMatch(
      /\nAttributeError: The method 'frobnicate' does not exist on the model 'product.product'\n$/,
    );
    const kw = await fault(execute('product.product', 'search_read', [[]], { fields: ['name'], bogus: 1 }));
    expect(kw.faultString).toMatch(
      /\nTypeError: BaseModel\.read\(\) got an unexpected keyword argument 'bogus'\n$/,
    );
  });

  test('the legacy /xmlrpc/object endpoint uses string fault codes', async () => {
    const legacy = client('/xmlrpc/object');
    const denied = await fault(legacy('execute_kw', [db, uid, 'bad', 'product.product', 'search', [[]], {}]));
    expect([denied.faultCode, denied.faultString]).toEqual(['AccessDenied', 'Access Denied']);
    const missing = await fault(
      legacy('execute_kw', [db, uid, apiKey, 'product.product', 'read', [[999]], {}]),
    );
    expect(missing.faultCode).toBe(
      'warning -- MissingError\n\nRecord does not exist or has been deleted.\n(Record: product.product(999,), User: 2)',
    );
  });
});

describe('injected faults', () => {
  test('errorRate: the request fails with the HTTP status, as an error page in front of Odoo', async () => {
    world.setFaults({ system: 'odoo', endpoint: 'product.product.search_read', errorRate: 1 });
    const f = await fault(execute('product.product', 'search_read', [[], ['name']]));
    expect(f.faultCode).toBeUndefined();
    expect(f.res?.statusCode).toBe(500);
    world.setFaults({ system: 'odoo', endpoint: 'product.product.search_read', errorRate: 1, status: 502 });
    expect((await fault(execute('product.product', 'search_read', [[], ['name']]))).res?.statusCode).toBe(
      502,
    );
    expect(await execute('product.product', 'search', [[['default_code', '=', 'MUG-BLUE']]])).toEqual([MUG]);
    const calls = world.state().calls.filter((c) => c.system === 'odoo');
    expect(calls).toEqual(
      expect.arrayContaining([
        { system: 'odoo', endpoint: 'product.product.search_read', count: 2, throttled: 0, errors: 2 },
        { system: 'odoo', endpoint: 'product.product.search', count: 1, throttled: 0, errors: 0 },
      ]),
    );
  });

  test('latencyMs delays every call', async () => {
    world.setFaults({ system: 'odoo', latencyMs: 150 });
    const started = Date.now();
    expect(await common('version', [])).toMatchObject({ server_version: '17.0' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('silentDropRate: a write answers as usual and changes nothing', async () => {
    world.setFaults({ system: 'odoo', endpoint: 'stock.quant.create', silentDropRate: 1 });
    const id = await execute(
      'stock.quant',
      'create',
      [{ product_id: MUG, location_id: WH1_STOCK, inventory_quantity_auto_apply: 1 }],
      {
        context: { inventory_mode: true },
      },
    );
    expect(typeof id).toBe('number');
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(9);
  });
});

describe('JSON-2 (Odoo 19)', () => {
  beforeEach(() => odoo.setVersion(19));

  test('GET /web/version', async () => {
    const res = await fetch(`${odoo.url}/web/version`);
    expect(await res.json()).toEqual({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
  });

  test('named arguments, bearer API key, context', async () => {
    const res = await json2('product.product', 'search_read', {
      domain: [['default_code', '=', 'TSHIRT-RED-M']],
      fields: ['default_code', 'free_qty', 'is_storable'],
      context: { location: WH1_STOCK },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual([
      { id: TSHIRT, default_code: 'TSHIRT-RED-M', free_qty: 13, is_storable: true },
    ]);
    const read = await json2('stock.location', 'read', { ids: [WH2_STOCK], fields: ['complete_name'] });
    expect(await read.json()).toEqual([{ id: WH2_STOCK, complete_name: 'WH2/Stock' }]);
  });

  test('action_apply_inventory answers null (no marshalling fault) and applies', async () => {
    const [quant] = (await (
      await json2('stock.quant', 'search', { domain: [['product_id', '=', MUG]] })
    ).json()) as number[];
    expect(
      (await json2('stock.quant', 'write', { ids: [quant], vals: { inventory_quantity: 2 } })).status,
    ).toBe(200);
    const res = await json2('stock.quant', 'action_apply_inventory', {
      ids: [quant],
      context: { inventory_mode: true },
    });
    expect([res.status, await res.json()]).toEqual([200, null]);
    expect(world.qty('MUG-BLUE', 'WH1/Stock').onHand).toBe(2);
  });

  test('401 for a bad key, 422 for a bad keyword, 404 for an unknown model, 403 for a private method', async () => {
    const bad = await json2('product.product', 'search', { domain: [] }, 'wrong');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer');
    expect(await bad.json()).toEqual({
      name: 'werkzeug.exceptions.Unauthorized',
      message: 'Invalid apikey',
      arguments: ['Invalid apikey', 401],
      context: {},
      debug: expect.stringMatching(/werkzeug\.exceptions\.Unauthorized: 401 Unauthorized: Invalid apikey\n$/),
    });
    const kw = await json2('product.product', 'search', { domain: [], bogus: 1 });
    expect(kw.status).toBe(422);
    expect(await kw.json()).toMatchObject({
      name: 'werkzeug.exceptions.UnprocessableEntity',
      message: "got an unexpected keyword argument 'bogus'",
      arguments: ["got an unexpected keyword argument 'bogus'", 422],
    });
    const model = await json2('foo.bar', 'search', { domain: [] });
    expect([model.status, ((await model.json()) as { message: string }).message]).toEqual([
      404,
      "the model 'foo.bar' does not exist",
    ]);
    const priv = await json2('stock.quant', '_update_available_quantity', {});
    expect(priv.status).toBe(403);
    expect(await priv.json()).toMatchObject({
      name: 'odoo.exceptions.AccessError',
      message:
        "Private methods (such as 'stock.quant._update_available_quantity') cannot be called remotely.",
    });
    const missing = await json2('product.product', 'read', { ids: [999], fields: ['name'] });
    expect([missing.status, ((await missing.json()) as { name: string }).name]).toEqual([
      404,
      'odoo.exceptions.MissingError',
    ]);
  });

  test('Odoo 17 has no JSON-2 endpoint', async () => {
    odoo.setVersion(17);
    const res = await json2('product.product', 'search', { domain: [] });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
