/**
 * Contract: netsuite-rest-api-client@1.0.0 (the connector's NetSuite client) against the NetSuite simulator, through
 * its documented knob only (`netsuiteApiHost: '127.0.0.1:PORT'`), over HTTPS.
 *
 * TLS trust: the library takes no CA option and `suiteqlSearch()` always starts with https://, so it runs in a
 * child Node process started with NODE_EXTRA_CA_CERTS = the simulator's certificate (`served.ca`); see
 * support/netsuite-harness.ts for why setting NODE_TLS_REJECT_UNAUTHORIZED in a Jest test file cannot work.
 * Raw requests (replayed nonces, a missing Prefer header) go out from this process trusting `served.ca` explicitly.
 */
import type { NetSuiteClientConfig } from 'netsuite-rest-api-client';
import { Credentials } from '../../sandbox/context';
import type { SeedInput } from '../../sandbox/seed';
import { startNetSuite, type NetSuiteServed } from '../../sandbox/simulators/netsuite';
import { WebhookHub } from '../../sandbox/webhooks';
import { World } from '../../sandbox/world';
import {
  NetSuiteClientProcess,
  clientConfig,
  rawRequest,
  tbaHeader,
  type MakeRequestArgs,
} from './support/netsuite-harness';

const SKUS = Array.from({ length: 12 }, (_, i) => `SKU-${String(i + 1).padStart(2, '0')}`);
const WH1 = 100; // internal ids of the seed's locations, in seed order
const WH2 = 101;

const seed: SeedInput = {
  erp: {
    kind: 'netsuite',
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
      { id: 'WH1/Quarantine', warehouse: 'WH1', sellable: false },
    ],
    products: [...SKUS.map((sku, i) => ({ sku, barcode: `07000000${String(i).padStart(2, '0')}` }))],
    stock: [
      ...SKUS.map((sku, i) => ({
        sku,
        location: 'WH1/Stock',
        onHand: 10 + i,
        reserved: i % 3,
        damaged: i === 0 ? 1 : 0,
      })),
      { sku: 'SKU-01', location: 'WH2/Stock', onHand: 5 },
      { sku: 'SKU-01', location: 'WH1/Quarantine', onHand: 4 },
    ],
    kits: [{ sku: 'PACK-3', components: [{ sku: 'SKU-01', qty: 3 }] }],
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [{ id: 'gid://shopify/Location/1', erpLocations: ['WH1/Stock'] }],
      listings: [{ sku: 'SKU-02', location: 'gid://shopify/Location/1', shows: 10 }],
    },
  ],
};

const INVALID_LOGIN_BODY = {
  type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2',
  title: 'Unauthorized',
  status: 401,
  'o:errorDetails': [
    {
      detail:
        'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.',
      'o:errorCode': 'INVALID_LOGIN',
    },
  ],
};

let clock = Date.UTC(2026, 0, 15, 10, 0, 0);
const world = new World(undefined, () => clock);
const credentials = new Credentials('test-secret');
const creds = credentials.erp.netsuite;
let served: NetSuiteServed;
let client: NetSuiteClientProcess;
let config: NetSuiteClientConfig;

const makeRequest = (cfg: NetSuiteClientConfig, args: MakeRequestArgs) => client.makeRequest(cfg, args);
const searchAll = (cfg: NetSuiteClientConfig, query: string) => client.search(cfg, query);

const path = (p: string) => `services/rest/record/v1/${p}`;
const record = (method: string, p: string, body?: unknown) =>
  makeRequest(config, {
    method,
    requestType: 'record',
    path: path(p),
    ...(body === undefined ? {} : { query: body }),
  });
const suiteql = (q: string, cfg: NetSuiteClientConfig = config) =>
  makeRequest(cfg, { method: 'POST', requestType: 'suiteql', query: q });
const header = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const calls = (endpoint: string) =>
  world.state().calls.find((c) => c.system === 'netsuite' && c.endpoint === endpoint);

beforeAll(async () => {
  world.reset(seed);
  served = await startNetSuite({ world, webhooks: new WebhookHub(world), credentials }, { holdMs: 300 });
  client = NetSuiteClientProcess.start(served.ca);
  config = clientConfig(creds, served.port);
});

beforeEach(() => {
  clock = Date.UTC(2026, 0, 15, 10, 0, 0);
  world.faults = [];
  world.reset(seed);
});

afterAll(async () => {
  await client.close();
  await served.close();
  world.clearTimers();
});

describe('SuiteQL', () => {
  const AVAILABILITY = `
    SELECT iil.item, BUILTIN.DF(iil.item) AS sku, iil.location, iil.quantityonhand, iil.quantityavailable,
           iil.quantitycommitted
      FROM inventoryitemlocations iil
      JOIN location l ON l.id = iil.location
     WHERE l.makeinventoryavailable = 'T' AND iil.quantityonhand IS NOT NULL
     ORDER BY iil.item, iil.location`;

  test('suiteqlSearch pages an availability query over several pages, every value a string', async () => {
    const { rows, total } = await searchAll(clientConfig(creds, served.port, 5), AVAILABILITY);
    // 12 SKUs at WH1 + SKU-01 at WH2; the quarantine location is not sellable.
    expect(total).toBe(13);
    expect(rows).toHaveLength(13);
    expect(calls('suiteql')?.count).toBe(3);
    expect(rows[0]).toEqual({
      links: [],
      item: '1',
      sku: 'SKU-01',
      location: String(WH1),
      quantityonhand: '10',
      quantityavailable: '9', // on hand 10 - committed 0 - damaged 1
      quantitycommitted: '0',
    });
    expect(rows[2]).toMatchObject({
      sku: 'SKU-02',
      quantityonhand: '11',
      quantityavailable: '10',
      quantitycommitted: '1',
    });
    for (const row of rows)
      for (const [k, v] of Object.entries(row)) if (k !== 'links') expect(typeof v).toBe('string');
  });

  test('pages carry absolute first/prev/next/last/self links, count, hasMore, offset and totalResults', async () => {
    const cfg = clientConfig(creds, served.port, 5);
    const first = await suiteql(AVAILABILITY, cfg);
    const base = `https://127.0.0.1:${served.port}/services/rest/query/v1/suiteql`;
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/vnd.oracle.resource+json; type=collection');
    expect(first.body).toMatchObject({
      links: [
        { rel: 'next', href: `${base}?limit=5&offset=5` },
        { rel: 'last', href: `${base}?limit=5&offset=10` },
        { rel: 'self', href: `${base}?limit=5&offset=0` },
      ],
      count: 5,
      hasMore: true,
      offset: 0,
      totalResults: 13,
    });
    const second = await makeRequest(cfg, {
      method: 'POST',
      requestType: 'suiteql',
      query: AVAILABILITY,
      nextUrl: `${base}?limit=5&offset=5`,
    });
    expect(second.body).toMatchObject({
      links: [
        { rel: 'first', href: `${base}?limit=5&offset=0` },
        { rel: 'prev', href: `${base}?limit=5&offset=0` },
        { rel: 'next', href: `${base}?limit=5&offset=10` },
        { rel: 'last', href: `${base}?limit=5&offset=10` },
        { rel: 'self', href: `${base}?limit=5&offset=5` },
      ],
      count: 5,
      hasMore: true,
      offset: 5,
    });
    const last = await makeRequest(cfg, {
      method: 'POST',
      requestType: 'suiteql',
      query: AVAILABILITY,
      nextUrl: `${base}?limit=5&offset=10`,
    });
    expect(last.body).toMatchObject({ count: 3, hasMore: false, offset: 10, totalResults: 13 });
  });

  test('items by SKU and barcode, kits and their members; NULL columns are left out', async () => {
    const items = await searchAll(
      config,
      "SELECT id, itemid, upccode, itemtype FROM item WHERE itemid IN ('SKU-01', 'PACK-3') OR upccode = '0700000003' ORDER BY id",
    );
    expect(items.rows).toEqual([
      { links: [], id: '1', itemid: 'SKU-01', upccode: '0700000000', itemtype: 'InvtPart' },
      { links: [], id: '4', itemid: 'SKU-04', upccode: '0700000003', itemtype: 'InvtPart' },
      { links: [], id: '13', itemid: 'PACK-3', itemtype: 'Kit' }, // no barcode: no upccode key at all
    ]);
    const members = await searchAll(
      config,
      'SELECT BUILTIN.DF(m.parentitem) AS kit, m.item, i.itemid, m.quantity FROM kititemmember m JOIN item i ON i.id = m.item',
    );
    expect(members.rows).toEqual([{ links: [], kit: 'PACK-3', item: '1', itemid: 'SKU-01', quantity: '3' }]);
    const never = await searchAll(
      config,
      `SELECT item, location, quantityonhand, quantityavailable FROM aggregateitemlocation WHERE item = 3 AND location = ${WH2}`,
    );
    expect(never.rows).toEqual([{ links: [], item: '3', location: String(WH2) }]);
  });

  test('change feed: lastmodifieddate renders as a date, TO_CHAR gives the time, TO_DATE filters', async () => {
    clock = Date.UTC(2026, 0, 15, 11, 0, 0);
    world.adjust({ sku: 'SKU-04', location: 'WH1/Stock', delta: -1 });
    const { rows } = await searchAll(
      config,
      `SELECT BUILTIN.DF(item) AS sku, lastmodifieddate, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified
         FROM inventoryitemlocations
        WHERE lastmodifieddate > TO_DATE('2026-01-15 10:30:00', 'YYYY-MM-DD HH24:MI:SS')`,
    );
    expect(rows).toEqual([
      { links: [], sku: 'SKU-04', lastmodifieddate: '1/15/2026', modified: '2026-01-15 11:00:00' },
    ]);
  });

  test('aggregates and unaliased expressions are named expr1, expr2, …', async () => {
    const r = await suiteql(
      'SELECT COUNT(*), SUM(quantityonhand) AS onhand FROM inventoryitemlocations WHERE location = 100 AND quantityonhand > 15',
    );
    // SKU-07..SKU-12 have 16..21 on hand at WH1.
    expect((r.body as { items: unknown[] }).items).toEqual([
      { links: [], expr1: '6', onhand: String(16 + 17 + 18 + 19 + 20 + 21) },
    ]);
  });

  test('a bad query is 400 INVALID_PARAMETER on q, exactly', async () => {
    const r = await suiteql('SELECT iil.quantityfree FROM inventoryitemlocations iil');
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toBe('application/vnd.oracle.resource+json; type=error');
    expect(r.body).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1',
      title: 'Bad Request',
      status: 400,
      'o:errorDetails': [
        {
          detail:
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: Field 'quantityfree' for record 'inventoryitemlocations' was not found.",
          'o:errorQueryParam': 'q',
          'o:errorCode': 'INVALID_PARAMETER',
        },
      ],
    });
    const table = await suiteql('SELECT id FROM inventorybalance');
    expect((table.body as { 'o:errorDetails': { detail: string }[] })['o:errorDetails'][0]?.detail).toBe(
      'Invalid search query. Detailed unprocessed description follows. Invalid search type: inventorybalance.',
    );
    await expect(searchAll(config, 'SELECT FROM item')).rejects.toThrow(/^Invalid search query/);
  });

  test('SuiteQL without Prefer: transient is refused with 400', async () => {
    const url = `https://127.0.0.1:${served.port}/services/rest/query/v1/suiteql?limit=10&offset=0`;
    const r = await rawRequest(url, {
      method: 'POST',
      ca: served.ca,
      headers: { Authorization: tbaHeader(creds, 'POST', url), 'Content-Type': 'application/json' },
      body: JSON.stringify({ q: 'SELECT id FROM item' }),
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      status: 400,
      'o:errorDetails': [{ 'o:errorCode': 'INVALID_HEADER', 'o:errorHeader': 'Prefer' }],
    });
  });
});

describe('records', () => {
  test('an inventory adjustment answers 204 + Location, changes the world, and reads back', async () => {
    const r = await record(
      'POST',
      'inventoryAdjustment',
      adjustment('count-1', [
        { item: 3, adjustQtyBy: -2 },
        { item: 3, location: WH2, adjustQtyBy: 7 },
      ]),
    );
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    const location = header(r.headers.location);
    const m = new RegExp(
      `^https://127\\.0\\.0\\.1:${served.port}/services/rest/record/v1/inventoryAdjustment/(\\d+)$`,
    ).exec(location);
    expect(m).not.toBeNull();
    expect(world.qty('SKU-03', 'WH1/Stock').onHand).toBe(10);
    expect(world.qty('SKU-03', 'WH2/Stock').onHand).toBe(7);
    expect(
      world.moves.filter((mv) => mv.reference?.startsWith('netsuite:inventoryAdjustment:count-1')),
    ).toHaveLength(2);

    const read = await record('GET', `inventoryAdjustment/${m?.[1]}?expandSubResources=true`);
    expect(read.statusCode).toBe(200);
    expect(read.body).toMatchObject({
      id: m?.[1],
      externalId: 'count-1',
      memo: 'cycle count',
      tranDate: '2026-01-15',
      account: { id: '212' },
      adjLocation: { id: String(WH1), refName: 'WH1/Stock' },
      inventory: {
        totalResults: 2,
        items: [
          { line: 1, item: { id: '3', refName: 'SKU-03' }, location: { id: String(WH1) }, adjustQtyBy: -2 },
          {
            line: 2,
            item: { id: '3', refName: 'SKU-03' },
            location: { id: String(WH2), refName: 'WH2/Stock' },
            adjustQtyBy: 7,
          },
        ],
      },
    });

    const lines = await searchAll(
      config,
      `SELECT t.type, BUILTIN.DF(tl.item) AS sku, tl.location, tl.quantity
         FROM transaction t JOIN transactionline tl ON tl.transaction = t.id
        WHERE t.externalid = 'count-1' AND tl.mainline = 'F' ORDER BY tl.linesequencenumber`,
    );
    expect(lines.rows).toEqual([
      { links: [], type: 'InvAdjst', sku: 'SKU-03', location: String(WH1), quantity: '-2' },
      { links: [], type: 'InvAdjst', sku: 'SKU-03', location: String(WH2), quantity: '7' },
    ]);
  });

  test('an inventory transfer moves stock between locations and conserves the total', async () => {
    const before = world.qty('SKU-05', 'WH1/Stock').onHand + world.qty('SKU-05', 'WH2/Stock').onHand;
    const r = await record('POST', 'inventoryTransfer', {
      subsidiary: { id: '1' },
      location: { id: String(WH1) },
      transferLocation: { id: String(WH2) },
      externalId: 'move-1',
      inventory: { items: [{ item: { id: '5' }, adjustQtyBy: 4 }] },
    });
    expect(r.statusCode).toBe(204);
    expect(header(r.headers.location)).toMatch(/\/services\/rest\/record\/v1\/inventoryTransfer\/\d+$/);
    expect(world.qty('SKU-05', 'WH1/Stock').onHand).toBe(10);
    expect(world.qty('SKU-05', 'WH2/Stock').onHand).toBe(4);
    expect(world.qty('SKU-05', 'WH1/Stock').onHand + world.qty('SKU-05', 'WH2/Stock').onHand).toBe(before);
    const read = await record('GET', 'inventoryTransfer/eid:move-1');
    expect(read.body).toMatchObject({
      externalId: 'move-1',
      location: { id: String(WH1) },
      transferLocation: { id: String(WH2) },
      inventory: { links: [{ rel: 'self' }] }, // sub-lists are links unless expandSubResources=true
    });
  });

  test('upsert by external id (PUT eid:) applies once; a repeat answers the same Location', async () => {
    const body = adjustment(undefined, [{ item: 6, adjustQtyBy: 5 }]);
    const first = await record('PUT', 'inventoryAdjustment/eid:recount-6', body);
    const again = await record('PUT', 'inventoryAdjustment/eid:recount-6', body);
    expect(first.statusCode).toBe(204);
    expect(again.statusCode).toBe(204);
    expect(header(again.headers.location)).toBe(header(first.headers.location));
    expect(world.qty('SKU-06', 'WH1/Stock').onHand).toBe(15 + 5);
    expect(world.appliedRefs.has('netsuite:inventoryAdjustment:recount-6')).toBe(true);
    // A create with an external id that exists is refused (NetSuite external ids are unique per record type).
    const dup = await record(
      'POST',
      'inventoryAdjustment',
      adjustment('recount-6', [{ item: 6, adjustQtyBy: 5 }]),
    );
    expect(dup.statusCode).toBe(400);
    expect(dup.body).toMatchObject({
      'o:errorDetails': [{ 'o:errorCode': 'USER_ERROR', 'o:errorPath': 'externalId' }],
    });
    expect(world.qty('SKU-06', 'WH1/Stock').onHand).toBe(20);
  });

  test('NONEXISTENT_ID: 404 with the exact body', async () => {
    const NOT_FOUND = {
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5',
      title: 'Not Found',
      status: 404,
      'o:errorDetails': [
        {
          detail: 'The record instance does not exist. Provide a valid record instance ID.',
          'o:errorCode': 'NONEXISTENT_ID',
        },
      ],
    };
    const r = await record('GET', 'inventoryAdjustment/999999');
    expect(r.statusCode).toBe(404);
    expect(r.body).toEqual(NOT_FOUND);
    expect((await record('GET', 'salesOrder/eid:shopify:nope')).body).toEqual(NOT_FOUND);
  });

  test('USER_ERROR: an unknown item, or not enough stock, changes nothing (all lines or none)', async () => {
    const r = await record(
      'POST',
      'inventoryAdjustment',
      adjustment('bad-1', [
        { item: 2, adjustQtyBy: 1 },
        { item: 9999, adjustQtyBy: 1 },
      ]),
    );
    expect(r.statusCode).toBe(400);
    expect(r.body).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1',
      title: 'Bad Request',
      status: 400,
      'o:errorDetails': [
        {
          detail:
            'Error while accessing a resource. You have entered an Invalid Field Value 9999 for the following field: item',
          'o:errorPath': 'inventory.items[1].item',
          'o:errorCode': 'USER_ERROR',
        },
      ],
    });
    const short = await record('POST', 'inventoryTransfer', {
      location: { id: String(WH1) },
      transferLocation: { id: String(WH2) },
      inventory: {
        items: [
          { item: { id: '2' }, adjustQtyBy: 5 },
          { item: { id: '2' }, adjustQtyBy: 6 },
        ],
      },
    });
    // SKU-02: 11 on hand, 1 committed -> 10 available; 11 asked over two lines.
    expect(short.statusCode).toBe(400);
    expect(short.body).toMatchObject({
      'o:errorDetails': [{ 'o:errorCode': 'USER_ERROR', 'o:errorPath': 'inventory.items[1].adjustQtyBy' }],
    });
    expect(world.qty('SKU-02', 'WH1/Stock')).toEqual({ onHand: 11, reserved: 1, damaged: 0 });
    expect(world.qty('SKU-02', 'WH2/Stock').onHand).toBe(0);
    expect(world.moves).toHaveLength(0);
  });

  test('malformed bodies get 400 in NetSuite shape, never a crash', async () => {
    const missing = await record('POST', 'inventoryAdjustment', {
      account: { id: '1' },
      inventory: { items: [] },
    });
    expect(missing.body).toMatchObject({
      'o:errorDetails': [
        {
          detail:
            'Error while accessing a resource. You must enter at least one line item for this transaction.',
        },
      ],
    });
    const typed = await record('POST', 'inventoryAdjustment', {
      account: { id: '1' },
      inventory: { items: [{ item: { id: '1' }, adjustQtyBy: 'lots' }] },
    });
    expect(typed.statusCode).toBe(400);
    expect(typed.body).toMatchObject({
      'o:errorDetails': [
        { 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': 'inventory.items[0].adjustQtyBy' },
      ],
    });
    const url = `https://127.0.0.1:${served.port}/services/rest/record/v1/inventoryAdjustment`;
    const broken = await rawRequest(url, {
      method: 'POST',
      ca: served.ca,
      headers: { Authorization: tbaHeader(creds, 'POST', url), 'Content-Type': 'application/json' },
      body: '{"account": ',
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ 'o:errorDetails': [{ 'o:errorCode': 'INVALID_CONTENT' }] });
  });

  test('INSUFFICIENT_PERMISSION: 403 for a record type the role lacks', async () => {
    served.denied.add('inventoryTransfer');
    try {
      const r = await record('POST', 'inventoryTransfer', {
        location: { id: String(WH1) },
        transferLocation: { id: String(WH2) },
        inventory: { items: [{ item: { id: '5' }, adjustQtyBy: 1 }] },
      });
      expect(r.statusCode).toBe(403);
      expect(r.body).toEqual({
        type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4',
        title: 'Forbidden',
        status: 403,
        'o:errorDetails': [
          {
            detail:
              "Permission Violation: You need the 'Transactions -> Transfer Inventory' permission to access this page. Please contact your account administrator.",
            'o:errorCode': 'INSUFFICIENT_PERMISSION',
          },
        ],
      });
      expect(world.qty('SKU-05', 'WH2/Stock').onHand).toBe(0);
    } finally {
      served.denied.delete('inventoryTransfer');
    }
  });
});

describe('authentication (OAuth 1.0 TBA, HMAC-SHA256)', () => {
  test('a wrong signature is 401 INVALID_LOGIN with the exact body and WWW-Authenticate', async () => {
    const r = await suiteql('SELECT id FROM item', { ...config, consumerSecret: 'not-the-secret' });
    expect(r.statusCode).toBe(401);
    expect(r.body).toEqual(INVALID_LOGIN_BODY);
    expect(r.headers['www-authenticate']).toBe(
      'OAuth realm="1234567_SB1", error="token_rejected", error_description="Invalid login attempt."',
    );
    const token = await record('GET', 'inventoryAdjustment/1', undefined);
    expect(token.statusCode).toBe(404); // sanity: the right credentials pass
    const wrongToken = await makeRequest(
      { ...config, netsuiteTokenKey: 'someone-else' },
      { method: 'GET', requestType: 'record', path: path('inventoryAdjustment/1') },
    );
    expect(wrongToken.body).toEqual(INVALID_LOGIN_BODY);
    const wrongRealm = await suiteql('SELECT id FROM item', { ...config, netsuiteAccountId: '1234567-sb1' });
    expect(wrongRealm.statusCode).toBe(401);
    await expect(searchAll({ ...config, consumerSecret: 'nope' }, 'SELECT id FROM item')).rejects.toThrow(
      /^Invalid login attempt\./,
    );
    expect(calls('suiteql')?.errors).toBe(3);
  });

  test('a replayed nonce is 401, as is a stale timestamp', async () => {
    const url = `https://127.0.0.1:${served.port}/services/rest/query/v1/suiteql?limit=10&offset=0`;
    const send = (authorization: string) =>
      rawRequest(url, {
        method: 'POST',
        ca: served.ca,
        headers: { Authorization: authorization, 'Content-Type': 'application/json', Prefer: 'transient' },
        body: JSON.stringify({ q: 'SELECT id FROM item WHERE id = 1' }),
      });
    const signed = tbaHeader(creds, 'POST', url);
    const first = await send(signed);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ totalResults: 1, items: [{ links: [], id: '1' }] });
    const replay = await send(signed);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID_LOGIN_BODY);
    const stale = await send(
      tbaHeader(creds, 'POST', url, { timestamp: Math.floor(Date.now() / 1000) - 360 }),
    );
    expect(stale.status).toBe(401);
    // The signature covers the URL as addressed: signing another host than the Host header fails.
    const otherHost = await send(tbaHeader(creds, 'POST', url.replace('127.0.0.1', 'localhost')));
    expect(otherHost.status).toBe(401);
  });
});

describe('concurrency limit', () => {
  test('with production limits, requests beyond the account concurrency get 429 CONCURRENCY_LIMIT_EXCEEDED', async () => {
    world.setFaults({ system: 'netsuite', rateLimits: 'production' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => suiteql('SELECT id FROM item WHERE id = 2')),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    const blocked = results.filter((r) => r.statusCode === 429);
    expect(ok).toHaveLength(5);
    expect(blocked).toHaveLength(3);
    expect(blocked[0]?.body).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc6585.html#section-4',
      title: 'Too Many Requests',
      status: 429,
      'o:errorDetails': [
        {
          detail: 'Concurrent request limit exceeded. Request blocked.',
          'o:errorCode': 'CONCURRENCY_LIMIT_EXCEEDED',
        },
      ],
    });
    expect(blocked[0]?.headers['retry-after']).toBeUndefined();
    expect(calls('suiteql')).toMatchObject({ count: 8, throttled: 3 });
  });

  test('without production limits the same burst all succeeds', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => suiteql('SELECT id FROM item WHERE id = 2')),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
  });
});

describe('order presence by channel reference', () => {
  const orderQuery = (reference: string) => `
    SELECT t.id, t.tranid, t.status, BUILTIN.DF(t.status) AS statusname, t.otherrefnum
      FROM transaction t
     WHERE t.type = 'SalesOrd' AND t.otherrefnum = '${reference}'`;

  test('a channel order appears as a sales order once the ERP ingests it; committed stock follows', async () => {
    const placed = world.placeOrder({ channel: 'shopify', sku: 'SKU-02', qty: 2 });
    if (!placed.accepted) throw new Error(placed.reason);
    const reference = `shopify:${placed.orderId}`;
    expect((await searchAll(config, orderQuery(reference))).rows).toEqual([]); // not ingested yet

    world.flushIngest();
    const so = world.erpOrder(reference);
    const { rows } = await searchAll(config, orderQuery(reference));
    expect(rows).toEqual([
      {
        links: [],
        id: String(so?.id),
        tranid: `SO${so?.id}`,
        status: 'B',
        statusname: 'Sales Order : Pending Fulfillment',
        otherrefnum: reference,
      },
    ]);
    const stock = await searchAll(
      config,
      `SELECT quantitycommitted, quantityavailable FROM inventoryitemlocations WHERE item = 2 AND location = ${WH1}`,
    );
    expect(stock.rows).toEqual([{ links: [], quantitycommitted: '3', quantityavailable: '8' }]);
    const lines = await searchAll(
      config,
      `SELECT tl.item, tl.quantity, tl.location, tl.quantitycommitted FROM transactionline tl
         JOIN transaction t ON t.id = tl.transaction WHERE t.otherrefnum = '${reference}' AND tl.mainline = 'F'`,
    );
    expect(lines.rows).toEqual([
      { links: [], item: '2', quantity: '-2', location: String(WH1), quantitycommitted: '2' },
    ]);
    const read = await record('GET', `salesOrder/eid:${reference}`);
    expect(read.body).toMatchObject({
      otherRefNum: reference,
      status: { id: 'B', refName: 'Pending Fulfillment' },
    });

    if (so) world.ship(so);
    expect((await searchAll(config, orderQuery(reference))).rows[0]).toMatchObject({
      status: 'G',
      statusname: 'Sales Order : Billed',
    });
  });

  test('a cancelled order shows status C', async () => {
    const placed = world.placeOrder({ channel: 'shopify', sku: 'SKU-02', qty: 1 });
    if (!placed.accepted) throw new Error(placed.reason);
    world.flushIngest();
    world.cancel({ channel: 'shopify', orderId: placed.orderId });
    const { rows } = await searchAll(config, orderQuery(`shopify:${placed.orderId}`));
    expect(rows[0]).toMatchObject({ status: 'C', statusname: 'Sales Order : Cancelled' });
  });
});

describe('injected faults', () => {
  test('errorRate 1 answers the injected status in NetSuite shape and counts the error', async () => {
    world.setFaults({ system: 'netsuite', errorRate: 1, status: 503 });
    const r = await suiteql('SELECT id FROM item');
    expect(r.statusCode).toBe(503);
    expect(r.body).toMatchObject({
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4',
      title: 'Service Unavailable',
      status: 503,
      'o:errorDetails': [{ 'o:errorCode': 'UNEXPECTED_ERROR' }],
    });
    expect((r.body as { 'o:errorDetails': { detail: string }[] })['o:errorDetails'][0]?.detail).toMatch(
      /^An unexpected error occurred\. Error ID: \S+$/,
    );
    expect(calls('suiteql')).toMatchObject({ count: 1, errors: 1 });
  });

  test('latencyMs delays the answer', async () => {
    world.setFaults({ system: 'netsuite', endpoint: 'suiteql', latencyMs: 250 });
    const started = Date.now();
    const r = await suiteql('SELECT id FROM item WHERE id = 1');
    expect(r.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  test('silentDropRate 1 acknowledges a write with 204 + Location and applies nothing', async () => {
    world.setFaults({ system: 'netsuite', endpoint: 'inventoryAdjustment.create', silentDropRate: 1 });
    const r = await record(
      'POST',
      'inventoryAdjustment',
      adjustment('dropped-1', [{ item: 7, adjustQtyBy: 3 }]),
    );
    expect(r.statusCode).toBe(204);
    expect(header(r.headers.location)).toMatch(/\/inventoryAdjustment\/\d+$/);
    expect(world.qty('SKU-07', 'WH1/Stock').onHand).toBe(16);
    expect(world.moves).toHaveLength(0);
  });
});

/** An inventoryAdjustment body as the connector sends it (lines default to the header's adjLocation). */
function adjustment(
  externalId: string | undefined,
  lines: { item: number; location?: number; adjustQtyBy: number }[],
) {
  return {
    subsidiary: { id: '1' },
    account: { id: '212' },
    adjLocation: { id: String(WH1) },
    ...(externalId === undefined ? {} : { externalId }),
    memo: 'cycle count',
    inventory: {
      items: lines.map((l) => ({
        item: { id: String(l.item) },
        ...(l.location === undefined ? {} : { location: { id: String(l.location) } }),
        adjustQtyBy: l.adjustQtyBy,
      })),
    },
  };
}
