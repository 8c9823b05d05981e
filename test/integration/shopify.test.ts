/**
 * The Shopify channel adapter against the sandbox's Shopify simulator, through the real
 * `@shopify/admin-api-client`, with production rate limits on (Standard plan: 2000 points, 100/s).
 */
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { brokenCatalogueSeed, demoSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';
import { decodeCursor, isLoopbackStore, storeFetch } from '../../integrations/shopify';
import {
  BULK_RUN,
  BULK_STATUS,
  LOCATIONS,
  SET_QUANTITIES,
  VARIANT_IDS,
  VARIANT_LEVELS,
} from '../../integrations/shopify/operations';
import type { ChannelLevel, Page } from '../../integrations/types';
import { adminClient } from '../contract/support/shopify-fixtures';
import {
  calls,
  type Exchange,
  failure,
  L1,
  L2,
  L3,
  makeAdapter,
  mutations,
  shopifyConfig,
  shows,
} from './support/shopify-harness';

jest.setTimeout(20_000);

let sb: Sandbox;
const demo = demoSeed();

const BIG = Array.from({ length: 150 }, (_, i) => `BULK-${String(i).padStart(3, '0')}`);
/** 300 listings (150 SKUs at two locations), plus one SKU Shopify stocks at L1 only. */
const bigSeed = (skus: string[] = BIG): SeedInput => ({
  erp: {
    locations: [
      { id: 'WH1/Stock', warehouse: 'WH1' },
      { id: 'WH2/Stock', warehouse: 'WH2' },
    ],
    products: [...skus, 'ONLY-L1'].map((sku) => ({ sku })),
  },
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [
        { id: L1, erpLocations: ['WH1/Stock'] },
        { id: L2, erpLocations: ['WH2/Stock'] },
      ],
      // ONLY-L1 first: the sandbox numbers ids in listing order, so a seed without the last SKU reuses no id.
      listings: [
        { sku: 'ONLY-L1', location: L1, shows: 3 },
        ...skus.flatMap((sku) => [
          { sku, location: L1, shows: 5 },
          { sku, location: L2, shows: 5 },
        ]),
      ],
    },
  ],
});

async function readEverything(
  adapter: { readAll(c?: string): Promise<Page<ChannelLevel>> },
  first?: string,
): Promise<{ items: ChannelLevel[]; pages: Page<ChannelLevel>[] }> {
  const pages: Page<ChannelLevel>[] = [];
  let cursor = first;
  do {
    const page = await adapter.readAll(cursor);
    pages.push(page);
    cursor = page.next;
  } while (cursor);
  return { items: pages.flatMap((p) => p.items), pages };
}

const key = (l: { sku: string; location: string }) => `${l.sku} ${l.location}`;
const worldLevels = (locations: string[]) =>
  sb.world
    .channel('shopify')
    .listings.filter((l) => locations.includes(l.location))
    .map((l) => ({ sku: l.sku, location: l.location, shows: l.shows }))
    .sort((a, b) => key(a).localeCompare(key(b)));
const listing = (sku: string, location: string) => {
  const l = sb.world.listing('shopify', sku, location);
  if (!l) throw new Error(`no listing ${sku} at ${location}`);
  return l;
};
/** Query cost points Shopify charged for the recorded exchanges. */
const points = (exchanges: Exchange[]) =>
  exchanges.reduce((sum, e) => {
    const cost = (e.response as { extensions?: { cost?: { actualQueryCost?: number | null } } } | undefined)
      ?.extensions?.cost;
    return sum + (cost?.actualQueryCost ?? 0);
  }, 0);
const sorted = (levels: ChannelLevel[]) => [...levels].sort((a, b) => key(a).localeCompare(key(b)));

beforeAll(async () => {
  sb = await startSandbox({ preset: 'demo', secret: 'x' });
  sb.world.setFaults({ system: 'shopify', rateLimits: 'production' });
});

afterAll(async () => {
  await sb.close();
});

// Each test starts from a fresh world: full cost bucket, no idempotency keys, zeroed call counts.
beforeEach(() => {
  sb.world.faults = sb.world.faults.filter((f) => f.endpoint === undefined);
  sb.world.reset(demo);
});

describe('transport', () => {
  it('reaches a loopback store over http and leaves a real myshopify.com domain on https', async () => {
    expect(isLoopbackStore(shopifyConfig(sb).credentials.storeDomain)).toBe(true);
    expect(isLoopbackStore('localhost:3000')).toBe(true);
    expect(isLoopbackStore('[::1]:3000')).toBe(true);
    expect(isLoopbackStore('my-shop.myshopify.com')).toBe(false);
    expect(isLoopbackStore('127.0.0.1.evil.example')).toBe(false);
    const seen: string[] = [];
    const fake: typeof fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response('{}'));
    };
    await storeFetch('127.0.0.1:4000', fake)('https://127.0.0.1:4000/admin/api/2026-04/graphql.json');
    await storeFetch(
      'my-shop.myshopify.com',
      fake,
    )('https://my-shop.myshopify.com/admin/api/2026-04/graphql.json');
    expect(seen).toEqual([
      'http://127.0.0.1:4000/admin/api/2026-04/graphql.json',
      'https://my-shop.myshopify.com/admin/api/2026-04/graphql.json',
    ]);
  });
});

describe('checkAccess', () => {
  it('passes with the sandbox config, through one locations query', async () => {
    const { adapter } = makeAdapter(sb);
    await expect(adapter.checkAccess()).resolves.toBeUndefined();
    expect(calls(sb, 'locations')).toBe(1);
  });

  it('turns a 401 into AUTH_FAILED naming the store and the config key', async () => {
    const { adapter, cfg } = makeAdapter(sb, {
      cfg: (c) => ({ ...c, credentials: { ...c.credentials, accessToken: 'shpat_wrong' } }),
    });
    const e = await failure(adapter.checkAccess());
    expect(e).toMatchObject({ code: 'AUTH_FAILED', kind: 'permanent', status: 401 });
    expect(e.message).toBe(
      `Shopify rejected the access token for ${cfg.credentials.storeDomain}: check channels[shopify].credentials.accessToken`,
    );
  });

  it('refuses a configured location the shop does not have', async () => {
    const { adapter, cfg } = makeAdapter(sb, {
      cfg: (c) => ({
        ...c,
        locations: [...c.locations, { id: 'gid://shopify/Location/9', erpLocations: ['WH1/Stock'] }],
      }),
    });
    const e = await failure(adapter.checkAccess());
    expect(e.code).toBe('UNMAPPED_LOCATION');
    expect(e.message).toBe(
      `Shopify location gid://shopify/Location/9 (channels[shopify].locations[2]) does not exist in ${cfg.credentials.storeDomain}: use a location id of this shop (${L1}, ${L2})`,
    );
  });
});

describe('levels', () => {
  it('reads available per configured location and caches the variants for push', async () => {
    const { adapter } = makeAdapter(sb);
    sb.world.placeOrder({ channel: 'shopify', sku: 'TSHIRT-RED-S', qty: 2, location: L1 });
    const levels = await adapter.levels(['TSHIRT-RED-S', 'MUG-BLUE-M', 'TSHIRT-RED-S']);
    expect(sorted(levels)).toEqual(
      worldLevels([L1, L2]).filter((l) => l.sku === 'TSHIRT-RED-S' || l.sku === 'MUG-BLUE-M'),
    );
    expect(levels.find((l) => l.sku === 'TSHIRT-RED-S' && l.location === L1)?.shows).toBe(
      shows(sb, 'TSHIRT-RED-S', L1),
    );
    // One query found both variants and their levels; the push needs no lookup.
    expect(calls(sb, 'productVariants')).toBe(1);
    const current = shows(sb, 'MUG-BLUE-M', L2) ?? 0;
    await adapter.push([{ sku: 'MUG-BLUE-M', location: L2, qty: current + 1, expected: current }], 'cache-1');
    expect(calls(sb, 'productVariants')).toBe(1);
    expect(shows(sb, 'MUG-BLUE-M', L2)).toBe(current + 1);
  });

  it('refuses an unknown SKU as UNLINKED_SKU', async () => {
    const { adapter } = makeAdapter(sb);
    const e = await failure(adapter.levels(['TSHIRT-RED-S', 'NOPE-1']));
    expect(e).toMatchObject({
      code: 'UNLINKED_SKU',
      kind: 'permanent',
      context: { sku: 'NOPE-1', channel: 'shopify' },
    });
    expect(e.message).toBe(
      'SKU NOPE-1 has no Shopify variant on channel shopify: give a Shopify variant this SKU, or link it to the right one (skuLinks.overrides)',
    );
  });
});

describe('readAll (bulk operation)', () => {
  it('pages through one bulk result with a cursor holding the operation id and the offset', async () => {
    const { adapter } = makeAdapter(sb, { options: { readAllPageSize: 150 } });
    const { items, pages } = await readEverything(adapter);
    expect(sorted(items)).toEqual(worldLevels([L1, L2]));
    expect(pages.map((p) => p.items.length)).toEqual([150, 150, 106]);
    const first = decodeCursor(pages[0]?.next ?? '');
    expect(first).toEqual({
      op: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/),
      offset: 150,
    });
    expect(decodeCursor(pages[1]?.next ?? '')).toEqual({ op: first?.op, offset: 300 });
    expect(pages[2]?.next).toBeUndefined();
    // One run, a poll or two, one download: the later pages come from the downloaded result.
    expect(calls(sb, 'bulkOperationRunQuery')).toBe(1);
    expect(calls(sb, 'bulkOperationOutput')).toBe(1);
    expect(calls(sb, 'node')).toBeGreaterThanOrEqual(1);

    // Another adapter (another worker) resumes from the cursor: it re-fetches the same operation's file.
    const { adapter: other } = makeAdapter(sb, { options: { readAllPageSize: 150 } });
    const nodeBefore = calls(sb, 'node');
    const resumed = await other.readAll(pages[1]?.next);
    expect(resumed.items).toEqual(pages[2]?.items);
    expect(calls(sb, 'bulkOperationRunQuery')).toBe(1);
    expect(calls(sb, 'node')).toBe(nodeBefore + 1);
    expect(calls(sb, 'bulkOperationOutput')).toBe(2);

    // The bulk read filled the SKU cache: a push needs no variant lookup.
    const current = shows(sb, 'CAP-RED-S', L1) ?? 0;
    await adapter.push(
      [{ sku: 'CAP-RED-S', location: L1, qty: current + 2, expected: current }],
      'after-bulk',
    );
    expect(calls(sb, 'productVariants')).toBe(0);
    expect(shows(sb, 'CAP-RED-S', L1)).toBe(current + 2);
  });

  it('returns only configured locations and counts the others in unmappedLocations()', async () => {
    sb.world.reset(brokenCatalogueSeed());
    const { adapter } = makeAdapter(sb);
    const { items } = await readEverything(adapter);
    expect(items.some((l) => l.location === L3)).toBe(false);
    expect(items).toContainEqual({ sku: 'ABC-RED-M', location: L1, shows: 5 });
    expect(sorted(items)).toEqual(worldLevels([L1, L2]));
    await expect(adapter.unmappedLocations()).resolves.toEqual([{ location: L3, skus: 1 }]);

    const fresh = makeAdapter(sb).adapter;
    const levels = await fresh.levels(['TSHIRT-RED-M']);
    expect(levels.map((l) => l.location).sort()).toEqual([L1, L2]);
    await expect(fresh.unmappedLocations()).resolves.toEqual([{ location: L3, skus: 1 }]);
  });

  it('costs a handful of calls per 1,000 SKUs, against one per SKU for levels', async () => {
    const { adapter, exchanges } = makeAdapter(sb, { options: { readAllPageSize: 150 } });
    const before = calls(sb);
    const { items } = await readEverything(adapter);
    const bulkCalls = calls(sb) - before;
    const skuCount = new Set(items.map((l) => l.sku)).size;
    expect(skuCount).toBe(203);
    const bulkPoints = points(exchanges);

    // Per-SKU levels on a sample (the whole demo one SKU at a time would drain the Standard bucket).
    const sample = [...new Set(items.map((l) => l.sku))].slice(0, 40);
    const perSku = makeAdapter(sb);
    const beforeSku = calls(sb);
    for (const sku of sample) await perSku.adapter.levels([sku]);
    const skuCalls = calls(sb) - beforeSku;
    const skuPoints = points(perSku.exchanges);

    const batched = makeAdapter(sb);
    const beforeBatch = calls(sb);
    await batched.adapter.levels(sample);
    const batchCalls = calls(sb) - beforeBatch;

    const per1000 = (n: number, skus: number) => Math.round((n / skus) * 1000 * 10) / 10;
    const report = {
      readAllCalls: bulkCalls,
      readAllCallsPer1000Skus: per1000(bulkCalls, skuCount),
      readAllPointsPer1000Skus: per1000(bulkPoints, skuCount),
      perSkuLevelsCallsPer1000Skus: per1000(skuCalls, sample.length),
      perSkuLevelsPointsPer1000Skus: per1000(skuPoints, sample.length),
      batchedLevelsCallsPer1000Skus: per1000(batchCalls, sample.length),
    };
    console.log(`Shopify calls per 1,000 SKUs (demo preset, ${skuCount} SKUs): ${JSON.stringify(report)}`);
    expect(report.readAllCallsPer1000Skus).toBeLessThanOrEqual(25);
    expect(report.perSkuLevelsCallsPer1000Skus).toBe(1000);
    expect(report.batchedLevelsCallsPer1000Skus).toBe(50);
  });
});

describe('readAll while the bulk query runs, and request hygiene', () => {
  it('returns an empty page that resumes the same operation when the bulk query is still running', async () => {
    const { adapter } = makeAdapter(sb, { options: { bulkPollMs: 0, bulkWaitMs: 0, readAllPageSize: 500 } });
    const first = await adapter.readAll();
    expect(first.items).toEqual([]);
    const at = decodeCursor(first.next ?? '');
    expect(at).toEqual({ op: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\//), offset: 0 });
    const { items } = await readEverything(adapter, first.next);
    expect(sorted(items)).toEqual(worldLevels([L1, L2]));
    expect(calls(sb, 'bulkOperationRunQuery')).toBe(1);
  });

  it("estimates every request's cost as Shopify charges it (the basis of the proactive throttle)", async () => {
    const { adapter, exchanges } = makeAdapter(sb, { options: { readAllPageSize: 1000 } });
    await adapter.checkAccess();
    await adapter.levels(['TSHIRT-RED-S', 'TSHIRT-BLUE-S']);
    await readEverything(adapter);
    const fresh = makeAdapter(sb);
    await fresh.adapter.push([{ sku: 'TOTE-RED-S', location: L1, qty: 2 }], 'cost-1');
    const ops = [VARIANT_IDS, VARIANT_LEVELS, LOCATIONS, SET_QUANTITIES, BULK_RUN, BULK_STATUS] as const;
    const graphql = [...exchanges, ...fresh.exchanges].filter((e) => e.request?.query);
    expect(graphql.length).toBeGreaterThanOrEqual(6);
    for (const e of graphql) {
      const op = ops.find((o) => o.query === e.request?.query);
      if (!op) throw new Error(`unknown operation ${e.request?.query}`);
      const requested = (e.response as { extensions: { cost: { requestedQueryCost: number } } }).extensions
        .cost.requestedQueryCost;
      expect([op.name, op.cost(e.request?.variables as never)]).toEqual([op.name, requested]);
    }
  });

  it('turns a slow answer into a retryable TIMEOUT', async () => {
    sb.world.setFaults({ system: 'shopify', endpoint: 'locations', latencyMs: 300 });
    const { adapter } = makeAdapter(sb, { options: { requestTimeoutMs: 50 } });
    const e = await failure(adapter.checkAccess());
    expect(e).toMatchObject({ code: 'TIMEOUT', kind: 'retryable', context: { operation: 'locations' } });
    expect(e.message).toBe(
      `Shopify locations on channel shopify got no answer within 50 ms from ${shopifyConfig(sb).credentials.storeDomain} (GraphQL Client: TimeoutError: The operation was aborted due to timeout)`,
    );
  });

  it('turns an answer of the wrong shape into BAD_RESPONSE naming the operation', async () => {
    const garbage: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ data: { productVariants: { nodes: 'none' } } }), {
          headers: { 'content-type': 'application/json' },
        }),
      );
    const { adapter } = makeAdapter(sb, { fetch: garbage });
    const e = await failure(adapter.levels(['TSHIRT-RED-S']));
    expect(e).toMatchObject({
      code: 'BAD_RESPONSE',
      kind: 'permanent',
      context: { operation: 'productVariants' },
    });
    expect(e.message).toMatch(
      /^Shopify answered productVariants on channel shopify with an unexpected shape: /,
    );
  });
});

describe('push', () => {
  it('sets available with compare-and-set, skips unchanged lines, and names the batch and the push', async () => {
    const { adapter, exchanges } = makeAdapter(sb);
    const a = shows(sb, 'HOODIE-RED-S', L1) ?? 0;
    const b = shows(sb, 'HOODIE-RED-S', L2) ?? 0;
    const outcomes = await adapter.push(
      [
        { sku: 'HOODIE-RED-S', location: L1, qty: a - 1, expected: a },
        { sku: 'HOODIE-RED-S', location: L2, qty: b, expected: b },
        { sku: 'HOODIE-RED-M', location: L1, qty: 4 },
      ],
      'wf-1',
    );
    expect(outcomes).toEqual([
      { sku: 'HOODIE-RED-S', location: L1, status: 'applied', shows: a - 1 },
      { sku: 'HOODIE-RED-S', location: L2, status: 'unchanged', shows: b },
      { sku: 'HOODIE-RED-M', location: L1, status: 'applied', shows: 4 },
    ]);
    expect([
      shows(sb, 'HOODIE-RED-S', L1),
      shows(sb, 'HOODIE-RED-S', L2),
      shows(sb, 'HOODIE-RED-M', L1),
    ]).toEqual([a - 1, b, 4]);
    const sent = mutations(exchanges);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      key: 'wf-1:0',
      input: {
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: 'invsync://push/wf-1',
        quantities: [
          { inventoryItemId: expect.any(String), locationId: L1, quantity: a - 1, changeFromQuantity: a },
          { inventoryItemId: expect.any(String), locationId: L1, quantity: 4, changeFromQuantity: null },
        ],
      },
    });
  });

  it('answers a stale compare with the re-read value, and re-issues the rest of the batch once', async () => {
    const { adapter, exchanges } = makeAdapter(sb);
    const skus = ['TSHIRT-RED-S', 'TSHIRT-RED-M', 'TSHIRT-RED-L'];
    const read = await adapter.levels(skus);
    const at = (sku: string) => read.find((l) => l.sku === sku && l.location === L1)?.shows ?? 0;
    const [a, b, c] = skus.map(at) as [number, number, number];
    // A shopper buys between the read and the push: what invsync expects for TSHIRT-RED-M is stale.
    expect(
      sb.world.placeOrder({ channel: 'shopify', sku: 'TSHIRT-RED-M', qty: 2, location: L1 }).accepted,
    ).toBe(true);
    const pushes = [
      { sku: 'TSHIRT-RED-S', location: L1, qty: a + 5, expected: a },
      { sku: 'TSHIRT-RED-M', location: L1, qty: b + 5, expected: b },
      { sku: 'TSHIRT-RED-L', location: L1, qty: c - 1, expected: c },
    ];
    const outcomes = await adapter.push(pushes, 'stale-1');
    expect(outcomes).toEqual([
      { sku: 'TSHIRT-RED-S', location: L1, status: 'applied', shows: a + 5 },
      {
        sku: 'TSHIRT-RED-M',
        location: L1,
        status: 'stale',
        shows: b - 2,
        message: `not applied: Shopify shows ${b - 2}, not the expected ${b}; recompute and push again`,
      },
      { sku: 'TSHIRT-RED-L', location: L1, status: 'applied', shows: c - 1 },
    ]);
    expect(skus.map((s) => shows(sb, s, L1))).toEqual([a + 5, b - 2, c - 1]);
    const sent = mutations(exchanges);
    expect(sent.map((m) => m.key)).toEqual(['stale-1:0', 'stale-1:0:r']);
    expect(sent[1]?.input.quantities.map((q) => q.changeFromQuantity)).toEqual([a, c]);

    // The whole push retried with the same key: Shopify replays both batches, nothing moves twice.
    sb.world.setShows('shopify', listing('TSHIRT-RED-S', L1), 50, 'person');
    await expect(adapter.push(pushes, 'stale-1')).resolves.toEqual(outcomes);
    expect(skus.map((s) => shows(sb, s, L1))).toEqual([50, b - 2, c - 1]);
  });

  it('re-issues only once: a second stale compare in the re-issue is reported, not retried', async () => {
    const skus = ['BEANIE-RED-S', 'BEANIE-RED-M', 'BEANIE-RED-L'];
    const [a, b, c] = skus.map((sku) => shows(sb, sku, L1) ?? 0) as [number, number, number];
    // A sale before the push (line 2 is stale), and another one right after the first batch is refused (line 3).
    sb.world.placeOrder({ channel: 'shopify', sku: 'BEANIE-RED-M', qty: 1, location: L1 });
    const { adapter, exchanges } = makeAdapter(sb, {
      after: (e) => {
        if (e.request?.variables?.key === 'twice:0')
          sb.world.placeOrder({ channel: 'shopify', sku: 'BEANIE-RED-L', qty: 1, location: L1 });
      },
    });
    const outcomes = await adapter.push(
      skus.map((sku, i) => ({ sku, location: L1, qty: 1, expected: [a, b, c][i] })),
      'twice',
    );
    expect(outcomes).toEqual([
      {
        sku: 'BEANIE-RED-S',
        location: L1,
        status: 'stale',
        shows: a,
        message: `not applied: the re-issued batch twice:0:r was refused because another line's compare failed; Shopify showed the expected ${a}, recompute and push again`,
      },
      expect.objectContaining({ sku: 'BEANIE-RED-M', status: 'stale', shows: b - 1 }),
      expect.objectContaining({ sku: 'BEANIE-RED-L', status: 'stale', shows: c - 1 }),
    ]);
    expect(skus.map((sku) => shows(sb, sku, L1))).toEqual([a, b - 1, c - 1]);
    expect(mutations(exchanges).map((m) => m.key)).toEqual(['twice:0', 'twice:0:r']);
  });

  it('does not apply a retried push twice: Shopify replays the first result for the same key', async () => {
    const { adapter } = makeAdapter(sb);
    const before = shows(sb, 'MUG-RED-S', L2) ?? 0;
    const push = [{ sku: 'MUG-RED-S', location: L2, qty: before + 3, expected: before }];
    await expect(adapter.push(push, 'retry-1')).resolves.toEqual([
      { sku: 'MUG-RED-S', location: L2, status: 'applied', shows: before + 3 },
    ]);
    // A person edits the count in Shopify's admin after the first attempt landed.
    sb.world.setShows('shopify', listing('MUG-RED-S', L2), 99, 'person');
    // The activity is retried with the same key (its first answer was lost): the person's edit stands.
    await expect(adapter.push(push, 'retry-1')).resolves.toEqual([
      { sku: 'MUG-RED-S', location: L2, status: 'applied', shows: before + 3 },
    ]);
    expect(shows(sb, 'MUG-RED-S', L2)).toBe(99);
    expect(calls(sb, 'inventorySetQuantities')).toBe(2);

    // Reusing the key for other quantities is a caller bug, and Shopify says so.
    const e = await failure(adapter.push([{ ...push[0], qty: 1 } as (typeof push)[0]], 'retry-1'));
    expect(e).toMatchObject({
      code: 'INVALID_REQUEST',
      kind: 'permanent',
      vendorCode: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
    });
    expect(e.message).toBe(
      'Shopify refused idempotency key retry-1:0 on channel shopify: it was used before with other quantities (IDEMPOTENCY_KEY_PARAMETER_MISMATCH); a retry must resend the same pushes, a new push needs a new key',
    );
    expect(shows(sb, 'MUG-RED-S', L2)).toBe(99);
  });

  it('writes nothing in shadow mode and says what it would have sent', async () => {
    const { adapter } = makeAdapter(sb, { cfg: (c) => ({ ...c, mode: 'shadow' }) });
    expect(adapter.mode).toBe('shadow');
    const before = shows(sb, 'SOCKS-RED-S', L1) ?? 0;
    const item = sb.world.listing('shopify', 'SOCKS-RED-S', L1)?.ids.inventoryItem;
    const outcomes = await adapter.push(
      [
        { sku: 'SOCKS-RED-S', location: L1, qty: before + 7, expected: before },
        { sku: 'SOCKS-RED-S', location: L2, qty: 1, expected: 1 },
      ],
      'shadow-1',
    );
    expect(outcomes).toEqual([
      {
        sku: 'SOCKS-RED-S',
        location: L1,
        status: 'shadow',
        message: `shadow mode, nothing sent: would set available to ${before + 7} (changeFromQuantity ${before}) for inventory item ${item} at ${L1} in inventorySetQuantities batch shadow-1:0`,
      },
      { sku: 'SOCKS-RED-S', location: L2, status: 'unchanged', shows: 1 },
    ]);
    expect(shows(sb, 'SOCKS-RED-S', L1)).toBe(before);
    expect(calls(sb, 'inventorySetQuantities')).toBe(0);
  });
});

describe('push in batches of 250 (custom seed: 300 listings)', () => {
  beforeEach(() => sb.world.reset(bigSeed()));

  it('sends 300 lines as two idempotent batches of 250 and 50', async () => {
    const { adapter, exchanges } = makeAdapter(sb);
    const pushes = BIG.flatMap((sku) => [
      { sku, location: L1, qty: 7, expected: 5 },
      { sku, location: L2, qty: 8, expected: 5 },
    ]);
    const outcomes = await adapter.push(pushes, 'big');
    expect(outcomes).toHaveLength(300);
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    const sent = mutations(exchanges);
    expect(sent.map((m) => [m.key, m.input.quantities.length])).toEqual([
      ['big:0', 250],
      ['big:1', 50],
    ]);
    expect(sent.every((m) => m.input.referenceDocumentUri === 'invsync://push/big')).toBe(true);
    expect(BIG.every((sku) => shows(sb, sku, L1) === 7 && shows(sb, sku, L2) === 8)).toBe(true);
    // 150 SKUs resolved in 3 lookups of 50.
    expect(calls(sb, 'productVariants')).toBe(3);
    expect(calls(sb, 'inventorySetQuantities')).toBe(2);
  });

  it('names SKU, location and channel in every permanent refusal', async () => {
    const { adapter } = makeAdapter(sb);
    const unlinked = await failure(adapter.push([{ sku: 'NOPE-9', location: L1, qty: 1 }], 'p-1'));
    expect(unlinked).toMatchObject({ code: 'UNLINKED_SKU', context: { sku: 'NOPE-9', channel: 'shopify' } });
    expect(unlinked.message).toMatch(/^SKU NOPE-9 has no Shopify variant on channel shopify: /);

    const unmapped = await failure(adapter.push([{ sku: 'BULK-001', location: L3, qty: 1 }], 'p-2'));
    expect(unmapped).toMatchObject({ code: 'UNMAPPED_LOCATION', context: { sku: 'BULK-001', location: L3 } });
    expect(unmapped.message).toBe(
      `SKU BULK-001 at ${L3} on shopify: Shopify location ${L3} is not mapped in channels[shopify].locations: map it to ERP locations there, or stop pushing to it`,
    );

    const notStocked = await failure(
      adapter.push([{ sku: 'ONLY-L1', location: L2, qty: 1, expected: 0 }], 'p-3'),
    );
    expect(notStocked).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      kind: 'permanent',
      vendorCode: 'ITEM_NOT_STOCKED_AT_LOCATION',
      context: { sku: 'ONLY-L1', location: L2, channel: 'shopify', operation: 'inventorySetQuantities' },
    });
    expect(notStocked.message).toBe(
      `SKU ONLY-L1 at ${L2} on shopify: Shopify does not stock this SKU at location ${L2} (ITEM_NOT_STOCKED_AT_LOCATION): activate its inventory at that location in Shopify, or stop pushing it there`,
    );

    // The variant of BULK-149 is deleted in Shopify after the adapter cached its inventory item.
    await adapter.levels(['BULK-149']);
    const item = sb.world.listing('shopify', 'BULK-149', L1)?.ids.inventoryItem;
    sb.world.reset(bigSeed(BIG.slice(0, 149)));
    const gone = await failure(adapter.push([{ sku: 'BULK-149', location: L1, qty: 1, expected: 5 }], 'p-4'));
    expect(gone).toMatchObject({ code: 'UPSTREAM_REJECTED', vendorCode: 'INVALID_INVENTORY_ITEM' });
    expect(gone.message).toBe(
      `SKU BULK-149 at ${L1} on shopify: Shopify has no inventory item ${item} for this SKU any more (INVALID_INVENTORY_ITEM): the variant was deleted or re-created in Shopify; check the SKU there, then retry (it is looked up again)`,
    );
    // The stale cache entry is gone: the next attempt looks the SKU up and finds nothing.
    const again = await failure(
      adapter.push([{ sku: 'BULK-149', location: L1, qty: 1, expected: 5 }], 'p-4'),
    );
    expect(again.code).toBe('UNLINKED_SKU');
  });
});

describe('throttling and HTTP errors', () => {
  it('maps THROTTLED (HTTP 200) to a retryable error with the restore time, then refuses without a call', async () => {
    const { cfg } = makeAdapter(sb);
    const raw = adminClient(Number(new URL(sb.urls.shopify).port), cfg.credentials.accessToken);
    // Another process of the same app spends the bucket: 802 + 802 + 322 of 2000 points.
    for (const first of [100, 100, 40]) {
      const res = await raw.request(
        `{ productVariants(first: ${first}) { nodes { inventoryItem { inventoryLevels(first: 2) { nodes { location { id } } } } } } }`,
      );
      expect(res.errors).toBeUndefined();
    }
    const { adapter, exchanges } = makeAdapter(sb);
    const skus = [...new Set(sb.world.channel('shopify').listings.map((l) => l.sku))].slice(0, 25);
    const e = await failure(adapter.levels(skus));
    expect(e).toMatchObject({ code: 'THROTTLED', kind: 'retryable', vendorCode: 'THROTTLED' });
    const answer = exchanges[exchanges.length - 1]?.response as {
      errors: { extensions: { code: string } }[];
      extensions: {
        cost: {
          requestedQueryCost: number;
          throttleStatus: { currentlyAvailable: number; restoreRate: number };
        };
      };
    };
    expect(answer.errors[0]?.extensions.code).toBe('THROTTLED');
    const { requestedQueryCost, throttleStatus } = answer.extensions.cost;
    expect(requestedQueryCost).toBe(477); // 2 + 25 x (4 + 3 x 5 levels)
    expect(e.retryAfterMs).toBe(
      Math.ceil(
        ((requestedQueryCost - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate) * 1000,
      ),
    );
    expect(e.message).toMatch(
      /^Shopify throttled productVariants on channel shopify: it costs 477 points, \d+ of 2000 are left, restoring 100\/s$/,
    );
    expect(sb.world.state().calls).toContainEqual(
      expect.objectContaining({ system: 'shopify', endpoint: 'productVariants', throttled: 1 }),
    );

    // The adapter now knows the budget: the next read is refused before it spends a call.
    const sent = calls(sb, 'productVariants');
    const again = await failure(adapter.levels(skus));
    expect(again).toMatchObject({ code: 'THROTTLED', kind: 'retryable' });
    expect(again.retryAfterMs).toBeGreaterThan(0);
    expect(again.retryAfterMs).toBeLessThanOrEqual(e.retryAfterMs ?? 0);
    expect(again.message).toMatch(/costs 477: not sent; enough is restored in \d+ ms$/);
    expect(calls(sb, 'productVariants')).toBe(sent);
  });

  it('maps 429 with Retry-After in seconds and 503 to retryable errors', async () => {
    const { adapter } = makeAdapter(sb);
    sb.world.setFaults({ system: 'shopify', endpoint: 'productVariants', errorRate: 1, status: 429 });
    const limited = await failure(adapter.levels(['TSHIRT-RED-S']));
    // The simulator sends "Retry-After: 2.0", seconds as Shopify does; the client library would read 2 ms.
    expect(limited).toMatchObject({
      code: 'RATE_LIMITED',
      kind: 'retryable',
      status: 429,
      retryAfterMs: 2000,
    });
    sb.world.setFaults({ system: 'shopify', endpoint: 'productVariants', errorRate: 1, status: 503 });
    const down = await failure(adapter.levels(['TSHIRT-RED-S']));
    expect(down).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', kind: 'retryable', status: 503 });
    expect(down.message).toBe('Shopify answered 503 to productVariants on channel shopify');
    // Exactly one call each: the client's own retries are off.
    expect(calls(sb, 'productVariants')).toBe(2);
  });
});
