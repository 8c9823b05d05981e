/**
 * Writing quantities. Everything that can never be written is refused before anything is read or written (Full
 * stock, unmapped locations), then every SKU is resolved, then the writes go out:
 * - one quantity per listing: `PUT /items/{id}` with `available_quantity`, or `variations` (every variation id of
 *   the item is sent, the untouched ones without a quantity, because Mercado Libre drops variations a PUT omits);
 * - distributed stock: `PUT /user-products/{id}/stock/type/{selling_address|seller_warehouse}` with the x-version.
 *   A 409 (stale version) is answered by the protocol's one step: re-GET the stock once; if it shows something
 *   other than `expected`, the push is `stale` with what it shows; otherwise re-PUT once with the new version.
 *
 * Idempotency: Mercado Libre takes no idempotency key, and needs none here. Every write sets an absolute quantity,
 * and before writing, the adapter compares what the channel shows: a retried push whose first attempt landed finds
 * the target quantity already there and answers `unchanged` without writing; one whose target was overtaken by a
 * sale finds neither the target nor `expected` and answers `stale`. So a retry never applies twice, and the
 * caller's idempotency key is not sent anywhere.
 */
import { IntegrationError } from '../errors';
import type { ChannelPush, PushOutcome } from '../types';
import { mapLimit, type Catalog, type Listed } from './catalog';
import {
  fullForbidden,
  SYSTEM,
  unlinkedSku,
  unmappedLocation,
  versionConflict,
  type MlContext,
} from './errors';
import type { MlHttp } from './http';
import { distributed, type ReadDeps } from './levels';
import { FULL, SELLER_WAREHOUSE, SELLING_ADDRESS } from './locations';
import { item as itemSchema, type StockLocation } from './schemas';
import type { StockWrite, UpStock } from './stock';

export interface PushDeps extends ReadDeps {
  mode: 'live' | 'shadow';
  catalog: Catalog;
  http: MlHttp;
}

interface Entry {
  index: number;
  p: ChannelPush;
  l: Listed;
}

type Outcomes = (PushOutcome | undefined)[];

const ctxOf = (d: PushDeps, p: ChannelPush, operation = 'push'): MlContext => ({
  channel: d.channel,
  operation,
  sku: p.sku,
  location: p.location,
});

function invalid(d: PushDeps, p: ChannelPush, message: string): IntegrationError {
  return new IntegrationError({ system: SYSTEM, ...ctxOf(d, p), code: 'INVALID_REQUEST', message });
}

/** What can be decided without the network. */
function refuseUnwritable(pushes: readonly ChannelPush[], d: PushDeps): void {
  const seen = new Set<string>();
  for (const p of pushes) {
    const c = ctxOf(d, p);
    if (p.location === FULL) throw fullForbidden(p.sku, c);
    if (!d.locations.has(p.location))
      throw unmappedLocation(
        p.sku,
        p.location,
        c,
        `${p.location} is not a location of Mercado Libre channel ${d.channel}: map it in channels[].locations (selling_address, or the seller's warehouse stores)`,
      );
    if (!Number.isInteger(p.qty) || p.qty < 0)
      throw invalid(
        d,
        p,
        `SKU ${p.sku}: ${p.qty} is not a quantity Mercado Libre can show (a whole number >= 0)`,
      );
    const key = `${p.sku}\u0000${p.location}`;
    if (seen.has(key))
      throw invalid(
        d,
        p,
        `SKU ${p.sku} at ${p.location} appears twice in one push: send one quantity per SKU and location`,
      );
    seen.add(key);
  }
}

/** A write that must not (or need not) happen: the channel already shows the target, or not what was expected. */
function judge(p: ChannelPush, shows: number): PushOutcome | undefined {
  if (shows === p.qty) return { sku: p.sku, location: p.location, status: 'unchanged', shows };
  if (p.expected !== undefined && shows !== p.expected)
    return {
      sku: p.sku,
      location: p.location,
      status: 'stale',
      shows,
      message: `Mercado Libre shows ${shows}, not the expected ${p.expected}: recompute before writing`,
    };
  return undefined;
}

function itemBody(entries: readonly Entry[]): Record<string, unknown> {
  const first = entries[0];
  if (!first?.l.variation) return { available_quantity: first?.p.qty };
  return {
    variations: (first.l.item.variations ?? []).map((v) => {
      const w = entries.find((e) => e.l.variation?.id === v.id);
      return w ? { id: v.id, available_quantity: w.p.qty } : { id: v.id };
    }),
  };
}

async function writeItem(id: string, entries: readonly Entry[], out: Outcomes, d: PushDeps): Promise<void> {
  const writes = entries.filter((e) => {
    const verdict = judge(e.p, e.l.quantity);
    if (verdict) out[e.index] = verdict;
    return !verdict;
  });
  const first = writes[0];
  if (!first) return;
  const after = await d.http.json(itemSchema, {
    method: 'PUT',
    path: `/items/${encodeURIComponent(id)}`,
    json: itemBody(writes),
    ctx: ctxOf(d, first.p, 'PUT /items/{id}'),
  });
  for (const w of writes) {
    const shows = w.l.variation
      ? after.variations?.find((v) => v.id === w.l.variation?.id)?.available_quantity
      : after.available_quantity;
    out[w.index] = { sku: w.p.sku, location: w.p.location, status: 'applied', shows: shows ?? w.p.qty };
  }
}

/** The stock location a push targets, among the user product's (UNMAPPED_LOCATION when it has none there). */
function locate(up: string, s: UpStock, e: Entry, d: PushDeps): StockLocation {
  const loc = d.locations.find(s.locations, e.p.location);
  if (loc) return loc;
  throw unmappedLocation(
    e.p.sku,
    e.p.location,
    ctxOf(d, e.p),
    `user product ${up} holds no stock at ${e.p.location} (it has ${s.locations.map((l) => d.locations.nameOf(l)).join(', ') || 'none'})`,
  );
}

function stockBody(up: string, s: UpStock, first: Entry, rest: readonly Entry[], d: PushDeps): StockWrite {
  const head = { e: first, loc: locate(up, s, first, d) };
  const located = [head, ...rest.map((e) => ({ e, loc: locate(up, s, e, d) }))];
  if (head.loc.type === FULL) throw fullForbidden(first.p.sku, ctxOf(d, first.p));
  if (located.some((x) => x.loc.type !== head.loc.type))
    throw invalid(
      d,
      first.p,
      `user product ${up} mixes stock location types in one push: push them separately`,
    );
  if (head.loc.type === SELLING_ADDRESS) return { type: SELLING_ADDRESS, quantity: first.p.qty };
  if (head.loc.type === SELLER_WAREHOUSE)
    return {
      type: SELLER_WAREHOUSE,
      locations: located.map(({ e, loc }) => ({
        store_id: loc.store_id ?? undefined,
        network_node_id: loc.network_node_id ?? undefined,
        quantity: e.p.qty,
      })),
    };
  throw invalid(
    d,
    first.p,
    `user product ${up}: stock location type ${head.loc.type} is not one invsync writes`,
  );
}

/** The pushes that still need writing, judged against a fresh read. */
function sift(up: string, s: UpStock, entries: readonly Entry[], out: Outcomes, d: PushDeps): Entry[] {
  return entries.filter((e) => {
    const verdict = judge(e.p, locate(up, s, e, d).quantity);
    if (verdict) out[e.index] = verdict;
    return !verdict;
  });
}

/** One PUT for the pushes of one user product; false on 409. */
function putStock(
  up: string,
  s: UpStock,
  pending: readonly Entry[],
  c: MlContext,
  d: PushDeps,
): Promise<boolean> {
  const [first, ...rest] = pending;
  return first ? d.stock.write(up, stockBody(up, s, first, rest, d), s.version, c) : Promise.resolve(true);
}

async function writeUserProduct(
  up: string,
  entries: readonly Entry[],
  out: Outcomes,
  d: PushDeps,
): Promise<void> {
  const first = entries[0];
  if (!first) return;
  const c = ctxOf(d, first.p);
  // The remembered read is a valid compare-and-set base only if it matches what the caller expects: then a
  // successful PUT with its x-version proves the channel still showed exactly that.
  const memo = d.stock.remembered(up);
  const fits =
    memo !== undefined &&
    entries.every((e) => {
      const loc = d.locations.find(memo.locations, e.p.location);
      return loc !== undefined && (e.p.expected === undefined || loc.quantity === e.p.expected);
    });
  let s = fits ? memo : await d.stock.read(up, c);
  let pending = fits ? [...entries] : sift(up, s, entries, out, d);
  if (pending.length === 0) return;
  if (!(await putStock(up, s, pending, c, d))) {
    // 409, the protocol step: re-read once, judge again, re-write once.
    s = await d.stock.read(up, c);
    pending = sift(up, s, pending, out, d);
    if (pending.length === 0) return;
    if (!(await putStock(up, s, pending, c, d)))
      throw versionConflict({ ...c, operation: 'PUT /user-products/{id}/stock' });
  }
  for (const e of pending)
    out[e.index] = { sku: e.p.sku, location: e.p.location, status: 'applied', shows: e.p.qty };
}

function shadowOutcomes(items: Map<string, Entry[]>, ups: Map<string, Entry[]>, out: Outcomes): void {
  for (const [id, entries] of items)
    for (const e of entries)
      out[e.index] = {
        sku: e.p.sku,
        location: e.p.location,
        status: 'shadow',
        shows: e.l.quantity,
        message: `shadow mode: would PUT /items/${id} ${JSON.stringify(itemBody([e]))} (Mercado Libre shows ${e.l.quantity}${e.p.expected !== undefined ? `, expected ${e.p.expected}` : ''}); nothing was sent`,
      };
  for (const [id, entries] of ups)
    for (const e of entries) {
      const what =
        e.p.location === SELLING_ADDRESS
          ? `${SELLING_ADDRESS} ${JSON.stringify({ quantity: e.p.qty })}`
          : `${SELLER_WAREHOUSE} setting store ${e.p.location} to ${e.p.qty}`;
      out[e.index] = {
        sku: e.p.sku,
        location: e.p.location,
        status: 'shadow',
        message: `shadow mode: would PUT /user-products/${id}/stock/type/${what}, with the current x-version; nothing was sent`,
      };
    }
}

export async function pushStock(pushes: readonly ChannelPush[], d: PushDeps): Promise<PushOutcome[]> {
  if (pushes.length === 0) return [];
  refuseUnwritable(pushes, d);
  const listed = await d.catalog.resolve(
    pushes.map((p) => p.sku),
    'push',
  );
  const items = new Map<string, Entry[]>();
  const ups = new Map<string, Entry[]>();
  const add = (m: Map<string, Entry[]>, key: string, e: Entry) => m.set(key, [...(m.get(key) ?? []), e]);
  pushes.forEach((p, index) => {
    const c = ctxOf(d, p);
    const l = listed.get(p.sku);
    if (!l) throw unlinkedSku(p.sku, c);
    // Full only (or Full that cannot be split without a user product): none of it is the seller's to write.
    if (l.logistic === 'full' || (l.logistic === 'coexist' && l.userProductId === undefined))
      throw fullForbidden(p.sku, c);
    if (l.userProductId !== undefined && distributed(l, d.locations))
      add(ups, l.userProductId, { index, p, l });
    else if (p.location !== d.locations.plain)
      throw unmappedLocation(
        p.sku,
        p.location,
        c,
        `item ${l.item.id} holds one quantity, shown at ${d.locations.plain}: invsync writes it only there`,
      );
    else add(items, l.item.id, { index, p, l });
  });

  const out: Outcomes = new Array<PushOutcome | undefined>(pushes.length);
  if (d.mode === 'shadow') shadowOutcomes(items, ups, out);
  else {
    // Items ride the edge limit (1500/min): a few at once. User products have ~100/min: one at a time.
    await mapLimit([...items], 4, ([id, entries]) => writeItem(id, entries, out, d));
    for (const [up, entries] of ups) await writeUserProduct(up, entries, out, d);
  }
  return pushes.map((p, i) => {
    const o = out[i];
    if (o) return o;
    // Unreachable by construction; failing loudly beats reporting a push that was never judged.
    throw new IntegrationError({
      system: SYSTEM,
      ...ctxOf(d, p),
      code: 'BAD_RESPONSE',
      message: `${p.sku} at ${p.location}: the Mercado Libre adapter produced no outcome for this push (adapter bug)`,
    });
  });
}
