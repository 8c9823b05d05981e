/**
 * Stock reads. Availability is `stock.quant` quantity and reserved_quantity on internal locations under the
 * mapped locations (`child_of`), never the company-wide figure. Odoo keeps damaged units out of internal
 * locations (scrapped), so `damaged` is 0 here. Odoo deletes quants that reach zero: a SKU without a quant
 * at a location has zeros there.
 */
import type { ErpChanges, ErpStock, Page } from '../types';
import { afterId, findProduct, skusOf } from './catalog';
import { decodeCursor, encodeCursor, quantFingerprint, type FeedCursor } from './cursor';
import type { LocationIndex, OdooLocation } from './locations';
import { duplicateSku, unlinkedSku } from './problems';
import type { OdooRpc } from './rpc';
import { moveRow, productCodeRow, quantChangeRow, quantRow, searchRead } from './schemas';

type QuantRow = (typeof quantRow)['_output'];

const QUANT_FIELDS = ['product_id', 'location_id', 'quantity', 'reserved_quantity'];

/** How many quants / moves one change-feed poll reads at most; the cursor resumes after the last one read. */
export const FEED_LIMIT = 2000;

const internalUnder = (locs: readonly OdooLocation[]) => [
  ['location_id', 'child_of', locs.map((l) => l.id)],
  ['location_id.usage', '=', 'internal'],
];

/** Sums quants per (product, requested location), a quant counting for every requested ancestor. */
async function totals(
  index: LocationIndex,
  locs: readonly OdooLocation[],
  quants: readonly QuantRow[],
): Promise<Map<string, { onHand: number; reserved: number }>> {
  const ownersOf = await index.attribution(
    locs,
    quants.map((q) => q.location_id[0]),
  );
  const out = new Map<string, { onHand: number; reserved: number }>();
  for (const q of quants)
    for (const owner of ownersOf(q.location_id[0])) {
      const key = `${q.product_id[0]}:${owner.id}`;
      const t = out.get(key) ?? { onHand: 0, reserved: 0 };
      t.onHand += q.quantity;
      t.reserved += q.reserved_quantity;
      out.set(key, t);
    }
  return out;
}

export async function availability(
  rpc: OdooRpc,
  index: LocationIndex,
  sku: string,
  locations: readonly string[],
): Promise<ErpStock[]> {
  const op = 'availability';
  if (sku.trim() === '') throw unlinkedSku(sku, op);
  const locs = await index.resolve(locations, sku, op);
  if (locs.length === 0) return [];
  // One call when the SKU has stock; the product is looked up only to tell "no stock" from "no product".
  const quants = await searchRead(
    rpc,
    'stock.quant',
    [['product_id.default_code', '=', sku], ...internalUnder(locs)],
    QUANT_FIELDS,
    quantRow,
    { sku },
  );
  const productIds = [...new Set(quants.map((q) => q.product_id[0]))];
  if (productIds.length > 1) throw duplicateSku(sku, productIds, op);
  const productId = productIds[0] ?? (await findProduct(rpc, sku, op)).id;
  const sums = await totals(index, locs, quants);
  return locs.map((l) => {
    const t = sums.get(`${productId}:${l.id}`);
    return { sku, location: l.name, onHand: t?.onHand ?? 0, reserved: t?.reserved ?? 0, damaged: 0 };
  });
}

/** Products that hold stock: `type = 'product'` on 16/17; 18 made it `type = 'consu'` plus `is_storable`. */
export const storableDomain = (version: number): unknown[] =>
  version >= 18 ? [['is_storable', '=', true]] : [['type', '=', 'product']];

/**
 * Every storable product at the given locations, a page of products at a time (by product id): one read of the
 * products, one of their quants. Paging by product keeps all of a SKU's quants (child locations included) in one
 * page, so each (SKU, location) appears once, and a SKU with no quant is listed with zeros.
 */
export async function availabilityPage(
  rpc: OdooRpc,
  index: LocationIndex,
  locations: readonly string[],
  cursor: string | undefined,
  pageSize: number,
): Promise<Page<ErpStock>> {
  const op = 'availabilityPage';
  const after = afterId(cursor, op);
  const locs = await index.resolve(locations, undefined, op);
  if (locs.length === 0) return { items: [] };
  const version = await rpc.serverVersion();
  const products = await searchRead(
    rpc,
    'product.product',
    [['id', '>', after], ...storableDomain(version)],
    ['default_code'],
    productCodeRow,
    { limit: pageSize, order: 'id' },
  );
  if (products.length === 0) return { items: [] };
  const quants = await searchRead(
    rpc,
    'stock.quant',
    [['product_id', 'in', products.map((p) => p.id)], ...internalUnder(locs)],
    QUANT_FIELDS,
    quantRow,
  );
  const sums = await totals(index, locs, quants);
  const items: ErpStock[] = [];
  // A product without an Internal Reference cannot be named; products() reports it for the audit.
  for (const p of products) {
    if (!p.default_code) continue;
    for (const l of locs) {
      const t = sums.get(`${p.id}:${l.id}`);
      items.push({
        sku: p.default_code,
        location: l.name,
        onHand: t?.onHand ?? 0,
        reserved: t?.reserved ?? 0,
        damaged: 0,
      });
    }
  }
  const last = products[products.length - 1];
  return { items, next: products.length === pageSize && last ? String(last.id) : undefined };
}

/** "Now" for a feed that starts: the newest quant write and the newest done move, as Odoo dated them. */
async function startCursor(rpc: OdooRpc): Promise<FeedCursor> {
  const [quants, moves] = await Promise.all([
    searchRead(
      rpc,
      'stock.quant',
      [],
      ['product_id', 'quantity', 'reserved_quantity', 'write_date'],
      quantChangeRow,
      {
        limit: 100,
        order: 'write_date desc, id desc',
      },
    ),
    searchRead(rpc, 'stock.move', [['state', '=', 'done']], ['product_id', 'date'], moveRow, {
      limit: 1,
      order: 'date desc, id desc',
    }),
  ]);
  const w = quants[0]?.write_date ?? null;
  const move = moves[0];
  return {
    v: 1,
    w,
    q: quants.filter((r) => r.write_date === w).map((r) => [r.id, r.quantity, r.reserved_quantity]),
    d: move?.date ?? null,
    m: move?.id ?? 0,
  };
}

/**
 * SKUs whose stock changed since the cursor: quants written since (quantity or reservation), and done moves
 * since, which also name the SKUs whose quants Odoo deleted at zero. Without a cursor, starts now.
 */
export async function changesSince(rpc: OdooRpc, cursor: string | undefined): Promise<ErpChanges> {
  if (cursor === undefined || cursor === '')
    return { skus: [], cursor: encodeCursor(await startCursor(rpc)) };
  const c = decodeCursor(cursor);
  // write_date has one-second resolution: read the cursor's second again and skip the quants already seen as
  // they were, so a write later in that same second is not lost.
  const [quants, moves] = await Promise.all([
    searchRead(
      rpc,
      'stock.quant',
      c.w === null ? [] : [['write_date', '>=', c.w]],
      ['product_id', 'quantity', 'reserved_quantity', 'write_date'],
      quantChangeRow,
      { limit: FEED_LIMIT, order: 'write_date asc, id asc' },
    ),
    searchRead(
      rpc,
      'stock.move',
      c.d === null
        ? [['state', '=', 'done']]
        : [['state', '=', 'done'], '|', ['date', '>', c.d], '&', ['date', '=', c.d], ['id', '>', c.m]],
      ['product_id', 'date'],
      moveRow,
      { limit: FEED_LIMIT, order: 'date asc, id asc' },
    ),
  ]);
  // Odoo may keep sub-second precision behind the second it shows: drop moves at or before the cursor here.
  const since = c.d;
  const newMoves =
    since === null ? moves : moves.filter((mv) => mv.date > since || (mv.date === since && mv.id > c.m));
  const seen = new Set(c.q.map(([id, qty, reserved]) => quantFingerprint(id, qty, reserved)));
  const changed = quants.filter(
    (q) => q.write_date !== c.w || !seen.has(quantFingerprint(q.id, q.quantity, q.reserved_quantity)),
  );
  const productIds = [...new Set([...changed, ...newMoves].map((r) => r.product_id[0]))];
  const skuOf = await skusOf(rpc, productIds);
  const skus = [...new Set(productIds.flatMap((pid) => skuOf.get(pid) ?? []))].sort();

  const lastQuant = quants[quants.length - 1];
  const w = lastQuant?.write_date ?? c.w;
  const lastMove = moves[moves.length - 1];
  const next: FeedCursor = {
    v: 1,
    w,
    q: [
      // Still in the cursor's second: what was seen before stays seen.
      ...(w === c.w ? c.q.filter(([id]) => !quants.some((q) => q.id === id)) : []),
      ...quants
        .filter((q) => q.write_date === w)
        .map((q): [number, number, number] => [q.id, q.quantity, q.reserved_quantity]),
    ],
    d: lastMove?.date ?? c.d,
    m: lastMove?.id ?? c.m,
  };
  return { skus, cursor: encodeCursor(next) };
}
