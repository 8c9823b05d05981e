/**
 * Channel orders and listing look-ups through the real adapters against the sandbox: `order(id)` normalises what
 * each channel's API shows (lines, location, fulfillment, status), `ordersSince` starts at now and then returns
 * exactly what was created or changed, and `levelsByRef` turns a webhook's listing reference into what the channel
 * shows now. Orders are placed, cancelled and returned in the sandbox world, as a shopper would.
 */
import type { ChannelOrder } from '../../domain/events';
import { parseConfigObject } from '../../domain/config/parse';
import { createChannelAdapter } from '../../integrations';
import { isIntegrationError, type IntegrationError } from '../../integrations/errors';
import { MemoryTokenStore } from '../../integrations/token-store';
import type { ChannelAdapter } from '../../integrations/types';
import { startSandbox, type Sandbox } from '../../sandbox';
import { amazonOrderId } from '../../sandbox/simulators/amazon/format';
import { inventoryLevelBody } from '../../sandbox/simulators/shopify/webhooks';
import type { Listing } from '../../sandbox/world';
import { mercadoLibreSeed } from './support/mercadolibre-harness';

jest.setTimeout(60_000);

const L1 = 'gid://shopify/Location/1';
const L2 = 'gid://shopify/Location/2';
/** The adapters' default overlap (a few seconds before the cursor). */
const OVERLAP_MS = 5_000;

let sb: Sandbox;
const adapters = new Map<string, ChannelAdapter>();

beforeAll(async () => {
  sb = await startSandbox({ seed: mercadoLibreSeed(), secret: 'orders' });
  const parsed = parseConfigObject(sb.config(), {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const deps = { tokens: new MemoryTokenStore() };
  for (const ch of parsed.config.channels) adapters.set(ch.id, createChannelAdapter(ch, deps));
});

afterAll(async () => {
  await sb.close();
});

function adapter(id: string): ChannelAdapter {
  const a = adapters.get(id);
  if (!a) throw new Error(`no adapter for ${id}`);
  return a;
}

/** A listing of the channel that shows at least `qty` units. */
function stocked(channel: string, ok: (l: Listing) => boolean, qty = 3): Listing {
  const l = sb.world.channel(channel).listings.find((x) => x.shows >= qty && ok(x));
  if (!l) throw new Error(`no listing on ${channel} with ${qty} units`);
  return l;
}

/** A shopper buys; returns the world's order id. */
function place(channel: string, sku: string, qty: number, location?: string): string {
  const r = sb.world.placeOrder({ channel, sku, qty, ...(location ? { location } : {}) });
  if (!r.accepted) throw new Error(r.reason);
  return r.orderId;
}

/** The id the channel's API gives the world's order (Amazon numbers orders its own way). */
const channelId = (channel: string, worldId: string): string =>
  channel === 'amazon' ? amazonOrderId(channel, worldId) : worldId;

const createdAt = (channel: string, worldId: string): number =>
  sb.world.channelOrder(channel, worldId).createdAt;
/** Shopify and Amazon write times to the second. */
const toSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (e) {
    if (isIntegrationError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('order(id)', () => {
  test('Shopify: the fulfillment location, the lines, then returned and cancelled', async () => {
    const a = adapter('shopify');
    const l = stocked('shopify', (x) => x.location === L2);
    const id = place('shopify', l.sku, 2, L2);
    const expected: ChannelOrder = {
      channel: 'shopify',
      orderId: id,
      location: L2,
      fulfillment: 'merchant',
      status: 'open',
      lines: [{ sku: l.sku, qty: 2 }],
      at: toSecond(createdAt('shopify', id)),
    };
    expect(await a.order(id)).toEqual(expected);
    // The gid GraphQL speaks names the same order.
    expect(await a.order(`gid://shopify/Order/${id}`)).toEqual(expected);

    sb.world.returnOrder({ channel: 'shopify', orderId: id, qty: 1 });
    expect(await a.order(id)).toEqual({ ...expected, status: 'returned' });

    const other = stocked('shopify', (x) => x.location === L1);
    const cancelled = place('shopify', other.sku, 1, L1);
    sb.world.cancel({ channel: 'shopify', orderId: cancelled });
    expect(await a.order(cancelled)).toMatchObject({
      orderId: cancelled,
      location: L1,
      status: 'cancelled',
      lines: [{ sku: other.sku, qty: 1 }],
    });

    expect(await a.order('987654321')).toBeUndefined();
    expect(await a.order('not-an-id')).toBeUndefined();
  });

  test('Amazon: FBM at DEFAULT, FBA at FBA (the marketplace fulfils it), cancelled', async () => {
    const a = adapter('amazon');
    const fbm = stocked('amazon', (x) => x.location === 'DEFAULT');
    const id = place('amazon', fbm.sku, 2);
    expect(await a.order(amazonOrderId('amazon', id))).toEqual({
      channel: 'amazon',
      orderId: amazonOrderId('amazon', id),
      location: 'DEFAULT',
      fulfillment: 'merchant',
      status: 'open',
      lines: [{ sku: fbm.sku, qty: 2 }],
      at: toSecond(createdAt('amazon', id)),
    });

    const fba = sb.world.channel('amazon').fba.find((f) => f.fulfillable >= 2);
    if (!fba) throw new Error('no FBA stock');
    const fbaId = place('amazon', fba.sku, 1);
    expect(await a.order(amazonOrderId('amazon', fbaId))).toEqual({
      channel: 'amazon',
      orderId: amazonOrderId('amazon', fbaId),
      location: 'FBA',
      fulfillment: 'marketplace',
      status: 'open',
      lines: [{ sku: fba.sku, qty: 1 }],
      at: toSecond(createdAt('amazon', fbaId)),
    });

    sb.world.cancel({ channel: 'amazon', orderId: id });
    expect(await a.order(amazonOrderId('amazon', id))).toMatchObject({ status: 'cancelled' });

    expect(await a.order('111-1111111-1111111')).toBeUndefined();
    // Not an Amazon order id at all (the world's own number): nothing Amazon could know.
    expect(await a.order(id)).toBeUndefined();
  });

  test('Mercado Libre: selling_address, Full at meli_facility, a multi-origin store, returned and cancelled', async () => {
    const ml = adapter('mercadolibre');
    const plain = stocked('mercadolibre', (x) => !x.full);
    const id = place('mercadolibre', plain.sku, 2);
    const expected: ChannelOrder = {
      channel: 'mercadolibre',
      orderId: id,
      location: 'selling_address',
      fulfillment: 'merchant',
      status: 'open',
      lines: [{ sku: plain.sku, qty: 2 }],
      at: createdAt('mercadolibre', id),
    };
    expect(await ml.order(id)).toEqual(expected);
    sb.world.returnOrder({ channel: 'mercadolibre', orderId: id, qty: 1 });
    expect(await ml.order(id)).toEqual({ ...expected, status: 'returned' });

    const full = stocked('mercadolibre', (x) => x.full === true, 1);
    const fullId = place('mercadolibre', full.sku, 1);
    expect(await ml.order(fullId)).toEqual({
      channel: 'mercadolibre',
      orderId: fullId,
      location: 'meli_facility',
      fulfillment: 'marketplace',
      status: 'open',
      lines: [{ sku: full.sku, qty: 1 }],
      at: createdAt('mercadolibre', fullId),
    });

    // Full + the seller's address on one item: the shipment tells which stock sold.
    const own = place('meli-x', 'CAP-RED-S', 1, 'selling_address');
    const fromFull = place('meli-x', 'CAP-RED-S', 1, 'meli_facility');
    expect(await adapter('meli-x').order(own)).toMatchObject({
      location: 'selling_address',
      fulfillment: 'merchant',
    });
    expect(await adapter('meli-x').order(fromFull)).toMatchObject({
      location: 'meli_facility',
      fulfillment: 'marketplace',
    });

    // A multi-origin seller: the order names the warehouse store it sells from.
    const store = place('meli-wh', 'HOODIE-RED-S', 1, 'MXP2');
    expect(await adapter('meli-wh').order(store)).toMatchObject({
      orderId: store,
      location: 'MXP2',
      fulfillment: 'merchant',
      lines: [{ sku: 'HOODIE-RED-S', qty: 1 }],
    });

    const cancelled = place('mercadolibre', plain.sku, 1);
    sb.world.cancel({ channel: 'mercadolibre', orderId: cancelled });
    expect(await ml.order(cancelled)).toMatchObject({ status: 'cancelled', location: 'selling_address' });

    expect(await ml.order('99999999')).toBeUndefined();
    expect(await ml.order('MLM-not-an-order')).toBeUndefined();
  });
});

describe('ordersSince(cursor)', () => {
  const CHANNELS = ['shopify', 'amazon', 'mercadolibre'] as const;
  const sellable = (channel: string) =>
    stocked(channel, (x) => (channel === 'shopify' ? x.location === L1 : !x.full && x.location !== 'FBA'), 6);

  test('no cursor: none, from now; then exactly the orders created or changed since, and the cursor advances', async () => {
    // Before the poll starts: one order that stays as it is, one that will be cancelled, one that will come back.
    const before = new Map(
      CHANNELS.map((ch) => {
        const sku = sellable(ch).sku;
        return [
          ch,
          { sku, kept: place(ch, sku, 1), cancelled: place(ch, sku, 1), returned: place(ch, sku, 1) },
        ];
      }),
    );
    // Older than the overlap (and than Shopify's and Amazon's one-second precision).
    await sleep(OVERLAP_MS + 2_000);

    const t0 = Date.now();
    const starts = await Promise.all(CHANNELS.map((ch) => adapter(ch).ordersSince()));
    for (const s of starts) {
      expect(s.orders).toEqual([]);
      expect(Date.parse(s.cursor)).toBeGreaterThanOrEqual(t0 - 1000);
      expect(Date.parse(s.cursor)).toBeLessThanOrEqual(Date.now());
    }

    const expected = new Map<string, Map<string, ChannelOrder['status']>>();
    for (const ch of CHANNELS) {
      const b = before.get(ch);
      if (!b) throw new Error(ch);
      const created = place(ch, b.sku, 2);
      sb.world.cancel({ channel: ch, orderId: b.cancelled });
      sb.world.returnOrder({ channel: ch, orderId: b.returned });
      expect(sb.world.channelOrder(ch, b.kept).status).toBe('open');
      expected.set(
        ch,
        new Map([
          [channelId(ch, created), 'open'],
          [channelId(ch, b.cancelled), 'cancelled'],
          // Amazon's Orders API does not show returns: the order stays open there, but it did change.
          [channelId(ch, b.returned), ch === 'amazon' ? 'open' : 'returned'],
        ]),
      );
    }
    // Amazon answers up to the second it covered: a second later the answer covers everything above.
    await sleep(1_100);

    const nexts = await Promise.all(CHANNELS.map((ch, i) => adapter(ch).ordersSince(starts[i]?.cursor)));
    CHANNELS.forEach((ch, i) => {
      const next = nexts[i];
      const start = starts[i];
      if (!next || !start) throw new Error(ch);
      expect([ch, new Map(next.orders.map((o) => [o.orderId, o.status]))]).toEqual([ch, expected.get(ch)]);
      for (const o of next.orders) expect(o.channel).toBe(ch);
      expect(Date.parse(next.cursor)).toBeGreaterThan(Date.parse(start.cursor));
    });

    // Read again right away: the overlap may repeat some of them (callers dedupe), never an older order.
    const again = await Promise.all(CHANNELS.map((ch, i) => adapter(ch).ordersSince(nexts[i]?.cursor)));
    CHANNELS.forEach((ch, i) => {
      for (const o of again[i]?.orders ?? [])
        expect([ch, expected.get(ch)?.has(o.orderId)]).toEqual([ch, true]);
    });
  });

  test('a cursor the adapter did not issue is refused as INVALID_REQUEST', async () => {
    for (const ch of CHANNELS) {
      const e = await failure(adapter(ch).ordersSince('yesterday'));
      expect([ch, e.code, e.retryable]).toEqual([ch, 'INVALID_REQUEST', false]);
    }
  });
});

describe('levelsByRef', () => {
  test("Shopify: an inventory_levels/update webhook's ids give that level now, mapped to the config's location", async () => {
    const a = adapter('shopify');
    const listing = stocked('shopify', (x) => x.location === L2);
    // The body the simulator sends for this level (REST: numeric inventory_item_id and location_id).
    const body = inventoryLevelBody(listing) as {
      inventory_item_id: number;
      location_id: number;
      available: number;
    };
    const ref = { item: String(body.inventory_item_id), location: String(body.location_id) };
    expect(await a.levelsByRef?.(ref)).toEqual([{ sku: listing.sku, location: L2, shows: body.available }]);

    place('shopify', listing.sku, 2, L2);
    expect(await a.levelsByRef?.(ref)).toEqual([
      { sku: listing.sku, location: L2, shows: body.available - 2 },
    ]);

    // The gids GraphQL speaks name the same level.
    expect(await a.levelsByRef?.({ item: listing.ids.inventoryItem ?? '', location: L2 })).toEqual([
      { sku: listing.sku, location: L2, shows: body.available - 2 },
    ]);
    // Without a location: every configured level of the item.
    const l1 = sb.world.listing('shopify', listing.sku, L1);
    expect(await a.levelsByRef?.({ item: ref.item })).toEqual([
      { sku: listing.sku, location: L1, shows: l1?.shows },
      { sku: listing.sku, location: L2, shows: body.available - 2 },
    ]);
    // A location the item is not stocked at, an item Shopify does not know: nothing.
    expect(await a.levelsByRef?.({ item: ref.item, location: '3' })).toEqual([]);
    expect(await a.levelsByRef?.({ item: '987654321', location: ref.location })).toEqual([]);
    const bad = await failure(a.levelsByRef?.({ item: 'TSHIRT' }) ?? Promise.resolve());
    expect([bad.code, bad.retryable]).toEqual(['INVALID_REQUEST', false]);
  });

  test("Mercado Libre: an items notification's item gives every SKU and location, Full read-only", async () => {
    const ml = adapter('mercadolibre');
    const plain = stocked('mercadolibre', (x) => !x.full, 1);
    const full = stocked('mercadolibre', (x) => x.full === true, 1);
    expect(await ml.levelsByRef?.({ item: plain.ids.item ?? '' })).toEqual([
      { sku: plain.sku, location: 'selling_address', shows: plain.shows },
    ]);
    expect(await ml.levelsByRef?.({ item: full.ids.item ?? '' })).toEqual([
      { sku: full.sku, location: 'meli_facility', shows: full.shows, readOnly: 'full' },
    ]);

    const shows = (ch: string, sku: string, location: string) => sb.world.listing(ch, sku, location)?.shows;
    const x = adapter('meli-x');
    // Variations: one level per SKU of the item.
    expect(await x.levelsByRef?.({ item: 'MLM501' })).toEqual([
      {
        sku: 'TSHIRT-BLUE-M',
        location: 'selling_address',
        shows: shows('meli-x', 'TSHIRT-BLUE-M', 'selling_address'),
      },
      {
        sku: 'TSHIRT-BLUE-L',
        location: 'selling_address',
        shows: shows('meli-x', 'TSHIRT-BLUE-L', 'selling_address'),
      },
    ]);
    // Full + the seller's address: both stocks of the one user product.
    expect(await x.levelsByRef?.({ item: 'MLM503' })).toEqual([
      {
        sku: 'CAP-RED-S',
        location: 'selling_address',
        shows: shows('meli-x', 'CAP-RED-S', 'selling_address'),
      },
      {
        sku: 'CAP-RED-S',
        location: 'meli_facility',
        shows: shows('meli-x', 'CAP-RED-S', 'meli_facility'),
        readOnly: 'full',
      },
    ]);
    // A multi-origin seller: one level per warehouse store.
    expect(await adapter('meli-wh').levelsByRef?.({ item: 'MLM600' })).toEqual([
      { sku: 'HOODIE-RED-S', location: 'MXP1', shows: shows('meli-wh', 'HOODIE-RED-S', 'MXP1') },
      { sku: 'HOODIE-RED-S', location: 'MXP2', shows: shows('meli-wh', 'HOODIE-RED-S', 'MXP2') },
    ]);

    expect(await ml.levelsByRef?.({ item: 'MLM1' })).toEqual([]);
    const bad = await failure(ml.levelsByRef?.({ item: '/items/MLM1' }) ?? Promise.resolve());
    expect([bad.code, bad.retryable]).toEqual(['INVALID_REQUEST', false]);
  });

  test('Amazon has none: its notifications carry the SKU and the quantity', () => {
    expect(adapter('amazon').levelsByRef).toBeUndefined();
  });
});
