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
import type { Listing } from '../../world';
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

function nodeById(ctx: GqlContext, id: string): unknown {
  const all = () => items(ctx.channel);
  switch (gidType(id)) {
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
