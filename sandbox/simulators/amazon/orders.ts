/**
 * Orders v0: `getOrders` since a time (CreatedAfter or LastUpdatedAfter, never both), `getOrder` and `getOrderItems`,
 * from `world.channel(id).orders`. Merchant orders (MFN) are Unshipped until the ERP ships them; FBA orders (AFN)
 * until they are returned; cancelled orders are Canceled. The world's order numbers become Amazon-style ids
 * (`114-1234567-7654321`), stable per channel and order.
 */
import type { ChannelOrder } from '../../world';
import type { FastifyInstance } from '../../http';
import { badInput, notFound } from './errors';
import {
  amazonOrderId,
  decodePageToken,
  derivedAsin,
  encodePageToken,
  fingerprint,
  isoSeconds,
  orderItemId,
  parseDate,
  queryList,
  queryString,
} from './format';
import { OPERATIONS, spRoute, type SpCall, type SpReply } from './pipeline';
import type { AmazonState } from './state';

const BASE = '/orders/v0/orders';
const UNIT_PRICE = 19.99;
const TWO_MINUTES = 120_000;
const STATUSES = [
  'PendingAvailability',
  'Pending',
  'Unshipped',
  'PartiallyShipped',
  'Shipped',
  'InvoiceUnconfirmed',
  'Canceled',
  'Unfulfillable',
];

export function registerOrders(app: FastifyInstance, state: AmazonState): void {
  spRoute(app, state, 'GET', BASE, OPERATIONS.getOrders, (call) => getOrders(state, call));
  spRoute(app, state, 'GET', `${BASE}/:orderId`, OPERATIONS.getOrder, (call) => {
    const { order } = findOrder(state, call);
    return { body: { payload: orderView(state, call, order) } };
  });
  spRoute(app, state, 'GET', `${BASE}/:orderId/orderItems`, OPERATIONS.getOrderItems, (call) =>
    getOrderItems(state, call),
  );
}

interface OrderState {
  status: 'Unshipped' | 'Shipped' | 'Canceled';
  lastUpdate: number;
}

function orderState(state: AmazonState, channelId: string, o: ChannelOrder): OrderState {
  if (o.status === 'cancelled') return { status: 'Canceled', lastUpdate: o.updatedAt };
  if (o.status === 'returned') return { status: 'Shipped', lastUpdate: o.updatedAt };
  if (o.fulfillment === 'merchant') {
    const erp = state.ctx.world.erpOrder(`${channelId}:${o.id}`);
    if (erp?.status === 'shipped')
      return { status: 'Shipped', lastUpdate: Math.max(o.updatedAt, erp.writeDate) };
  }
  return { status: 'Unshipped', lastUpdate: o.updatedAt };
}

const money = (amount: number) => ({ CurrencyCode: 'USD', Amount: amount.toFixed(2) });

function orderView(state: AmazonState, call: SpCall, o: ChannelOrder): Record<string, unknown> {
  const s = orderState(state, call.channelId, o);
  const shipped = s.status === 'Shipped' ? o.qty : 0;
  const afn = o.fulfillment === 'FBA';
  return {
    AmazonOrderId: amazonOrderId(call.channelId, o.id),
    PurchaseDate: isoSeconds(o.createdAt),
    LastUpdateDate: isoSeconds(s.lastUpdate),
    OrderStatus: s.status,
    FulfillmentChannel: afn ? 'AFN' : 'MFN',
    SalesChannel: 'Amazon.com',
    ShipServiceLevel: afn ? 'Expedited' : 'Std US D2D Dom',
    OrderTotal: money(o.qty * UNIT_PRICE),
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: s.status === 'Canceled' ? 0 : o.qty - shipped,
    PaymentMethod: 'Other',
    PaymentMethodDetails: ['Standard'],
    MarketplaceId: call.seller.marketplaceId,
    ShipmentServiceLevelCategory: afn ? 'Expedited' : 'Standard',
    OrderType: 'StandardOrder',
    EarliestShipDate: isoSeconds(o.createdAt),
    LatestShipDate: isoSeconds(o.createdAt + 2 * 86_400_000),
    IsBusinessOrder: false,
    IsPrime: false,
    IsPremiumOrder: false,
    IsGlobalExpressEnabled: false,
    IsReplacementOrder: false,
    IsSoldByAB: false,
    IsISPU: false,
    IsAccessPointOrder: false,
    HasRegulatedItems: false,
  };
}

function getOrders(state: AmazonState, call: SpCall): SpReply {
  const q = call.req.query as Record<string, unknown>;
  const marketplaceIds = queryList(q.MarketplaceIds);
  if (marketplaceIds.length === 0) throw badInput('Missing required parameter: MarketplaceIds.');
  if (marketplaceIds.length > 50) throw badInput('MarketplaceIds accepts at most 50 marketplaces.');
  const createdAfter = parseDate('CreatedAfter', queryString(q.CreatedAfter));
  const createdBefore = parseDate('CreatedBefore', queryString(q.CreatedBefore));
  const updatedAfter = parseDate('LastUpdatedAfter', queryString(q.LastUpdatedAfter));
  const updatedBefore = parseDate('LastUpdatedBefore', queryString(q.LastUpdatedBefore));
  const byCreation = createdAfter !== undefined;
  if (!byCreation && updatedAfter === undefined)
    throw badInput('Either CreatedAfter or LastUpdatedAfter must be specified.');
  if (byCreation && (updatedAfter !== undefined || updatedBefore !== undefined))
    throw badInput('LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter is set.');
  if (!byCreation && createdBefore !== undefined)
    throw badInput('CreatedBefore cannot be set when LastUpdatedAfter is set.');
  const after = (byCreation ? createdAfter : updatedAfter) ?? 0;
  const before = byCreation ? createdBefore : updatedBefore;
  if (after > call.now)
    throw badInput(`${byCreation ? 'CreatedAfter' : 'LastUpdatedAfter'} cannot be in the future.`);
  if (before !== undefined && (before < after || before > call.now - TWO_MINUTES))
    throw badInput(
      `${byCreation ? 'CreatedBefore' : 'LastUpdatedBefore'} must be after ${byCreation ? 'CreatedAfter' : 'LastUpdatedAfter'} and at least two minutes before now.`,
    );
  const statuses = queryList(q.OrderStatuses);
  for (const s of statuses) if (!STATUSES.includes(s)) throw badInput(`Invalid OrderStatuses: ${s}.`);
  const channels = queryList(q.FulfillmentChannels);
  for (const c of channels)
    if (c !== 'AFN' && c !== 'MFN') throw badInput(`Invalid FulfillmentChannels: ${c}.`);
  const ids = queryList(q.AmazonOrderIds);
  if (ids.length > 50) throw badInput('AmazonOrderIds accepts at most 50 ids.');
  const pageSize = Number(queryString(q.MaxResultsPerPage) ?? 100);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    throw badInput('MaxResultsPerPage must be 1 to 100.');

  const time = (o: ChannelOrder) =>
    byCreation ? o.createdAt : orderState(state, call.channelId, o).lastUpdate;
  const upper = before ?? call.now;
  const rows = marketplaceIds.includes(call.seller.marketplaceId)
    ? state.ctx.world
        .channel(call.channelId)
        .orders.filter((o) => time(o) >= after && time(o) <= upper)
        .map((o) => ({ o, view: orderView(state, call, o) }))
        .filter(({ view }) => statuses.length === 0 || statuses.includes(String(view.OrderStatus)))
        .filter(({ view }) => channels.length === 0 || channels.includes(String(view.FulfillmentChannel)))
        .filter(({ view }) => ids.length === 0 || ids.includes(String(view.AmazonOrderId)))
        .sort((a, b) => time(a.o) - time(b.o))
    : [];

  const filters = fingerprint([marketplaceIds, byCreation, after, before, statuses, channels, ids, pageSize]);
  const token = queryString(q.NextToken);
  let offset = 0;
  if (token) {
    const t = decodePageToken(token);
    if (!t || t.fingerprint !== filters) throw badInput('Invalid NextToken.');
    offset = t.offset;
  }
  const more = offset + pageSize < rows.length;
  return {
    body: {
      payload: {
        Orders: rows.slice(offset, offset + pageSize).map((r) => r.view),
        ...(more ? { NextToken: encodePageToken(offset + pageSize, filters, call.now) } : {}),
        ...(byCreation ? { CreatedBefore: isoSeconds(upper) } : { LastUpdatedBefore: isoSeconds(upper) }),
      },
    },
  };
}

function findOrder(state: AmazonState, call: SpCall): { id: string; order: ChannelOrder } {
  const { orderId } = call.req.params as { orderId: string };
  if (!/^\d{3}-\d{7}-\d{7}$/.test(orderId))
    throw badInput('Invalid Input', `${orderId} is not an Amazon order id.`);
  const order = state.ctx.world
    .channel(call.channelId)
    .orders.find((o) => amazonOrderId(call.channelId, o.id) === orderId);
  if (!order) throw notFound(`Order ${orderId} not found.`);
  return { id: orderId, order };
}

function getOrderItems(state: AmazonState, call: SpCall): SpReply {
  const { id, order } = findOrder(state, call);
  const s = orderState(state, call.channelId, order);
  const listing = state.ctx.world
    .channel(call.channelId)
    .listings.find((l) => l.sku === order.sku && l.location === order.location);
  const world = state.ctx.world;
  return {
    body: {
      payload: {
        AmazonOrderId: id,
        OrderItems: [
          {
            ASIN: listing?.ids.asin ?? derivedAsin(order.sku),
            SellerSKU: order.sku,
            OrderItemId: orderItemId(call.channelId, order.id),
            Title: world.product(order.sku)?.name ?? order.sku,
            QuantityOrdered: order.qty,
            QuantityShipped: s.status === 'Shipped' ? order.qty : 0,
            ProductInfo: { NumberOfItems: '1' },
            ItemPrice: money(order.qty * UNIT_PRICE),
            ItemTax: money(0),
            PromotionDiscount: money(0),
            IsGift: 'false',
            ConditionId: 'New',
            ConditionSubtypeId: 'New',
            IsTransparency: false,
            SerialNumberRequired: false,
          },
        ],
      },
    },
  };
}
