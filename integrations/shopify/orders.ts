/**
 * Shopify orders, normalised to the engine's ChannelOrder. `order(id)` reads one order by its id (the numeric id
 * webhooks carry, or its gid); `ordersSince(cursor)` lists the orders updated since a time with
 * `orders(query: "updated_at:>='…'", sortKey: UPDATED_AT)`, oldest change first.
 *
 * - location: the location of the order's fulfillment order (Shopify assigns each order to the location that
 *   fulfils it); a configured one is preferred when an order is split; '' when Shopify assigned none.
 * - status: `cancelledAt` set is cancelled; units refunded on a refund's line items is returned; else open.
 * - lines: the line items' SKU and the quantity bought.
 * - cursor: the ISO time the read started. The next read asks from `cursor - overlapMs` (Shopify filters at
 *   one-second precision and clocks differ a little), so orders at the boundary come twice: callers dedupe.
 */
import { parseTimeCursor } from '../cursor';
import type { ChannelOrder, ChannelOrderLine } from '../../domain/events';
import type { ShopifyGraphql } from './client';
import type { LocationFilter } from './locations';
import { ORDER, ORDER_LINES, ORDERS, type DataOf, type OrderNode } from './operations';

export interface OrdersOptions {
  channel: string;
  now: () => number;
  /** How far before the cursor a read starts (default ORDERS_OVERLAP_MS). */
  overlapMs: number;
  /** Orders per page (each costs about 60 points). */
  pageSize: number;
  /** At most this many orders per ordersSince call; the rest come with the next call. */
  maxOrders: number;
}

export const ORDERS_OVERLAP_MS = 5_000;
const LINES_PAGE = 50;

/** A numeric id (webhooks, REST) as the gid GraphQL takes; a gid is kept. */
export function toGid(type: string, id: string): string {
  return id.startsWith('gid://') ? id : `gid://shopify/${type}/${id}`;
}

/** `updated_at:>='2026-01-02T03:04:05Z'`: Shopify's search syntax, at its one-second precision. */
export function updatedSince(ms: number): string {
  return `updated_at:>='${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

export class Orders {
  constructor(
    private readonly gql: ShopifyGraphql,
    private readonly locations: LocationFilter,
    private readonly o: OrdersOptions,
  ) {}

  async order(orderId: string): Promise<ChannelOrder | undefined> {
    if (!/^\d+$/.test(orderId) && !orderId.startsWith('gid://shopify/Order/')) return undefined;
    const node = (await this.gql.run(ORDER, { id: toGid('Order', orderId) })).order;
    return node ? this.normalise(node) : undefined;
  }

  async since(cursor: string | undefined): Promise<{ orders: ChannelOrder[]; cursor: string }> {
    const startedAt = this.o.now();
    if (cursor === undefined) return { orders: [], cursor: new Date(startedAt).toISOString() };
    const from = parseTimeCursor(
      cursor,
      { ...this.gql.context('orders'), channel: this.o.channel },
      'Shopify',
    );
    const query = updatedSince(from - this.o.overlapMs);
    const orders: ChannelOrder[] = [];
    let after: string | null = null;
    do {
      const page: DataOf<typeof ORDERS>['orders'] = (
        await this.gql.run(ORDERS, { query, first: this.o.pageSize, after })
      ).orders;
      for (const node of page.nodes) orders.push(await this.normalise(node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      if (after && orders.length >= this.o.maxOrders) {
        // More than one call should carry: resume from the last change read (it comes again; callers dedupe).
        const last = page.nodes[page.nodes.length - 1];
        const resume = last ? Date.parse(last.updatedAt) + this.o.overlapMs : startedAt;
        return { orders, cursor: new Date(resume).toISOString() };
      }
    } while (after);
    return { orders, cursor: new Date(startedAt).toISOString() };
  }

  private async normalise(node: OrderNode): Promise<ChannelOrder> {
    const lines: ChannelOrderLine[] = node.lineItems.nodes.map(line);
    let page = node.lineItems.pageInfo;
    while (page.hasNextPage) {
      const more = (
        await this.gql.run(ORDER_LINES, { id: node.id, first: LINES_PAGE, after: page.endCursor })
      ).order;
      if (!more) break; // deleted between the two reads: what was read stands
      lines.push(...more.lineItems.nodes.map(line));
      page = more.lineItems.pageInfo;
    }
    const refunded = node.refunds.reduce(
      (sum, r) => sum + r.refundLineItems.nodes.reduce((s, l) => s + l.quantity, 0),
      0,
    );
    const assigned = node.fulfillmentOrders.nodes.flatMap((f) =>
      f.assignedLocation.location ? [f.assignedLocation.location.id] : [],
    );
    return {
      channel: this.o.channel,
      orderId: node.legacyResourceId,
      location: assigned.find((l) => this.locations.has(l)) ?? assigned[0] ?? '',
      fulfillment: 'merchant',
      status: node.cancelledAt !== null ? 'cancelled' : refunded > 0 ? 'returned' : 'open',
      lines,
      at: Date.parse(node.createdAt),
    };
  }
}

const line = (l: { sku: string | null; quantity: number }): ChannelOrderLine => ({
  sku: (l.sku ?? '').trim(),
  qty: l.quantity,
});
