/**
 * The Admin GraphQL operations the adapter sends (2026-04 names), each with the zod schema of its `data` and its
 * requested cost. The cost follows Shopify's calculation (shopify.dev "GraphQL Admin API rate limits": an object
 * 1, a scalar 0, a connection 2 plus its page size times one node, a mutation 10), so the adapter can tell before
 * sending whether the last known budget covers it (throttle.ts).
 */
import { z } from 'zod';

export interface Operation<V extends Record<string, unknown>, T> {
  /** The operation's first root field: how Shopify (and the sandbox) name it in logs and call counts. */
  name: string;
  query: string;
  data: z.ZodType<T>;
  cost(variables: V): number;
}

/** The `data` type of an operation. */
export type DataOf<O> = O extends Operation<infer _V, infer T> ? T : never;

const gid = z.string().min(1);
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

export const quantity = z.object({ name: z.string(), quantity: z.number().int() });
export const levelNode = z.object({ location: z.object({ id: gid }), quantities: z.array(quantity) });
export type LevelNode = z.infer<typeof levelNode>;

const LEVEL_FIELDS = 'location { id } quantities(names: ["available"]) { name quantity }';
/** One inventory level: the level 1, its location 1, its quantities 1. */
const LEVEL_COST = 3;

// ---- variants by SKU (ids only: what a push needs) -----------------------------------------------------

export const VARIANT_IDS: Operation<
  { query: string; first: number; after?: string | null },
  {
    productVariants: {
      nodes: { id: string; sku: string | null; inventoryItem: { id: string } }[];
      pageInfo: z.infer<typeof pageInfo>;
    };
  }
> = {
  name: 'productVariants',
  query: `query InvsyncVariantIds($query: String!, $first: Int!, $after: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes { id sku inventoryItem { id } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  data: z.object({
    productVariants: z.object({
      nodes: z.array(z.object({ id: gid, sku: z.string().nullable(), inventoryItem: z.object({ id: gid }) })),
      pageInfo,
    }),
  }),
  // connection 2 + first x (variant 1 + inventoryItem 1)
  cost: (v) => 2 + v.first * 2,
};

// ---- variants by SKU with their levels (levels(), the stale re-read) ----------------------------------

const levelsConnection = z.object({ nodes: z.array(levelNode), pageInfo });

export const VARIANT_LEVELS: Operation<
  { query: string; first: number; levels: number; after?: string | null },
  {
    productVariants: {
      nodes: {
        id: string;
        sku: string | null;
        inventoryItem: { id: string; inventoryLevels: z.infer<typeof levelsConnection> };
      }[];
      pageInfo: z.infer<typeof pageInfo>;
    };
  }
> = {
  name: 'productVariants',
  query: `query InvsyncVariantLevels($query: String!, $first: Int!, $levels: Int!, $after: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes {
      id
      sku
      inventoryItem {
        id
        inventoryLevels(first: $levels) { nodes { ${LEVEL_FIELDS} } pageInfo { hasNextPage endCursor } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
  data: z.object({
    productVariants: z.object({
      nodes: z.array(
        z.object({
          id: gid,
          sku: z.string().nullable(),
          inventoryItem: z.object({ id: gid, inventoryLevels: levelsConnection }),
        }),
      ),
      pageInfo,
    }),
  }),
  // connection 2 + first x (variant 1 + inventoryItem 1 + levels connection 2 + levels x 3)
  cost: (v) => 2 + v.first * (4 + v.levels * LEVEL_COST),
};

/** The levels of one item past the first page (a SKU stocked at more locations than VARIANT_LEVELS asks for). */
export const ITEM_LEVELS: Operation<
  { id: string; first: number; after?: string | null },
  { inventoryItem: { id: string; inventoryLevels: z.infer<typeof levelsConnection> } | null }
> = {
  name: 'inventoryItem',
  query: `query InvsyncItemLevels($id: ID!, $first: Int!, $after: String) {
  inventoryItem(id: $id) {
    id
    inventoryLevels(first: $first, after: $after) { nodes { ${LEVEL_FIELDS} } pageInfo { hasNextPage endCursor } }
  }
}`,
  data: z.object({
    inventoryItem: z.object({ id: gid, inventoryLevels: levelsConnection }).nullable(),
  }),
  cost: (v) => 1 + 2 + v.first * LEVEL_COST,
};

// ---- locations (checkAccess) --------------------------------------------------------------------------

export const LOCATIONS: Operation<
  { first: number; after?: string | null },
  {
    locations: {
      nodes: { id: string; name: string; isActive: boolean }[];
      pageInfo: z.infer<typeof pageInfo>;
    };
  }
> = {
  name: 'locations',
  query: `query InvsyncLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    nodes { id name isActive }
    pageInfo { hasNextPage endCursor }
  }
}`,
  data: z.object({
    locations: z.object({
      nodes: z.array(z.object({ id: gid, name: z.string(), isActive: z.boolean() })),
      pageInfo,
    }),
  }),
  cost: (v) => 2 + v.first,
};

// ---- inventorySetQuantities ---------------------------------------------------------------------------

export const userError = z.object({
  field: z.array(z.string()).nullable().optional(),
  message: z.string(),
  code: z.string().nullable().optional(),
});
export type UserError = z.infer<typeof userError>;

export interface QuantityInput {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  /** 2026-04: mandatory on every quantity; null skips the compare. */
  changeFromQuantity: number | null;
}

export interface SetQuantitiesInput {
  name: 'available';
  reason: 'correction';
  referenceDocumentUri: string;
  quantities: QuantityInput[];
}

export const SET_QUANTITIES: Operation<
  { input: SetQuantitiesInput; key: string },
  {
    inventorySetQuantities: {
      inventoryAdjustmentGroup: { id: string } | null;
      userErrors: UserError[];
    } | null;
  }
> = {
  name: 'inventorySetQuantities',
  query: `mutation InvsyncSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}`,
  data: z.object({
    inventorySetQuantities: z
      .object({
        inventoryAdjustmentGroup: z.object({ id: gid }).nullable(),
        userErrors: z.array(userError),
      })
      .nullable(),
  }),
  cost: () => 10,
};

// ---- bulk operations (readAll) ------------------------------------------------------------------------

/**
 * The bulk query: every variant with its levels' `available`. Bulk queries select connections through
 * `edges { node }` and need no page sizes; the nested levels come back as their own JSONL lines with `__parentId`.
 */
export const BULK_LEVELS_QUERY = `{
  productVariants {
    edges {
      node {
        id
        sku
        inventoryItem {
          id
          inventoryLevels { edges { node { ${LEVEL_FIELDS} } } }
        }
      }
    }
  }
}`;

export const BULK_RUN: Operation<
  { query: string },
  {
    bulkOperationRunQuery: {
      bulkOperation: { id: string; status: string } | null;
      userErrors: UserError[];
    } | null;
  }
> = {
  name: 'bulkOperationRunQuery',
  query: `mutation InvsyncBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`,
  data: z.object({
    bulkOperationRunQuery: z
      .object({
        bulkOperation: z.object({ id: gid, status: z.string() }).nullable(),
        userErrors: z.array(userError),
      })
      .nullable(),
  }),
  cost: () => 10,
};

export const bulkOperation = z.object({
  id: gid,
  status: z.string(),
  errorCode: z.string().nullable().optional(),
  objectCount: z.string().optional(),
  url: z.string().nullable().optional(),
  partialDataUrl: z.string().nullable().optional(),
});
export type BulkOperation = z.infer<typeof bulkOperation>;

/** Polled by id (`node`), not `currentBulkOperation`: since 2026-01 a shop runs up to five bulk queries at once. */
export const BULK_STATUS: Operation<{ id: string }, { node: BulkOperation | null }> = {
  name: 'node',
  query: `query InvsyncBulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}`,
  data: z.object({ node: bulkOperation.nullable() }),
  cost: () => 1,
};

// ---- orders (order(), ordersSince()) ------------------------------------------------------------------

/** Line items asked per order; an order with more is paged with ORDER_LINES. */
export const ORDER_LINES_PAGE = 20;
/** Fulfillment orders asked per order: the location that fulfils it (a split order has several). */
export const ORDER_LOCATIONS = 3;
/** Refunds asked per order, and refund lines per refund: enough to tell that units came back. */
export const ORDER_REFUNDS = 5;
const REFUND_LINES = 10;

const lineNode = z.object({ sku: z.string().nullable(), quantity: z.number().int().nonnegative() });
const linesConnection = z.object({ nodes: z.array(lineNode), pageInfo });

export const orderNode = z.object({
  id: gid,
  legacyResourceId: z.string().regex(/^\d+$/),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  cancelledAt: z.iso.datetime({ offset: true }).nullable(),
  lineItems: linesConnection,
  fulfillmentOrders: z.object({
    nodes: z.array(
      z.object({
        status: z.string(),
        assignedLocation: z.object({ location: z.object({ id: gid }).nullable() }),
      }),
    ),
  }),
  refunds: z.array(
    z.object({ refundLineItems: z.object({ nodes: z.array(z.object({ quantity: z.number().int() })) }) }),
  ),
});
export type OrderNode = z.infer<typeof orderNode>;

const ORDER_FIELDS = `id
    legacyResourceId
    createdAt
    updatedAt
    cancelledAt
    lineItems(first: ${ORDER_LINES_PAGE}) { nodes { sku quantity } pageInfo { hasNextPage endCursor } }
    fulfillmentOrders(first: ${ORDER_LOCATIONS}) { nodes { status assignedLocation { location { id } } } }
    refunds(first: ${ORDER_REFUNDS}) { refundLineItems(first: ${REFUND_LINES}) { nodes { quantity } } }`;

/**
 * One order's requested cost: the order 1; line items 2 + 20 x 1; fulfillment orders 2 + 3 x (1 + assignedLocation 1
 * + location 1); the refunds list 1 + its refund lines 2 + 10 x 1 (a list of objects costs as one object).
 */
const ORDER_COST = 1 + (2 + ORDER_LINES_PAGE) + (2 + ORDER_LOCATIONS * 3) + (1 + 2 + REFUND_LINES);

export const ORDER: Operation<{ id: string }, { order: OrderNode | null }> = {
  name: 'order',
  query: `query InvsyncOrder($id: ID!) {
  order(id: $id) {
    ${ORDER_FIELDS}
  }
}`,
  data: z.object({ order: orderNode.nullable() }),
  cost: () => ORDER_COST,
};

/** Orders updated at or after a time, oldest change first (`updated_at:>=` at Shopify's one-second precision). */
export const ORDERS: Operation<
  { query: string; first: number; after?: string | null },
  { orders: { nodes: OrderNode[]; pageInfo: z.infer<typeof pageInfo> } }
> = {
  name: 'orders',
  query: `query InvsyncOrders($query: String!, $first: Int!, $after: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
    ${ORDER_FIELDS}
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
  data: z.object({ orders: z.object({ nodes: z.array(orderNode), pageInfo }) }),
  cost: (v) => 2 + v.first * ORDER_COST,
};

/** The line items of an order past the first page. */
export const ORDER_LINES: Operation<
  { id: string; first: number; after?: string | null },
  { order: { lineItems: z.infer<typeof linesConnection> } | null }
> = {
  name: 'order',
  query: `query InvsyncOrderLines($id: ID!, $first: Int!, $after: String) {
  order(id: $id) {
    lineItems(first: $first, after: $after) { nodes { sku quantity } pageInfo { hasNextPage endCursor } }
  }
}`,
  data: z.object({ order: z.object({ lineItems: linesConnection }).nullable() }),
  cost: (v) => 1 + 2 + v.first,
};

// ---- one inventory item with its SKU and levels (levelsByRef) -----------------------------------------

export const INVENTORY_ITEM: Operation<
  { id: string; first: number },
  {
    inventoryItem: {
      id: string;
      sku: string | null;
      variant: { id: string };
      inventoryLevels: z.infer<typeof levelsConnection>;
    } | null;
  }
> = {
  name: 'inventoryItem',
  query: `query InvsyncInventoryItem($id: ID!, $first: Int!) {
  inventoryItem(id: $id) {
    id
    sku
    variant { id }
    inventoryLevels(first: $first) { nodes { ${LEVEL_FIELDS} } pageInfo { hasNextPage endCursor } }
  }
}`,
  data: z.object({
    inventoryItem: z
      .object({
        id: gid,
        sku: z.string().nullable(),
        variant: z.object({ id: gid }),
        inventoryLevels: levelsConnection,
      })
      .nullable(),
  }),
  // item 1 + variant 1 + levels connection 2 + first x 3
  cost: (v) => 1 + 1 + 2 + v.first * LEVEL_COST,
};
