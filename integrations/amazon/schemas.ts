/**
 * The parts of SP-API responses the adapter relies on, checked with zod (Amazon's models mark almost every field
 * optional; these schemas require what a correct answer must carry for the adapter to act on it).
 */
import { z } from 'zod';

const qty = z.number().int().nonnegative();

// ---- FBA inventory ----------------------------------------------------------------------------------------------

export const inventoryDetails = z.object({
  fulfillableQuantity: qty,
  inboundWorkingQuantity: qty.default(0),
  inboundShippedQuantity: qty.default(0),
  inboundReceivingQuantity: qty.default(0),
  reservedQuantity: z.object({ totalReservedQuantity: qty.default(0) }).optional(),
  researchingQuantity: z.object({ totalResearchingQuantity: qty.default(0) }).optional(),
  unfulfillableQuantity: z.object({ totalUnfulfillableQuantity: qty.default(0) }).optional(),
});

/** `getInventorySummaries` with `details=true`: every summary must carry its breakdown. */
export const detailedSummaries = z.object({
  payload: z.object({
    inventorySummaries: z.array(z.object({ sellerSku: z.string().min(1), inventoryDetails })),
  }),
  pagination: z.object({ nextToken: z.string().optional() }).optional(),
});
export type DetailedSummaries = z.output<typeof detailedSummaries>;
export type InventorySummary = DetailedSummaries['payload']['inventorySummaries'][number];

/** `getInventorySummaries` without details (checkAccess only needs a well-formed answer). */
export const anySummaries = z.object({
  payload: z.object({ inventorySummaries: z.array(z.object({ sellerSku: z.string().optional() })) }),
});

// ---- Listings Items ---------------------------------------------------------------------------------------------

export const listingsItem = z.object({
  sku: z.string(),
  fulfillmentAvailability: z
    .array(z.object({ fulfillmentChannelCode: z.string(), quantity: qty.optional() }))
    .optional(),
});
export type ListingsItem = z.output<typeof listingsItem>;

export const listingIssue = z.object({
  code: z.string(),
  message: z.string(),
  severity: z.enum(['ERROR', 'WARNING', 'INFO']),
  attributeNames: z.array(z.string()).optional(),
});
export type ListingIssue = z.output<typeof listingIssue>;

export const submissionResponse = z.object({
  sku: z.string(),
  status: z.enum(['ACCEPTED', 'INVALID', 'VALID']),
  submissionId: z.string(),
  issues: z.array(listingIssue).optional(),
});
export type SubmissionResponse = z.output<typeof submissionResponse>;

// ---- Feeds ------------------------------------------------------------------------------------------------------

export const createFeedDocumentResponse = z.object({ feedDocumentId: z.string().min(1), url: z.url() });
export const createFeedResponse = z.object({ feedId: z.string().min(1) });
export const feedStatus = z.enum(['IN_QUEUE', 'IN_PROGRESS', 'DONE', 'FATAL', 'CANCELLED']);
export const feed = z.object({
  feedId: z.string(),
  processingStatus: feedStatus,
  resultFeedDocumentId: z.string().optional(),
});
export type Feed = z.output<typeof feed>;
export const feedDocument = z.object({
  feedDocumentId: z.string(),
  url: z.url(),
  compressionAlgorithm: z.enum(['GZIP']).optional(),
});

/** The JSON_LISTINGS_FEED processing report. */
export const processingReport = z.object({
  issues: z
    .array(
      z.object({
        messageId: z.number().int().optional(),
        code: z.string().optional(),
        severity: z.enum(['ERROR', 'WARNING', 'INFO']),
        message: z.string(),
        attributeName: z.string().optional(),
      }),
    )
    .default([]),
  summary: z
    .object({
      messagesProcessed: qty.optional(),
      messagesAccepted: qty.optional(),
      messagesInvalid: qty.optional(),
    })
    .optional(),
});
export type ProcessingReport = z.output<typeof processingReport>;

// ---- Orders v0 --------------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true });

/**
 * The order fields the adapter reads. Amazon's model marks FulfillmentChannel optional, but whether an order is
 * FBA's decides where its units came from, so an order without it is not guessed at: BAD_RESPONSE.
 */
export const order = z.object({
  AmazonOrderId: z.string().min(1),
  PurchaseDate: isoTime,
  LastUpdateDate: isoTime,
  OrderStatus: z.string(),
  FulfillmentChannel: z.enum(['MFN', 'AFN']),
});
export type Order = z.output<typeof order>;

export const getOrderResponse = z.object({ payload: order });

export const getOrdersResponse = z.object({
  payload: z.object({
    Orders: z.array(order),
    NextToken: z.string().optional(),
    LastUpdatedBefore: isoTime.optional(),
    CreatedBefore: isoTime.optional(),
  }),
});
export type GetOrdersResponse = z.output<typeof getOrdersResponse>;

export const getOrderItemsResponse = z.object({
  payload: z.object({
    AmazonOrderId: z.string(),
    OrderItems: z.array(
      z.object({
        OrderItemId: z.string(),
        SellerSKU: z.string().optional(),
        QuantityOrdered: qty,
      }),
    ),
    NextToken: z.string().optional(),
  }),
});
export type GetOrderItemsResponse = z.output<typeof getOrderItemsResponse>;
