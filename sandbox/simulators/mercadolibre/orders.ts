/**
 * Orders as Mercado Libre shows them: `GET /orders/{id}` and `GET /orders/search?seller=...` with the date filters
 * a poller uses (`order.date_last_updated.from`), `sort=date_asc|date_desc` and offset/limit paging (51 at most),
 * and each order's shipment, `GET /shipments/{id}`, whose `logistic_type` says who ships it (`fulfillment`: Full,
 * from Mercado Libre's warehouse).
 * A channel order that is open or returned is `paid` (returns are claims, the order stays paid: a returned order
 * lists its claim in `mediations`); a cancelled one is `cancelled`. A multi-origin seller's order item names the
 * store it sells from (`stock: {store_id, node_id}`). Order ids are the world's, so the ERP reference
 * `<channel>:<order id>` matches what the API shows.
 */
import type { Credentials } from '../../context';
import type { FastifyInstance } from '../../http';
import type { ChannelOrder, ChannelState, World } from '../../world';
import { isFull, itemsOf, stockType, storeId, UNIT_PRICE } from './catalog';
import { badRequest, forbidden, mlError } from './errors';
import { mlDate, siteOf, stableNumber } from './format';
import { authed, ok, type Deps } from './route';
import { orderSearchQuery, parseQuery, type OrderSearch } from './schemas';

const MAX_LIMIT = 51;

const numericOrId = (id: string): number | string => (/^\d+$/.test(id) ? Number(id) : id);

export function renderOrder(
  world: World,
  credentials: Credentials,
  channel: ChannelState,
  order: ChannelOrder,
) {
  const listing = channel.listings.find((l) => l.sku === order.sku && l.location === order.location);
  const item = listing ? itemsOf(channel).find((i) => i.id === listing.ids.item) : undefined;
  const product = item?.products.find((p) => p.sku === order.sku);
  const { site, currency } = siteOf(item?.id ?? 'MLM');
  const cancelled = order.status === 'cancelled';
  const total = UNIT_PRICE * order.qty;
  const buyer = stableNumber(`meli-buyer:${channel.id}:${order.id}`, 9);
  const store =
    listing && stockType(listing) === 'seller_warehouse'
      ? { store_id: storeId(channel.id, listing.location), node_id: listing.location }
      : null;
  return {
    id: numericOrId(order.id),
    status: cancelled ? 'cancelled' : 'paid',
    status_detail: null,
    date_created: mlDate(order.createdAt),
    date_closed: mlDate(order.createdAt),
    last_updated: mlDate(order.updatedAt),
    order_items: [
      {
        item: {
          id: item?.id ?? null,
          title: world.product(order.sku)?.name ?? order.sku,
          category_id: `${site}1055`,
          variation_id: item && product && item.products.length > 1 ? product.variationId : null,
          seller_custom_field: order.sku,
          seller_sku: order.sku,
          variation_attributes: [],
        },
        quantity: order.qty,
        requested_quantity: { value: order.qty, measure: 'unit' },
        unit_price: UNIT_PRICE,
        full_unit_price: UNIT_PRICE,
        currency_id: currency,
        stock: store,
      },
    ],
    total_amount: total,
    paid_amount: cancelled ? 0 : total,
    currency_id: currency,
    buyer: { id: buyer, nickname: `TESTBUYER${buyer}` },
    seller: { id: Number(credentials.mercadolibre(channel.id).userId) },
    shipping: { id: shipmentId(channel, order) },
    pack_id: null,
    fulfilled: null,
    mediations: order.returnedQty > 0 ? [{ id: claimId(channel, order) }] : [],
    tags: cancelled ? ['not_delivered'] : ['paid', 'not_delivered'],
    context: { channel: 'marketplace', site },
  };
}

const shipmentId = (channel: ChannelState, order: ChannelOrder): number =>
  stableNumber(`meli-shipment:${channel.id}:${order.id}`, 11);
const claimId = (channel: ChannelState, order: ChannelOrder): number =>
  stableNumber(`meli-claim:${channel.id}:${order.id}`, 10);

/**
 * `GET /shipments/{id}`: who ships the order (`logistic_type`) and where the parcel is. Full orders leave Mercado
 * Libre's warehouse (`fulfillment`); an item that also sells from the seller's address (Full + Flex) ships those
 * orders itself (`self_service`); everything else is collected from the seller (`cross_docking`).
 */
export function renderShipment(
  world: World,
  credentials: Credentials,
  channel: ChannelState,
  order: ChannelOrder,
) {
  const listing = channel.listings.find((l) => l.sku === order.sku && l.location === order.location);
  const item = listing ? itemsOf(channel).find((i) => i.id === listing.ids.item) : undefined;
  const logistic =
    order.fulfillment === 'Full' ? 'fulfillment' : item && isFull(item) ? 'self_service' : 'cross_docking';
  const shipped =
    order.fulfillment === 'Full' || world.erpOrder(`${channel.id}:${order.id}`)?.status === 'shipped';
  const status =
    order.status === 'cancelled'
      ? 'cancelled'
      : order.status === 'returned'
        ? 'delivered'
        : shipped
          ? 'shipped'
          : 'ready_to_ship';
  return {
    id: shipmentId(channel, order),
    order_id: numericOrId(order.id),
    mode: 'me2',
    logistic_type: logistic,
    status,
    substatus: null,
    date_created: mlDate(order.createdAt),
    last_updated: mlDate(order.updatedAt),
    sender_id: Number(credentials.mercadolibre(channel.id).userId),
    receiver_id: stableNumber(`meli-buyer:${channel.id}:${order.id}`, 9),
    tracking_number: null,
    shipping_items: [
      { id: item?.id ?? null, quantity: order.qty, description: world.product(order.sku)?.name ?? order.sku },
    ],
  };
}

function matches(o: ChannelOrder, q: OrderSearch): boolean {
  const within = (t: number, from?: string, to?: string) =>
    (from === undefined || t >= Date.parse(from)) && (to === undefined || t <= Date.parse(to));
  const status = o.status === 'cancelled' ? 'cancelled' : 'paid';
  return (
    (q['order.status'] === undefined || q['order.status'] === status) &&
    within(o.createdAt, q['order.date_created.from'], q['order.date_created.to']) &&
    within(o.updatedAt, q['order.date_last_updated.from'], q['order.date_last_updated.to'])
  );
}

export function registerOrders(app: FastifyInstance, deps: Deps): void {
  const { world, credentials } = deps.ctx;

  authed(app, deps, {
    method: 'GET',
    url: '/orders/search',
    endpoint: 'GET /orders/search',
    handler: ({ req, seller }) => {
      const q = parseQuery(orderSearchQuery, req.query);
      if (q.seller !== String(seller.userId)) throw forbidden(`The caller is not seller ${q.seller}`);
      const limit = q.limit ?? MAX_LIMIT;
      if (limit > MAX_LIMIT) throw badRequest(`limit must be lower or equal to ${MAX_LIMIT}`);
      const offset = q.offset ?? 0;
      const sort = q.sort ?? 'date_asc';
      const found = seller.channel.orders
        .filter((o) => matches(o, q))
        .sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id));
      if (sort === 'date_desc') found.reverse();
      return ok({
        query: null,
        results: found
          .slice(offset, offset + limit)
          .map((o) => renderOrder(world, credentials, seller.channel, o)),
        sort: { id: sort, name: sort === 'date_asc' ? 'Date ascending' : 'Date descending' },
        available_sorts: [
          {
            id: sort === 'date_asc' ? 'date_desc' : 'date_asc',
            name: sort === 'date_asc' ? 'Date descending' : 'Date ascending',
          },
        ],
        filters: [],
        paging: { total: found.length, offset, limit },
        display: 'complete',
      });
    },
  });

  authed(app, deps, {
    method: 'GET',
    url: '/shipments/:id',
    endpoint: 'GET /shipments/{id}',
    handler: ({ req, seller }) => {
      const id = (req.params as { id: string }).id;
      const order = seller.channel.orders.find((o) => String(shipmentId(seller.channel, o)) === id);
      if (order) return ok(renderShipment(world, credentials, seller.channel, order));
      for (const ch of world.channels.values())
        if (ch.kind === 'mercadolibre' && ch.orders.some((o) => String(shipmentId(ch, o)) === id))
          throw forbidden(`The caller is not the sender of shipment ${id}`);
      throw mlError(404, 'not_found', `Shipment ${id} not found`);
    },
  });

  authed(app, deps, {
    method: 'GET',
    url: '/orders/:id',
    endpoint: 'GET /orders/{id}',
    handler: ({ req, seller }) => {
      const id = (req.params as { id: string }).id;
      const order = seller.channel.orders.find((o) => o.id === id);
      if (order) return ok(renderOrder(world, credentials, seller.channel, order));
      for (const ch of world.channels.values())
        if (ch.kind === 'mercadolibre' && ch.orders.some((o) => o.id === id))
          throw forbidden(`The caller is not the seller of order ${id}`);
      throw mlError(404, 'not_found', `Order ${id} not found`);
    },
  });
}
