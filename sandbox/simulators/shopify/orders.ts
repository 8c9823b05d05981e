/**
 * How the world's channel orders look as Shopify orders (`order(id:)`, `orders(query:, sortKey:)`): one line item per
 * order (the world sells one SKU per order), one fulfillment order assigned to the location that sold it, and a
 * refund with the returned units once the customer returned some (the world models a return as a refund, as the
 * `refunds/create` webhook shows). Ids and numbers match the REST webhooks (`webhooks.ts`): the order's legacy id
 * is the world's order number and its first line item is `<order>01`.
 *
 * The world keeps how many units came back in total, not each return, so one refund carries them all.
 */
import type { ChannelOrder, ChannelState, World } from '../../world';
import { legacyId, isoSeconds } from './ids';

/** Order filters of the `query:` argument the simulator understands (Shopify ignores the ones it does not know). */
export function orderSearchFields(world: World, channel: ChannelState) {
  return {
    id: (o: ChannelOrder) => orderNumber(o),
    name: (o: ChannelOrder) => `#${orderNumber(o)}`,
    created_at: (o: ChannelOrder) => isoSeconds(o.createdAt),
    processed_at: (o: ChannelOrder) => isoSeconds(o.createdAt),
    updated_at: (o: ChannelOrder) => isoSeconds(o.updatedAt),
    sku: (o: ChannelOrder) => o.sku,
    status: (o: ChannelOrder) =>
      o.status === 'cancelled' ? 'cancelled' : closed(world, channel, o) ? 'closed' : 'open',
  };
}

export const orderNumber = (o: ChannelOrder): number => legacyId(o.id);
export const lineItemNumber = (o: ChannelOrder): number => orderNumber(o) * 100 + 1;
export const fulfillmentOrderNumber = (o: ChannelOrder): number => orderNumber(o) * 10 + 1;
/** The id the last `refunds/create` webhook named (`<order> * 1000 + returned units so far`). */
export const refundNumber = (o: ChannelOrder): number => orderNumber(o) * 1000 + o.returnedQty;

/** Shipped by the merchant (the ERP shipped it) or returned: nothing left to fulfil. */
export function closed(world: World, channel: ChannelState, o: ChannelOrder): boolean {
  return o.status === 'returned' || world.erpOrder(`${channel.id}:${o.id}`)?.status === 'shipped';
}

export function fulfillmentStatus(world: World, channel: ChannelState, o: ChannelOrder): string {
  if (o.status === 'cancelled') return 'CANCELLED';
  return closed(world, channel, o) ? 'CLOSED' : 'OPEN';
}

export function financialStatus(o: ChannelOrder): string {
  if (o.status === 'cancelled') return 'VOIDED';
  if (o.returnedQty === 0) return 'PAID';
  return o.returnedQty >= o.qty ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

/** Units still on the order: what was bought less what was refunded (none once cancelled). */
export function currentQuantity(o: ChannelOrder): number {
  return o.status === 'cancelled' ? 0 : o.qty - o.returnedQty;
}

/** `sortKey:` of `orders`; keys the world cannot tell apart fall back to the id, as Shopify breaks ties. */
export function sortOrders(rows: ChannelOrder[], sortKey: unknown): ChannelOrder[] {
  const time = (o: ChannelOrder): number => {
    switch (sortKey) {
      case 'UPDATED_AT':
        return Math.floor(o.updatedAt / 1000);
      case 'CREATED_AT':
      case 'PROCESSED_AT':
        return Math.floor(o.createdAt / 1000);
      default:
        return 0;
    }
  };
  return [...rows].sort((a, b) => time(a) - time(b) || orderNumber(a) - orderNumber(b));
}
