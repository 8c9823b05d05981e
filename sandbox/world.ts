/**
 * The sandbox's one in-process model of the physical truth: ERP stock and orders, what every channel shows, the
 * channels' own orders, Amazon FBA inventory, and the oversell oracle. Every simulator (Odoo, NetSuite, Shopify,
 * Amazon, Mercado Libre) reads and writes this model, so the oracle sees exactly what the systems did.
 *
 * The oracle: an order is oversold when the units it takes cannot be covered by the stock that was physically at
 * the ERP locations serving that channel (after earlier accepted orders), counted when the ERP ingests it;
 * `oversoldUnits` is the shortfall.
 */
import { EventEmitter } from 'node:events';
import { seedSchema, type Seed, type SeedInput } from './seed';
import { amazonOrderId } from './ids';

export type SystemName = 'odoo' | 'netsuite' | 'shopify' | 'amazon' | 'mercadolibre' | 'admin';
export type ChannelKind = 'shopify' | 'amazon' | 'mercadolibre';

export interface Qty {
  onHand: number;
  reserved: number;
  damaged: number;
}

export interface ErpProduct {
  id: number;
  sku: string;
  barcode?: string | undefined;
  name: string;
  writeDate: number;
}

export interface ErpLocation {
  id: string;
  numericId: number;
  warehouse: string;
  warehouseId: number;
  sellable: boolean;
}

/** One done stock move: the ERP's change feed (Odoo stock.move, NetSuite transactions). */
export interface StockMove {
  id: number;
  sku: string;
  from: string | null;
  to: string | null;
  qty: number;
  at: number;
  kind: 'sale' | 'adjust' | 'transfer' | 'receipt' | 'return' | 'reserve' | 'unreserve';
  reference?: string | undefined;
}

export type ErpOrderStatus = 'pending-ingest' | 'reserved' | 'shipped' | 'cancelled';

export interface ErpOrderLine {
  sku: string;
  qty: number;
  /** Where the ERP reserved each unit (a line may be split over the locations serving the channel). */
  allocations: { location: string; qty: number }[];
  /** Units no serving location could cover when the order was ingested. */
  shortfall: number;
}

export interface ErpOrder {
  id: number;
  channel: string;
  orderId: string;
  /** What the shopper bought (a kit SKU is exploded into component lines). */
  sku: string;
  qty: number;
  /** How the ERP shows it has an order: `client_order_ref` (Odoo) / `otherrefnum` (NetSuite). */
  reference: string;
  /** `<channel>:<world order id>` (equal to `reference` except where the channel shows its own ids, e.g. Amazon). */
  worldRef: string;
  status: ErpOrderStatus;
  lines: ErpOrderLine[];
  createdAt: number;
  ingestedAt?: number;
  writeDate: number;
}

export interface Listing {
  sku: string;
  /** Channel location id (Shopify location gid, `DEFAULT` for Amazon FBM, ML `selling_address`, `FBA`, `meli_facility`). */
  location: string;
  shows: number;
  fulfillment?: 'FBM' | 'FBA';
  full?: boolean;
  /** Channel-side ids, assigned at reset (variant/inventory item, ML item and user product). */
  ids: Record<string, string>;
  /** Bumped on every change: Mercado Libre's x-version, Shopify's updatedAt. */
  version: number;
  updatedAt: number;
}

export interface FbaInventory {
  sku: string;
  fulfillable: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  reserved: number;
  unfulfillable: number;
  researching: number;
  /** Customer returns waiting for Amazon's inspection (reported inside reserved: fcProcessing). */
  pendingInspection: number;
  updatedAt: number;
}

export type ChannelOrderStatus = 'open' | 'cancelled' | 'returned';

export interface ChannelOrder {
  id: string;
  channel: string;
  sku: string;
  qty: number;
  location: string;
  fulfillment: 'merchant' | 'FBA' | 'Full';
  status: ChannelOrderStatus;
  createdAt: number;
  updatedAt: number;
  returnedQty: number;
}

export interface ChannelState {
  id: string;
  kind: ChannelKind;
  /** Channel location -> ERP locations that fulfil its orders. */
  locations: { id: string; erpLocations: string[] }[];
  listings: Listing[];
  fba: FbaInventory[];
  orders: ChannelOrder[];
}

export interface FaultSpec {
  system: SystemName;
  endpoint?: string | undefined;
  latencyMs?: number | undefined;
  errorRate?: number | undefined;
  status?: number | undefined;
  rateLimits?: 'off' | 'production' | undefined;
  silentDropRate?: number | undefined;
  webhookLossRate?: number | undefined;
  webhookDuplicateRate?: number | undefined;
  webhookReorder?: boolean | undefined;
}

export interface CallStats {
  system: string;
  endpoint: string;
  count: number;
  throttled: number;
  errors: number;
}

export interface OracleSku {
  sku: string;
  unitsAccepted: number;
  oversoldUnits: number;
}

export interface Oracle {
  ordersAccepted: number;
  unitsAccepted: number;
  oversoldUnits: number;
  oversoldOrders: number;
  bySku: OracleSku[];
}

/** Channel and ERP events that the simulators turn into webhooks/notifications. */
export type WorldEvent =
  | { type: 'order.created'; channel: string; order: ChannelOrder }
  | { type: 'order.cancelled'; channel: string; order: ChannelOrder }
  | { type: 'order.returned'; channel: string; order: ChannelOrder; qty: number }
  | { type: 'listing.changed'; channel: string; listing: Listing; by: 'api' | 'person' | 'sale' | 'restock' }
  | { type: 'fba.changed'; channel: string; fba: FbaInventory }
  | { type: 'erp.changed'; skus: string[]; reason: string }
  | { type: 'reset' };

/** A deterministic PRNG (mulberry32): fault injection and the market are reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SandboxError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const avail = (q: Qty): number => Math.max(0, q.onHand - q.reserved - q.damaged);

export class World {
  /** World events, for the simulators' webhooks and notifications (`on('event', fn)` / `off`). */
  private readonly events = new EventEmitter<{ event: [WorldEvent] }>();
  kind: 'odoo' | 'netsuite' = 'odoo';
  ingestLagMs = 30_000;
  shipLagMs: number | null = null;
  locations = new Map<string, ErpLocation>();
  products: ErpProduct[] = [];
  stock = new Map<string, Map<string, Qty>>();
  /** Last change per `sku\0location` (Odoo quant write_date, NetSuite lastmodifieddate). */
  stockWriteDate = new Map<string, number>();
  kits: Seed['erp']['kits'] = [];
  moves: StockMove[] = [];
  erpOrders: ErpOrder[] = [];
  /** Idempotency references of applied ERP writes -> the result they returned. */
  appliedRefs = new Map<string, unknown>();
  channels = new Map<string, ChannelState>();
  faults: FaultSpec[] = [];
  random: () => number;
  private calls = new Map<string, CallStats>();
  private oracleBySku = new Map<string, OracleSku>();
  private oracle = { ordersAccepted: 0, unitsAccepted: 0, oversoldUnits: 0, oversoldOrders: 0 };
  private timers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private orderSeq = 1000;
  /** First channel order number after a reset (a dev stack reusing a Temporal database starts past the last run's). */
  orderIdStart = 1000;

  constructor(
    seed?: SeedInput,
    readonly now: () => number = Date.now,
    randomSeed = 42,
  ) {
    this.events.setMaxListeners(50);
    this.random = prng(randomSeed);
    if (seed) this.reset(seed);
  }

  /** Replaces everything with the seed: catalogue, stock, channels, listings, FBA; clears orders and counters. */
  reset(input: SeedInput): void {
    const seed = seedSchema.parse(input);
    this.clearTimers();
    const t = this.now();
    this.kind = seed.erp.kind;
    this.ingestLagMs = seed.erp.ingestLagMs;
    this.shipLagMs = seed.erp.shipLagMs;
    this.locations.clear();
    const warehouses = new Map<string, number>();
    seed.erp.locations.forEach((l, i) => {
      if (!warehouses.has(l.warehouse)) warehouses.set(l.warehouse, warehouses.size + 1);
      this.locations.set(l.id, {
        id: l.id,
        numericId: 100 + i,
        warehouse: l.warehouse,
        warehouseId: warehouses.get(l.warehouse) as number,
        sellable: l.sellable,
      });
    });
    this.products = seed.erp.products.map((p, i) => ({
      id: i + 1,
      sku: p.sku,
      barcode: p.barcode,
      name: p.name ?? (p.sku || `Product ${i + 1}`),
      writeDate: t,
    }));
    this.stock.clear();
    this.stockWriteDate.clear();
    for (const s of seed.erp.stock) {
      if (!this.locations.has(s.location))
        throw new SandboxError(`seed stock for ${s.sku} at unknown location "${s.location}"`);
      this.qty(s.sku, s.location).onHand += s.onHand;
      this.qty(s.sku, s.location).reserved += s.reserved;
      this.qty(s.sku, s.location).damaged += s.damaged;
      this.stockWriteDate.set(`${s.sku}\u0000${s.location}`, t);
    }
    this.kits = seed.erp.kits;
    this.moves = [];
    this.erpOrders = [];
    this.appliedRefs.clear();
    this.channels.clear();
    let idSeq = 1;
    for (const ch of seed.channels) {
      const state: ChannelState = {
        id: ch.id,
        kind: ch.kind,
        locations:
          ch.kind === 'amazon' ? [{ id: 'DEFAULT', erpLocations: ch.fbmErpLocations }] : ch.locations,
        listings: [],
        fba: [],
        orders: [],
      };
      const mk = (sku: string, shows: number): Listing => ({
        sku,
        location: 'DEFAULT',
        shows,
        ids: {},
        version: 1,
        updatedAt: t,
      });
      if (ch.kind === 'shopify')
        for (const l of ch.listings) {
          const n = idSeq++;
          // One variant (and inventory item) per SKU; one inventory level per (item, location).
          const existing = state.listings.find((x) => x.sku === l.sku);
          state.listings.push({
            ...mk(l.sku, l.shows),
            location: l.location,
            ids: existing
              ? { ...existing.ids }
              : {
                  variant: `gid://shopify/ProductVariant/${n}`,
                  inventoryItem: `gid://shopify/InventoryItem/${n}`,
                  product: `gid://shopify/Product/${n}`,
                },
          });
        }
      else if (ch.kind === 'amazon')
        for (const l of ch.listings) {
          const n = idSeq++;
          state.listings.push({
            ...mk(l.sku, l.shows),
            fulfillment: l.fulfillment,
            location: l.fulfillment === 'FBA' ? 'FBA' : 'DEFAULT',
            ids: { asin: `B0${String(n).padStart(8, '0')}`, fnsku: `X00${String(n).padStart(7, '0')}` },
          });
        }
      else
        for (const l of ch.listings) {
          const n = idSeq++;
          state.listings.push({
            ...mk(l.sku, l.shows),
            location: l.full ? 'meli_facility' : l.location,
            full: l.full,
            ids: { item: l.itemId ?? `MLM${900000 + n}`, userProduct: `MLMU${700000 + n}` },
          });
        }
      if (ch.kind === 'amazon') state.fba = ch.fba.map((f) => ({ ...f, pendingInspection: 0, updatedAt: t }));
      this.channels.set(ch.id, state);
    }
    this.calls.clear();
    this.oracleBySku.clear();
    this.oracle = { ordersAccepted: 0, unitsAccepted: 0, oversoldUnits: 0, oversoldOrders: 0 };
    this.orderSeq = this.orderIdStart;
    this.emit('event', { type: 'reset' });
  }

  on(_event: 'event', fn: (e: WorldEvent) => void): this {
    this.events.on('event', fn);
    return this;
  }

  off(_event: 'event', fn: (e: WorldEvent) => void): this {
    this.events.off('event', fn);
    return this;
  }

  emit(_event: 'event', e: WorldEvent): void {
    this.events.emit('event', e);
  }

  // ---- ERP ----------------------------------------------------------------------------------------------

  qty(sku: string, location: string): Qty {
    let bySku = this.stock.get(sku);
    if (!bySku) this.stock.set(sku, (bySku = new Map()));
    let q = bySku.get(location);
    if (!q) bySku.set(location, (q = { onHand: 0, reserved: 0, damaged: 0 }));
    return q;
  }

  available(sku: string, location: string): number {
    return avail(this.qty(sku, location));
  }

  product(sku: string): ErpProduct | undefined {
    return this.products.find((p) => p.sku === sku);
  }

  private touch(sku: string, location: string): void {
    this.stockWriteDate.set(`${sku}\u0000${location}`, this.now());
  }

  private move(m: Omit<StockMove, 'id' | 'at'>): StockMove {
    const full = { ...m, id: this.nextId++, at: this.now() };
    this.moves.push(full);
    return full;
  }

  /** Runs an ERP write once per idempotency reference; a repeat returns the first result and changes nothing. */
  once<T>(reference: string | undefined, apply: () => T): { result: T; replayed: boolean } {
    if (reference !== undefined && this.appliedRefs.has(reference))
      return { result: this.appliedRefs.get(reference) as T, replayed: true };
    const result = apply();
    if (reference !== undefined) this.appliedRefs.set(reference, result);
    return { result, replayed: false };
  }

  /** A stock adjustment (a count, a receipt, damage): `delta` or `set` on on-hand or damaged. */
  adjust(a: {
    sku: string;
    location: string;
    delta?: number;
    set?: number;
    field?: 'onHand' | 'damaged';
    reference?: string;
    reason?: string;
  }): { moveId: number; qty: Qty; replayed: boolean } {
    if (!this.locations.has(a.location)) throw new SandboxError(`unknown ERP location "${a.location}"`, 404);
    if (!this.product(a.sku)) throw new SandboxError(`unknown SKU "${a.sku}"`, 404);
    const { result, replayed } = this.once(a.reference, () => {
      const q = this.qty(a.sku, a.location);
      const field = a.field ?? 'onHand';
      const before = q[field];
      const after = a.set !== undefined ? a.set : before + (a.delta ?? 0);
      if (after < 0) throw new SandboxError(`${a.sku} at ${a.location}: ${field} would be ${after}`, 422);
      q[field] = after;
      this.touch(a.sku, a.location);
      const diff = after - before;
      const m = this.move({
        sku: a.sku,
        from: diff < 0 ? a.location : null,
        to: diff >= 0 ? a.location : null,
        qty: Math.abs(diff),
        kind: a.reason === 'return' ? 'return' : 'adjust',
        reference: a.reference,
      });
      this.emit('event', { type: 'erp.changed', skus: [a.sku], reason: a.reason ?? 'adjust' });
      return { moveId: m.id, qty: { ...q } };
    });
    return { ...result, replayed };
  }

  /** Moves on-hand stock between ERP locations (an internal transfer, validated). */
  transfer(t: { sku: string; qty: number; from: string; to: string; reference?: string }): {
    moveId: number;
    replayed: boolean;
  } {
    for (const l of [t.from, t.to])
      if (!this.locations.has(l)) throw new SandboxError(`unknown ERP location "${l}"`, 404);
    if (!this.product(t.sku)) throw new SandboxError(`unknown SKU "${t.sku}"`, 404);
    if (!(t.qty > 0)) throw new SandboxError('qty must be positive', 422);
    const { result, replayed } = this.once(t.reference, () => {
      const src = this.qty(t.sku, t.from);
      if (avail(src) < t.qty)
        throw new SandboxError(
          `${t.sku}: only ${avail(src)} available at ${t.from}, cannot move ${t.qty}`,
          422,
        );
      src.onHand -= t.qty;
      this.qty(t.sku, t.to).onHand += t.qty;
      this.touch(t.sku, t.from);
      this.touch(t.sku, t.to);
      const m = this.move({
        sku: t.sku,
        from: t.from,
        to: t.to,
        qty: t.qty,
        kind: 'transfer',
        reference: t.reference,
      });
      this.emit('event', { type: 'erp.changed', skus: [t.sku], reason: 'transfer' });
      return { moveId: m.id };
    });
    return { ...result, replayed };
  }

  /** An ERP order by its reference as the channel shows the order, or by `<channel>:<world order id>`. */
  erpOrder(reference: string): ErpOrder | undefined {
    return this.erpOrders.find((o) => o.reference === reference || o.worldRef === reference);
  }

  private components(sku: string, qty: number): { sku: string; qty: number }[] {
    const kit = this.kits.find((k) => k.sku === sku);
    return kit ? kit.components.map((c) => ({ sku: c.sku, qty: c.qty * qty })) : [{ sku, qty }];
  }

  /** The ERP ingests a channel order: reserves at the locations serving that channel; the oracle counts shortfalls. */
  private ingest(order: ErpOrder, serving: string[]): void {
    if (order.status !== 'pending-ingest') return;
    for (const line of order.lines) {
      let need = line.qty;
      // The ERP reserves from the serving location with the most available first, then the next.
      const byAvail = [...serving].sort((a, b) => this.available(line.sku, b) - this.available(line.sku, a));
      for (const loc of byAvail) {
        if (need === 0) break;
        const take = Math.min(need, this.available(line.sku, loc));
        if (take <= 0) continue;
        this.qty(line.sku, loc).reserved += take;
        this.touch(line.sku, loc);
        line.allocations.push({ location: loc, qty: take });
        this.move({
          sku: line.sku,
          from: loc,
          to: null,
          qty: take,
          kind: 'reserve',
          reference: order.reference,
        });
        need -= take;
      }
      line.shortfall = need;
    }
    // Oversold units are counted in the SKU the shopper bought: for a kit, the kits its components cannot make up.
    const covered = Math.min(
      ...order.lines.map((l) => Math.floor((l.qty - l.shortfall) / (l.qty / order.qty))),
    );
    const orderShort = order.qty - Math.max(0, Math.min(order.qty, covered));
    this.oracleSku(order.sku).oversoldUnits += orderShort;
    if (orderShort > 0) {
      this.oracle.oversoldUnits += orderShort;
      this.oracle.oversoldOrders += 1;
    }
    order.status = 'reserved';
    order.ingestedAt = this.now();
    order.writeDate = this.now();
    this.emit('event', {
      type: 'erp.changed',
      skus: order.lines.map((l) => l.sku),
      reason: `order ${order.reference} ingested`,
    });
    if (this.shipLagMs !== null) this.later(this.shipLagMs, () => this.ship(order));
  }

  /** Reserved stock leaves the warehouse. */
  ship(order: ErpOrder): void {
    if (order.status !== 'reserved') return;
    for (const line of order.lines)
      for (const a of line.allocations) {
        const q = this.qty(line.sku, a.location);
        q.reserved -= a.qty;
        q.onHand -= a.qty;
        this.touch(line.sku, a.location);
        this.move({
          sku: line.sku,
          from: a.location,
          to: null,
          qty: a.qty,
          kind: 'sale',
          reference: order.reference,
        });
      }
    order.status = 'shipped';
    order.writeDate = this.now();
    this.emit('event', {
      type: 'erp.changed',
      skus: order.lines.map((l) => l.sku),
      reason: `order ${order.reference} shipped`,
    });
  }

  private oracleSku(sku: string): OracleSku {
    let o = this.oracleBySku.get(sku);
    if (!o) this.oracleBySku.set(sku, (o = { sku, unitsAccepted: 0, oversoldUnits: 0 }));
    return o;
  }

  // ---- channels -----------------------------------------------------------------------------------------

  channel(id: string): ChannelState {
    const ch = this.channels.get(id);
    if (!ch) throw new SandboxError(`unknown channel "${id}"`, 404);
    return ch;
  }

  listing(channelId: string, sku: string, location?: string): Listing | undefined {
    const ch = this.channel(channelId);
    return ch.listings.find(
      (l) =>
        l.sku === sku &&
        (location === undefined
          ? l.location !== 'FBA' && l.location !== 'meli_facility'
          : l.location === location),
    );
  }

  /** A channel's own count changes (an API write, a person, a sale, a restock). */
  setShows(
    channelId: string,
    listing: Listing,
    shows: number,
    by: 'api' | 'person' | 'sale' | 'restock',
  ): void {
    listing.shows = Math.max(0, Math.trunc(shows));
    listing.version += 1;
    listing.updatedAt = this.now();
    this.emit('event', { type: 'listing.changed', channel: channelId, listing, by });
  }

  /** The ERP locations that fulfil a channel location's orders (none for FBA / Full, the marketplace's stock). */
  serving(channelId: string, location: string): string[] {
    return this.channel(channelId).locations.find((l) => l.id === location)?.erpLocations ?? [];
  }

  fba(channelId: string, sku: string): FbaInventory | undefined {
    return this.channel(channelId).fba.find((f) => f.sku === sku);
  }

  /**
   * A shopper buys: the channel accepts only if it shows enough (as the real one does), lowers its own count,
   * announces the order, and the ERP ingests it after `ingestLagMs`. FBA and Full orders are the marketplace's
   * stock and never reach the ERP.
   */
  placeOrder(o: {
    channel: string;
    sku: string;
    qty: number;
    location?: string;
  }): { accepted: true; orderId: string } | { accepted: false; reason: string } {
    const ch = this.channel(o.channel);
    if (!(o.qty > 0)) throw new SandboxError('qty must be positive', 422);
    const candidates = ch.listings.filter(
      (l) => l.sku === o.sku && (o.location === undefined || l.location === o.location),
    );
    if (candidates.length === 0)
      return {
        accepted: false,
        reason: `${o.sku} is not listed on ${o.channel}${o.location ? ` at ${o.location}` : ''}`,
      };
    const t = this.now();
    const fbaRow = ch.kind === 'amazon' ? this.fba(o.channel, o.sku) : undefined;
    // A merchant listing that shows enough, else FBA (Amazon sells from FBA when the offer is FBA).
    const listing =
      candidates.find((l) => l.location !== 'FBA' && l.shows >= o.qty) ??
      candidates.find((l) => l.location === 'FBA');
    if (listing?.location === 'FBA') {
      if (!fbaRow || fbaRow.fulfillable < o.qty)
        return { accepted: false, reason: `FBA has ${fbaRow?.fulfillable ?? 0} fulfillable` };
      fbaRow.fulfillable -= o.qty;
      fbaRow.updatedAt = t;
      listing.shows = fbaRow.fulfillable;
      const order = this.newOrder(ch, o.sku, o.qty, 'FBA', 'FBA');
      this.emit('event', { type: 'fba.changed', channel: ch.id, fba: fbaRow });
      this.emit('event', { type: 'order.created', channel: ch.id, order });
      return { accepted: true, orderId: order.id };
    }
    if (!listing) {
      const best = Math.max(...candidates.map((l) => l.shows));
      return { accepted: false, reason: `${o.channel} shows ${best} of ${o.sku}, ${o.qty} wanted` };
    }
    this.setShows(ch.id, listing, listing.shows - o.qty, 'sale');
    const fulfillment = listing.location === 'meli_facility' ? 'Full' : 'merchant';
    const order = this.newOrder(ch, o.sku, o.qty, listing.location, fulfillment);
    this.emit('event', { type: 'order.created', channel: ch.id, order });
    if (fulfillment === 'merchant') {
      const serving = this.serving(ch.id, listing.location);
      const erp: ErpOrder = {
        id: this.nextId++,
        channel: ch.id,
        orderId: order.id,
        sku: o.sku,
        qty: o.qty,
        // The ERP records the order id the channel shows (Amazon's own ids, not the world's numbers).
        reference: `${ch.id}:${ch.kind === 'amazon' ? amazonOrderId(ch.id, order.id) : order.id}`,
        worldRef: `${ch.id}:${order.id}`,
        status: 'pending-ingest',
        lines: this.components(o.sku, o.qty).map((c) => ({ ...c, allocations: [], shortfall: 0 })),
        createdAt: t,
        writeDate: t,
      };
      this.erpOrders.push(erp);
      this.later(this.ingestLagMs, () => this.ingest(erp, serving));
    }
    return { accepted: true, orderId: order.id };
  }

  private newOrder(
    ch: ChannelState,
    sku: string,
    qty: number,
    location: string,
    fulfillment: ChannelOrder['fulfillment'],
  ): ChannelOrder {
    const t = this.now();
    const order: ChannelOrder = {
      id: String(this.orderSeq++),
      channel: ch.id,
      sku,
      qty,
      location,
      fulfillment,
      status: 'open',
      createdAt: t,
      updatedAt: t,
      returnedQty: 0,
    };
    ch.orders.push(order);
    this.oracle.ordersAccepted += 1;
    this.oracle.unitsAccepted += qty;
    this.oracleSku(sku).unitsAccepted += qty;
    return order;
  }

  channelOrder(channelId: string, orderId: string): ChannelOrder {
    const order = this.channel(channelId).orders.find((o) => o.id === orderId);
    if (!order) throw new SandboxError(`order ${orderId} not found on ${channelId}`, 404);
    return order;
  }

  /** The shopper or merchant cancels: the channel restocks its count, the ERP releases (or never ingests) the order. */
  cancel(c: { channel: string; orderId: string }): ChannelOrder {
    const order = this.channelOrder(c.channel, c.orderId);
    if (order.status !== 'open') throw new SandboxError(`order ${c.orderId} is ${order.status}`, 409);
    order.status = 'cancelled';
    order.updatedAt = this.now();
    const ch = this.channel(c.channel);
    if (order.fulfillment === 'FBA') {
      const f = this.fba(c.channel, order.sku);
      if (f) {
        f.fulfillable += order.qty;
        f.updatedAt = this.now();
        const fbaListing = ch.listings.find((l) => l.sku === order.sku && l.location === 'FBA');
        if (fbaListing) fbaListing.shows = f.fulfillable;
        this.emit('event', { type: 'fba.changed', channel: ch.id, fba: f });
      }
    } else {
      const listing = ch.listings.find((l) => l.sku === order.sku && l.location === order.location);
      if (listing) this.setShows(ch.id, listing, listing.shows + order.qty, 'restock');
    }
    const erp = this.erpOrder(`${c.channel}:${c.orderId}`);
    if (erp && erp.status !== 'cancelled' && erp.status !== 'shipped') {
      for (const line of erp.lines)
        for (const a of line.allocations) {
          this.qty(line.sku, a.location).reserved -= a.qty;
          this.touch(line.sku, a.location);
          this.move({
            sku: line.sku,
            from: null,
            to: a.location,
            qty: a.qty,
            kind: 'unreserve',
            reference: erp.reference,
          });
        }
      erp.status = 'cancelled';
      erp.writeDate = this.now();
      this.emit('event', {
        type: 'erp.changed',
        skus: erp.lines.map((l) => l.sku),
        reason: `order ${erp.reference} cancelled`,
      });
    }
    this.emit('event', { type: 'order.cancelled', channel: c.channel, order });
    return order;
  }

  /**
   * A customer return. Merchant orders: the units come back into the ERP at `location` (default: the first location
   * serving the channel), as on-hand or damaged; the ERP ships the order first if it had not. FBA orders: the units
   * wait for Amazon's inspection (`POST /_sandbox/fba/event`).
   */
  returnOrder(r: {
    channel: string;
    orderId: string;
    qty?: number;
    location?: string;
    condition?: 'sellable' | 'damaged';
  }): ChannelOrder {
    const order = this.channelOrder(r.channel, r.orderId);
    if (order.status === 'cancelled')
      throw new SandboxError(`order ${order.id} is cancelled: nothing to return`, 409);
    const qty = r.qty ?? order.qty - order.returnedQty;
    if (qty <= 0 || order.returnedQty + qty > order.qty)
      throw new SandboxError(
        `cannot return ${qty} of order ${order.id} (${order.qty - order.returnedQty} left)`,
        422,
      );
    order.returnedQty += qty;
    order.status = 'returned';
    order.updatedAt = this.now();
    if (order.fulfillment === 'FBA') {
      const f = this.fba(r.channel, order.sku);
      if (f) {
        f.pendingInspection += qty;
        f.updatedAt = this.now();
        this.emit('event', { type: 'fba.changed', channel: r.channel, fba: f });
      }
    } else if (order.fulfillment === 'merchant') {
      const erp = this.erpOrder(`${r.channel}:${r.orderId}`);
      const serving = this.serving(r.channel, order.location);
      if (erp?.status === 'pending-ingest') this.ingest(erp, serving);
      if (erp?.status === 'reserved') this.ship(erp);
      const location = r.location ?? serving[0];
      if (!location) throw new SandboxError(`no ERP location to return into`, 422);
      for (const c of this.components(order.sku, qty))
        this.adjust({
          sku: c.sku,
          location,
          delta: c.qty,
          field: r.condition === 'damaged' ? 'damaged' : 'onHand',
          reason: 'return',
          reference: `return:${r.channel}:${r.orderId}:${order.returnedQty}:${c.sku}`,
        });
      if (r.condition === 'damaged')
        for (const c of this.components(order.sku, qty)) this.qty(c.sku, location).onHand += c.qty;
    }
    this.emit('event', { type: 'order.returned', channel: r.channel, order, qty });
    return order;
  }

  /** Amazon FBA events: inbound shipped/received, receiving done, customer return, inspection result. */
  fbaEvent(e: {
    channel: string;
    sku: string;
    type: 'inbound-shipped' | 'inbound-received' | 'receiving-complete' | 'customer-return' | 'inspection';
    qty: number;
    result?: 'sellable' | 'unfulfillable';
  }): FbaInventory {
    const ch = this.channel(e.channel);
    if (ch.kind !== 'amazon') throw new SandboxError(`${e.channel} is not an Amazon channel`, 422);
    let f = this.fba(e.channel, e.sku);
    if (!f) {
      f = {
        sku: e.sku,
        fulfillable: 0,
        inboundWorking: 0,
        inboundShipped: 0,
        inboundReceiving: 0,
        reserved: 0,
        unfulfillable: 0,
        researching: 0,
        pendingInspection: 0,
        updatedAt: this.now(),
      };
      ch.fba.push(f);
    }
    const take = (field: 'inboundShipped' | 'inboundReceiving' | 'pendingInspection', n: number) => {
      if (f[field] < n) throw new SandboxError(`${e.sku}: only ${f[field]} ${field}`, 422);
      f[field] -= n;
    };
    switch (e.type) {
      case 'inbound-shipped':
        f.inboundShipped += e.qty;
        break;
      case 'inbound-received':
        take('inboundShipped', e.qty);
        f.inboundReceiving += e.qty;
        break;
      case 'receiving-complete':
        take('inboundReceiving', e.qty);
        f.fulfillable += e.qty;
        break;
      case 'customer-return':
        f.pendingInspection += e.qty;
        break;
      case 'inspection':
        take('pendingInspection', e.qty);
        if (e.result === 'sellable') f.fulfillable += e.qty;
        else f.unfulfillable += e.qty;
        break;
    }
    f.updatedAt = this.now();
    const listing = ch.listings.find((l) => l.sku === e.sku && l.location === 'FBA');
    if (listing) listing.shows = f.fulfillable;
    this.emit('event', { type: 'fba.changed', channel: e.channel, fba: f });
    return f;
  }

  // ---- faults, accounting, timers -----------------------------------------------------------------------

  clearFaults(): void {
    this.faults = [];
  }

  setFaults(spec: FaultSpec): void {
    this.faults = this.faults.filter((f) => !(f.system === spec.system && f.endpoint === spec.endpoint));
    this.faults.push(spec);
  }

  /** The fault in force for a system endpoint: an endpoint-specific spec overrides the system-wide one field by field. */
  fault(system: SystemName, endpoint?: string): FaultSpec {
    const wide = this.faults.find((f) => f.system === system && f.endpoint === undefined);
    const specific =
      endpoint === undefined
        ? undefined
        : this.faults.find((f) => f.system === system && f.endpoint === endpoint);
    return { system, ...wide, ...specific };
  }

  chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  recordCall(system: string, endpoint: string, outcome: 'ok' | 'throttled' | 'error'): void {
    const key = `${system} ${endpoint}`;
    let s = this.calls.get(key);
    if (!s) this.calls.set(key, (s = { system, endpoint, count: 0, throttled: 0, errors: 0 }));
    s.count += 1;
    if (outcome === 'throttled') s.throttled += 1;
    if (outcome === 'error') s.errors += 1;
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Ingests every order still waiting for the ERP now (tests and the end of a market run). */
  flushIngest(): void {
    for (const o of this.erpOrders)
      if (o.status === 'pending-ingest') {
        const co = this.channel(o.channel).orders.find((x) => x.id === o.orderId);
        this.ingest(o, co ? this.serving(o.channel, co.location) : []);
      }
  }

  // ---- state --------------------------------------------------------------------------------------------

  oracleView(): Oracle {
    return {
      ...this.oracle,
      bySku: [...this.oracleBySku.values()].sort(
        (a, b) => b.oversoldUnits - a.oversoldUnits || a.sku.localeCompare(b.sku),
      ),
    };
  }

  /** `GET /_sandbox/state`: the truth. */
  state() {
    const stock: { sku: string; location: string; onHand: number; reserved: number; damaged: number }[] = [];
    for (const [sku, byLoc] of this.stock)
      for (const [location, q] of byLoc) stock.push({ sku, location, ...q });
    stock.sort((a, b) => a.sku.localeCompare(b.sku) || a.location.localeCompare(b.location));
    const channels: Record<string, unknown> = {};
    for (const ch of this.channels.values())
      channels[ch.id] = {
        kind: ch.kind,
        listings: ch.listings.map((l) => ({
          sku: l.sku,
          location: l.location,
          shows: l.shows,
          ...(l.fulfillment ? { fulfillment: l.fulfillment } : {}),
          ...(l.full !== undefined ? { full: l.full } : {}),
        })),
        ...(ch.kind === 'amazon' ? { fba: ch.fba.map(({ updatedAt: _u, ...f }) => f) } : {}),
        orders: ch.orders.map((o) => ({
          orderId: o.id,
          sku: o.sku,
          qty: o.qty,
          location: o.location,
          status: o.status,
          fulfillment: o.fulfillment,
        })),
      };
    return {
      erp: {
        kind: this.kind,
        stock,
        orders: this.erpOrders.map((o) => ({
          channel: o.channel,
          orderId: o.orderId,
          status: o.status,
          lines: o.lines.map((l) => ({
            sku: l.sku,
            qty: l.qty,
            shortfall: l.shortfall,
            allocations: l.allocations,
          })),
        })),
      },
      channels,
      oracle: this.oracleView(),
      calls: [...this.calls.values()].sort(
        (a, b) => a.system.localeCompare(b.system) || a.endpoint.localeCompare(b.endpoint),
      ),
    };
  }
}
