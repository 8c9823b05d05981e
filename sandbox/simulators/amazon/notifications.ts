/**
 * SP-API notifications from world events, in the envelope of the official schemas (`contracts/amazon-sp-api/`):
 * LISTINGS_ITEM_MFN_QUANTITY_CHANGE (an FBM count changed: API write, sale, person, restock),
 * FBA_INVENTORY_AVAILABILITY_CHANGES (an FBA row changed) and ORDER_CHANGE (an order was placed or cancelled).
 *
 * Amazon delivers these to SQS or EventBridge, never over HTTP; a merchant forwards them to the invsync ingress. The
 * sandbox plays that forwarder: it POSTs the notification JSON (the SQS message body) unchanged, signed with the
 * channel's `notificationSecret` in `X-Invsync-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. Replays are
 * recognisable by `NotificationMetadata.NotificationId` and `PublishTime`, which the signature covers.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ChannelOrder, FbaInventory, Listing, WorldEvent } from '../../world';
import { amazonOrderId, derivedAsin, derivedFnSku, isoDate, orderItemId } from './format';
import type { AmazonState } from './state';

export const SIGNATURE_HEADER = 'X-Invsync-Signature';

type NotificationType =
  'LISTINGS_ITEM_MFN_QUANTITY_CHANGE' | 'FBA_INVENTORY_AVAILABILITY_CHANGES' | 'ORDER_CHANGE';

/** The signature the ingress must recompute (in constant time) over the raw body it received. */
export const signNotification = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A uuid-shaped id that stays the same for one label (application and subscription ids). */
const stableUuid = (label: string): string =>
  createHash('sha256')
    .update(label)
    .digest('hex')
    .slice(0, 32)
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

export function notificationListener(state: AmazonState): (e: WorldEvent) => void {
  return (e) => {
    if (!state.settings.notifications || e.type === 'reset' || e.type === 'erp.changed') return;
    const channel = state.ctx.world.channels.get(e.channel);
    if (channel?.kind !== 'amazon') return;
    if (e.type === 'listing.changed' && e.listing.location === 'DEFAULT')
      send(state, e.channel, 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE', mfnQuantity(state, e.channel, e.listing));
    else if (e.type === 'fba.changed')
      send(state, e.channel, 'FBA_INVENTORY_AVAILABILITY_CHANGES', fbaAvailability(state, e.channel, e.fba));
    else if (e.type === 'order.created' || e.type === 'order.cancelled')
      send(state, e.channel, 'ORDER_CHANGE', orderChange(state, e.channel, e.order));
  };
}

function send(
  state: AmazonState,
  channelId: string,
  type: NotificationType,
  payload: Record<string, unknown>,
): void {
  const creds = state.credentials(channelId);
  const now = isoDate(state.now());
  const notificationId = randomUUID();
  const body = JSON.stringify({
    NotificationVersion: '1.0',
    NotificationType: type,
    PayloadVersion: '1.0',
    EventTime: now,
    Payload: payload,
    NotificationMetadata: {
      ApplicationId: `amzn1.sellerapps.app.${stableUuid(`app:${creds.clientId}`)}`,
      SubscriptionId: stableUuid(`subscription:${channelId}:${type}`),
      PublishTime: now,
      NotificationId: notificationId,
    },
  });
  state.ctx.webhooks.send({
    system: 'amazon',
    kind: 'amazon',
    channel: channelId,
    topic: type,
    id: notificationId,
    body,
    headers: { [SIGNATURE_HEADER]: signNotification(creds.notificationSecret, body) },
  });
}

function mfnQuantity(state: AmazonState, channelId: string, listing: Listing): Record<string, unknown> {
  return {
    SellerId: state.credentials(channelId).sellerId,
    FulfillmentChannelCode: 'DEFAULT',
    Sku: listing.sku,
    Quantity: listing.shows,
  };
}

function fbaAvailability(state: AmazonState, channelId: string, f: FbaInventory): Record<string, unknown> {
  const creds = state.credentials(channelId);
  const listing = state.ctx.world
    .channel(channelId)
    .listings.find((l) => l.sku === f.sku && l.location === 'FBA');
  return {
    SellerId: creds.sellerId,
    FNSKU: listing?.ids.fnsku ?? derivedFnSku(f.sku),
    ASIN: listing?.ids.asin ?? derivedAsin(f.sku),
    SKU: f.sku,
    FulfillmentInventoryByMarketplace: [
      {
        MarketplaceId: creds.marketplaceId,
        ItemName: state.ctx.world.product(f.sku)?.name ?? f.sku,
        FulfillmentInventory: {
          InboundQuantityBreakdown: {
            Working: f.inboundWorking,
            Shipped: f.inboundShipped,
            Receiving: f.inboundReceiving,
          },
          Fulfillable: f.fulfillable,
          Unfulfillable: f.unfulfillable,
          Researching: f.researching,
          ReservedQuantityBreakdown: {
            WarehouseProcessing: f.pendingInspection,
            WarehouseTransfer: 0,
            PendingCustomerOrder: f.reserved,
          },
          FutureSupplyBuyable: 0,
          PendingCustomerOrderInTransit: 0,
        },
        Stores: [],
      },
    ],
  };
}

function orderChange(state: AmazonState, channelId: string, o: ChannelOrder): Record<string, unknown> {
  const creds = state.credentials(channelId);
  const cancelled = o.status === 'cancelled';
  const status = cancelled ? 'Canceled' : 'Unshipped';
  return {
    OrderChangeNotification: {
      NotificationLevel: 'OrderLevel',
      SellerId: creds.sellerId,
      AmazonOrderId: amazonOrderId(channelId, o.id),
      OrderChangeType: 'OrderStatusChange',
      OrderChangeTrigger: {
        TimeOfOrderChange: isoDate(o.updatedAt),
        ChangeReason: `Order status changed to ${status}`,
      },
      Summary: {
        MarketplaceId: creds.marketplaceId,
        OrderStatus: status,
        PurchaseDate: isoDate(o.createdAt),
        DestinationPostalCode: null,
        FulfillmentType: o.fulfillment === 'FBA' ? 'AFN' : 'MFN',
        OrderType: 'StandardOrder',
        NumberOfItemsShipped: 0,
        NumberOfItemsUnshipped: cancelled ? 0 : o.qty,
        OrderItems: [
          {
            OrderItemId: orderItemId(channelId, o.id),
            SellerSKU: o.sku,
            SupplySourceId: null,
            OrderItemStatus: 'Unshipped',
            Quantity: o.qty,
            QuantityShipped: 0,
            IsBuyerRequestedCancel: false,
          },
        ],
      },
    },
  };
}
