/**
 * SP-API notifications forwarded by the merchant's relay (SQS/EventBridge -> HTTPS), signed with the channel's
 * `notificationSecret` (verified by the server before this runs). Replays are refused by `PublishTime` (the
 * signature covers it) and deduplicated by `NotificationId`.
 * - LISTINGS_ITEM_MFN_QUANTITY_CHANGE -> `level` at `DEFAULT`;
 * - ORDER_CHANGE -> `order`, from the notification's own `Summary` (signed, so trusted: no re-fetch, which would
 *   spend the Orders API's 0.5 requests/s on every sale); re-fetched through `adapter.order` only without a Summary;
 * - FBA_INVENTORY_AVAILABILITY_CHANGES -> `fba` (fulfillable in the configured marketplace).
 */
import { z } from 'zod';
import type { ChannelAdapter } from '../../integrations/types';
import { ignored, reject, type Outcome } from '../types';
import { validate } from '../validate';

const timestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected a date-time');

export const amazonEnvelopeSchema = z.object({
  NotificationVersion: z.string().optional(),
  NotificationType: z.string().trim().min(1),
  PayloadVersion: z.string().optional(),
  EventTime: z.string().optional(),
  Payload: z.record(z.string(), z.unknown()),
  NotificationMetadata: z.object({
    ApplicationId: z.string().optional(),
    SubscriptionId: z.string().optional(),
    PublishTime: timestamp,
    NotificationId: z.string().trim().min(1),
  }),
});
export type AmazonEnvelope = z.output<typeof amazonEnvelopeSchema>;

const mfnSchema = z.object({
  SellerId: z.string(),
  FulfillmentChannelCode: z.string(),
  Sku: z.string().trim().min(1),
  Quantity: z.number().int().nonnegative(),
});

const orderChangeSchema = z.object({
  OrderChangeNotification: z.object({
    SellerId: z.string(),
    AmazonOrderId: z.string().trim().min(1),
    Summary: z
      .object({
        OrderStatus: z.string(),
        PurchaseDate: timestamp,
        FulfillmentType: z.enum(['AFN', 'MFN']),
        OrderItems: z
          .array(z.object({ SellerSKU: z.string().trim().min(1), Quantity: z.number().int().positive() }))
          .min(1),
      })
      .optional(),
  }),
});

const fbaSchema = z.object({
  SellerId: z.string(),
  SKU: z.string().trim().min(1),
  FulfillmentInventoryByMarketplace: z.array(
    z.object({
      MarketplaceId: z.string(),
      FulfillmentInventory: z.object({ Fulfillable: z.number().int().nonnegative() }),
    }),
  ),
});

/** Too old (or too far in the future) to be a delivery rather than a replay. */
export function replayReason(publishTime: string, now: number, windowMs: number): string | undefined {
  const at = Date.parse(publishTime);
  if (now - at > windowMs)
    return `notification published at ${publishTime} is older than the ${Math.round(windowMs / 1000)} s replay window`;
  if (at - now > windowMs) return `notification published at ${publishTime} is in the future`;
  return undefined;
}

export async function amazonOutcome(a: {
  channel: string;
  adapter: ChannelAdapter;
  sellerId: string;
  marketplaceId: string;
  n: AmazonEnvelope;
}): Promise<Outcome> {
  const { channel, n } = a;
  const id = n.NotificationMetadata.NotificationId;
  const seller = (s: string): Outcome | undefined =>
    s === a.sellerId
      ? undefined
      : reject(422, `notification for seller ${s}, but channel ${channel} is seller ${a.sellerId}`);
  switch (n.NotificationType) {
    case 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE': {
      const v = validate(mfnSchema, n.Payload, 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE payload');
      if (!v.ok) return v.outcome;
      const p = v.data;
      const bad = seller(p.SellerId);
      if (bad) return bad;
      if (p.FulfillmentChannelCode !== 'DEFAULT')
        return ignored(`fulfillment channel ${p.FulfillmentChannelCode} is not the merchant's DEFAULT`);
      return {
        kind: 'events',
        events: [
          {
            event: { type: 'level', channel, sku: p.Sku, location: 'DEFAULT', shows: p.Quantity },
            deliveryId: id,
          },
        ],
      };
    }
    case 'ORDER_CHANGE': {
      const v = validate(orderChangeSchema, n.Payload, 'ORDER_CHANGE payload');
      if (!v.ok) return v.outcome;
      const o = v.data.OrderChangeNotification;
      const bad = seller(o.SellerId);
      if (bad) return bad;
      const sum = o.Summary;
      if (sum) {
        const marketplace = sum.FulfillmentType === 'AFN';
        const order = {
          channel,
          orderId: o.AmazonOrderId,
          location: marketplace ? 'FBA' : 'DEFAULT',
          fulfillment: marketplace ? ('marketplace' as const) : ('merchant' as const),
          status: sum.OrderStatus === 'Canceled' ? ('cancelled' as const) : ('open' as const),
          lines: sum.OrderItems.map((i) => ({ sku: i.SellerSKU, qty: i.Quantity })),
          at: Date.parse(sum.PurchaseDate),
        };
        return { kind: 'events', events: [{ event: { type: 'order', order }, deliveryId: id }] };
      }
      const order = await a.adapter.order(o.AmazonOrderId);
      if (!order) return reject(404, `Amazon order ${o.AmazonOrderId} is not known to seller ${a.sellerId}`);
      return { kind: 'events', events: [{ event: { type: 'order', order }, deliveryId: id }] };
    }
    case 'FBA_INVENTORY_AVAILABILITY_CHANGES': {
      const v = validate(fbaSchema, n.Payload, 'FBA_INVENTORY_AVAILABILITY_CHANGES payload');
      if (!v.ok) return v.outcome;
      const p = v.data;
      const bad = seller(p.SellerId);
      if (bad) return bad;
      const row = p.FulfillmentInventoryByMarketplace.find((m) => m.MarketplaceId === a.marketplaceId);
      if (!row) return ignored(`no FBA figures for marketplace ${a.marketplaceId}`);
      return {
        kind: 'events',
        events: [
          {
            event: { type: 'fba', channel, sku: p.SKU, fulfillable: row.FulfillmentInventory.Fulfillable },
            deliveryId: id,
          },
        ],
      };
    }
    default:
      return ignored(`notification type ${n.NotificationType} is not one invsync uses`);
  }
}
