/**
 * Mercado Libre orders, normalised to the engine's ChannelOrder: `GET /orders/{id}` (what an `orders_v2`
 * notification names), `GET /orders/search?seller=…&order.date_last_updated.from=…` for what changed since a
 * cursor, and each order's shipment (`GET /shipments/{id}`) to tell Full orders apart.
 *
 * - Location: a Full order (shipment `logistic_type` `fulfillment`) is Mercado Libre's stock: `meli_facility`,
 *   fulfillment `marketplace`. A multi-origin seller's order item names its store (`stock.store_id` / `node_id`),
 *   named as the config names it (locations.ts); any other order sells where a single-quantity listing shows its
 *   stock (the config's first location, normally `selling_address`).
 * - Status: `cancelled` is cancelled; an order with a claim in `mediations` (a customer return opens one) is
 *   returned; else open.
 * - Cursor: the ISO time the read started. The next read asks from `cursor - overlapMs`, so orders at the boundary
 *   come twice: callers dedupe.
 */
import { parseTimeCursor } from '../cursor';
import type { ChannelOrder } from '../../domain/events';
import { SYSTEM, type MlContext } from './errors';
import type { MlHttp } from './http';
import { FULL, SELLER_WAREHOUSE, type Locations } from './locations';
import { orderAnswer, orderSearchAnswer, shipmentAnswer, type OrderAnswer } from './schemas';
import { parse } from './wire';

export const ORDERS_OVERLAP_MS = 5_000;
/** The orders search answers at most 51 a page. */
const SEARCH_LIMIT = 51;

export interface OrdersDeps {
  http: MlHttp;
  channel: string;
  userId: string;
  locations: Locations;
  now: () => number;
  overlapMs: number;
}

/** `2015-07-01T00:00:00.000-00:00`, the form Mercado Libre's order filters are documented with. */
const mlFilterTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '-00:00');

export class MlOrders {
  constructor(private readonly d: OrdersDeps) {}

  private ctx(operation: string): MlContext {
    return { channel: this.d.channel, operation };
  }

  /** One order by id; undefined when Mercado Libre does not know it. */
  async order(orderId: string): Promise<ChannelOrder | undefined> {
    if (!/^\d+$/.test(orderId)) return undefined;
    const ctx = this.ctx('GET /orders/{id}');
    const res = await this.d.http.send({ method: 'GET', path: `/orders/${orderId}`, ctx, allow: [404] });
    if (res.status === 404) return undefined;
    return this.normalise(parse(orderAnswer, res.json, ctx));
  }

  async since(cursor: string | undefined): Promise<{ orders: ChannelOrder[]; cursor: string }> {
    const startedAt = this.d.now();
    const next = new Date(startedAt).toISOString();
    if (cursor === undefined) return { orders: [], cursor: next };
    const from =
      parseTimeCursor(cursor, { system: SYSTEM, ...this.ctx('GET /orders/search') }, 'Mercado Libre') -
      this.d.overlapMs;
    const ctx = this.ctx('GET /orders/search');
    const found: OrderAnswer[] = [];
    let total = 0;
    do {
      const q = new URLSearchParams({
        seller: this.d.userId,
        'order.date_last_updated.from': mlFilterTime(Math.min(from, startedAt)),
        sort: 'date_asc',
        offset: String(found.length),
        limit: String(SEARCH_LIMIT),
      });
      const page = await this.d.http.json(orderSearchAnswer, {
        method: 'GET',
        path: `/orders/search?${q.toString()}`,
        ctx,
      });
      found.push(...page.results);
      total = page.paging.total;
      if (page.results.length === 0) break;
    } while (found.length < total);
    const unique = [...new Map(found.map((o) => [o.id, o])).values()];
    const orders: ChannelOrder[] = [];
    for (const o of unique) orders.push(await this.normalise(o));
    return { orders, cursor: next };
  }

  /** Whether Mercado Libre ships the order from its own warehouse (Full). No shipment: the seller ships it. */
  private async full(o: OrderAnswer): Promise<boolean> {
    const id = o.shipping?.id;
    if (id === undefined || id === null) return false;
    const ctx = this.ctx('GET /shipments/{id}');
    const res = await this.d.http.send({ method: 'GET', path: `/shipments/${id}`, ctx, allow: [404] });
    if (res.status === 404) return false;
    return parse(shipmentAnswer, res.json, ctx).logistic_type === 'fulfillment';
  }

  private async normalise(o: OrderAnswer): Promise<ChannelOrder> {
    const full = await this.full(o);
    const store = o.order_items.find((i) => i.stock?.store_id || i.stock?.node_id)?.stock;
    const location = full
      ? FULL
      : store
        ? this.d.locations.nameOf({
            type: SELLER_WAREHOUSE,
            quantity: 0,
            store_id: store.store_id ?? null,
            network_node_id: store.node_id ?? null,
          })
        : this.d.locations.plain;
    return {
      channel: this.d.channel,
      orderId: o.id,
      location,
      fulfillment: full ? 'marketplace' : 'merchant',
      status: o.status === 'cancelled' ? 'cancelled' : (o.mediations ?? []).length > 0 ? 'returned' : 'open',
      lines: o.order_items.map((i) => ({
        sku: (i.item.seller_sku ?? i.item.seller_custom_field ?? '').trim(),
        qty: i.quantity,
      })),
      at: Date.parse(o.date_created),
    };
  }
}
