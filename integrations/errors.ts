/**
 * One error taxonomy for every external system. An adapter never throws a vendor error: it throws an
 * IntegrationError that says whether retrying can help (`retryable`, with the vendor's delay hint when it gave one)
 * or not (`permanent`, with an operational message naming the SKU, location and channel and what to fix).
 * Activities turn these into Temporal ApplicationFailures (activities/errors.ts); Temporal owns the retries.
 */

export type ErrorKind = 'retryable' | 'permanent';

/** Stable codes: the contract with Temporal (ApplicationFailure type) and with operators. */
export const ERROR_CODES = {
  // retryable
  RATE_LIMITED: 'retryable',
  THROTTLED: 'retryable',
  UPSTREAM_UNAVAILABLE: 'retryable',
  TIMEOUT: 'retryable',
  NETWORK: 'retryable',
  CONCURRENCY_LIMIT: 'retryable',
  TOKEN_EXPIRED: 'retryable',
  VERSION_CONFLICT: 'retryable',
  // permanent
  AUTH_FAILED: 'permanent',
  PERMISSION_DENIED: 'permanent',
  NOT_FOUND: 'permanent',
  INVALID_REQUEST: 'permanent',
  UNLINKED_SKU: 'permanent',
  DUPLICATE_SKU: 'permanent',
  UNMAPPED_LOCATION: 'permanent',
  WRITE_FORBIDDEN: 'permanent',
  INSUFFICIENT_STOCK: 'permanent',
  UPSTREAM_REJECTED: 'permanent',
  BAD_RESPONSE: 'permanent',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorContext {
  /** 'odoo' | 'netsuite' | 'shopify' | 'amazon' | 'mercadolibre' */
  system: string;
  channel?: string | undefined;
  sku?: string | undefined;
  location?: string | undefined;
  /** The operation, e.g. 'inventorySetQuantities'. */
  operation?: string | undefined;
}

export interface IntegrationErrorOptions extends ErrorContext {
  code: ErrorCode;
  message: string;
  /** The vendor's delay hint (Retry-After, throttle restore time, rate-limit header), in milliseconds. */
  retryAfterMs?: number | undefined;
  status?: number | undefined;
  vendorCode?: string | undefined;
  cause?: unknown;
}

export class IntegrationError extends Error {
  override readonly name = 'IntegrationError';
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly vendorCode: string | undefined;

  constructor(o: IntegrationErrorOptions) {
    super(o.message, o.cause !== undefined ? { cause: o.cause } : undefined);
    this.code = o.code;
    this.kind = ERROR_CODES[o.code];
    this.context = {
      system: o.system,
      channel: o.channel,
      sku: o.sku,
      location: o.location,
      operation: o.operation,
    };
    this.retryAfterMs = o.retryAfterMs;
    this.status = o.status;
    this.vendorCode = o.vendorCode;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

export function isIntegrationError(e: unknown): e is IntegrationError {
  return (
    e instanceof IntegrationError ||
    (e instanceof Error && e.name === 'IntegrationError' && 'code' in e && 'kind' in e)
  );
}

/** "SKU X at location L on channel C: " — the prefix that makes a message actionable. */
export function where(c: Partial<ErrorContext>): string {
  const parts = [
    c.sku ? `SKU ${c.sku}` : '',
    c.location ? `at ${c.location}` : '',
    c.channel ? `on ${c.channel}` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(' ')}: ` : '';
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * The generic HTTP status mapping, for what a vendor-specific mapper does not recognise first:
 * 408/425/429/5xx retryable; 401 auth; 403 permission; 404 not found; other 4xx invalid.
 */
export function fromHttpStatus(
  status: number,
  ctx: ErrorContext & { detail?: string; retryAfter?: string | null; vendorCode?: string },
): IntegrationError {
  const detail = ctx.detail ? `: ${ctx.detail}` : '';
  const base = { ...ctx, status, vendorCode: ctx.vendorCode, retryAfterMs: retryAfterMs(ctx.retryAfter) };
  const op = ctx.operation ? `${ctx.operation} ` : '';
  if (status === 429)
    return new IntegrationError({
      ...base,
      code: 'RATE_LIMITED',
      message: `${where(ctx)}${ctx.system} ${op}rate limit reached${detail}`,
    });
  if (status === 408)
    return new IntegrationError({
      ...base,
      code: 'TIMEOUT',
      message: `${where(ctx)}${ctx.system} ${op}timed out${detail}`,
    });
  if (status >= 500 || status === 425)
    return new IntegrationError({
      ...base,
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${where(ctx)}${ctx.system} ${op}answered ${status}${detail}`,
    });
  if (status === 401)
    return new IntegrationError({
      ...base,
      code: 'AUTH_FAILED',
      message: `${where(ctx)}${ctx.system} rejected the credentials (${status})${detail}: check the channel's credentials in the config/environment`,
    });
  if (status === 403)
    return new IntegrationError({
      ...base,
      code: 'PERMISSION_DENIED',
      message: `${where(ctx)}${ctx.system} denied ${op}(${status})${detail}: grant the app/role this permission`,
    });
  if (status === 404)
    return new IntegrationError({
      ...base,
      code: 'NOT_FOUND',
      message: `${where(ctx)}${ctx.system} ${op}found nothing (${status})${detail}`,
    });
  return new IntegrationError({
    ...base,
    code: 'INVALID_REQUEST',
    message: `${where(ctx)}${ctx.system} refused ${op}(${status})${detail}`,
  });
}

/** Network-level failures (no HTTP answer) are retryable. */
export function fromNetworkError(err: unknown, ctx: ErrorContext): IntegrationError {
  const msg = err instanceof Error ? err.message : String(err);
  const timeout = /timeout|timed out|aborted/i.test(msg);
  return new IntegrationError({
    ...ctx,
    code: timeout ? 'TIMEOUT' : 'NETWORK',
    message:
      `${where(ctx)}${ctx.system} ${ctx.operation ?? ''} ${timeout ? 'timed out' : 'unreachable'}: ${msg}`.replace(
        /\s+/g,
        ' ',
      ),
    cause: err,
  });
}
