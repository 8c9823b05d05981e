/**
 * Every SP-API call of the adapter goes through `send`: it issues the call with a request timeout, answers Amazon's
 * "access token ... expired" 403 by refreshing once and re-issuing the call (the one re-try the protocol demands),
 * maps any failure to an IntegrationError, and validates the answer with zod.
 */
import type { z } from 'zod';
import type { SpClients } from './clients';
import type { AmazonChannelConfig } from './config';
import { isExpiredToken, parseBody, toIntegrationError, usedToken, type CallContext } from './errors';
import type { LwaTokens } from './lwa';
import {
  anySummaries,
  createFeedDocumentResponse,
  createFeedResponse,
  detailedSummaries,
  feed,
  feedDocument,
  getOrderItemsResponse,
  getOrderResponse,
  getOrdersResponse,
  listingsItem,
  submissionResponse,
  type DetailedSummaries,
  type Feed,
  type GetOrderItemsResponse,
  type GetOrdersResponse,
  type ListingsItem,
  type Order,
  type SubmissionResponse,
} from './schemas';

/** Per-request axios options the generated methods accept as their second argument. */
interface RequestOptions {
  timeout: number;
}

export const FEED_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const FEED_TYPE = 'JSON_LISTINGS_FEED';
/** The product type the quantity patch is sent with (apis.md 4.2: `PRODUCT` + `merge` changes only the quantity). */
const PRODUCT_TYPE = 'PRODUCT';

export class SpApi {
  constructor(
    private readonly clients: SpClients,
    private readonly lwa: LwaTokens,
    private readonly cfg: AmazonChannelConfig,
    private readonly timeoutMs: number,
  ) {}

  private get marketplaceId(): string {
    return this.cfg.credentials.marketplaceId;
  }

  private async send<S extends z.ZodType>(
    call: CallContext,
    schema: S,
    request: (options: RequestOptions) => Promise<{ data: unknown }>,
  ): Promise<z.output<S>> {
    const options = { timeout: this.timeoutMs };
    let data: unknown;
    try {
      data = (await request(options)).data;
    } catch (err) {
      if (!isExpiredToken(err)) throw toIntegrationError(err, this.cfg.id, call);
      await this.lwa.replace(usedToken(err));
      try {
        data = (await request(options)).data;
      } catch (again) {
        throw toIntegrationError(again, this.cfg.id, call);
      }
    }
    return parseBody(schema, data, this.cfg.id, call);
  }

  // ---- FBA inventory --------------------------------------------------------------------------------------------

  /** One page of FBA summaries with their breakdown (50 a page), optionally for at most 50 SKUs. */
  summaries(q: {
    sellerSkus?: readonly string[];
    nextToken?: string | undefined;
  }): Promise<DetailedSummaries> {
    return this.send({ operation: 'getInventorySummaries' }, detailedSummaries, (o) =>
      this.clients.inventory.getInventorySummaries(
        {
          granularityType: 'Marketplace',
          granularityId: this.marketplaceId,
          marketplaceIds: [this.marketplaceId],
          details: true,
          ...(q.sellerSkus ? { sellerSkus: [...q.sellerSkus] } : {}),
          ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        },
        o,
      ),
    );
  }

  /** One summaries call without details: the cheapest proof that the app may read this seller's inventory. */
  async probe(): Promise<void> {
    await this.send({ operation: 'getInventorySummaries' }, anySummaries, (o) =>
      this.clients.inventory.getInventorySummaries(
        {
          granularityType: 'Marketplace',
          granularityId: this.marketplaceId,
          marketplaceIds: [this.marketplaceId],
        },
        o,
      ),
    );
  }

  // ---- Listings Items -------------------------------------------------------------------------------------------

  /** The listing's processed quantities (`fulfillmentAvailability`: what Amazon sells from, after its own sales). */
  listing(sku: string): Promise<ListingsItem> {
    return this.send({ operation: 'getListingsItem', sku }, listingsItem, (o) =>
      this.clients.listings.getListingsItem(
        {
          sellerId: this.cfg.credentials.sellerId,
          sku,
          marketplaceIds: [this.marketplaceId],
          includedData: ['fulfillmentAvailability'],
        },
        o,
      ),
    );
  }

  /** Sets the FBM quantity with a `merge` on the DEFAULT entry (lead time and restock date stay as they are). */
  patchQuantity(sku: string, quantity: number): Promise<SubmissionResponse> {
    return this.send({ operation: 'patchListingsItem', sku, location: 'DEFAULT' }, submissionResponse, (o) =>
      this.clients.listings.patchListingsItem(
        {
          sellerId: this.cfg.credentials.sellerId,
          sku,
          marketplaceIds: [this.marketplaceId],
          includedData: ['issues'],
          body: { productType: PRODUCT_TYPE, patches: [quantityPatch(quantity)] },
        },
        o,
      ),
    );
  }

  // ---- Orders v0 ------------------------------------------------------------------------------------------------

  /** One order (status, dates, fulfillment channel); NOT_FOUND when Amazon does not know it. */
  async order(orderId: string): Promise<Order> {
    const r = await this.send({ operation: 'getOrder' }, getOrderResponse, (o) =>
      this.clients.orders.getOrder({ orderId }, o),
    );
    return r.payload;
  }

  /**
   * Orders of the channel's marketplace last updated at or after a time, one page (up to 100). A next page repeats
   * the same filters with the NextToken.
   */
  ordersUpdatedSince(lastUpdatedAfter: string, nextToken?: string): Promise<GetOrdersResponse> {
    return this.send({ operation: 'getOrders' }, getOrdersResponse, (o) =>
      this.clients.orders.getOrders(
        {
          marketplaceIds: [this.marketplaceId],
          lastUpdatedAfter,
          maxResultsPerPage: 100,
          ...(nextToken ? { nextToken } : {}),
        },
        o,
      ),
    );
  }

  /** One page of an order's items (SellerSKU, QuantityOrdered). */
  orderItems(orderId: string, nextToken?: string): Promise<GetOrderItemsResponse> {
    return this.send({ operation: 'getOrderItems' }, getOrderItemsResponse, (o) =>
      this.clients.orders.getOrderItems({ orderId, ...(nextToken ? { nextToken } : {}) }, o),
    );
  }

  // ---- Feeds ----------------------------------------------------------------------------------------------------

  createFeedDocument(): Promise<z.output<typeof createFeedDocumentResponse>> {
    return this.send({ operation: 'createFeedDocument' }, createFeedDocumentResponse, (o) =>
      this.clients.feeds.createFeedDocument({ body: { contentType: FEED_CONTENT_TYPE } }, o),
    );
  }

  async createFeed(inputFeedDocumentId: string): Promise<string> {
    const r = await this.send({ operation: 'createFeed' }, createFeedResponse, (o) =>
      this.clients.feeds.createFeed(
        { body: { feedType: FEED_TYPE, marketplaceIds: [this.marketplaceId], inputFeedDocumentId } },
        o,
      ),
    );
    return r.feedId;
  }

  getFeed(feedId: string): Promise<Feed> {
    return this.send({ operation: 'getFeed' }, feed, (o) => this.clients.feeds.getFeed({ feedId }, o));
  }

  getFeedDocument(feedDocumentId: string): Promise<z.output<typeof feedDocument>> {
    return this.send({ operation: 'getFeedDocument' }, feedDocument, (o) =>
      this.clients.feeds.getFeedDocument({ feedDocumentId }, o),
    );
  }
}

/** The one patch invsync sends: the FBM (DEFAULT) quantity, merged so that nothing else in the entry changes. */
export function quantityPatch(quantity: number): {
  op: 'merge';
  path: string;
  value: { fulfillment_channel_code: string; quantity: number }[];
} {
  return {
    op: 'merge',
    path: '/attributes/fulfillment_availability',
    value: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
  };
}
