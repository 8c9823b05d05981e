/**
 * World events as Shopify webhooks: `orders/create`, `orders/cancelled`, `refunds/create` and
 * `inventory_levels/update`, with REST-shaped bodies (numeric ids, snake_case) and the real headers. The HMAC is
 * base64 HMAC-SHA256 of the raw body keyed with the channel's webhook secret. `X-Shopify-Webhook-Id` names the
 * delivery (retries and duplicates repeat it); `X-Shopify-Event-Id` names the event.
 *
 * Order ids are the world's order ids (numeric), so `<channel>:<order id>` is the ERP reference of the order.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SandboxContext } from '../../context';
import type { ChannelOrder, ChannelState, Listing, World, WorldEvent } from '../../world';
import { itemBySku, productTitle } from './catalog';
import { gid, legacyId, restTime, shopDomain } from './ids';

export interface Webhook {
  channel: string;
  topic: 'orders/create' | 'orders/cancelled' | 'refunds/create' | 'inventory_levels/update';
  body: Record<string, unknown>;
}

const orderNumber = (order: ChannelOrder) => legacyId(order.id);

function lineItem(world: World, channel: ChannelState, order: ChannelOrder) {
  const item = itemBySku(channel, order.sku);
  const id = orderNumber(order) * 100 + 1;
  const open = order.status === 'open' ? order.qty : 0;
  const title = productTitle(world, order.sku);
  return {
    id,
    admin_graphql_api_id: gid('LineItem', id),
    variant_id: item ? legacyId(item.variantId) : null,
    product_id: item ? legacyId(item.productId) : null,
    sku: order.sku,
    name: title,
    title,
    variant_title: null,
    quantity: order.qty,
    current_quantity: open,
    fulfillable_quantity: open,
    fulfillment_service: 'manual',
    fulfillment_status: null,
    requires_shipping: true,
    taxable: true,
    gift_card: false,
    price: '0.00',
    total_discount: '0.00',
  };
}

/** The REST Order resource, as `orders/create` and `orders/cancelled` deliver it. */
export function orderBody(world: World, channel: ChannelState, order: ChannelOrder): Record<string, unknown> {
  const n = orderNumber(order);
  const cancelled = order.status === 'cancelled';
  return {
    id: n,
    admin_graphql_api_id: gid('Order', n),
    name: `#${n}`,
    order_number: n,
    number: n,
    email: '',
    created_at: restTime(order.createdAt),
    updated_at: restTime(order.updatedAt),
    processed_at: restTime(order.createdAt),
    cancelled_at: cancelled ? restTime(order.updatedAt) : null,
    cancel_reason: cancelled ? 'customer' : null,
    closed_at: null,
    confirmed: true,
    test: false,
    currency: 'USD',
    financial_status: cancelled ? 'voided' : 'paid',
    fulfillment_status: null,
    source_name: 'web',
    tags: '',
    location_id: legacyId(order.location),
    line_items: [lineItem(world, channel, order)],
    fulfillments: [],
    refunds: [],
  };
}

/**
 * The REST Refund resource for a customer return. The returned units go back to the ERP (the world's rule), not
 * to Shopify's count, so the refund does not restock.
 */
export function refundBody(
  world: World,
  channel: ChannelState,
  order: ChannelOrder,
  qty: number,
): Record<string, unknown> {
  const id = orderNumber(order) * 1000 + order.returnedQty;
  const line = lineItem(world, channel, order);
  return {
    id,
    admin_graphql_api_id: gid('Refund', id),
    order_id: orderNumber(order),
    created_at: restTime(order.updatedAt),
    processed_at: restTime(order.updatedAt),
    note: null,
    restock: false,
    user_id: null,
    refund_line_items: [
      {
        id: id * 10 + 1,
        line_item_id: line.id,
        location_id: null,
        quantity: qty,
        restock_type: 'no_restock',
        subtotal: 0,
        total_tax: 0,
        line_item: line,
      },
    ],
    transactions: [],
    order_adjustments: [],
    duties: [],
  };
}

export function inventoryLevelBody(listing: Listing): Record<string, unknown> {
  const item = legacyId(listing.ids.inventoryItem ?? '');
  const location = legacyId(listing.location);
  return {
    inventory_item_id: item,
    location_id: location,
    available: listing.shows,
    updated_at: restTime(listing.updatedAt),
    admin_graphql_api_id: `${gid('InventoryLevel', location)}?inventory_item_id=${item}`,
  };
}

/** The webhook a world event causes on a Shopify channel, if any. */
export function webhookFor(world: World, event: WorldEvent): Webhook | undefined {
  if (event.type === 'reset' || event.type === 'erp.changed' || event.type === 'fba.changed')
    return undefined;
  const channel = world.channels.get(event.channel);
  if (!channel || channel.kind !== 'shopify') return undefined;
  switch (event.type) {
    case 'order.created':
      return { channel: channel.id, topic: 'orders/create', body: orderBody(world, channel, event.order) };
    case 'order.cancelled':
      return { channel: channel.id, topic: 'orders/cancelled', body: orderBody(world, channel, event.order) };
    case 'order.returned':
      return {
        channel: channel.id,
        topic: 'refunds/create',
        body: refundBody(world, channel, event.order, event.qty),
      };
    case 'listing.changed':
      return {
        channel: channel.id,
        topic: 'inventory_levels/update',
        body: inventoryLevelBody(event.listing),
      };
  }
}

/** Signs and queues one delivery with Shopify's headers. */
export function sendWebhook(ctx: SandboxContext, hook: Webhook): void {
  const creds = ctx.credentials.shopify(hook.channel);
  const raw = JSON.stringify(hook.body);
  const webhookId = randomUUID();
  ctx.webhooks.send({
    system: 'shopify',
    kind: 'shopify',
    channel: hook.channel,
    topic: hook.topic,
    id: webhookId,
    body: raw,
    headers: {
      'X-Shopify-Topic': hook.topic,
      'X-Shopify-Hmac-Sha256': createHmac('sha256', creds.webhookSecret).update(raw, 'utf8').digest('base64'),
      'X-Shopify-Shop-Domain': shopDomain(hook.channel),
      'X-Shopify-API-Version': creds.apiVersion,
      'X-Shopify-Webhook-Id': webhookId,
      'X-Shopify-Event-Id': randomUUID(),
      'X-Shopify-Triggered-At': new Date(ctx.world.now()).toISOString(),
    },
  });
}
