/**
 * The NetSuite ERP adapter (integrations/netsuite) against the sandbox's NetSuite simulator, through
 * netsuite-rest-api-client over verified HTTPS: `npm test` trusts the sandbox certificate with NODE_EXTRA_CA_CERTS.
 */
import { parseConfigObject } from '../../domain/config/parse';
import { erpAvailable } from '../../domain/quantities';
import { isIntegrationError, type IntegrationError } from '../../integrations/errors';
import {
  AUTH_FAILED_MESSAGE,
  createNetSuiteAdapter,
  fromNetSuiteAnswer,
  type NetSuiteAdapterOptions,
  type NetSuiteErpConfig,
} from '../../integrations/netsuite';
import type { ErpStock } from '../../integrations/types';
import { startSandbox, type Sandbox } from '../../sandbox';
import { presetSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';

const SKUS = Array.from({ length: 12 }, (_, i) => `NS-${String(i + 1).padStart(2, '0')}`);
const WH1 = 'WH1/Stock';
const WH2 = 'WH2/Stock';
const QUARANTINE = 'WH1/Quarantine';
const ACCOUNT = '212';

const seed: SeedInput = {
  erp: {
    kind: 'netsuite',
    locations: [
      { id: WH1, warehouse: 'WH1' },
      { id: WH2, warehouse: 'WH2' },
      { id: QUARANTINE, warehouse: 'WH1', sellable: false },
    ],
    products: SKUS.map((sku, i) => ({ sku, barcode: `0780000000${String(i).padStart(2, '0')}` })),
    stock: [
      // NS-01: 20 on hand, 3 committed, 2 damaged -> NetSuite shows 15 available.
      { sku: 'NS-01', location: WH1, onHand: 20, reserved: 3, damaged: 2 },
      { sku: 'NS-01', location: WH2, onHand: 5 },
      { sku: 'NS-01', location: QUARANTINE, onHand: 4, damaged: 4 },
      ...SKUS.slice(1).map((sku, i) => ({ sku, location: WH1, onHand: 10 + i, reserved: i % 3 })),
      ...SKUS.slice(6).map((sku) => ({ sku, location: WH2, onHand: 2 })),
    ],
    kits: [
      { sku: 'PACK-3', components: [{ sku: 'NS-01', qty: 3 }] },
      {
        sku: 'DUO',
        components: [
          { sku: 'NS-02', qty: 1 },
          { sku: 'NS-03', qty: 2 },
        ],
      },
    ],
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [{ id: 'gid://shopify/Location/1', erpLocations: [WH1] }],
      listings: [{ sku: 'NS-02', location: 'gid://shopify/Location/1', shows: 10 }],
    },
  ],
};

let sb: Sandbox;
let cfg: NetSuiteErpConfig;

function erpConfig(): NetSuiteErpConfig {
  const parsed = parseConfigObject(sb.config(), {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  if (parsed.config.erp.kind !== 'netsuite') throw new Error('the sandbox config is not a NetSuite one');
  return parsed.config.erp;
}

const adapter = (o: NetSuiteAdapterOptions = {}, c: NetSuiteErpConfig = cfg) =>
  createNetSuiteAdapter(c, { adjustmentAccountId: ACCOUNT, ...o });

/** NetSuite API calls counted by the sandbox (all endpoints, or one). */
function calls(endpoint?: string): { count: number; throttled: number; errors: number } {
  const rows = sb.world
    .state()
    .calls.filter((c) => c.system === 'netsuite' && (endpoint === undefined || c.endpoint === endpoint));
  return rows.reduce(
    (s, c) => ({
      count: s.count + c.count,
      throttled: s.throttled + c.throttled,
      errors: s.errors + c.errors,
    }),
    {
      count: 0,
      throttled: 0,
      errors: 0,
    },
  );
}

async function caught(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (e) {
    if (isIntegrationError(e)) return e;
    throw e;
  }
  throw new Error('expected an IntegrationError');
}

const available = (rows: ErpStock[]) =>
  rows.map((r) => ({ location: r.location, available: erpAvailable(r) }));

beforeAll(async () => {
  // Real TLS verification: the sandbox certificate is trusted through the environment, never by turning checks off.
  if (!process.env.NODE_EXTRA_CA_CERTS)
    throw new Error('run through `npm test` (it sets NODE_EXTRA_CA_CERTS to the sandbox certificate)');
  sb = await startSandbox({ seed, secret: 'netsuite-integration' });
  cfg = erpConfig();
});

beforeEach(() => {
  sb.world.faults = [];
  sb.world.reset(seed);
});

afterAll(async () => {
  await sb?.close();
});

describe('access', () => {
  test('checkAccess is one SuiteQL query', async () => {
    await expect(adapter().checkAccess()).resolves.toBeUndefined();
    expect(calls()).toEqual({ count: 1, throttled: 0, errors: 0 });
  });

  test('a wrong secret is INVALID_LOGIN -> AUTH_FAILED saying what to check', async () => {
    const err = await caught(adapter({}, { ...cfg, consumerSecret: 'not-the-secret' }).checkAccess());
    expect(err).toMatchObject({
      code: 'AUTH_FAILED',
      kind: 'permanent',
      status: 401,
      vendorCode: 'INVALID_LOGIN',
      message:
        'NetSuite rejected the token-based login: check erp.consumerKey/consumerSecret/tokenId/tokenSecret and the account id',
    });
    expect(err.message).toBe(AUTH_FAILED_MESSAGE);
    // Every method fails the same way, never as something retryable.
    const read = await caught(adapter({}, { ...cfg, tokenSecret: 'nope' }).availability('NS-01', [WH1]));
    expect(read).toMatchObject({ code: 'AUTH_FAILED', kind: 'permanent', message: AUTH_FAILED_MESSAGE });
  });

  test('INSUFFICIENT_PERMISSION -> PERMISSION_DENIED naming what to grant', async () => {
    sb.world.setFaults({ system: 'netsuite', endpoint: 'suiteql', errorRate: 1, status: 403 });
    expect(await caught(adapter().checkAccess())).toMatchObject({
      code: 'PERMISSION_DENIED',
      kind: 'permanent',
      status: 403,
      vendorCode: 'INSUFFICIENT_PERMISSION',
      message:
        'NetSuite denied checkAccess: Permission Violation: You need a higher level of permission to access this page. Please contact your account administrator. Grant the integration role this permission (Setup > Users/Roles > Manage Roles).',
    });
  });
});

describe('catalogue', () => {
  test('products: SuiteQL over item (itemid = SKU, upccode = barcode), paged across pages', async () => {
    const a = adapter({ pageSize: 5 });
    const all = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await a.products(cursor);
      expect(page.items.length).toBeLessThanOrEqual(5);
      all.push(...page.items);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(calls('suiteql').count).toBe(3);
    expect(all.map((p) => p.sku)).toEqual([...SKUS, 'PACK-3', 'DUO']);
    expect(all[0]).toEqual({ sku: 'NS-01', barcode: '078000000000', id: '1', name: 'NS-01', isKit: false });
    expect(all.find((p) => p.sku === 'DUO')).toMatchObject({ isKit: true, barcode: undefined });
    expect(await caught(a.products('garbage'))).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  test('locations: the location table, named as the config names them', async () => {
    expect(await adapter().locations()).toEqual([
      { id: WH1, erpId: '100', warehouse: 'WH1', internal: true },
      { id: WH2, erpId: '101', warehouse: 'WH2', internal: true },
      { id: QUARANTINE, erpId: '102', warehouse: 'WH1', internal: true },
    ]);
  });

  test('kits: kititemmember, grouped per kit in line order', async () => {
    expect(await adapter().kits()).toEqual([
      { sku: 'PACK-3', components: [{ sku: 'NS-01', qty: 3 }] },
      {
        sku: 'DUO',
        components: [
          { sku: 'NS-02', qty: 1 },
          { sku: 'NS-03', qty: 2 },
        ],
      },
    ]);
  });
});

describe('availability', () => {
  test('quantityavailable per location, never quantityonhand, never another location', async () => {
    const a = adapter();
    const rows = await a.availability('NS-01', [WH1, WH2]);
    expect(rows).toEqual([
      // on hand - reserved - damaged = NetSuite's quantityavailable (15), not the 20 on hand.
      { sku: 'NS-01', location: WH1, onHand: 20, reserved: 3, damaged: 2 },
      { sku: 'NS-01', location: WH2, onHand: 5, reserved: 0, damaged: 0 },
    ]);
    expect(available(rows)).toEqual([
      { location: WH1, available: sb.world.available('NS-01', WH1) },
      { location: WH2, available: 5 },
    ]);
    expect(erpAvailable(rows[0] as ErpStock)).toBe(15);
    // The quarantine stock (4 on hand) is read only when asked for, and is not available there either.
    expect(available(await a.availability('NS-01', [QUARANTINE]))).toEqual([
      { location: QUARANTINE, available: 0 },
    ]);
    // A location where the item never had stock is zeros.
    expect(await a.availability('NS-02', [WH2])).toEqual([
      { sku: 'NS-02', location: WH2, onHand: 0, reserved: 0, damaged: 0 },
    ]);
  });

  test('a sale NetSuite commits lowers available, not on hand; one call per SKU once locations are known', async () => {
    const a = adapter();
    const before = await a.availability('NS-02', [WH1]);
    expect(before).toEqual([{ sku: 'NS-02', location: WH1, onHand: 10, reserved: 0, damaged: 0 }]);
    const placed = sb.world.placeOrder({ channel: 'shopify', sku: 'NS-02', qty: 4 });
    if (!placed.accepted) throw new Error(placed.reason);
    sb.world.flushIngest();
    const mark = calls().count;
    const after = await a.availability('NS-02', [WH1]);
    expect(after).toEqual([{ sku: 'NS-02', location: WH1, onHand: 10, reserved: 4, damaged: 0 }]);
    expect(erpAvailable(after[0] as ErpStock)).toBe(6);
    expect(calls().count - mark).toBe(1);
  });

  test('unknown SKU -> UNLINKED_SKU; unknown location -> UNMAPPED_LOCATION; kits have no stock rows', async () => {
    const a = adapter();
    const sku = await caught(a.availability('NOPE-1', [WH1]));
    expect(sku).toMatchObject({ code: 'UNLINKED_SKU', kind: 'permanent', context: { sku: 'NOPE-1' } });
    expect(sku.message).toBe(
      'SKU NOPE-1 has no linked NetSuite item: create an item whose Name/ID (itemid) is NOPE-1, or link it in skuLinks.overrides',
    );
    const loc = await caught(a.availability('NS-01', [WH1, 'WH9/Stock']));
    expect(loc).toMatchObject({
      code: 'UNMAPPED_LOCATION',
      context: { sku: 'NS-01', location: 'WH9/Stock' },
    });
    expect(loc.message).toBe(
      'SKU NS-01: NetSuite has no location named "WH9/Stock": erp.locations must name NetSuite locations exactly as NetSuite does (Setup > Company > Locations)',
    );
    expect(await a.availability('PACK-3', [WH1])).toEqual([
      { sku: 'PACK-3', location: WH1, onHand: 0, reserved: 0, damaged: 0 },
    ]);
  });

  test('availabilityPage: limit/offset pages with hasMore, only the locations asked for', async () => {
    const a = adapter({ pageSize: 5 });
    const rows: ErpStock[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await a.availabilityPage([WH1, WH2], cursor);
      expect(page.items.length).toBeLessThanOrEqual(5);
      rows.push(...page.items);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    // 12 inventory items x 2 locations (kits have no rows; the quarantine location was not asked for).
    expect(rows).toHaveLength(24);
    expect(pages).toBe(5);
    expect(calls('suiteql').count).toBe(1 + 5); // the location list once, then one call per page
    expect(new Set(rows.map((r) => r.location))).toEqual(new Set([WH1, WH2]));
    for (const r of rows) expect(erpAvailable(r)).toBe(sb.world.available(r.sku, r.location));
    expect(rows.find((r) => r.sku === 'NS-01' && r.location === WH1)).toEqual({
      sku: 'NS-01',
      location: WH1,
      onHand: 20,
      reserved: 3,
      damaged: 2,
    });
    expect(await caught(a.availabilityPage([WH1], '7/5'))).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('change feed', () => {
  test('lastmodifieddate after the cursor (TO_DATE/TO_CHAR), nothing twice, nothing missed within a second', async () => {
    const a = adapter({ pageSize: 2 });
    const start = await a.changesSince();
    expect(start.skus).toEqual([]);
    expect((await a.changesSince(start.cursor)).skus).toEqual([]); // idle: nothing, even within the same second

    sb.world.adjust({ sku: 'NS-04', location: WH1, delta: -1 });
    const first = await a.changesSince(start.cursor);
    expect(first.skus).toEqual(['NS-04']);
    expect((await a.changesSince(first.cursor)).skus).toEqual([]);

    // The same row again (most likely within the same second), a transfer (two rows) and a sale NetSuite commits:
    // more rows than one page of 2.
    sb.world.adjust({ sku: 'NS-04', location: WH1, delta: -1 });
    sb.world.transfer({ sku: 'NS-05', qty: 1, from: WH1, to: WH2 });
    const placed = sb.world.placeOrder({ channel: 'shopify', sku: 'NS-02', qty: 1 });
    if (!placed.accepted) throw new Error(placed.reason);
    sb.world.flushIngest();
    const mark = calls('suiteql').count;
    const second = await a.changesSince(first.cursor);
    expect([...second.skus].sort()).toEqual(['NS-02', 'NS-04', 'NS-05']);
    expect(calls('suiteql').count - mark).toBeGreaterThan(1); // paged
    expect((await a.changesSince(second.cursor)).skus).toEqual([]);
    expect(await caught(a.changesSince('not-a-cursor'))).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('order presence', () => {
  test('a sales order found by otherrefnum/externalid = the channel reference, mapped to its status', async () => {
    const a = adapter();
    const placed = sb.world.placeOrder({ channel: 'shopify', sku: 'NS-02', qty: 2 });
    if (!placed.accepted) throw new Error(placed.reason);
    const reference = `shopify:${placed.orderId}`;
    expect(await a.orderPresence(reference)).toBe('absent'); // not ingested yet
    sb.world.flushIngest();
    expect(await a.orderPresence(reference)).toBe('reserved');
    const so = sb.world.erpOrder(reference);
    if (so) sb.world.ship(so);
    expect(await a.orderPresence(reference)).toBe('shipped');

    const other = sb.world.placeOrder({ channel: 'shopify', sku: 'NS-02', qty: 1 });
    if (!other.accepted) throw new Error(other.reason);
    sb.world.flushIngest();
    sb.world.cancel({ channel: 'shopify', orderId: other.orderId });
    expect(await a.orderPresence(`shopify:${other.orderId}`)).toBe('cancelled');
    expect(await a.orderPresence("shopify:it's-unknown")).toBe('absent');
  });
});

describe('writes', () => {
  test('adjust: inventoryAdjustment upserted by external id; a replay applies nothing and says so', async () => {
    const a = adapter();
    const before = sb.world.qty('NS-06', WH1).onHand;
    const op = { sku: 'NS-06', location: WH1, delta: 5, reference: 'count-6', reason: 'cycle count' };
    const first = await a.adjust(op);
    expect(first).toEqual({ applied: true, id: expect.stringMatching(/^\d+$/) });
    expect(sb.world.qty('NS-06', WH1).onHand).toBe(before + 5);
    expect(await a.adjust(op)).toEqual({ applied: false, id: first.id });
    // Another worker, same reference.
    expect(await adapter().adjust({ ...op, delta: 7 })).toEqual({ applied: false, id: first.id });
    expect(sb.world.qty('NS-06', WH1).onHand).toBe(before + 5);
    expect(sb.world.moves.filter((m) => m.reference?.includes('count-6'))).toHaveLength(1);
    expect(calls('inventoryAdjustment.upsert').count).toBe(1);
  });

  test('transfer: inventoryTransfer upserted by external id; total conserved, a replay changes nothing', async () => {
    const a = adapter();
    const total = () => sb.world.qty('NS-08', WH1).onHand + sb.world.qty('NS-08', WH2).onHand;
    const before = {
      wh1: sb.world.qty('NS-08', WH1).onHand,
      wh2: sb.world.qty('NS-08', WH2).onHand,
      total: total(),
    };
    const op = { sku: 'NS-08', qty: 3, from: WH1, to: WH2, reference: 'transfer:t-1' };
    const first = await a.transfer(op);
    expect(first).toEqual({ applied: true, id: expect.stringMatching(/^\d+$/) });
    expect(await a.transfer(op)).toEqual({ applied: false, id: first.id });
    expect(sb.world.qty('NS-08', WH1).onHand).toBe(before.wh1 - 3);
    expect(sb.world.qty('NS-08', WH2).onHand).toBe(before.wh2 + 3);
    expect(total()).toBe(before.total);
    expect(sb.world.moves.filter((m) => m.kind === 'transfer')).toHaveLength(1);
  });

  test('USER_ERROR -> UPSTREAM_REJECTED with NetSuite detail, SKU and location; nothing applied', async () => {
    const a = adapter();
    const move = await caught(
      a.transfer({ sku: 'NS-02', qty: 99, from: WH1, to: WH2, reference: 'too-many' }),
    );
    expect(move).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      kind: 'permanent',
      status: 400,
      vendorCode: 'USER_ERROR',
      context: { sku: 'NS-02', location: WH1 },
      message:
        'SKU NS-02 at WH1/Stock: NetSuite rejected inventoryTransfer upsert to WH2/Stock: Error while accessing a resource. You cannot transfer 99 of item NS-02 from location WH1/Stock: only 10 available. (field inventory.items[0].adjustQtyBy)',
    });
    const count = await caught(a.adjust({ sku: 'NS-07', location: WH2, delta: -50, reference: 'shrink-7' }));
    expect(count).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      message:
        'SKU NS-07 at WH2/Stock: NetSuite rejected inventoryAdjustment upsert: Error while accessing a resource. Inventory adjustment would result in negative quantity on hand for item NS-07 at location WH2/Stock. (field inventory.items[0].adjustQtyBy)',
    });
    expect(sb.world.moves).toHaveLength(0);
  });

  test('unknown SKU, unknown location, kits and a missing adjustment account are refused before writing', async () => {
    const a = adapter();
    expect(await caught(a.adjust({ sku: 'NOPE-2', location: WH1, delta: 1, reference: 'r1' }))).toMatchObject(
      {
        code: 'UNLINKED_SKU',
        message: expect.stringMatching(/^SKU NOPE-2 has no linked NetSuite item/),
      },
    );
    expect(
      await caught(a.transfer({ sku: 'NS-03', qty: 1, from: WH1, to: 'Nowhere', reference: 'r2' })),
    ).toMatchObject({ code: 'UNMAPPED_LOCATION', context: { location: 'Nowhere' } });
    expect(await caught(a.adjust({ sku: 'PACK-3', location: WH1, delta: 1, reference: 'r3' }))).toMatchObject(
      {
        code: 'INVALID_REQUEST',
        message: expect.stringContaining('Kit/Package'),
      },
    );
    const mark = calls().count;
    const noAccount = createNetSuiteAdapter(cfg);
    expect(
      await caught(noAccount.adjust({ sku: 'NS-03', location: WH1, delta: 1, reference: 'r4' })),
    ).toMatchObject({
      code: 'INVALID_REQUEST',
      message:
        'SKU NS-03 at WH1/Stock: NetSuite inventory adjustments post to a GL account: set erp.adjustmentAccount (the account internal id)',
    });
    expect(calls().count).toBe(mark);
    expect(sb.world.moves).toHaveLength(0);
    expect(calls('inventoryAdjustment.upsert').count + calls('inventoryTransfer.upsert').count).toBe(0);
  });
});

describe('throttling and faults', () => {
  test('a concurrency 429 under production limits is a retryable CONCURRENCY_LIMIT with a ~1 s delay', async () => {
    const a = adapter();
    await a.locations(); // warm the location list so each read below is one request
    sb.world.setFaults({ system: 'netsuite', rateLimits: 'production' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => a.availability('NS-03', [WH1])),
    );
    const blocked = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    for (const b of blocked)
      expect(b.reason).toMatchObject({
        code: 'CONCURRENCY_LIMIT',
        kind: 'retryable',
        status: 429,
        vendorCode: 'CONCURRENCY_LIMIT_EXCEEDED',
        retryAfterMs: 1000,
        message:
          "SKU NS-03: NetSuite's concurrent request limit is reached (availability): Concurrent request limit exceeded. Request blocked. Retrying in about 1 s; if it persists, lower invsync's NetSuite concurrency or add SuiteCloud Plus licences.",
      });
    expect(calls('suiteql').throttled).toBe(blocked.length);
  });

  test("got's retry of a throttled PUT (spent nonce -> 401 INVALID_LOGIN) is retryable, not bad credentials", async () => {
    // The mapping itself: a 401 after got re-sent the request is a replay, a 401 on a first attempt is the login.
    const invalidLogin = {
      'o:errorDetails': [{ detail: 'Invalid login attempt.', 'o:errorCode': 'INVALID_LOGIN' }],
    };
    expect(
      fromNetSuiteAnswer({ statusCode: 401, body: invalidLogin, retryCount: 1 }, { system: 'netsuite' }),
    ).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', kind: 'retryable' });
    expect(
      fromNetSuiteAnswer({ statusCode: 401, body: invalidLogin, retryCount: 0 }, { system: 'netsuite' }),
    ).toMatchObject({ code: 'AUTH_FAILED', kind: 'permanent' });

    // Live: only the upserts count against the account's concurrency (5), so eight writes at once overflow it.
    const a = adapter();
    await a.locations();
    sb.world.setFaults({
      system: 'netsuite',
      endpoint: 'inventoryAdjustment.upsert',
      rateLimits: 'production',
    });
    const before = sb.world.qty('NS-09', WH1).onHand;
    const ops = Array.from({ length: 8 }, (_, i) => ({
      sku: 'NS-09',
      location: WH1,
      delta: 1,
      reference: `burst-${i}`,
    }));
    const results = await Promise.allSettled(ops.map((op) => a.adjust(op)));
    const applied = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const f of failed)
      expect(f.reason).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        kind: 'retryable',
        status: 401,
        vendorCode: 'INVALID_LOGIN',
        retryAfterMs: 1000,
      });
    expect(calls('inventoryAdjustment.upsert').throttled).toBe(failed.length);
    expect(sb.world.qty('NS-09', WH1).onHand).toBe(before + applied.length);

    // Temporal's retry of every write: the refused ones apply now, the others are recognised as done.
    sb.world.faults = [];
    const again = await Promise.all(ops.map((op) => a.adjust(op)));
    expect(again.filter((r) => r.applied)).toHaveLength(failed.length);
    expect(sb.world.qty('NS-09', WH1).onHand).toBe(before + 8);
  });

  test('injected 5xx -> UPSTREAM_UNAVAILABLE (SuiteQL is never re-sent; got re-sends a PUT twice first)', async () => {
    const a = adapter();
    await a.locations();
    const mark = calls('suiteql');
    sb.world.setFaults({ system: 'netsuite', endpoint: 'suiteql', errorRate: 1, status: 503 });
    const read = await caught(a.availability('NS-01', [WH1]));
    expect(read).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      kind: 'retryable',
      status: 503,
      vendorCode: 'UNEXPECTED_ERROR',
    });
    expect(read.message).toMatch(
      /^SKU NS-01: netsuite availability answered 503: An unexpected error occurred\. Error ID: \S+$/,
    );
    // One request: a POST is never re-sent by the client library.
    expect(calls('suiteql')).toEqual({ count: mark.count + 1, throttled: 0, errors: mark.errors + 1 });

    sb.world.faults = [];
    sb.world.setFaults({
      system: 'netsuite',
      endpoint: 'inventoryTransfer.upsert',
      errorRate: 1,
      status: 502,
    });
    const before = sb.world.qty('NS-10', WH1).onHand;
    const write = await caught(
      a.transfer({ sku: 'NS-10', qty: 1, from: WH1, to: WH2, reference: 'flaky-1' }),
    );
    expect(write).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', kind: 'retryable', status: 502 });
    expect(calls('inventoryTransfer.upsert')).toMatchObject({ count: 3, errors: 3 }); // got's two hidden retries
    expect(sb.world.qty('NS-10', WH1).onHand).toBe(before);
  });
});

describe('bulk read cost', () => {
  test('availabilityPage over the demo preset (erp.kind netsuite): API calls per 1,000 SKUs', async () => {
    const demo = presetSeed('demo');
    sb.world.reset({ ...demo, erp: { ...demo.erp, kind: 'netsuite' } });
    const demoCfg = erpConfig();
    const sellable = demoCfg.locations.filter((l) => l.sellable).map((l) => l.id);
    const a = createNetSuiteAdapter(demoCfg);
    const rows: ErpStock[] = [];
    let cursor: string | undefined;
    do {
      const page = await a.availabilityPage(sellable, cursor);
      rows.push(...page.items);
      cursor = page.next;
    } while (cursor);
    const skus = new Set(rows.map((r) => r.sku));
    for (const r of rows) expect(erpAvailable(r)).toBe(sb.world.available(r.sku, r.location));
    const used = calls().count;
    const perThousand = (used * 1000) / skus.size;
    console.log(
      `NetSuite availabilityPage, demo preset: ${used} calls for ${skus.size} SKUs x ${sellable.length} locations (${rows.length} rows) = ${perThousand.toFixed(1)} calls per 1,000 SKUs`,
    );
    expect(skus.size).toBeGreaterThanOrEqual(200);
    expect(used).toBe(2); // the location list + one 1000-row page
    expect(perThousand).toBeLessThanOrEqual(10);
  });
});
