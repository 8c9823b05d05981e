/**
 * The `@sp-api-sdk` clients of one channel. The SDK maps `region` to a fixed https://sellingpartnerapi-*.amazon.com
 * host and has no endpoint option (apis.md finding 0.5); `credentials.endpoint` (sandbox, proxies) is applied through
 * the generated client's `basePath`, in `atEndpoint` below.
 *
 * No `rateLimiting`: `{retry: true}` throws while the client is built under CommonJS (@sp-api-sdk/common 4.0.4 calls
 * axios-retry's exports object; apis.md and the contract test show it), and Temporal owns retries anyway: a 429
 * surfaces as a retryable RATE_LIMITED with the delay Amazon's rate-limit header implies.
 */
import type { SellingPartnerApiAuth } from '@sp-api-sdk/auth';
import type { ClientConfiguration } from '@sp-api-sdk/common';
import { FbaInventoryApiClient } from '@sp-api-sdk/fba-inventory-api-v1';
import { FeedsApiClient } from '@sp-api-sdk/feeds-api-2021-06-30';
import { ListingsItemsApiClient } from '@sp-api-sdk/listings-items-api-2021-08-01';
import { OrdersApiClient } from '@sp-api-sdk/orders-api-v0';
import type { AmazonChannelConfig } from './config';

export interface SpClients {
  inventory: FbaInventoryApiClient;
  listings: ListingsItemsApiClient;
  feeds: FeedsApiClient;
  orders: OrdersApiClient;
}

/**
 * Sends a generated client's requests to `endpoint` instead of the region's host. `basePath` is `protected` in the
 * generated `BaseAPI` and every request URL is built as `basePath + path`; no public option sets it, so this cast is
 * the one place the adapter reaches past the SDK's public surface.
 */
function atEndpoint<T extends object>(client: T, endpoint: string | undefined): T {
  if (endpoint !== undefined)
    (client as unknown as { basePath: string }).basePath = endpoint.replace(/\/+$/, '');
  return client;
}

export function spClients(cfg: AmazonChannelConfig, auth: SellingPartnerApiAuth): SpClients {
  const config: ClientConfiguration = { auth, region: cfg.credentials.region };
  const endpoint = cfg.credentials.endpoint;
  return {
    inventory: atEndpoint(new FbaInventoryApiClient(config), endpoint),
    listings: atEndpoint(new ListingsItemsApiClient(config), endpoint),
    feeds: atEndpoint(new FeedsApiClient(config), endpoint),
    orders: atEndpoint(new OrdersApiClient(config), endpoint),
  };
}
