/**
 * SP-API failures mapped to the one taxonomy. SP-API answers errors as `{"errors":[{"code","message","details"}]}`
 * (apis.md 4.3); the status and that body decide the code: 429 QuotaExceeded is retryable with the delay that the
 * `x-amzn-RateLimit-Limit` header implies, 403 is an expired token (answered by one refresh, see api.ts) or a missing
 * authorisation, 404 on a listing is a SKU Amazon does not list, 5xx is Amazon being unavailable.
 */
import { SellingPartnerApiError } from '@sp-api-sdk/common';
import { z } from 'zod';
import {
  fromHttpStatus,
  fromNetworkError,
  IntegrationError,
  isIntegrationError,
  where,
  type ErrorContext,
} from '../errors';

export const SYSTEM = 'amazon';

export interface CallContext {
  /** The SP-API operation, e.g. `getListingsItem`. */
  operation: string;
  sku?: string | undefined;
  location?: string | undefined;
}

const spErrorBody = z.object({
  errors: z
    .array(z.object({ code: z.string(), message: z.string().optional(), details: z.string().optional() }))
    .min(1),
});

export type SpErrorEntry = z.output<typeof spErrorBody>['errors'][number];

/** The first entry of an SP-API error body, when the body has that shape. */
export function spErrorEntry(data: unknown): SpErrorEntry | undefined {
  const parsed = spErrorBody.safeParse(data);
  return parsed.success ? parsed.data.errors[0] : undefined;
}

const EXPIRED = /access token.*expired/i;

/** Amazon's 403 for an access token whose hour is up: answered by refreshing once and re-issuing the call. */
export function isExpiredToken(err: unknown): err is SellingPartnerApiError {
  if (!(err instanceof SellingPartnerApiError) || err.response?.status !== 403) return false;
  const e = spErrorEntry(err.response.data);
  return e !== undefined && EXPIRED.test(`${e.message ?? ''} ${e.details ?? ''}`);
}

/** The access token a failed request carried (so that a refresh replaces that token and not a newer one). */
export function usedToken(err: SellingPartnerApiError): string | undefined {
  const value: unknown = err.config?.headers?.['x-amz-access-token'];
  return typeof value === 'string' ? value : undefined;
}

/** 1000 / x-amzn-RateLimit-Limit (requests per second), rounded up; 1 s when Amazon sent no header. */
export function rateLimitDelayMs(header: unknown): number {
  const rate = Number(typeof header === 'string' || typeof header === 'number' ? header : NaN);
  return Number.isFinite(rate) && rate > 0 ? Math.ceil(1000 / rate) : 1000;
}

/**
 * The start of a message: `where()` when a SKU or location is known ("SKU X at DEFAULT on amazon: "), else the
 * channel alone.
 */
export function lead(ctx: Partial<ErrorContext>): string {
  return ctx.sku !== undefined || ctx.location !== undefined ? where(ctx) : `Channel ${ctx.channel ?? '?'}: `;
}

const describe = (e: SpErrorEntry | undefined): string =>
  e ? `${e.code}: ${[e.message, e.details].filter((s) => s !== undefined && s !== '').join(' ')}` : '';

/** Any failure of an SP-API call as an IntegrationError (an IntegrationError passes through unchanged). */
export function toIntegrationError(err: unknown, channel: string, call: CallContext): IntegrationError {
  if (isIntegrationError(err)) return err;
  const ctx: ErrorContext = { system: SYSTEM, channel, ...call };
  if (!(err instanceof SellingPartnerApiError)) return fromNetworkError(err, ctx);
  const res = err.response;
  if (!res) return fromNetworkError(new Error(err.innerMessage || err.message), ctx);
  const entry = spErrorEntry(res.data);
  const detail = describe(entry);
  const status = res.status;
  const vendorCode = entry?.code;
  const headers = res.headers as Record<string, unknown>;

  if (status === 429) {
    const retryAfterMs = rateLimitDelayMs(headers['x-amzn-ratelimit-limit']);
    return new IntegrationError({
      ...ctx,
      code: 'RATE_LIMITED',
      status,
      vendorCode,
      retryAfterMs,
      message: `${lead(ctx)}Amazon ${call.operation} rate limit reached (${detail || 'QuotaExceeded'}): retry in ${retryAfterMs} ms`,
    });
  }
  if (status === 403) {
    if (isExpiredToken(err))
      return new IntegrationError({
        ...ctx,
        code: 'TOKEN_EXPIRED',
        status,
        vendorCode,
        message: `${lead(ctx)}Amazon still answered ${call.operation} with an expired access token after a fresh LWA refresh (${detail}); the retry refreshes again`,
      });
    return new IntegrationError({
      ...ctx,
      code: 'PERMISSION_DENIED',
      status,
      vendorCode,
      message: `${lead(ctx)}Amazon denied ${call.operation} (403 ${detail}): check the channel's credentials.sellerId and that this seller authorised the app with the Inventory and Order Tracking and Product Listing roles`,
    });
  }
  if (status === 404 && call.sku !== undefined)
    return new IntegrationError({
      ...ctx,
      code: 'UNLINKED_SKU',
      status,
      vendorCode,
      message: `SKU ${call.sku} is not listed on Amazon channel ${channel}: create the offer in Seller Central or remove the SKU from this channel`,
    });
  if (status >= 500)
    return new IntegrationError({
      ...ctx,
      code: 'UPSTREAM_UNAVAILABLE',
      status,
      vendorCode,
      message: `${lead(ctx)}Amazon ${call.operation} answered ${status} (${detail || 'no detail'})`,
    });
  return fromHttpStatus(status, { ...ctx, detail, ...(vendorCode ? { vendorCode } : {}) });
}

/** A response that does not match what the adapter relies on. */
export function badResponse(channel: string, call: CallContext, issues: z.ZodError): IntegrationError {
  const first = issues.issues[0];
  const at = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unparseable';
  return new IntegrationError({
    system: SYSTEM,
    channel,
    ...call,
    code: 'BAD_RESPONSE',
    message: `${lead({ ...call, channel })}Amazon ${call.operation} answered in an unexpected shape (${at})`,
  });
}

/** Parses an upstream body with its schema, or throws BAD_RESPONSE naming the operation. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  data: unknown,
  channel: string,
  call: CallContext,
): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw badResponse(channel, call, parsed.error);
  return parsed.data;
}
