/**
 * The Mercado Libre adapter against the sandbox, with production rate limits on: single-use refresh tokens
 * (including two workers refreshing at once), reads by SKU and by scan, item/variation and user-products writes
 * (x-version 409 handling), Full never written, both 429 shapes, errors, shadow mode, and the calls per 1,000 SKUs
 * of readAll on the demo preset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMercadoLibreAdapter, type MercadoLibreConfig } from '../../integrations/mercadolibre';
import { FileTokenStore, MemoryTokenStore, type TokenStore } from '../../integrations/token-store';
import type { ChannelLevel } from '../../integrations/types';
import { failure, startHarness, type Harness } from './support/mercadolibre-harness';

jest.setTimeout(30_000);

let h: Harness;
/** One store for the whole file: refresh tokens are single-use, so every adapter of a channel must share it. */
const tokens = new MemoryTokenStore();
const tmp = mkdtempSync(join(tmpdir(), 'invsync-meli-'));

const adapter = (id: string, over: Partial<MercadoLibreConfig> = {}, store: TokenStore = tokens) =>
  createMercadoLibreAdapter(h.channel(id, over), { tokens: store });
const byLoc = (levels: ChannelLevel[], sku: string) =>
  Object.fromEntries(levels.filter((l) => l.sku === sku).map((l) => [l.location, l]));
const FULL_MESSAGE = (sku: string, channel: string) =>
  `Mercado Libre Full stock (meli_facility) is Mercado Libre's: invsync never writes it (SKU ${sku}, channel ${channel})`;
const REFRESH_REFUSED = (channel: string) =>
  `Mercado Libre refused the refresh token for channel ${channel}: re-authorise the app and store the new refresh token`;

beforeAll(async () => {
  h = await startHarness();
  h.sb.world.setFaults({ system: 'mercadolibre', rateLimits: 'production' });
});

afterAll(async () => {
  await h.sb.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('OAuth: single-use refresh tokens', () => {
  test('checkAccess: the first refresh uses the config token; the rotated one is persisted', async () => {
    const before = h.count('POST /oauth/token');
    await adapter('meli-x').checkAccess();
    expect(h.count('POST /oauth/token')).toBe(before + 1);
    const stored = await tokens.get('mercadolibre:meli-x');
    expect(stored).toEqual({
      accessToken: expect.stringMatching(/^APP_USR-/) as unknown,
      expiresAt: expect.any(Number) as unknown,
      refreshToken: expect.stringMatching(/^TG-/) as unknown,
    });
    expect(stored?.refreshToken).not.toBe(h.channel('meli-x').credentials.refreshToken);
    // Another call reuses the stored access token: no refresh.
    await adapter('meli-x').checkAccess();
    expect(h.count('POST /oauth/token')).toBe(before + 1);
  });

  test('a token of another user than the configured seller: AUTH_FAILED', async () => {
    const e = await failure(
      adapter('meli-x', { credentials: { ...h.channel('meli-x').credentials, userId: '1' } }).checkAccess(),
    );
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/belongs to user \d+, but the config says userId 1: authorise the app/);
  });

  test('an expired access token is refreshed before use; the spent refresh token is dead', async () => {
    const old = await tokens.get('mercadolibre:meli-x');
    await tokens.set('mercadolibre:meli-x', { ...old, expiresAt: Date.now() - 1 });
    const before = h.count('POST /oauth/token');
    const levels = await adapter('meli-x').levels(['TSHIRT-RED-S']);
    expect(levels).toEqual([{ sku: 'TSHIRT-RED-S', location: 'selling_address', shows: 10 }]);
    expect(h.count('POST /oauth/token')).toBe(before + 1);
    const now = await tokens.get('mercadolibre:meli-x');
    expect(now?.refreshToken).not.toBe(old?.refreshToken);
    // A worker still holding the old refresh token is refused: re-authorisation is the only way back.
    const stale = new MemoryTokenStore();
    await stale.set('mercadolibre:meli-x', { refreshToken: old?.refreshToken });
    const e = await failure(adapter('meli-x', {}, stale).checkAccess());
    expect([e.code, e.kind, e.vendorCode, e.message]).toEqual([
      'AUTH_FAILED',
      'permanent',
      'invalid_grant',
      REFRESH_REFUSED('meli-x'),
    ]);
    // The refusal spent nothing: the live adapter still works.
    await adapter('meli-x').checkAccess();
  });

  test('a bad refresh token (the config one when the store is empty, already spent): AUTH_FAILED', async () => {
    const e = await failure(adapter('meli-x', {}, new MemoryTokenStore()).levels(['TSHIRT-RED-S']));
    expect([e.code, e.message]).toEqual(['AUTH_FAILED', REFRESH_REFUSED('meli-x')]);
    const bogus = new MemoryTokenStore();
    await bogus.set('mercadolibre:meli-x', { refreshToken: 'TG-000000000000000000000000-1' });
    expect((await failure(adapter('meli-x', {}, bogus).checkAccess())).message).toBe(
      REFRESH_REFUSED('meli-x'),
    );
  });

  test('a 401 on a live-looking token: one refresh, one re-issue, success', async () => {
    const t = await tokens.get('mercadolibre:meli-x');
    await tokens.set('mercadolibre:meli-x', { ...t, accessToken: 'APP_USR-1-010100-revoked-1' });
    const [refreshes, me] = [h.count('POST /oauth/token'), h.count('GET /users/me')];
    await adapter('meli-x').checkAccess();
    expect(h.count('POST /oauth/token')).toBe(refreshes + 1);
    expect(h.count('GET /users/me')).toBe(me + 2); // the 401, then the re-issue
  });

  test('the new refresh token is persisted before the new access token is used', async () => {
    const events: string[] = [];
    const store = new MemoryTokenStore();
    const recording: TokenStore = {
      get: (k) => store.get(k),
      set: async (k, v) => {
        events.push('persist');
        await store.set(k, v);
      },
      withLock: (k, fn) => store.withLock(k, fn),
    };
    await store.set('mercadolibre:meli-x', { ...(await tokens.get('mercadolibre:meli-x')), expiresAt: 0 });
    const recordingFetch: typeof fetch = (url, init) => {
      events.push(String(url).includes('/oauth/token') ? 'refresh' : 'call');
      return fetch(url, init);
    };
    const a = createMercadoLibreAdapter(h.channel('meli-x'), { tokens: recording, fetch: recordingFetch });
    await a.checkAccess();
    expect(events).toEqual(['refresh', 'persist', 'call']);
    // Hand the rotated token back to the shared store, or the next test would hold a spent one.
    await tokens.set('mercadolibre:meli-x', (await store.get('mercadolibre:meli-x')) ?? {});
  });

  test('two workers sharing a FileTokenStore refresh at once: exactly one refresh, both work', async () => {
    // Two adapter instances with two store instances over one folder: two workers on a shared volume.
    const a = adapter('meli-pair', {}, new FileTokenStore(tmp, { pollMs: 5 }));
    const b = adapter('meli-pair', {}, new FileTokenStore(tmp, { pollMs: 5 }));
    let before = h.count('POST /oauth/token');
    await Promise.all([a.checkAccess(), b.checkAccess()]);
    expect(h.count('POST /oauth/token')).toBe(before + 1);

    // Both then hold a token the API refuses (revoked): both get 401 and refresh at once; one refresh serves both.
    const file = new FileTokenStore(tmp);
    const t = await file.get('mercadolibre:meli-pair');
    await file.set('mercadolibre:meli-pair', { ...t, accessToken: 'APP_USR-1-010100-revoked-2' });
    before = h.count('POST /oauth/token');
    const [la, lb] = await Promise.all([a.levels(['TSHIRT-RED-S']), b.levels(['TSHIRT-RED-S'])]);
    expect(h.count('POST /oauth/token')).toBe(before + 1);
    expect(la).toEqual([{ sku: 'TSHIRT-RED-S', location: 'selling_address', shows: 5 }]);
    expect(lb).toEqual(la);
    // And both keep working with the one token.
    await Promise.all([a.checkAccess(), b.checkAccess()]);
    expect(h.count('POST /oauth/token')).toBe(before + 1);
  });
});

describe('reads', () => {
  test('levels: item, variations, Full read-only, Full + selling_address from user-products stock', async () => {
    const calls = (e: string) => h.count(e);
    const [search, multiget, stock] = [
      calls('GET /users/{id}/items/search'),
      calls('GET /items'),
      calls('GET /user-products/{id}/stock'),
    ];
    const levels = await adapter('meli-x').levels([
      'TSHIRT-RED-S',
      'TSHIRT-BLUE-M',
      'TSHIRT-BLUE-L',
      'MUG-RED-S',
      'CAP-RED-S',
    ]);
    expect(levels).toEqual([
      { sku: 'TSHIRT-RED-S', location: 'selling_address', shows: 10 },
      { sku: 'TSHIRT-BLUE-M', location: 'selling_address', shows: 4 },
      { sku: 'TSHIRT-BLUE-L', location: 'selling_address', shows: 6 },
      { sku: 'MUG-RED-S', location: 'meli_facility', shows: 8, readOnly: 'full' },
      { sku: 'CAP-RED-S', location: 'selling_address', shows: 5 },
      { sku: 'CAP-RED-S', location: 'meli_facility', shows: 7, readOnly: 'full' },
    ]);
    // One search per SKU, one multiget for the four items, one stock read for the one distributed stock.
    expect(calls('GET /users/{id}/items/search') - search).toBe(5);
    expect(calls('GET /items') - multiget).toBe(1);
    expect(calls('GET /user-products/{id}/stock') - stock).toBe(1);
  });

  test('levels of a multi-origin seller: one level per warehouse store', async () => {
    const levels = await adapter('meli-wh').levels(['HOODIE-RED-S']);
    expect(levels).toEqual([
      { sku: 'HOODIE-RED-S', location: 'MXP1', shows: 3 },
      { sku: 'HOODIE-RED-S', location: 'MXP2', shows: 4 },
    ]);
  });

  test('a SKU not listed: UNLINKED_SKU', async () => {
    const e = await failure(adapter('meli-x').levels(['TSHIRT-RED-S', 'NOPE-1']));
    expect([e.code, e.kind, e.context.sku, e.message]).toEqual([
      'UNLINKED_SKU',
      'permanent',
      'NOPE-1',
      'SKU NOPE-1 is not listed on Mercado Libre channel meli-x',
    ]);
  });

  test('readAll on a small channel: every listing, read-only Full flagged', async () => {
    const page = await adapter('meli-x').readAll();
    expect(page.next).toBeUndefined();
    expect(page.items).toEqual(
      expect.arrayContaining([
        { sku: 'TSHIRT-RED-S', location: 'selling_address', shows: 10 },
        { sku: 'TSHIRT-BLUE-L', location: 'selling_address', shows: 6 },
        { sku: 'MUG-RED-S', location: 'meli_facility', shows: 8, readOnly: 'full' },
        { sku: 'CAP-RED-S', location: 'meli_facility', shows: 7, readOnly: 'full' },
      ]),
    );
    expect(page.items).toHaveLength(6);
  });

  test('readAll on the demo preset: calls per 1,000 SKUs', async () => {
    const a = adapter('mercadolibre');
    await a.checkAccess(); // the token, outside the measurement
    const before = h.total();
    const all: ChannelLevel[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await a.readAll(cursor);
      all.push(...page.items);
      cursor = page.next;
      pages += 1;
    } while (cursor !== undefined);
    const calls = h.total() - before;
    const skus = new Set(all.map((l) => l.sku)).size;
    const perThousand = Math.round((calls / skus) * 1000);
    console.log(
      `Mercado Libre readAll: ${calls} calls for ${skus} SKUs in ${pages} pages = ${perThousand} per 1,000 SKUs`,
    );
    expect(skus).toBe(200);
    expect(all.filter((l) => l.readOnly === 'full')).toHaveLength(10);
    const world = h.sb.world.channel('mercadolibre').listings;
    for (const l of all)
      expect(l.shows).toBe(
        world.find(
          (w) => w.sku === l.sku && w.location === (l.readOnly ? 'meli_facility' : 'selling_address'),
        )?.shows,
      );
    // 2 scan pages + 10 multigets; no user-products reads (no distributed stock in the demo).
    expect(perThousand).toBeLessThanOrEqual(100);
  });
});

describe('writes', () => {
  test('an item: applied; the retry with the same key finds it done and writes nothing', async () => {
    const a = adapter('meli-x');
    const puts = h.count('PUT /items/{id}');
    const push = [{ sku: 'TSHIRT-RED-S', location: 'selling_address', qty: 7, expected: 10 }];
    expect(await a.push(push, 'key-1')).toEqual([
      { sku: 'TSHIRT-RED-S', location: 'selling_address', status: 'applied', shows: 7 },
    ]);
    expect(h.listing('meli-x', 'TSHIRT-RED-S').shows).toBe(7);
    expect(await a.push(push, 'key-1')).toEqual([
      { sku: 'TSHIRT-RED-S', location: 'selling_address', status: 'unchanged', shows: 7 },
    ]);
    expect(h.count('PUT /items/{id}')).toBe(puts + 1);
    // A sale between the attempts: the retry must not put the sold unit back; it reports what the channel shows.
    expect(h.sb.world.placeOrder({ channel: 'meli-x', sku: 'TSHIRT-RED-S', qty: 1 }).accepted).toBe(true);
    const [retry] = await a.push(
      [{ sku: 'TSHIRT-RED-S', location: 'selling_address', qty: 9, expected: 7 }],
      'key-2',
    );
    expect(retry).toMatchObject({ status: 'stale', shows: 6 });
    expect(h.listing('meli-x', 'TSHIRT-RED-S').shows).toBe(6);
  });

  test('variations: one PUT for the item, the untouched variation kept', async () => {
    const out = await adapter('meli-x').push(
      [
        { sku: 'TSHIRT-BLUE-M', location: 'selling_address', qty: 2 },
        { sku: 'TSHIRT-BLUE-L', location: 'selling_address', qty: 6 },
      ],
      'key-3',
    );
    expect(out.map((o) => [o.sku, o.status, o.shows])).toEqual([
      ['TSHIRT-BLUE-M', 'applied', 2],
      ['TSHIRT-BLUE-L', 'unchanged', 6],
    ]);
    expect([h.listing('meli-x', 'TSHIRT-BLUE-M').shows, h.listing('meli-x', 'TSHIRT-BLUE-L').shows]).toEqual([
      2, 6,
    ]);
  });

  test('Full is never written: refused before any write, and the 400 not_modifiable maps the same', async () => {
    const puts = h.count('PUT /items/{id}');
    for (const p of [
      { sku: 'MUG-RED-S', location: 'selling_address', qty: 1 },
      { sku: 'CAP-RED-S', location: 'meli_facility', qty: 1 },
    ]) {
      const e = await failure(adapter('meli-x').push([p], 'key-4'));
      expect([e.code, e.kind, e.message]).toEqual([
        'WRITE_FORBIDDEN',
        'permanent',
        FULL_MESSAGE(p.sku, 'meli-x'),
      ]);
    }
    expect(h.count('PUT /items/{id}')).toBe(puts);
    // The item turns Full between the read and the write (here: the read is made to miss it): Mercado Libre's
    // 400 item.available_quantity.not_modifiable becomes the same WRITE_FORBIDDEN.
    const blind: typeof fetch = async (url, init) => {
      const res = await fetch(url, init);
      if (!String(url).includes('/items?ids=')) return res;
      const text = (await res.text()).replace(
        /"logistic_type":"fulfillment"/g,
        '"logistic_type":"cross_docking"',
      );
      return new Response(text, { status: res.status, headers: { 'content-type': 'application/json' } });
    };
    const a = createMercadoLibreAdapter(h.channel('meli-x'), { tokens, fetch: blind });
    const e = await failure(a.push([{ sku: 'MUG-RED-S', location: 'selling_address', qty: 1 }], 'key-5'));
    expect([e.code, e.status, e.message]).toEqual([
      'WRITE_FORBIDDEN',
      400,
      FULL_MESSAGE('MUG-RED-S', 'meli-x'),
    ]);
    expect(h.count('PUT /items/{id}')).toBe(puts + 1);
    expect(h.listing('meli-x', 'MUG-RED-S', 'meli_facility').shows).toBe(8);
  });

  test('user-products stock: the x-version remembered from levels makes the write one call', async () => {
    const a = adapter('meli-x');
    expect(byLoc(await a.levels(['CAP-RED-S']), 'CAP-RED-S').selling_address?.shows).toBe(5);
    const [gets, puts] = [
      h.count('GET /user-products/{id}/stock'),
      h.count('PUT /user-products/{id}/stock/type/{type}'),
    ];
    expect(
      await a.push([{ sku: 'CAP-RED-S', location: 'selling_address', qty: 6, expected: 5 }], 'key-6'),
    ).toEqual([{ sku: 'CAP-RED-S', location: 'selling_address', status: 'applied', shows: 6 }]);
    expect(h.count('GET /user-products/{id}/stock')).toBe(gets);
    expect(h.count('PUT /user-products/{id}/stock/type/{type}')).toBe(puts + 1);
    expect([
      h.listing('meli-x', 'CAP-RED-S').shows,
      h.listing('meli-x', 'CAP-RED-S', 'meli_facility').shows,
    ]).toEqual([6, 7]);
  });

  test('409 on a stale x-version: re-GET, same quantity, re-PUT succeeds', async () => {
    const a = adapter('meli-x');
    await a.levels(['CAP-RED-S']); // remembers the x-version
    const listing = h.listing('meli-x', 'CAP-RED-S');
    h.sb.world.setShows('meli-x', listing, listing.shows, 'person'); // same quantity, new version
    const [gets, puts] = [
      h.count('GET /user-products/{id}/stock'),
      h.count('PUT /user-products/{id}/stock/type/{type}'),
    ];
    expect(
      await a.push([{ sku: 'CAP-RED-S', location: 'selling_address', qty: 4, expected: 6 }], 'key-7'),
    ).toEqual([{ sku: 'CAP-RED-S', location: 'selling_address', status: 'applied', shows: 4 }]);
    expect(h.count('PUT /user-products/{id}/stock/type/{type}')).toBe(puts + 2); // 409, then 204
    expect(h.count('GET /user-products/{id}/stock')).toBe(gets + 1);
    expect(listing.shows).toBe(4);
  });

  test('409 and the re-GET shows another quantity: stale, nothing written', async () => {
    const a = adapter('meli-x');
    await a.levels(['CAP-RED-S']);
    const listing = h.listing('meli-x', 'CAP-RED-S');
    h.sb.world.setShows('meli-x', listing, 2, 'person');
    const puts = h.count('PUT /user-products/{id}/stock/type/{type}');
    const [out] = await a.push(
      [{ sku: 'CAP-RED-S', location: 'selling_address', qty: 9, expected: 4 }],
      'key-8',
    );
    expect(out).toMatchObject({ sku: 'CAP-RED-S', location: 'selling_address', status: 'stale', shows: 2 });
    expect(h.count('PUT /user-products/{id}/stock/type/{type}')).toBe(puts + 1); // only the 409
    expect(listing.shows).toBe(2);
  });

  test('the stock keeps changing under the write: exactly one re-PUT, then a retryable VERSION_CONFLICT', async () => {
    const listing = h.listing('meli-x', 'CAP-RED-S');
    const racing: typeof fetch = (url, init) => {
      if (init?.method === 'PUT') h.sb.world.setShows('meli-x', listing, listing.shows, 'sale');
      return fetch(url, init);
    };
    const a = createMercadoLibreAdapter(h.channel('meli-x'), { tokens, fetch: racing });
    const puts = h.count('PUT /user-products/{id}/stock/type/{type}');
    const e = await failure(a.push([{ sku: 'CAP-RED-S', location: 'selling_address', qty: 3 }], 'key-9'));
    expect([e.code, e.retryable, e.context.sku]).toEqual(['VERSION_CONFLICT', true, 'CAP-RED-S']);
    expect(h.count('PUT /user-products/{id}/stock/type/{type}')).toBe(puts + 2);
    expect(listing.shows).toBe(2);
  });

  test('a multi-origin seller: PUT seller_warehouse for the one store', async () => {
    const out = await adapter('meli-wh').push(
      [{ sku: 'HOODIE-RED-S', location: 'MXP2', qty: 9, expected: 4 }],
      'key-10',
    );
    expect(out).toEqual([{ sku: 'HOODIE-RED-S', location: 'MXP2', status: 'applied', shows: 9 }]);
    expect([
      h.listing('meli-wh', 'HOODIE-RED-S', 'MXP1').shows,
      h.listing('meli-wh', 'HOODIE-RED-S', 'MXP2').shows,
    ]).toEqual([3, 9]);
  });

  test('an unmapped location: UNMAPPED_LOCATION, nothing sent', async () => {
    const e = await failure(
      adapter('meli-x').push([{ sku: 'TSHIRT-RED-S', location: 'MXP9', qty: 1 }], 'key-11'),
    );
    expect([e.code, e.message]).toEqual([
      'UNMAPPED_LOCATION',
      "SKU TSHIRT-RED-S at MXP9 on meli-x: MXP9 is not a location of Mercado Libre channel meli-x: map it in channels[].locations (selling_address, or the seller's warehouse stores)",
    ]);
  });

  test('shadow mode: says what it would send, writes nothing', async () => {
    const a = adapter('meli-x', { mode: 'shadow' });
    expect(a.mode).toBe('shadow');
    const puts = h.count('PUT /items/{id}') + h.count('PUT /user-products/{id}/stock/type/{type}');
    const out = await a.push(
      [
        { sku: 'TSHIRT-RED-S', location: 'selling_address', qty: 1 },
        { sku: 'TSHIRT-BLUE-L', location: 'selling_address', qty: 3 },
        { sku: 'CAP-RED-S', location: 'selling_address', qty: 1 },
      ],
      'key-12',
    );
    expect(out.map((o) => [o.sku, o.status])).toEqual([
      ['TSHIRT-RED-S', 'shadow'],
      ['TSHIRT-BLUE-L', 'shadow'],
      ['CAP-RED-S', 'shadow'],
    ]);
    expect(out[0]?.message).toBe(
      'shadow mode: would PUT /items/MLM500 {"available_quantity":1} (Mercado Libre shows 6); nothing was sent',
    );
    expect(out[1]?.message).toMatch(
      // Every variation id is sent (Mercado Libre drops the ones a PUT omits); only TSHIRT-BLUE-L gets a quantity.
      /^shadow mode: would PUT \/items\/MLM501 \{"variations":\[\{"id":\d+\},\{"id":\d+,"available_quantity":3\}\]\} \(Mercado Libre shows 6\)/,
    );
    expect(out[2]?.message).toMatch(
      /^shadow mode: would PUT \/user-products\/MLMU\d+\/stock\/type\/selling_address \{"quantity":1\}, with the current x-version/,
    );
    expect(h.count('PUT /items/{id}') + h.count('PUT /user-products/{id}/stock/type/{type}')).toBe(puts);
    expect(h.listing('meli-x', 'TSHIRT-RED-S').shows).toBe(6);
  });
});

describe('errors and throttling', () => {
  test('5xx: retryable UPSTREAM_UNAVAILABLE', async () => {
    h.sb.world.setFaults({ system: 'mercadolibre', endpoint: 'GET /items', errorRate: 1, status: 503 });
    try {
      const e = await failure(adapter('meli-x').levels(['TSHIRT-RED-S']));
      expect([e.code, e.retryable, e.status]).toEqual(['UPSTREAM_UNAVAILABLE', true, 503]);
      expect(e.message).toMatch(/service_not_available Service not available/);
    } finally {
      h.sb.world.setFaults({ system: 'mercadolibre', endpoint: 'GET /items', errorRate: 0 });
    }
  });

  test('403: PERMISSION_DENIED naming what to fix', async () => {
    const other = h.channel('meli-pair').credentials.userId;
    const a = adapter('meli-x', { credentials: { ...h.channel('meli-x').credentials, userId: other } });
    const e = await failure(a.levels(['TSHIRT-RED-S']));
    expect([e.code, e.kind, e.status]).toEqual(['PERMISSION_DENIED', 'permanent', 403]);
    expect(e.message).toMatch(
      /Mercado Libre denied GET \/users\/\{id\}\/items\/search \(403 forbidden: .*\): the token must belong to the seller/,
    );
  });

  test('a body that does not parse: BAD_RESPONSE naming the operation; no answer at all: NETWORK', async () => {
    const garbled: typeof fetch = async (url, init) =>
      String(url).endsWith('/users/me')
        ? new Response('{"nickname":"x"}', { status: 200, headers: { 'content-type': 'application/json' } })
        : fetch(url, init);
    const e = await failure(
      createMercadoLibreAdapter(h.channel('meli-x'), { tokens, fetch: garbled }).checkAccess(),
    );
    expect([e.code, e.context.operation]).toEqual(['BAD_RESPONSE', 'GET /users/me']);
    const down: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    const n = await failure(
      createMercadoLibreAdapter(h.channel('meli-x'), { tokens, fetch: down }).checkAccess(),
    );
    expect([n.code, n.retryable]).toEqual(['NETWORK', true]);
  });

  test('429 JSON too_many_requests (user-products, 100/min): retryable RATE_LIMITED, 6 s', async () => {
    const a = adapter('meli-thr');
    await a.checkAccess();
    const token = (await tokens.get('mercadolibre:meli-thr'))?.accessToken ?? '';
    const up = h.listing('meli-thr', 'CAP-RED-S').ids.userProduct ?? '';
    h.freeze();
    try {
      // Another client of the same seller spends the resource's minute.
      const spent = await Promise.all(
        Array.from({ length: 100 }, () => h.raw(`/user-products/${up}/stock`, token)),
      );
      expect(spent.every((r) => r.status === 200)).toBe(true);
      const e = await failure(a.levels(['CAP-RED-S']));
      expect([e.code, e.retryable, e.retryAfterMs, e.vendorCode, e.status]).toEqual([
        'RATE_LIMITED',
        true,
        6000,
        'too_many_requests',
        429,
      ]);
      expect(e.message).toBe(
        'SKU CAP-RED-S on meli-thr: Mercado Libre API rate limit reached on GET /user-products/{id}/stock (too_many_requests): retry in 6 s',
      );
    } finally {
      h.thaw();
    }
  });

  test('429 plain-text local_rate_limited (edge, 1500/min): retryable RATE_LIMITED, 1 s', async () => {
    const a = adapter('meli-thr');
    const token = (await tokens.get('mercadolibre:meli-thr'))?.accessToken ?? '';
    h.freeze();
    try {
      let limited = false;
      for (let batch = 0; batch < 20 && !limited; batch++) {
        const rs = await Promise.all(Array.from({ length: 100 }, () => h.raw('/users/me', token)));
        limited = rs.some((r) => r.status === 429);
      }
      expect(limited).toBe(true);
      const e = await failure(a.checkAccess());
      expect([e.code, e.retryable, e.retryAfterMs, e.vendorCode, e.status]).toEqual([
        'RATE_LIMITED',
        true,
        1000,
        'local_rate_limited',
        429,
      ]);
      expect(e.message).toBe(
        'on meli-thr: Mercado Libre edge rate limit reached on GET /users/me (local_rate_limited): retry in 1 s',
      );
    } finally {
      h.thaw();
    }
  });
});
