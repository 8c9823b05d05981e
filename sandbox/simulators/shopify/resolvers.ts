/**
 * Resolvers for the schema in `schema.ts`, reading and writing the world through `catalog.ts` and
 * `inventory.ts`. Sources are small tagged objects (`__typename` lets graphql-js resolve the `Node` interface).
 * `attachResolvers` fails at start-up if a resolver names a type or field the SDL does not have.
 */
import {
  GraphQLError,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { ChannelOrder, Listing } from '../../world';
import { checkBulkQuery } from './bulk';
import {
  committed,
  hasLocation,
  isQuantityName,
  itemById,
  itemByVariant,
  items,
  itemUpdatedAt,
  level,
  levelId,
  locationIds,
  productTitle,
  QUANTITY_NAMES,
  quantities,
  type Item,
} from './catalog';
import { paginate } from './connection';
import type { GqlContext } from './context';
import { idempotent, IDEMPOTENCY_MISMATCH } from './idempotency';
import { gid, gidTail, gidType, isoSeconds, legacyId, shopDomain } from './ids';
import {
  adjustQuantities,
  setQuantities,
  type AdjustmentGroup,
  type InventoryChange,
  type InventoryPayload,
} from './inventory';
import {
  currentQuantity,
  financialStatus,
  fulfillmentOrderNumber,
  fulfillmentStatus,
  lineItemNumber,
  orderNumber,
  orderSearchFields,
  refundNumber,
  sortOrders,
} from './orders';
import { search } from './search';

type Args = Record<string, unknown>;
type Resolver<S> = (source: S, args: Args, ctx: GqlContext, info: GraphQLResolveInfo) => unknown;

interface VariantNode {
  __typename: 'ProductVariant';
  item: Item;
}
interface ProductNode {
  __typename: 'Product';
  item: Item;
}
interface ItemNode {
  __typename: 'InventoryItem';
  item: Item;
}
interface LevelNode {
  __typename: 'InventoryLevel';
  item: Item;
  listing: Listing;
}
interface LocationNode {
  __typename: 'Location';
  id: string;
}
interface ShopNode {
  __typename: 'Shop';
  channelId: string;
}

interface OrderNode {
  __typename: 'Order';
  order: ChannelOrder;
}
interface LineItemNode {
  __typename: 'LineItem';
  order: ChannelOrder;
}
interface FulfillmentOrderNode {
  __typename: 'FulfillmentOrder';
  order: ChannelOrder;
}
interface RefundNode {
  __typename: 'Refund';
  order: ChannelOrder;
}

const orderNode = (order: ChannelOrder): OrderNode => ({ __typename: 'Order', order });
const lineItemNode = (order: ChannelOrder): LineItemNode => ({ __typename: 'LineItem', order });
const variantNode = (item: Item): VariantNode => ({ __typename: 'ProductVariant', item });
const itemNode = (item: Item): ItemNode => ({ __typename: 'InventoryItem', item });
const levelNode = (item: Item, listing: Listing): LevelNode => ({
  __typename: 'InventoryLevel',
  item,
  listing,
});
const locationNode = (id: string): LocationNode => ({ __typename: 'Location', id });

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `gid://shopify/InventoryLevel/<location>?inventory_item_id=<item>` back to its level. */
function levelByGid(ctx: GqlContext, id: string): LevelNode | undefined {
  const itemTail = /[?&]inventory_item_id=(\d+)/.exec(id)?.[1];
  const location = gidTail(id);
  for (const item of items(ctx.channel)) {
    if (String(legacyId(item.itemId)) !== itemTail) continue;
    const listing = item.levels.find((l) => String(legacyId(l.location)) === location);
    if (listing) return levelNode(item, listing);
  }
  return undefined;
}

/** The order a gid of one of its parts names (`Order/1000`, `LineItem/100001`, `FulfillmentOrder/10001`, `Refund/…`). */
function orderPart(
  ctx: GqlContext,
  id: string,
  number: (o: ChannelOrder) => number,
): ChannelOrder | undefined {
  const tail = gidTail(id);
  return ctx.channel.orders.find((o) => String(number(o)) === tail);
}

function nodeById(ctx: GqlContext, id: string): unknown {
  const all = () => items(ctx.channel);
  switch (gidType(id)) {
    case 'Order': {
      const order = orderPart(ctx, id, orderNumber);
      return order ? orderNode(order) : null;
    }
    case 'LineItem': {
      const order = orderPart(ctx, id, lineItemNumber);
      return order ? lineItemNode(order) : null;
    }
    case 'FulfillmentOrder': {
      const order = orderPart(ctx, id, fulfillmentOrderNumber);
      return order ? ({ __typename: 'FulfillmentOrder', order } satisfies FulfillmentOrderNode) : null;
    }
    case 'Refund': {
      const order = orderPart(ctx, id, refundNumber);
      return order && order.returnedQty > 0 ? ({ __typename: 'Refund', order } satisfies RefundNode) : null;
    }
    case 'ProductVariant': {
      const item = itemByVariant(ctx.channel, id);
      return item ? variantNode(item) : null;
    }
    case 'Product': {
      const item = all().find((i) => i.productId === id);
      return item ? ({ __typename: 'Product', item } satisfies ProductNode) : null;
    }
    case 'InventoryItem': {
      const item = itemById(ctx.channel, id);
      return item ? itemNode(item) : null;
    }
    case 'InventoryLevel':
      return levelByGid(ctx, id) ?? null;
    case 'Location':
      return hasLocation(ctx.channel, id) ? locationNode(id) : null;
    case 'BulkOperation':
      return ctx.bulkOperations.byId(ctx.channel.id, id) ?? null;
    case 'Shop':
      return id === shopGid(ctx.channel.id)
        ? ({ __typename: 'Shop', channelId: ctx.channel.id } satisfies ShopNode)
        : null;
    default:
      return null;
  }
}

const shopGid = (channelId: string) => gid('Shop', legacyId(channelId));

const itemSearch = {
  sku: (i: Item) => i.sku,
  id: (i: Item) => legacyId(i.itemId),
  updated_at: (i: Item) => isoSeconds(itemUpdatedAt(i)),
};

const QueryRoot: Record<string, Resolver<unknown>> = {
  shop: (_s, _a, ctx): ShopNode => ({ __typename: 'Shop', channelId: ctx.channel.id }),
  node: (_s, args, ctx) => nodeById(ctx, str(args.id) ?? ''),
  nodes: (_s, args, ctx) => (Array.isArray(args.ids) ? args.ids.map((id) => nodeById(ctx, String(id))) : []),
  productVariant: (_s, args, ctx) => {
    const item = itemByVariant(ctx.channel, str(args.id) ?? '');
    return item ? variantNode(item) : null;
  },
  productVariants: (_s, args, ctx, info) => {
    const fields = {
      ...itemSearch,
      id: (i: Item) => legacyId(i.variantId),
      product_id: (i: Item) => legacyId(i.productId),
    };
    const rows = search(items(ctx.channel), str(args.query), fields, (i) => i.sku);
    return paginate(rows, (i) => legacyId(i.variantId), args, info.fieldName, ctx.bulk, variantNode);
  },
  inventoryItem: (_s, args, ctx) => {
    const item = itemById(ctx.channel, str(args.id) ?? '');
    return item ? itemNode(item) : null;
  },
  inventoryItems: (_s, args, ctx, info) => {
    const rows = search(items(ctx.channel), str(args.query), itemSearch, (i) => i.sku);
    return paginate(rows, (i) => legacyId(i.itemId), args, info.fieldName, ctx.bulk, itemNode);
  },
  inventoryLevel: (_s, args, ctx) => levelByGid(ctx, str(args.id) ?? '') ?? null,
  location: (_s, args, ctx) => {
    const id = str(args.id) ?? locationIds(ctx.channel)[0];
    return id && hasLocation(ctx.channel, id) ? locationNode(id) : null;
  },
  locations: (_s, args, ctx, info) => {
    const fields = { id: (l: string) => legacyId(l), name: (l: string) => locationName(l) };
    const rows = search(locationIds(ctx.channel), str(args.query), fields, locationName);
    return paginate(rows, legacyId, args, info.fieldName, ctx.bulk, locationNode);
  },
  currentBulkOperation: (_s, args, ctx) =>
    args.type === 'MUTATION' ? null : (ctx.bulkOperations.current(ctx.channel.id) ?? null),
  bulkOperation: (_s, args, ctx) => ctx.bulkOperations.byId(ctx.channel.id, str(args.id) ?? '') ?? null,
  order: (_s, args, ctx) => {
    const id = str(args.id) ?? '';
    const order = gidType(id) === 'Order' ? orderPart(ctx, id, orderNumber) : undefined;
    return order ? orderNode(order) : null;
  },
  orders: (_s, args, ctx, info) => {
    const rows = search(
      ctx.channel.orders,
      str(args.query),
      orderSearchFields(ctx.world, ctx.channel),
      (o) => `#${orderNumber(o)} ${o.sku}`,
    );
    return paginate(sortOrders(rows, args.sortKey), orderNumber, args, info.fieldName, ctx.bulk, orderNode);
  },
};

const mismatch = (): InventoryPayload => ({
  inventoryAdjustmentGroup: null,
  userErrors: [IDEMPOTENCY_MISMATCH],
});

const Mutation: Record<string, Resolver<unknown>> = {
  inventorySetQuantities: idempotent(
    { inputType: 'InventoryQuantityInput', rows: 'quantities' },
    setQuantities,
    mismatch,
  ),
  inventoryAdjustQuantities: idempotent(
    { inputType: 'InventoryChangeInput', rows: 'changes' },
    adjustQuantities,
    mismatch,
  ),
  bulkOperationRunQuery: (_s, args, ctx, info) => {
    const query = str(args.query) ?? '';
    const checked = checkBulkQuery(info.schema, query);
    if ('errors' in checked) return { bulkOperation: null, userErrors: checked.errors };
    const started = ctx.bulkOperations.start(ctx.channel.id, query, checked.document);
    return 'code' in started
      ? { bulkOperation: null, userErrors: [started] }
      : { bulkOperation: started, userErrors: [] };
  },
};

const Shop: Record<string, Resolver<ShopNode>> = {
  id: (s) => shopGid(s.channelId),
  name: (s) => s.channelId,
  myshopifyDomain: (s) => shopDomain(s.channelId),
  ianaTimezone: () => 'UTC',
};

const Product: Record<string, Resolver<ProductNode>> = {
  id: (s) => s.item.productId,
  legacyResourceId: (s) => String(legacyId(s.item.productId)),
  title: (s, _a, ctx) => productTitle(ctx.world, s.item.sku),
};

const ProductVariant: Record<string, Resolver<VariantNode>> = {
  id: (s) => s.item.variantId,
  legacyResourceId: (s) => String(legacyId(s.item.variantId)),
  sku: (s) => s.item.sku,
  title: () => 'Default Title',
  displayName: (s, _a, ctx) => `${productTitle(ctx.world, s.item.sku)} - Default Title`,
  inventoryQuantity: (s) => s.item.levels.reduce((sum, l) => sum + l.shows, 0),
  inventoryItem: (s) => itemNode(s.item),
  product: (s): ProductNode => ({ __typename: 'Product', item: s.item }),
  updatedAt: (s) => isoSeconds(itemUpdatedAt(s.item)),
};

const InventoryItem: Record<string, Resolver<ItemNode>> = {
  id: (s) => s.item.itemId,
  legacyResourceId: (s) => String(legacyId(s.item.itemId)),
  sku: (s) => s.item.sku,
  tracked: () => true,
  requiresShipping: () => true,
  variant: (s) => variantNode(s.item),
  inventoryLevel: (s, args) => {
    const listing = level(s.item, str(args.locationId) ?? '');
    return listing ? levelNode(s.item, listing) : null;
  },
  inventoryLevels: (s, args, ctx, info) =>
    paginate(
      s.item.levels,
      (l) => legacyId(l.location),
      args,
      info.fieldName,
      ctx.bulk,
      (l) => levelNode(s.item, l),
    ),
  locationsCount: (s) => ({ count: s.item.levels.length, precision: 'EXACT' }),
  createdAt: (s, _a, ctx) => isoSeconds(ctx.world.product(s.item.sku)?.writeDate ?? itemUpdatedAt(s.item)),
  updatedAt: (s) => isoSeconds(itemUpdatedAt(s.item)),
};

const InventoryLevel: Record<string, Resolver<LevelNode>> = {
  id: (s) => levelId(s.listing),
  item: (s) => itemNode(s.item),
  location: (s) => locationNode(s.listing.location),
  quantities: (s, args, ctx) => {
    const names = Array.isArray(args.names) ? args.names.map(String) : [];
    const bad = names.find((n) => !isQuantityName(n));
    if (bad !== undefined)
      throw new GraphQLError(
        `'${bad}' is not a valid quantity name. Valid values are: ${QUANTITY_NAMES.join(', ')}.`,
        {
          extensions: { code: 'BAD_REQUEST' },
        },
      );
    const q = quantities(ctx.world, ctx.channel, s.listing);
    const tail = `${legacyId(s.listing.location)}?inventory_item_id=${legacyId(s.item.itemId)}`;
    return names.filter(isQuantityName).map((name) => ({
      id: `${gid('InventoryQuantity', tail)}&name=${name}`,
      name,
      quantity: q[name],
      updatedAt: isoSeconds(s.listing.updatedAt),
    }));
  },
  isActive: () => true,
  canDeactivate: (s, _a, ctx) => committed(ctx.world, ctx.channel, s.listing) === 0,
  createdAt: (s, _a, ctx) => isoSeconds(ctx.world.product(s.listing.sku)?.writeDate ?? s.listing.updatedAt),
  updatedAt: (s) => isoSeconds(s.listing.updatedAt),
};

/** The sandbox seed gives locations an id and no name, so a location is named after its number. */
function locationName(id: string): string {
  return `Location ${gidTail(id)}`;
}

const Location: Record<string, Resolver<LocationNode>> = {
  legacyResourceId: (s) => String(legacyId(s.id)),
  name: (s) => locationName(s.id),
  isActive: () => true,
  fulfillsOnlineOrders: () => true,
  inventoryLevel: (s, args, ctx) => {
    const item = itemById(ctx.channel, str(args.inventoryItemId) ?? '');
    const listing = item && level(item, s.id);
    return item && listing ? levelNode(item, listing) : null;
  },
  inventoryLevels: (s, args, ctx, info) => {
    const here = items(ctx.channel).flatMap((item) =>
      item.levels.filter((l) => l.location === s.id).map((l) => levelNode(item, l)),
    );
    return paginate(
      here,
      (n) => legacyId(n.item.itemId),
      args,
      info.fieldName,
      ctx.bulk,
      (n) => n,
    );
  },
};

const Order: Record<string, Resolver<OrderNode>> = {
  id: (s) => gid('Order', orderNumber(s.order)),
  legacyResourceId: (s) => String(orderNumber(s.order)),
  name: (s) => `#${orderNumber(s.order)}`,
  createdAt: (s) => isoSeconds(s.order.createdAt),
  updatedAt: (s) => isoSeconds(s.order.updatedAt),
  processedAt: (s) => isoSeconds(s.order.createdAt),
  cancelledAt: (s) => (s.order.status === 'cancelled' ? isoSeconds(s.order.updatedAt) : null),
  cancelReason: (s) => (s.order.status === 'cancelled' ? 'CUSTOMER' : null),
  displayFinancialStatus: (s) => financialStatus(s.order),
  lineItems: (s, args, ctx, info) =>
    paginate([s.order], lineItemNumber, args, info.fieldName, ctx.bulk, lineItemNode),
  fulfillmentOrders: (s, args, ctx, info) =>
    paginate(
      [s.order],
      fulfillmentOrderNumber,
      args,
      info.fieldName,
      ctx.bulk,
      (order): FulfillmentOrderNode => ({ __typename: 'FulfillmentOrder', order }),
    ),
  refunds: (s, args) => {
    const first = typeof args.first === 'number' ? args.first : undefined;
    const all: RefundNode[] = s.order.returnedQty > 0 ? [{ __typename: 'Refund', order: s.order }] : [];
    return first === undefined ? all : all.slice(0, first);
  },
};

const LineItem: Record<string, Resolver<LineItemNode>> = {
  id: (s) => gid('LineItem', lineItemNumber(s.order)),
  name: (s, _a, ctx) => productTitle(ctx.world, s.order.sku),
  sku: (s) => s.order.sku,
  quantity: (s) => s.order.qty,
  currentQuantity: (s) => currentQuantity(s.order),
  variant: (s, _a, ctx) => {
    const item = items(ctx.channel).find((i) => i.sku === s.order.sku);
    return item ? variantNode(item) : null;
  },
};

const FulfillmentOrder: Record<string, Resolver<FulfillmentOrderNode>> = {
  id: (s) => gid('FulfillmentOrder', fulfillmentOrderNumber(s.order)),
  status: (s, _a, ctx) => fulfillmentStatus(ctx.world, ctx.channel, s.order),
  assignedLocation: (s, _a, ctx) => ({
    name: locationName(s.order.location),
    location: hasLocation(ctx.channel, s.order.location) ? locationNode(s.order.location) : null,
  }),
  createdAt: (s) => isoSeconds(s.order.createdAt),
  updatedAt: (s) => isoSeconds(s.order.updatedAt),
};

const Refund: Record<string, Resolver<RefundNode>> = {
  id: (s) => gid('Refund', refundNumber(s.order)),
  createdAt: (s) => isoSeconds(s.order.updatedAt),
  refundLineItems: (s, args, ctx, info) =>
    paginate([s.order], lineItemNumber, args, info.fieldName, ctx.bulk, (order) => ({
      id: gid('RefundLineItem', refundNumber(order) * 10 + 1),
      quantity: order.returnedQty,
      // The returned units go back to the ERP, not to Shopify's count (the world's rule).
      restockType: 'NO_RESTOCK',
      restocked: false,
      lineItem: lineItemNode(order),
      location: null,
    })),
};

const InventoryAdjustmentGroup: Record<string, Resolver<AdjustmentGroup>> = {
  changes: (s, args) => {
    const keep = (list: unknown, v: string) => !Array.isArray(list) || list.includes(v);
    return s.changes.filter(
      (c) =>
        keep(args.inventoryItemIds, c.itemId) &&
        keep(args.locationIds, c.locationId) &&
        keep(args.quantityNames, c.name),
    );
  },
};

const InventoryChangeResolvers: Record<string, Resolver<InventoryChange>> = {
  item: (s, _a, ctx) => {
    const item = itemById(ctx.channel, s.itemId);
    return item ? itemNode(item) : null;
  },
  location: (s) => locationNode(s.locationId),
};

export const resolvers: Record<string, Record<string, Resolver<never>>> = {
  QueryRoot,
  Mutation,
  Shop,
  Product,
  ProductVariant,
  InventoryItem,
  InventoryLevel,
  Location,
  InventoryAdjustmentGroup,
  InventoryChange: InventoryChangeResolvers,
  Order,
  LineItem,
  FulfillmentOrder,
  Refund,
};

/** Installs `resolvers` on the schema's fields (makeExecutableSchema-style); unknown names are a start-up error. */
export function attachResolvers(
  schema: GraphQLSchema,
  map: Record<string, Record<string, Resolver<never>>> = resolvers,
): GraphQLSchema {
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`resolvers: ${typeName} is not an object type of the schema`);
    const defs = type.getFields();
    for (const [fieldName, fn] of Object.entries(fields)) {
      const def = defs[fieldName];
      if (!def) throw new Error(`resolvers: ${typeName}.${fieldName} is not in the schema`);
      def.resolve = fn as unknown as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}
