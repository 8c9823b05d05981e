/**
 * Amazon orders (Orders v0), normalised to the engine's ChannelOrder: `getOrder` for the status, dates and
 * fulfillment channel, `getOrderItems` for the lines (SellerSKU, QuantityOrdered); `getOrders` with
 * `LastUpdatedAfter` for what changed since a cursor.
 *
 * - Merchant-fulfilled (MFN) orders sell at `DEFAULT`; Amazon-fulfilled (AFN) ones are FBA's stock: location `FBA`,
 *   fulfillment `marketplace`.
 * - Status: `Canceled` is cancelled; anything else is open. Orders v0 does not say whether units came back (returns
 *   are in the returns reports), so an Amazon order is never `returned` here.
 * - Cursor: the `LastUpdatedBefore` Amazon answers (the time its answer covers; never behind the cursor given), else
 *   the time the read started.
 *   The next read asks from `cursor - overlapMs`, so orders at the boundary come twice: callers dedupe.
 */
import type { ChannelOrder, ChannelOrderLine } from '../../domain/events';
import { parseTimeCursor } from '../cursor';
import { isIntegrationError } from '../errors';
import type { SpApi } from './api';
import { FBA_LOCATION, FBM_LOCATION } from './config';
import { SYSTEM } from './errors';
import type { Order } from './schemas';

export const ORDERS_OVERLAP_MS = 5_000;
/** Amazon order ids: `902-3159896-1390916`. */
const AMAZON_ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;

export interface OrdersContext {
  api: SpApi;
  channel: string;
  now: () => number;
  overlapMs: number;
}

/** One order by its Amazon order id; undefined when Amazon does not know it (or the id cannot be one). */
export async function readOrder(c: OrdersContext, orderId: string): Promise<ChannelOrder | undefined> {
  if (!AMAZON_ORDER_ID.test(orderId)) return undefined;
  let order: Order;
  try {
    order = await c.api.order(orderId);
  } catch (err) {
    if (isIntegrationError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  return normalise(c, order);
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function ordersSince(
  c: OrdersContext,
  cursor: string | undefined,
): Promise<{ orders: ChannelOrder[]; cursor: string }> {
  const startedAt = c.now();
  if (cursor === undefined) return { orders: [], cursor: iso(startedAt) };
  const from =
    parseTimeCursor(cursor, { system: SYSTEM, channel: c.channel, operation: 'getOrders' }, 'Amazon') -
    c.overlapMs;
  const found: Order[] = [];
  let covered: string | undefined;
  let token: string | undefined;
  do {
    const page = await c.api.ordersUpdatedSince(iso(Math.min(from, startedAt)), token);
    covered ??= page.payload.LastUpdatedBefore;
    found.push(...page.payload.Orders);
    token = page.payload.NextToken;
  } while (token);
  // Oldest change first, so that a read cut short by a throttle can resume from the last order it finished.
  const byUpdate = [...new Map(found.map((o) => [o.AmazonOrderId, o])).values()].sort(
    (a, b) => Date.parse(a.LastUpdateDate) - Date.parse(b.LastUpdateDate),
  );
  const orders: ChannelOrder[] = [];
  for (const o of byUpdate) {
    try {
      orders.push(await normalise(c, o));
    } catch (err) {
      const last = byUpdate[orders.length - 1];
      if (!(isIntegrationError(err) && err.code === 'RATE_LIMITED') || !last) throw err;
      // getOrderItems ran out of quota part-way: hand over what is read, resume at the last order read.
      return { orders, cursor: iso(Date.parse(last.LastUpdateDate) + c.overlapMs) };
    }
  }
  // Never behind the cursor it was given: everything up to that was covered by the read that issued it.
  const end =
    covered === undefined
      ? startedAt
      : Math.max(
          Date.parse(covered),
          parseTimeCursor(cursor, { system: SYSTEM, channel: c.channel, operation: 'getOrders' }, 'Amazon'),
        );
  return { orders, cursor: iso(end) };
}

async function normalise(c: OrdersContext, o: Order): Promise<ChannelOrder> {
  const lines: ChannelOrderLine[] = [];
  let token: string | undefined;
  do {
    const page = await c.api.orderItems(o.AmazonOrderId, token);
    for (const item of page.payload.OrderItems)
      lines.push({ sku: (item.SellerSKU ?? '').trim(), qty: item.QuantityOrdered });
    token = page.payload.NextToken;
  } while (token);
  const afn = o.FulfillmentChannel === 'AFN';
  return {
    channel: c.channel,
    orderId: o.AmazonOrderId,
    location: afn ? FBA_LOCATION : FBM_LOCATION,
    fulfillment: afn ? 'marketplace' : 'merchant',
    status: o.OrderStatus === 'Canceled' ? 'cancelled' : 'open',
    lines,
    at: Date.parse(o.PurchaseDate),
  };
}
