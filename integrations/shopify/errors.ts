/**
 * Shopify's failure shapes, mapped to the one taxonomy (integrations/errors.ts) before the generic fallbacks:
 * HTTP statuses of the REST edge (401 token, 429/503 with Retry-After in seconds), GraphQL errors answered with
 * HTTP 200 (THROTTLED with the bucket's status, ACCESS_DENIED, MAX_COST_EXCEEDED), and the `userErrors` of
 * inventorySetQuantities, which name a quantity line by its index.
 */
import { fromHttpStatus, IntegrationError, retryAfterMs, where, type ErrorContext } from '../errors';
import type { UserError } from './operations';
import { restoreDelayMs, type ThrottleStatus } from './throttle';

export interface ShopifyErrorContext extends ErrorContext {
  system: 'shopify';
  channel: string;
  /** As configured (`<shop>.myshopify.com`, or the sandbox's 127.0.0.1:PORT). */
  store: string;
}

export interface GraphqlError {
  message: string;
  extensions?: { code?: string | undefined } | undefined;
}

export interface QueryCost {
  requestedQueryCost: number;
  throttleStatus: ThrottleStatus;
}

/** A non-2xx answer. Retry-After is read here, in seconds, as Shopify sends it (the client library reads ms). */
export function httpFailure(
  status: number,
  headers: Headers | undefined,
  ctx: ShopifyErrorContext,
): IntegrationError {
  const retryAfter = headers?.get('retry-after') ?? null;
  const base = { ...ctx, status };
  const op = ctx.operation ?? 'the request';
  if (status === 401)
    return new IntegrationError({
      ...base,
      code: 'AUTH_FAILED',
      message: `Shopify rejected the access token for ${ctx.store}: check channels[${ctx.channel}].credentials.accessToken`,
    });
  if (status === 403)
    return new IntegrationError({
      ...base,
      code: 'PERMISSION_DENIED',
      message: `Shopify denied ${op} for ${ctx.store} (403): grant the app of channel ${ctx.channel} the read_products, read_inventory, write_inventory, read_locations and read_orders scopes`,
    });
  if (status === 429)
    return new IntegrationError({
      ...base,
      code: 'RATE_LIMITED',
      retryAfterMs: retryAfterMs(retryAfter),
      message: `Shopify rate-limited ${op} on channel ${ctx.channel} (429)${retryAfter ? `: retry after ${retryAfter}s` : ''}`,
    });
  if (status >= 500)
    return new IntegrationError({
      ...base,
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfterMs: retryAfterMs(retryAfter),
      message: `Shopify answered ${status} to ${op} on channel ${ctx.channel}`,
    });
  return fromHttpStatus(status, { ...ctx, retryAfter, detail: `store ${ctx.store}` });
}

/** GraphQL errors (HTTP 200). THROTTLED carries the bucket's status: the delay is the time to restore the cost. */
export function graphqlFailure(
  errors: readonly GraphqlError[],
  cost: QueryCost | undefined,
  ctx: ShopifyErrorContext,
): IntegrationError {
  const op = ctx.operation ?? 'the request';
  const codes = errors.map((e) => e.extensions?.code);
  const detail = errors.map((e) => e.message).join('; ');
  if (codes.includes('THROTTLED')) {
    const t = cost?.throttleStatus;
    return new IntegrationError({
      ...ctx,
      code: 'THROTTLED',
      vendorCode: 'THROTTLED',
      retryAfterMs: t
        ? restoreDelayMs(cost.requestedQueryCost, t.currentlyAvailable, t.restoreRate)
        : undefined,
      message: t
        ? `Shopify throttled ${op} on channel ${ctx.channel}: it costs ${cost.requestedQueryCost} points, ${t.currentlyAvailable} of ${t.maximumAvailable} are left, restoring ${t.restoreRate}/s`
        : `Shopify throttled ${op} on channel ${ctx.channel}`,
    });
  }
  if (codes.includes('ACCESS_DENIED'))
    return new IntegrationError({
      ...ctx,
      code: 'PERMISSION_DENIED',
      vendorCode: 'ACCESS_DENIED',
      message: `Shopify denied ${op} on channel ${ctx.channel} (${detail}): grant the app the missing access scope`,
    });
  const transient = codes.find((c) => c === 'INTERNAL_SERVER_ERROR' || c === 'SERVICE_UNAVAILABLE');
  if (transient)
    return new IntegrationError({
      ...ctx,
      code: 'UPSTREAM_UNAVAILABLE',
      vendorCode: transient,
      message: `Shopify failed ${op} on channel ${ctx.channel}: ${detail}`,
    });
  return new IntegrationError({
    ...ctx,
    code: 'INVALID_REQUEST',
    vendorCode: codes.find((c) => c !== undefined),
    message: `Shopify refused ${op} on channel ${ctx.channel}: ${detail}`,
  });
}

/** The quantity line a user error points at (`["input", "quantities", "3", …]`), if it names one. */
export function userErrorLine(e: UserError): number | undefined {
  const f = e.field ?? [];
  const at = f.indexOf('quantities');
  const n = at >= 0 ? Number(f[at + 1]) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

export interface LineContext {
  sku: string;
  location: string;
  inventoryItemId: string;
}

/** A user error of inventorySetQuantities other than a stale compare: nothing of the batch was applied. */
export function userErrorFailure(
  e: UserError,
  line: LineContext | undefined,
  ctx: ShopifyErrorContext & { key: string },
): IntegrationError {
  const at = { ...ctx, sku: line?.sku, location: line?.location };
  const w = where(at);
  const code = e.code ?? undefined;
  const base = { ...at, vendorCode: code };
  switch (code) {
    case 'INVALID_INVENTORY_ITEM':
      return new IntegrationError({
        ...base,
        code: 'UPSTREAM_REJECTED',
        message: `${w}Shopify has no inventory item ${line?.inventoryItemId ?? ''} for this SKU any more (INVALID_INVENTORY_ITEM): the variant was deleted or re-created in Shopify; check the SKU there, then retry (it is looked up again)`,
      });
    case 'ITEM_NOT_STOCKED_AT_LOCATION':
      return new IntegrationError({
        ...base,
        code: 'UPSTREAM_REJECTED',
        message: `${w}Shopify does not stock this SKU at location ${line?.location ?? ''} (ITEM_NOT_STOCKED_AT_LOCATION): activate its inventory at that location in Shopify, or stop pushing it there`,
      });
    case 'INVALID_LOCATION':
      return new IntegrationError({
        ...base,
        code: 'UNMAPPED_LOCATION',
        message: `${w}Shopify has no location ${line?.location ?? ''} (INVALID_LOCATION): fix channels[${ctx.channel}].locations`,
      });
    case 'NON_MUTABLE_INVENTORY_ITEM':
      return new IntegrationError({
        ...base,
        code: 'UPSTREAM_REJECTED',
        message: `${w}Shopify computes this SKU's quantity itself (a bundle, NON_MUTABLE_INVENTORY_ITEM): stop pushing it`,
      });
    case 'IDEMPOTENCY_CONCURRENT_REQUEST':
      return new IntegrationError({
        ...base,
        code: 'CONCURRENCY_LIMIT',
        message: `Shopify is still running another request with idempotency key ${ctx.key} on channel ${ctx.channel}: retry with the same key`,
      });
    case 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH':
      return new IntegrationError({
        ...base,
        code: 'INVALID_REQUEST',
        message: `Shopify refused idempotency key ${ctx.key} on channel ${ctx.channel}: it was used before with other quantities (IDEMPOTENCY_KEY_PARAMETER_MISMATCH); a retry must resend the same pushes, a new push needs a new key`,
      });
    default:
      return new IntegrationError({
        ...base,
        code: code?.startsWith('INVALID_QUANTITY') ? 'INVALID_REQUEST' : 'UPSTREAM_REJECTED',
        message: `${w}Shopify refused the quantity (${code ?? 'no code'}): ${e.message}`,
      });
  }
}
