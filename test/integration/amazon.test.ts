/**
 * The Amazon SP-API adapter against the sandbox, through the real `@sp-api-sdk` clients, with Amazon's production
 * rate limits on (except where a test says why not).
 */
import { parseConfigObject } from '../../domain/config/parse';
import {
  createAmazonAdapter,
  erpCatalogue,
  type AmazonAdapterOptions,
  type AmazonChannelConfig,
} from '../../integrations/amazon';
import type { AdapterDeps } from '../../integrations/deps';
import { rateLimitDelayMs } from '../../integrations/amazon/errors';
import { IntegrationError } from '../../integrations/errors';
import { MemoryTokenStore, type TokenStore } from '../../integrations/token-store';
import type { ChannelAdapter, ChannelLevel, PushOutcome } from '../../integrations/types';
import { startSandbox, type Sandbox } from '../../sandbox';
import { demoSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';
import { startAmazon } from '../../sandbox/simulators/amazon';

const FBM = Array.from({ length: 14 }, (_, i) => `SKU-${String(i).padStart(2, '0')}`);
const FBA_ONLY = 'MUG-FBA';
const NOT_LISTED = 'NOT-LISTED';
const CATALOGUE = [...FBM, FBA_ONLY, NOT_LISTED];

const seed: SeedInput = {
  erp: {
    locations: [{ id: 'WH1/Stock', warehouse: 'WH1' }],
    products: CATALOGUE.map((sku) => ({ sku })),
    stock: FBM.map((sku) => ({ sku, location: 'WH1/Stock', onHand: 50 })),
    ingestLagMs: 60_000,
  },
  channels: [
    {
      id: 'amazon',
      kind: 'amazon',
      fbmErpLocations: ['WH1/Stock'],
      listings: [
        ...FBM.map((sku) => ({ sku, fulfillment: 'FBM' as const, shows: 20 })),
        { sku: FBA_ONLY, fulfillment: 'FBA', shows: 10 },
      ],
      fba: [
        {
          sku: FBA_ONLY,
          fulfillable: 10,
          inboundWorking: 2,
          inboundShipped: 50,
          inboundReceiving: 3,
          reserved: 5,
          unfulfillable: 7,
          researching: 1,
        },
      ],
    },
  ],
};

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed, secret: 'x' });
});

afterAll(async () => {
  await sb.close();
});

beforeEach(() => {
  sb.world.reset(seed);
  sb.world.faults = [];
  sb.world.setFaults({ system: 'amazon', rateLimits: 'production' });
});

function channelConfig(): AmazonChannelConfig {
  const parsed = parseConfigObject(sb.config(), {});
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const ch = parsed.config.channels.find((c) => c.id === 'amazon');
  if (ch?.kind !== 'amazon') throw new Error('no amazon channel in the sandbox config');
  return ch;
}

interface Build {
  credentials?: Partial<AmazonChannelConfig['credentials']>;
  mode?: 'live' | 'shadow';
  options?: AmazonAdapterOptions;
  tokens?: TokenStore;
  fetch?: AdapterDeps['fetch'];
}

function build(b: Build = {}): { adapter: ChannelAdapter; tokens: TokenStore } {
  const cfg = channelConfig();
  const tokens = b.tokens ?? new MemoryTokenStore();
  const adapter = createAmazonAdapter(
    { ...cfg, mode: b.mode ?? cfg.mode, credentials: { ...cfg.credentials, ...b.credentials } },
    { tokens, ...(b.fetch ? { fetch: b.fetch } : {}) },
    { catalogue: () => Promise.resolve(CATALOGUE), feedPollMs: 250, ...b.options },
  );
  return { adapter, tokens };
}

const calls = (endpoint: string): number =>
  sb.world.state().calls.find((c) => c.system === 'amazon' && c.endpoint === endpoint)?.count ?? 0;
const amazonCalls = (): number =>
  sb.world
    .state()
    .calls.filter((c) => c.system === 'amazon')
    .reduce((n, c) => n + c.count, 0);
const shows = (sku: string): number | undefined => sb.world.listing('amazon', sku)?.shows;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function failure(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof IntegrationError) return err;
    throw err;
  }
  throw new Error('expected an IntegrationError');
}

/** Every page of readAll, waiting out each retryable error's delay as Temporal would; counts the waits. */
async function readEverything(
  a: ChannelAdapter,
): Promise<{ items: ChannelLevel[]; pages: number; waits: number }> {
  const items: ChannelLevel[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let waits = 0;
  do {
    try {
      const page = await a.readAll(cursor);
      items.push(...page.items);
      cursor = page.next;
      pages += 1;
    } catch (err) {
      if (!(err instanceof IntegrationError) || !err.retryable || waits > 50) throw err;
      waits += 1;
      await sleep(err.retryAfterMs ?? 1000);
    }
  } while (cursor !== undefined);
  return { items, pages, waits };
}

const mugLevel: ChannelLevel = {
  sku: FBA_ONLY,
  location: 'FBA',
  shows: 10,
  readOnly: 'fba',
  fba: { fulfillable: 10, inbound: 55, reserved: 5, unfulfillable: 7, researching: 1 },
};

// ---- access and tokens ------------------------------------------------------------------------------------------

describe('checkAccess and LWA tokens', () => {
  it('refreshes a token, caches it in the token store and makes one inventory summaries call', async () => {
    const { adapter, tokens } = build();
    expect([adapter.id, adapter.kind, adapter.mode]).toEqual(['amazon', 'amazon', 'live']);
    await adapter.checkAccess();
    expect(calls('lwa.token')).toBe(1);
    expect(calls('getInventorySummaries')).toBe(1);
    const stored = await tokens.get('amazon:amazon');
    expect(stored?.accessToken).toMatch(/^Atza\|/);
    expect(stored?.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);

    // Another adapter (another worker) sharing the store uses the cached token: no second refresh.
    const other = build({ tokens }).adapter;
    await other.levels(['SKU-00']);
    expect(calls('lwa.token')).toBe(1);
  });

  it('refreshes a token 60 s before it expires, under the lock, once for concurrent callers', async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set('amazon:amazon', {
      accessToken: 'Atza|about-to-expire',
      expiresAt: Date.now() + 30_000,
    });
    const { adapter } = build({ tokens });
    // The old token is unknown to Amazon: had it been sent, the call would fail with 403.
    const [a, b] = await Promise.all([adapter.levels(['SKU-00']), adapter.levels(['SKU-01'])]);
    expect([...a, ...b].map((l) => l.shows)).toEqual([20, 20]);
    expect(calls('lwa.token')).toBe(1);
    expect((await tokens.get('amazon:amazon'))?.accessToken).not.toBe('Atza|about-to-expire');
  });

  it('answers an expired access token (403) by refreshing once and re-issuing the call', async () => {
    // startSandbox does not expose the Amazon simulator's expireAccessTokens, so a second Amazon simulator serves the
    // same world (sb.ctx), reached through the documented endpoint and lwaEndpoint config knobs.
    const sim = await startAmazon(sb.ctx, { port: 0 });
    try {
      const { adapter, tokens } = build({ credentials: { endpoint: sim.url, lwaEndpoint: sim.lwaUrl } });
      await adapter.levels(['SKU-00']);
      const first = (await tokens.get('amazon:amazon'))?.accessToken;
      expect(sim.expireAccessTokens('amazon')).toBe(1);
      expect(await adapter.levels(['SKU-00'])).toEqual([{ sku: 'SKU-00', location: 'DEFAULT', shows: 20 }]);
      expect(calls('lwa.token')).toBe(2);
      // One success, one 403, one success after the refresh.
      expect(sb.world.state().calls.find((c) => c.endpoint === 'getListingsItem')).toMatchObject({
        count: 3,
        errors: 1,
      });
      expect((await tokens.get('amazon:amazon'))?.accessToken).not.toBe(first);
    } finally {
      await sim.close();
    }
  });

  it('turns a refused refresh token into AUTH_FAILED and calls no SP-API operation', async () => {
    const err = await failure(build({ credentials: { refreshToken: 'Atzr|revoked' } }).adapter.checkAccess());
    expect(err).toMatchObject({ code: 'AUTH_FAILED', kind: 'permanent', vendorCode: 'invalid_grant' });
    expect(err.message).toBe(
      'Amazon LWA refused the refresh token for channel amazon: re-authorise the app (channels[..].credentials.refreshToken)',
    );
    const client = await failure(
      build({ credentials: { clientSecret: 'wrong' } }).adapter.levels(['SKU-00']),
    );
    expect(client).toMatchObject({ code: 'AUTH_FAILED', vendorCode: 'invalid_client' });
    expect(client.message).toBe(
      "Amazon LWA refused the app's client credentials for channel amazon (invalid_client: Client authentication failed): check channels[..].credentials.clientId and clientSecret",
    );
    expect(calls('getInventorySummaries') + calls('getListingsItem')).toBe(0);
  });

  it('refuses an LWA answer that does not parse with BAD_RESPONSE', async () => {
    const fetchGarbage: typeof fetch = () =>
      Promise.resolve(new Response('{"access_token":""}', { status: 200 }));
    const err = await failure(build({ fetch: fetchGarbage }).adapter.checkAccess());
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', kind: 'permanent' });
    expect(err.message).toMatch(
      /^Channel amazon: Amazon LWA token refresh answered in an unexpected shape \(access_token: /,
    );
  });
});

// ---- reads ------------------------------------------------------------------------------------------------------

describe('levels', () => {
  it('reads FBM from the listing and FBA from the summaries: shows is fulfillable only, the rest is the breakdown', async () => {
    const { adapter } = build();
    const levels = await adapter.levels(['SKU-00', FBA_ONLY, 'SKU-00']);
    // 10 fulfillable of 78 units in Amazon's network (inbound 55, reserved 5, unfulfillable 7, researching 1).
    expect(levels).toEqual([{ sku: 'SKU-00', location: 'DEFAULT', shows: 20 }, mugLevel]);
    expect(calls('getListingsItem')).toBe(2);
    expect(calls('getInventorySummaries')).toBe(1);

    // What Amazon processed, after its own sales: an FBM sale lowers DEFAULT, an FBA sale lowers fulfillable.
    expect(sb.world.placeOrder({ channel: 'amazon', sku: 'SKU-00', qty: 3 })).toMatchObject({
      accepted: true,
    });
    expect(sb.world.placeOrder({ channel: 'amazon', sku: FBA_ONLY, qty: 4 })).toMatchObject({
      accepted: true,
    });
    expect(await adapter.levels(['SKU-00', FBA_ONLY])).toEqual([
      { sku: 'SKU-00', location: 'DEFAULT', shows: 17 },
      { ...mugLevel, shows: 6, fba: { ...mugLevel.fba, fulfillable: 6 } },
    ]);
  });

  it('reads no FBA stock when the channel has fba.enabled false', async () => {
    const cfg = channelConfig();
    const adapter = createAmazonAdapter(
      { ...cfg, fba: { enabled: false } },
      { tokens: new MemoryTokenStore() },
    );
    expect(await adapter.levels(['SKU-00', FBA_ONLY])).toEqual([
      { sku: 'SKU-00', location: 'DEFAULT', shows: 20 },
    ]);
    expect(calls('getInventorySummaries')).toBe(0);
  });

  it('throws UNLINKED_SKU for a SKU Amazon does not list', async () => {
    const err = await failure(build().adapter.levels(['SKU-00', NOT_LISTED]));
    expect(err).toMatchObject({ code: 'UNLINKED_SKU', kind: 'permanent', status: 404 });
    expect(err.message).toBe(
      'SKU NOT-LISTED is not listed on Amazon channel amazon: create the offer in Seller Central or remove the SKU from this channel',
    );
  });

  it('throws PERMISSION_DENIED for a 403 that is not an expired token', async () => {
    const err = await failure(
      build({ credentials: { sellerId: 'AOTHERSELLER' } }).adapter.levels(['SKU-00']),
    );
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', kind: 'permanent', status: 403 });
    expect(err.message).toBe(
      "SKU SKU-00 on amazon: Amazon denied getListingsItem (403 Unauthorized: Access to requested resource is denied.): check the channel's credentials.sellerId and that this seller authorised the app with the Inventory and Order Tracking and Product Listing roles",
    );
    expect(calls('lwa.token')).toBe(1); // not mistaken for an expired token: no second refresh
  });

  it('throws a retryable UPSTREAM_UNAVAILABLE for a 5xx', async () => {
    sb.world.setFaults({ system: 'amazon', endpoint: 'getListingsItem', errorRate: 1, status: 503 });
    const err = await failure(build().adapter.levels(['SKU-00']));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', kind: 'retryable', status: 503 });
    expect(err.message).toBe(
      'SKU SKU-00 on amazon: Amazon getListingsItem answered 503 (InternalFailure: We encountered an internal error. Please try again.)',
    );
  });
});

describe('throttling', () => {
  it('surfaces 429 QuotaExceeded as retryable RATE_LIMITED with 1000 / x-amzn-RateLimit-Limit ms', async () => {
    const { adapter } = build();
    await adapter.readAll(); // getInventorySummaries: 2 rps, burst 2
    await adapter.readAll();
    const summaries = await failure(adapter.readAll());
    expect(summaries).toMatchObject({
      code: 'RATE_LIMITED',
      kind: 'retryable',
      status: 429,
      vendorCode: 'QuotaExceeded',
      retryAfterMs: 500,
    });
    expect(summaries.message).toBe(
      'Channel amazon: Amazon getInventorySummaries rate limit reached (QuotaExceeded: You exceeded your quota for the requested resource.): retry in 500 ms',
    );
    // getListingsItem: 5 rps, burst 10; the 11th read in a row is throttled.
    const listings = await failure(adapter.levels(FBM.slice(0, 11)));
    expect(listings).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 200, context: { sku: 'SKU-10' } });
    expect(sb.world.state().calls.find((c) => c.endpoint === 'getListingsItem')).toMatchObject({
      count: 11,
      throttled: 1,
    });
    // Amazon may leave the header out: one second then.
    expect([rateLimitDelayMs(undefined), rateLimitDelayMs('0.0083'), rateLimitDelayMs('5')]).toEqual([
      1000, 120482, 200,
    ]);
  });
});

describe('readAll', () => {
  it('pages FBA summaries, then the FBM catalogue; keeps making progress under throttling', async () => {
    const { adapter } = build();
    const { items, pages, waits } = await readEverything(adapter);
    expect(items).toEqual([mugLevel, ...FBM.map((sku) => ({ sku, location: 'DEFAULT', shows: 20 }))]);
    // FBA page, then 16 catalogue SKUs at 10 a page; the burst of 10 runs out on the way, the page is cut short there
    // and the next call meets the 429 with its delay.
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(calls('getInventorySummaries')).toBe(1);
    // Every catalogue SKU was read once; the only extra calls are the throttled ones.
    const listings = sb.world.state().calls.find((c) => c.endpoint === 'getListingsItem');
    expect((listings?.count ?? 0) - (listings?.throttled ?? 0)).toBe(CATALOGUE.length);
    expect(listings?.throttled).toBeGreaterThanOrEqual(waits);
  });

  it('refuses a cursor it did not issue, and the FBM phase without a catalogue', async () => {
    const { adapter } = build();
    const bad = await failure(adapter.readAll('not-a-cursor'));
    expect(bad).toMatchObject({ code: 'INVALID_REQUEST', kind: 'permanent' });
    expect(bad.message).toBe(
      'readAll on Amazon channel amazon was given a cursor it did not issue: start again without one',
    );
    const cfg = channelConfig();
    const bare = createAmazonAdapter(cfg, { tokens: new MemoryTokenStore() });
    const fba = await bare.readAll();
    expect(fba.items).toEqual([mugLevel]);
    const fbm = await failure(bare.readAll(fba.next));
    expect(fbm.message).toBe(
      'readAll on Amazon channel amazon needs the SKU catalogue (options.catalogue): SP-API has no bulk FBM read here, so FBM quantities are read SKU by SKU',
    );
  });

  it('takes its catalogue from the ERP products, paged and cached (erpCatalogue)', async () => {
    let pages = 0;
    const erp = {
      products: (cursor?: string) => {
        pages += 1;
        const start = Number(cursor ?? 0);
        const items = CATALOGUE.slice(start, start + 5).map((sku, i) => ({ sku, id: String(start + i) }));
        const next = start + 5 < CATALOGUE.length ? String(start + 5) : undefined;
        return Promise.resolve({ items: [...items, { sku: '', id: 'blank' }], next });
      },
    };
    const catalogue = erpCatalogue(erp);
    expect(await catalogue()).toEqual(CATALOGUE);
    expect(await catalogue()).toEqual(CATALOGUE);
    expect(pages).toBe(4);
  });

  it('costs about one call per SKU: measured over the demo preset (rate limits off: 223 reads at 5 rps take 45 s)', async () => {
    sb.world.reset(demoSeed());
    sb.world.faults = [];
    const catalogue = sb.world.products.map((p) => p.sku);
    const cfg = channelConfig();
    const adapter = createAmazonAdapter(
      cfg,
      { tokens: new MemoryTokenStore() },
      { catalogue: () => Promise.resolve(catalogue), fbmPageSize: 50 },
    );
    const { items } = await readEverything(adapter);
    const fbaSkus = sb.world.channel('amazon').fba.length;
    expect(items.filter((l) => l.location === 'FBA')).toHaveLength(fbaSkus);
    expect(items.filter((l) => l.location === 'DEFAULT')).toHaveLength(
      sb.world.channel('amazon').listings.filter((l) => l.location === 'DEFAULT').length,
    );
    const skus = new Set(items.map((l) => l.sku)).size;
    const perThousand = Math.round((amazonCalls() / skus) * 1000);
    console.info(
      `Amazon readAll: ${amazonCalls()} calls (lwa.token ${calls('lwa.token')}, getInventorySummaries ${calls('getInventorySummaries')}, getListingsItem ${calls('getListingsItem')}) for ${skus} SKUs = ${perThousand} calls per 1,000 SKUs`,
    );
    expect(skus).toBeGreaterThanOrEqual(200);
    // One getListingsItem per catalogue SKU, one summaries call per 50 FBA SKUs, one token.
    expect(perThousand).toBeLessThanOrEqual(1_020);
  });
});

// ---- writes -----------------------------------------------------------------------------------------------------

describe('push: a few SKUs, patchListingsItem', () => {
  it('applies an ACCEPTED merge patch per SKU, and a retry with the same key does not apply twice', async () => {
    const { adapter } = build();
    const pushes = [
      { sku: 'SKU-00', location: 'DEFAULT', qty: 7 },
      { sku: 'SKU-01', location: 'DEFAULT', qty: 0 },
    ];
    const outcomes = await adapter.push(pushes, 'sku:SKU-00#1');
    expect(outcomes).toEqual([
      expect.objectContaining({ sku: 'SKU-00', location: 'DEFAULT', status: 'applied', shows: 7 }),
      expect.objectContaining({ sku: 'SKU-01', location: 'DEFAULT', status: 'applied', shows: 0 }),
    ]);
    expect(outcomes[0]?.message).toMatch(/^patchListingsItem ACCEPTED \(submission [0-9a-f-]{36}\)$/);
    expect([shows('SKU-00'), shows('SKU-01')]).toEqual([7, 0]);
    expect(calls('patchListingsItem')).toBe(2);

    // A sale lowers Amazon's count; the retried push must not put the sold unit back.
    expect(sb.world.placeOrder({ channel: 'amazon', sku: 'SKU-00', qty: 2 })).toMatchObject({
      accepted: true,
    });
    const again = await adapter.push(pushes, 'sku:SKU-00#1');
    expect(again.map((o) => [o.sku, o.status, o.message])).toEqual([
      ['SKU-00', 'applied', 'already applied under idempotency key sku:SKU-00#1; not sent again'],
      ['SKU-01', 'applied', 'already applied under idempotency key sku:SKU-00#1; not sent again'],
    ]);
    expect(shows('SKU-00')).toBe(5);
    expect(calls('patchListingsItem')).toBe(2);
  });

  it('answers an INVALID patch with a permanent UPSTREAM_REJECTED carrying Amazon’s issue', async () => {
    const err = await failure(
      build().adapter.push([{ sku: FBA_ONLY, location: 'DEFAULT', qty: 3 }], 'k-invalid'),
    );
    expect(err).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      kind: 'permanent',
      context: { sku: FBA_ONLY, location: 'DEFAULT', channel: 'amazon' },
    });
    expect(err.message).toBe(
      "SKU MUG-FBA at DEFAULT on amazon: Amazon rejected the quantity patch as INVALID. Amazon says: 90000900 SKU 'MUG-FBA' is fulfilled by Amazon; its quantity cannot be set with fulfillment_channel_code DEFAULT. Fix the listing in Seller Central or unlink the SKU from this channel.",
    );
    expect(sb.world.fba('amazon', FBA_ONLY)?.fulfillable).toBe(10);
  });

  it('throws UNLINKED_SKU for a SKU Amazon does not list', async () => {
    const err = await failure(build().adapter.push([{ sku: NOT_LISTED, location: 'DEFAULT', qty: 3 }], 'k'));
    expect(err).toMatchObject({ code: 'UNLINKED_SKU', status: 404 });
    expect(err.message).toMatch(/^SKU NOT-LISTED is not listed on Amazon channel amazon/);
  });

  it('stands in for compare-and-set by reading first: stale, applied, unchanged', async () => {
    const { adapter } = build();
    const [stale] = await adapter.push([{ sku: 'SKU-02', location: 'DEFAULT', qty: 15, expected: 18 }], 'k1');
    expect(stale).toEqual({
      sku: 'SKU-02',
      location: 'DEFAULT',
      status: 'stale',
      shows: 20,
      message:
        'Amazon shows 20, not the 18 invsync expected: 15 was not written; recompute from what Amazon shows',
    });
    expect(shows('SKU-02')).toBe(20);
    expect(calls('patchListingsItem')).toBe(0);
    const [applied] = await adapter.push(
      [{ sku: 'SKU-02', location: 'DEFAULT', qty: 15, expected: 20 }],
      'k2',
    );
    expect(applied).toMatchObject({ status: 'applied', shows: 15 });
    const [same] = await adapter.push([{ sku: 'SKU-02', location: 'DEFAULT', qty: 15, expected: 20 }], 'k3');
    expect(same).toEqual({ sku: 'SKU-02', location: 'DEFAULT', status: 'unchanged', shows: 15 });
    expect(calls('patchListingsItem')).toBe(1);
  });
});

describe('push: many SKUs, JSON_LISTINGS_FEED', () => {
  const many = (qty: (i: number) => number, skus = FBM.slice(0, 12)) =>
    skus.map((sku, i) => ({ sku, location: 'DEFAULT', qty: qty(i) }));

  it('sends one feed, reads its report, and a retry with the same key polls it instead of submitting again', async () => {
    const { adapter, tokens } = build();
    const pushes = [...many((i) => i + 1), { sku: 'SKU-12', location: 'DEFAULT', qty: 9, expected: 4 }];
    const outcomes = await adapter.push(pushes, 'reconcile:2025-01-01T00:00:00Z#0');
    expect(outcomes).toHaveLength(13);
    expect(outcomes.slice(0, 12).map((o) => [o.sku, o.status, o.shows])).toEqual(
      FBM.slice(0, 12).map((sku, i) => [sku, 'applied', i + 1]),
    );
    expect(outcomes[12]).toMatchObject({ sku: 'SKU-12', status: 'stale', shows: 20 });
    const feedId = /JSON_LISTINGS_FEED (\d+) message 1 accepted/.exec(outcomes[0]?.message ?? '')?.[1];
    expect(feedId).toBeDefined();
    expect(FBM.slice(0, 12).map(shows)).toEqual(FBM.slice(0, 12).map((_, i) => i + 1));
    expect(shows('SKU-12')).toBe(20);
    expect([calls('createFeedDocument'), calls('createFeed'), calls('patchListingsItem')]).toEqual([1, 1, 0]);
    expect(await tokens.get('amazon-feed:amazon:reconcile:2025-01-01T00:00:00Z#0')).toMatchObject({
      feedId,
      messages: FBM.slice(0, 12).map((sku, i) => ({ messageId: i + 1, sku, qty: i + 1 })),
    });

    expect(sb.world.placeOrder({ channel: 'amazon', sku: 'SKU-05', qty: 2 })).toMatchObject({
      accepted: true,
    });
    const again = await adapter.push(pushes, 'reconcile:2025-01-01T00:00:00Z#0');
    expect(again).toEqual(outcomes);
    expect(calls('createFeed')).toBe(1);
    expect(shows('SKU-05')).toBe(4); // 6 pushed, 2 sold: the retry did not push 6 again
  });

  it('answers INVALID messages with a permanent error listing the SKUs; the valid ones are applied', async () => {
    const pushes = [...many(() => 3, FBM.slice(0, 10)), { sku: FBA_ONLY, location: 'DEFAULT', qty: 3 }];
    const err = await failure(build().adapter.push(pushes, 'k-feed-invalid'));
    expect(err).toMatchObject({ code: 'UPSTREAM_REJECTED', kind: 'permanent', context: { sku: FBA_ONLY } });
    expect(err.message).toMatch(
      /^Amazon rejected the quantity messages of JSON_LISTINGS_FEED \d+ for 1 of 11 SKUs on channel amazon \(the other 10 were accepted\)\. SKU MUG-FBA: 90000900 SKU 'MUG-FBA' is fulfilled by Amazon; its quantity cannot be set with fulfillment_channel_code DEFAULT\. Fix the listing in Seller Central or unlink the SKU from this channel\.$/,
    );
    expect(FBM.slice(0, 10).map(shows)).toEqual(FBM.slice(0, 10).map(() => 3));
  });

  it('forgets a feed Amazon rejects whole (FATAL), so that a retry with the same key submits a new one', async () => {
    const { adapter } = build();
    // A lost S3 upload: Amazon finds no document and ends the feed FATAL.
    sb.world.setFaults({ system: 'amazon', endpoint: 's3.putFeedDocument', silentDropRate: 1 });
    const pushes = many(() => 4);
    const err = await failure(adapter.push(pushes, 'k-fatal'));
    expect(err).toMatchObject({ code: 'UPSTREAM_REJECTED', kind: 'permanent' });
    expect(err.message).toMatch(
      /^Amazon rejected JSON_LISTINGS_FEED \d+ on channel amazon as a whole \(FATAL\): The feed document was never uploaded\.; nothing was applied, and a retry submits a new feed$/,
    );
    expect(FBM.slice(0, 12).every((sku) => shows(sku) === 20)).toBe(true);
    sb.world.setFaults({ system: 'amazon', endpoint: 's3.putFeedDocument', silentDropRate: 0 });
    const outcomes = await adapter.push(pushes, 'k-fatal');
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(FBM.slice(0, 12).every((sku) => shows(sku) === 4)).toBe(true);
    expect(calls('createFeed')).toBe(2);
  });

  it('keeps the pre-reads a 429 interrupted: the retry resumes them and submits one feed', async () => {
    const { adapter } = build();
    // 12 reads against getListingsItem's burst of 10: the 11th is throttled before anything is submitted.
    const pushes = many(() => 2).map((p) => ({ ...p, expected: 20 }));
    let attempts = 0;
    let outcomes: PushOutcome[] | undefined;
    while (!outcomes) {
      attempts += 1;
      try {
        outcomes = await adapter.push(pushes, 'k-throttled');
      } catch (err) {
        if (!(err instanceof IntegrationError) || err.code !== 'RATE_LIMITED' || attempts > 10) throw err;
        await sleep(err.retryAfterMs ?? 1000);
      }
    }
    expect(attempts).toBeGreaterThan(1);
    expect(outcomes.map((o) => o.status)).toEqual(pushes.map(() => 'applied'));
    const reads = sb.world.state().calls.find((c) => c.endpoint === 'getListingsItem');
    expect((reads?.count ?? 0) - (reads?.throttled ?? 0)).toBe(12); // no SKU was read twice
    expect(calls('createFeed')).toBe(1);
  });

  it('throws a retryable TIMEOUT naming the feed when Amazon is slow; the retry polls that feed', async () => {
    const slow = build({ options: { feedWaitMs: 300 } });
    const pushes = many(() => 1);
    const err = await failure(slow.adapter.push(pushes, 'k-slow'));
    expect(err).toMatchObject({ code: 'TIMEOUT', kind: 'retryable', retryAfterMs: 250 });
    const feedId = /JSON_LISTINGS_FEED (\d+)/.exec(err.message)?.[1];
    expect(err.message).toBe(
      `Amazon has not finished JSON_LISTINGS_FEED ${feedId} on channel amazon after 0.3 s (IN_QUEUE): the retry with idempotency key k-slow polls feed ${feedId} again instead of submitting another`,
    );
    const patient = build({ tokens: slow.tokens });
    const outcomes = await patient.adapter.push(pushes, 'k-slow');
    expect(outcomes.every((o) => o.status === 'applied' && o.message?.includes(`${feedId} message`))).toBe(
      true,
    );
    expect(calls('createFeed')).toBe(1);
  });
});

describe('push: what is never written', () => {
  it('refuses FBA stock with WRITE_FORBIDDEN, in live and in shadow mode, before any call', async () => {
    for (const mode of ['live', 'shadow'] as const) {
      const err = await failure(
        build({ mode }).adapter.push(
          [
            { sku: 'SKU-00', location: 'DEFAULT', qty: 1 },
            { sku: FBA_ONLY, location: 'FBA', qty: 12 },
          ],
          'k',
        ),
      );
      expect(err).toMatchObject({ code: 'WRITE_FORBIDDEN', kind: 'permanent', context: { sku: FBA_ONLY } });
      expect(err.message).toBe(
        "FBA stock is Amazon's: invsync never pushes it (SKU MUG-FBA, channel amazon)",
      );
    }
    expect(amazonCalls()).toBe(0);
    const unmapped = await failure(
      build().adapter.push([{ sku: 'SKU-00', location: 'WH1/Stock', qty: 1 }], 'k'),
    );
    expect(unmapped).toMatchObject({ code: 'UNMAPPED_LOCATION' });
    expect(unmapped.message).toBe(
      'SKU SKU-00 at WH1/Stock on amazon: Amazon channel amazon has one writable location, DEFAULT (FBM); WH1/Stock is not an Amazon location',
    );
  });

  it('writes nothing in shadow mode and says what it would have sent', async () => {
    const { adapter } = build({ mode: 'shadow' });
    expect(adapter.mode).toBe('shadow');
    const few = await adapter.push([{ sku: 'SKU-00', location: 'DEFAULT', qty: 4, expected: 20 }], 'k');
    expect(few).toEqual([
      {
        sku: 'SKU-00',
        location: 'DEFAULT',
        status: 'shadow',
        message:
          'shadow mode: would set SKU SKU-00 at DEFAULT on amazon to 4 (patchListingsItem merge /attributes/fulfillment_availability, if Amazon still shows 20); nothing was sent',
      },
    ]);
    const bulk = await adapter.push(
      FBM.slice(0, 11).map((sku) => ({ sku, location: 'DEFAULT', qty: 1 })),
      'k',
    );
    expect(bulk.every((o) => o.status === 'shadow')).toBe(true);
    expect(bulk[10]?.message).toBe(
      'shadow mode: would set SKU SKU-10 at DEFAULT on amazon to 1 (message 11 of a JSON_LISTINGS_FEED of 11 SKUs); nothing was sent',
    );
    expect(amazonCalls()).toBe(0);
    expect(FBM.map(shows).every((s) => s === 20)).toBe(true);
  });
});
