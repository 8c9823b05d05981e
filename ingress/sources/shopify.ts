/**
 * Shopify webhooks (REST-shaped bodies, HMAC verified by the server before this runs):
 * - `orders/create`, `orders/updated`, `orders/cancelled` -> `order` (the REST Order normalised as adapters do);
 * - `refunds/create` -> `return` (one per refund id);
 * - `inventory_levels/update` -> `level`, its inventory item and location resolved to SKU and channel location by
 *   the adapter's `levelsByRef` (without it, or when it finds nothing, the webhook is ignored).
 * Other topics are acknowledged and ignored.
 */
import { z } from 'zod';
import type { ChannelOrder, ChannelOrderLine } from '../../domain/events';
import type { ChannelAdapter } from '../../integrations/types';
import { ignored, reject, type Outcome } from '../types';
import { numericId, validate } from '../validate';

const id = numericId;
const timestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected a date-time');

const orderSchema = z.object({
  id,
  created_at: timestamp,
  cancelled_at: timestamp.nullable().optional(),
  location_id: id.nullable().optional(),
  line_items: z.array(
    z.object({
      sku: z.string().nullable().optional(),
      quantity: z.number().int().nonnegative(),
    }),
  ),
});

const refundSchema = z.object({
  id,
  order_id: id,
  refund_line_items: z
    .array(
      z.object({
        quantity: z.number().int().nonnegative(),
        line_item: z.object({ sku: z.string().nullable().optional() }),
      }),
    )
    .default([]),
});

const levelSchema = z.object({
  inventory_item_id: id,
  location_id: id,
  available: z.number().int().nullable().optional(),
});

export const SHOPIFY_ORDER_TOPICS = ['orders/create', 'orders/updated', 'orders/cancelled'] as const;

export const shopifyLocationGid = (legacy: string): string => `gid://shopify/Location/${legacy}`;

const lines = (items: { sku?: string | null | undefined; quantity: number }[]): ChannelOrderLine[] =>
  items.filter((l) => l.quantity > 0).map((l) => ({ sku: (l.sku ?? '').trim(), qty: l.quantity }));

export async function shopifyOutcome(a: {
  channel: string;
  adapter: ChannelAdapter | undefined;
  topic: string;
  webhookId: string;
  body: unknown;
}): Promise<Outcome> {
  const { channel, topic, webhookId } = a;
  if ((SHOPIFY_ORDER_TOPICS as readonly string[]).includes(topic)) {
    const v = validate(orderSchema, a.body, `Shopify ${topic} body`);
    if (!v.ok) return v.outcome;
    const o = v.data;
    let location = o.location_id ? shopifyLocationGid(o.location_id) : undefined;
    if (!location) {
      // Online orders often carry no location_id: the adapter's own read says where Shopify assigned it.
      const fetched = a.adapter ? await a.adapter.order(o.id) : undefined;
      location = fetched?.location;
    }
    if (!location)
      return reject(
        422,
        `Shopify order ${o.id} on ${channel} names no location (location_id is null) and the order could not be read back to find it`,
      );
    const order: ChannelOrder = {
      channel,
      orderId: o.id,
      location,
      fulfillment: 'merchant',
      status: o.cancelled_at ? 'cancelled' : 'open',
      lines: lines(o.line_items),
      at: Date.parse(o.created_at),
    };
    if (!order.lines.length) return ignored(`Shopify order ${o.id} has no line with a quantity`);
    return { kind: 'events', events: [{ event: { type: 'order', order }, deliveryId: webhookId }] };
  }
  if (topic === 'refunds/create') {
    const v = validate(refundSchema, a.body, 'Shopify refunds/create body');
    if (!v.ok) return v.outcome;
    const r = v.data;
    const returned = lines(r.refund_line_items.map((l) => ({ sku: l.line_item.sku, quantity: l.quantity })));
    if (!returned.length) return ignored(`Shopify refund ${r.id} returns no units (money only)`);
    return {
      kind: 'events',
      events: [
        {
          event: {
            type: 'return',
            channel,
            orderId: r.order_id,
            returnId: r.id,
            fulfillment: 'merchant',
            lines: returned,
          },
          deliveryId: webhookId,
        },
      ],
    };
  }
  if (topic === 'inventory_levels/update') {
    const v = validate(levelSchema, a.body, 'Shopify inventory_levels/update body');
    if (!v.ok) return v.outcome;
    const lvl = v.data;
    const lookup = a.adapter?.levelsByRef?.bind(a.adapter);
    if (!lookup) return ignored('the Shopify adapter cannot resolve inventory items (no levelsByRef)');
    const location = shopifyLocationGid(lvl.location_id);
    const found = (await lookup({ item: lvl.inventory_item_id, location: lvl.location_id })).filter(
      (l) => l.location === location && !l.readOnly,
    );
    if (!found.length)
      return ignored(`inventory item ${lvl.inventory_item_id} at ${location} is not a listing invsync knows`);
    return {
      kind: 'events',
      events: found.map((l, i) => ({
        // The count the webhook reports (what the channel showed then); the adapter's read if it carries none.
        event: {
          type: 'level',
          channel,
          sku: l.sku,
          location: l.location,
          shows: typeof lvl.available === 'number' ? lvl.available : l.shows,
        },
        deliveryId: found.length > 1 ? `${webhookId}#${i}` : webhookId,
      })),
    };
  }
  return ignored(`topic ${topic} is not one invsync uses`);
}
