/**
 * The market: simulated shoppers placing orders at a steady rate across channels and SKUs. Popularity follows a
 * Zipf-like curve over the listed SKUs (a few hot SKUs take most orders, as in a flash sale), so stale channels
 * oversell the hot SKUs first. Returns the oracle's figures when done.
 */
import { sleep } from './http';
import { prng, type Oracle, type World } from './world';

export interface MarketRequest {
  ordersPerSecond: number;
  seconds: number;
  /** Only these SKUs (default: every SKU listed on a merchant-fulfilled channel location). */
  skus?: string[];
  /** Relative weight per channel id (default: equal). */
  channelMix?: Record<string, number>;
  /** Zipf exponent of SKU popularity (default 1.1). */
  skew?: number;
  /** After the run: `flush` ingests every pending order now (default), `none` leaves them to the ERP's lag. */
  settle?: 'flush' | 'none';
  seed?: number;
}

export interface MarketResult extends Oracle {
  ordersAttempted: number;
  ordersRejected: number;
  rejectedBecauseChannelShowedTooFew: number;
  seconds: number;
}

function pickWeighted<T>(items: readonly T[], weights: readonly number[], r: number): T {
  const total = weights.reduce((s, w) => s + w, 0);
  let x = r * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

export async function runMarket(
  world: World,
  req: MarketRequest,
  signal?: AbortSignal,
): Promise<MarketResult> {
  if (!(req.ordersPerSecond > 0) || !(req.seconds > 0))
    throw new Error('ordersPerSecond and seconds must be positive');
  const rand = prng(req.seed ?? 1234);
  const channels = [...world.channels.values()].filter(
    (c) => req.channelMix === undefined || (req.channelMix[c.id] ?? 0) > 0,
  );
  if (channels.length === 0) throw new Error('no channel to sell on');
  const channelWeights = channels.map((c) => req.channelMix?.[c.id] ?? 1);
  // Every SKU a shopper can buy from the merchant's stock, in catalogue order (earlier = more popular).
  const listed = [
    ...new Set(
      channels.flatMap((c) =>
        c.listings.filter((l) => l.location !== 'FBA' && l.location !== 'meli_facility').map((l) => l.sku),
      ),
    ),
  ];
  const skus = req.skus ?? listed;
  if (skus.length === 0) throw new Error('no SKU to buy');
  const skew = req.skew ?? 1.1;
  const skuWeights = skus.map((_, i) => 1 / (i + 1) ** skew);

  const total = Math.round(req.ordersPerSecond * req.seconds);
  const started = Date.now();
  let attempted = 0;
  let rejected = 0;
  let tooFew = 0;
  while (attempted < total && !signal?.aborted) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * req.ordersPerSecond) + 1);
    while (attempted < due) {
      attempted += 1;
      const ch = pickWeighted(channels, channelWeights, rand());
      const sku = pickWeighted(skus, skuWeights, rand());
      const locations = ch.listings
        .filter((l) => l.sku === sku && l.location !== 'FBA' && l.location !== 'meli_facility')
        .map((l) => l.location);
      if (locations.length === 0) {
        rejected += 1;
        continue;
      }
      const location = locations[Math.floor(rand() * locations.length)];
      const qty = rand() < 0.85 ? 1 : 2;
      const r = world.placeOrder({ channel: ch.id, sku, qty, ...(location ? { location } : {}) });
      if (!r.accepted) {
        rejected += 1;
        if (/shows/.test(r.reason)) tooFew += 1;
      }
    }
    await sleep(Math.max(1, Math.floor(1000 / req.ordersPerSecond / 2)));
  }
  if ((req.settle ?? 'flush') === 'flush') world.flushIngest();
  return {
    ...world.oracleView(),
    ordersAttempted: attempted,
    ordersRejected: rejected,
    rejectedBecauseChannelShowedTooFew: tooFew,
    seconds: (Date.now() - started) / 1000,
  };
}
