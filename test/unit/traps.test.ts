/**
 * The traps of design rule 2, each as an example: the number a naive sync would send, and the one invsync sends.
 */
import { allocateKit, allocateSku, explainAllocation, type SkuInputs } from '../../domain/atp';
import { DEFAULT_VELOCITY_TIERS } from '../../domain/buffers';
import { plan } from '../../domain/plan';
import { fbaSellable, fromNetSuiteRow, fromOdooQuants, erpAvailable } from '../../domain/quantities';
import { snapshotSchema, type SnapshotInput } from '../../domain/snapshot';
import type { AllocationPolicy, ChannelPolicy } from '../../domain/policy';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const noBuffer = { policy: 'none' as const, tiers: DEFAULT_VELOCITY_TIERS };
const channel = (
  id: string,
  locations: ChannelPolicy['locations'],
  extra: Partial<ChannelPolicy> = {},
): ChannelPolicy => ({
  id,
  kind: 'shopify',
  mode: 'live',
  locations,
  share: { mode: 'shared', percent: 100, priority: 100 },
  reserve: 0,
  buffer: noBuffer,
  syncCadence: 'realtime',
  min: 0,
  max: null,
  ...extra,
});
const policy = (channels: ChannelPolicy[]): AllocationPolicy => ({
  erpLocations: [
    { id: 'WH1/Stock', sellable: true },
    { id: 'WH2/Stock', sellable: true },
  ],
  channels,
  kits: [],
});
const inputs = (sku: string, stock: SkuInputs['stock'], extra: Partial<SkuInputs> = {}): SkuInputs => ({
  sku,
  stock,
  ledger: [],
  reservations: [],
  overrides: [],
  halts: [],
  unitsPerDay: 0,
  ...extra,
});
const links = { match: ['sku' as const, 'barcode' as const], overrides: [] };

test('Amazon: only fulfillable is sellable, never the total with inbound, reserved, researching or unfulfillable', () => {
  const details = {
    fulfillableQuantity: 10,
    inboundWorkingQuantity: 0,
    inboundShippedQuantity: 50,
    inboundReceivingQuantity: 0,
    reservedQuantity: { totalReservedQuantity: 5 },
    unfulfillableQuantity: { totalUnfulfillableQuantity: 7 },
    researchingQuantity: { totalResearchingQuantity: 1 },
  };
  const s = fbaSellable(details);
  expect(s.total).toBe(73); // what a naive sync would treat as stock
  expect(s.sellable).toBe(10);

  // In a plan, FBA is reported as read-only (never pushed) and FBM is computed from the merchant's own stock.
  const snap: SnapshotInput = {
    erp: {
      kind: 'odoo',
      products: [{ sku: 'MUG' }],
      stock: [{ sku: 'MUG', location: 'WH1/Stock', onHand: 4 }],
    },
    channels: {
      amazon: {
        listings: [{ sku: 'MUG', fulfillment: 'FBM', shows: 4 }],
        fba: [
          { sku: 'MUG', fulfillable: 10, inboundShipped: 50, reserved: 5, unfulfillable: 7, researching: 1 },
        ],
      },
    },
  };
  const p = plan(
    policy([channel('amazon', [{ id: 'DEFAULT', erpLocations: ['WH1/Stock'] }], { kind: 'amazon' })]),
    snapshotSchema.parse(snap),
    {
      now: NOW,
      velocityWindowMs: 14 * 86_400_000,
      links,
    },
  );
  expect(p.rows.map((r) => [r.location, r.qty, r.status])).toEqual([
    ['DEFAULT', 4, 'live'],
    ['FBA', 10, 'read-only'],
  ]);
});

test('NetSuite: quantityavailable is sold, never quantityonhand', () => {
  const q = fromNetSuiteRow({ quantityonhand: '50', quantitycommitted: '20', quantityavailable: '25' });
  expect(q.onHand).toBe(50); // what a naive sync would push
  expect(erpAvailable(q)).toBe(25);
  // SuiteQL omits nulls: a row without quantityavailable sells nothing.
  expect(erpAvailable(fromNetSuiteRow({ quantityonhand: '12' }))).toBe(0);
});

test('Odoo: quantity - reserved_quantity on internal locations, never a company-wide total', () => {
  const q = fromOdooQuants([
    { quantity: 30, reserved_quantity: 4, usage: 'internal' },
    { quantity: 12, reserved_quantity: 0, usage: 'transit' },
    { quantity: 3, reserved_quantity: 0, usage: 'customer' },
  ]);
  expect(erpAvailable(q)).toBe(26);
});

test('locations that do not ship for a channel are never summed into it', () => {
  const p = policy([
    channel('shopify', [{ id: 'gid://shopify/Location/1', erpLocations: ['WH1/Stock'] }]),
    channel('amazon', [{ id: 'DEFAULT', erpLocations: ['WH1/Stock', 'WH2/Stock'] }], { kind: 'amazon' }),
  ]);
  const [shop, amz] = allocateSku(
    inputs('TSHIRT', {
      'WH1/Stock': { onHand: 5, reserved: 0, damaged: 0 },
      'WH2/Stock': { onHand: 100, reserved: 0, damaged: 0 },
    }),
    p,
    NOW,
  );
  expect(shop?.qty).toBe(5); // not 105: WH2 does not ship Shopify orders
  expect(amz?.qty).toBe(105);
});

test('a bundle sold on one channel while its components sell elsewhere: both lower everywhere at once', () => {
  const p = policy([
    channel('shopify', [{ id: 'L1', erpLocations: ['WH1/Stock'] }]),
    channel('amazon', [{ id: 'DEFAULT', erpLocations: ['WH1/Stock'] }], { kind: 'amazon' }),
  ]);
  const kit = { sku: 'TSHIRT-3PACK', components: [{ sku: 'TSHIRT', qty: 3 }] };
  const snap = (ledger: SnapshotInput['ledger']) =>
    snapshotSchema.parse({
      erp: {
        kind: 'odoo',
        products: [{ sku: 'TSHIRT' }, { sku: 'TSHIRT-3PACK' }],
        stock: [{ sku: 'TSHIRT', location: 'WH1/Stock', onHand: 10 }],
        kits: [kit],
      },
      ledger,
    });
  const run = (ledger: SnapshotInput['ledger']) =>
    Object.fromEntries(
      plan(p, snap(ledger), { now: NOW, velocityWindowMs: 86_400_000, links }).rows.map((r) => [
        `${r.sku}@${r.channel}`,
        r.qty,
      ]),
    );

  expect(run([])).toEqual({
    'TSHIRT@amazon': 10,
    'TSHIRT@shopify': 10,
    'TSHIRT-3PACK@amazon': 3,
    'TSHIRT-3PACK@shopify': 3,
  });
  // One 3-pack sold on Shopify (not yet in the ERP): 3 component units leave every channel, kits included.
  const afterKitSale = run([
    { channel: 'shopify', orderId: 'S1', sku: 'TSHIRT-3PACK', qty: 1, erpLocations: ['WH1/Stock'] },
  ]);
  expect(afterKitSale).toEqual({
    'TSHIRT@amazon': 7,
    'TSHIRT@shopify': 7,
    'TSHIRT-3PACK@amazon': 2,
    'TSHIRT-3PACK@shopify': 2,
  });
  // Two single shirts then sell on Amazon: the 3-pack drops to what is left (5 / 3 = 1) on both channels.
  const afterBoth = run([
    { channel: 'shopify', orderId: 'S1', sku: 'TSHIRT-3PACK', qty: 1, erpLocations: ['WH1/Stock'] },
    { channel: 'amazon', orderId: 'A1', sku: 'TSHIRT', qty: 2, erpLocations: ['WH1/Stock'] },
  ]);
  expect(afterBoth).toEqual({
    'TSHIRT@amazon': 5,
    'TSHIRT@shopify': 5,
    'TSHIRT-3PACK@amazon': 1,
    'TSHIRT-3PACK@shopify': 1,
  });
});

test('kits use component stock after the component buffers, per location', () => {
  const p = policy([
    channel(
      'shopify',
      [
        { id: 'L1', erpLocations: ['WH1/Stock'] },
        { id: 'L2', erpLocations: ['WH2/Stock'] },
      ],
      { buffer: { policy: 'fixed', units: 2, tiers: DEFAULT_VELOCITY_TIERS } },
    ),
  ]);
  const comp = allocateSku(
    inputs('C', {
      'WH1/Stock': { onHand: 8, reserved: 0, damaged: 0 },
      'WH2/Stock': { onHand: 3, reserved: 0, damaged: 0 },
    }),
    p,
    NOW,
  );
  const kit = allocateKit(
    {
      kit: { sku: 'K', components: [{ sku: 'C', qty: 2 }] },
      components: new Map([['C', comp]]),
      overrides: [],
      halts: [],
    },
    p,
    NOW,
  );
  expect(kit.map((k) => k.qty)).toEqual([3, 0]); // (8-2)/2 = 3 at L1; (3-2)/2 = 0 at L2
});

test('buffers follow the velocity tiers (larger of units and percent), hourly sync holds back at least 15%', () => {
  const tiered = { policy: 'tiered' as const, tiers: DEFAULT_VELOCITY_TIERS };
  const qty = (unitsPerDay: number, onHand: number, cadence: 'realtime' | 'hourly' = 'realtime') =>
    allocateSku(
      inputs('S', { 'WH1/Stock': { onHand, reserved: 0, damaged: 0 } }, { unitsPerDay }),
      policy([
        channel('c', [{ id: 'L', erpLocations: ['WH1/Stock'] }], { buffer: tiered, syncCadence: cadence }),
      ]),
      NOW,
    )[0]?.qty;
  expect(qty(2, 100)).toBe(95); // slow: max(3, 5%) = 5
  expect(qty(2, 20)).toBe(17); // slow: max(3, 1) = 3
  expect(qty(20, 200)).toBe(184); // medium: max(8, 16) = 16
  expect(qty(80, 100)).toBe(85); // fast: max(15, 10) = 15
  expect(qty(2, 100, 'hourly')).toBe(85); // hourly: 15%
  expect(qty(2, 2)).toBe(0); // the buffer is larger than the stock: never negative
});

test('an explanation reads line by line down to the number', () => {
  const p = policy([
    channel('shopify', [{ id: 'L1', erpLocations: ['WH1/Stock'] }], {
      max: 20,
      buffer: { policy: 'fixed', units: 3, tiers: DEFAULT_VELOCITY_TIERS },
    }),
  ]);
  const [a] = allocateSku(
    inputs(
      'TSHIRT',
      { 'WH1/Stock': { onHand: 40, reserved: 2, damaged: 1 } },
      {
        ledger: [
          {
            id: 'x',
            channel: 'amazon',
            orderId: '113-1',
            sku: 'TSHIRT',
            qty: 2,
            erpLocations: ['WH1/Stock'],
            at: NOW,
          },
        ],
        reservations: [{ id: 'r', program: 'wholesale', sku: 'TSHIRT', location: 'WH1/Stock', qty: 5 }],
      },
    ),
    p,
    NOW,
  );
  expect(explainAllocation(a!)).toBe(
    [
      'TSHIRT on shopify at L1: 20',
      '     +37  ERP available at WH1/Stock: 40 on hand - 2 reserved - 1 damaged  -> 37',
      '      -5  reserved for wholesale at WH1/Stock  -> 32',
      '      -2  sold, not yet in the ERP (pending orders): amazon order 113-1 x2  -> 30',
      '      -3  safety buffer (fixed 3 units) = 3  -> 27',
      '      -7  capped at max 20  -> 20',
      '       =  20',
    ].join('\n'),
  );
});

test('NetSuite rows without quantityonhand (SuiteQL omits nulls) still sell quantityavailable', () => {
  expect(erpAvailable(fromNetSuiteRow({ quantityavailable: '20', quantitycommitted: '5' }))).toBe(20);
  expect(erpAvailable(fromNetSuiteRow({ quantityavailable: 20 }))).toBe(20);
});
