/**
 * NetSuite's error answers (`o:errorDetails[].o:errorCode`) mapped to the one taxonomy. The vendor code is read first;
 * the HTTP status is the fallback (integrations/errors.ts `fromHttpStatus`).
 */
import { z } from 'zod';
import { IntegrationError, fromHttpStatus, fromNetworkError, where, type ErrorContext } from '../errors';

export const SYSTEM = 'netsuite';

export const AUTH_FAILED_MESSAGE =
  'NetSuite rejected the token-based login: check erp.consumerKey/consumerSecret/tokenId/tokenSecret and the account id';

/**
 * NetSuite's 429 CONCURRENCY_LIMIT_EXCEEDED carries no Retry-After. A slot frees as soon as one of the account's
 * in-flight requests ends (typically well under a second), so about one second is a sensible first delay; Temporal's
 * backoff grows it if the account stays saturated.
 */
export const CONCURRENCY_RETRY_MS = 1_000;

const errorBody = z.object({
  'o:errorDetails': z
    .array(
      z.object({
        detail: z.string().optional(),
        'o:errorCode': z.string().optional(),
        'o:errorPath': z.string().optional(),
      }),
    )
    .min(1),
});

/** `: <detail>.` with exactly one closing period (NetSuite's details usually end with one). */
const said = (detail: string | undefined): string =>
  detail ? `: ${detail}${/[.!?]$/.test(detail) ? '' : '.'}` : '.';

export interface VendorAnswer {
  statusCode: number;
  body: unknown;
  /** Set by got: how many times it re-sent the request before this answer. */
  retryCount?: number | undefined;
}

/** Maps a non-2xx NetSuite answer. `ctx.operation` names what was attempted, e.g. `inventoryAdjustment upsert`. */
export function fromNetSuiteAnswer(res: VendorAnswer, ctx: ErrorContext): IntegrationError {
  const parsed = errorBody.safeParse(res.body);
  const first = parsed.success ? parsed.data['o:errorDetails'][0] : undefined;
  const vendorCode = first?.['o:errorCode'];
  const detail = first?.detail?.trim();
  const status = res.statusCode;
  const op = ctx.operation ?? 'request';
  const base = { ...ctx, status, vendorCode };

  if (vendorCode === 'INVALID_LOGIN' || (status === 401 && vendorCode === undefined)) {
    // got re-sends GET/PUT after a 429/5xx/timeout with the same Authorization header, so with the same OAuth nonce,
    // which NetSuite refuses as a replay. That 401 says nothing about the credentials: the request is retryable.
    if ((res.retryCount ?? 0) > 0)
      return new IntegrationError({
        ...base,
        code: 'UPSTREAM_UNAVAILABLE',
        retryAfterMs: CONCURRENCY_RETRY_MS,
        message:
          `${where(ctx)}NetSuite ${op} failed with a retryable answer (concurrency limit, 5xx or timeout); the client ` +
          `library re-sent it ${res.retryCount} time(s) with the same OAuth nonce, which NetSuite refused as a replay ` +
          '(INVALID_LOGIN). The credentials are fine: retry with a fresh signature.',
      });
    return new IntegrationError({ ...base, code: 'AUTH_FAILED', message: AUTH_FAILED_MESSAGE });
  }
  if (vendorCode === 'CONCURRENCY_LIMIT_EXCEEDED' || status === 429)
    return new IntegrationError({
      ...base,
      code: 'CONCURRENCY_LIMIT',
      retryAfterMs: CONCURRENCY_RETRY_MS,
      message: `${where(ctx)}NetSuite's concurrent request limit is reached (${op})${said(detail)} Retrying in about 1 s; if it persists, lower invsync's NetSuite concurrency or add SuiteCloud Plus licences.`,
    });
  if (vendorCode === 'INSUFFICIENT_PERMISSION' || status === 403)
    return new IntegrationError({
      ...base,
      code: 'PERMISSION_DENIED',
      message: `${where(ctx)}NetSuite denied ${op}${said(detail)} Grant the integration role this permission (Setup > Users/Roles > Manage Roles).`,
    });
  if (vendorCode === 'NONEXISTENT_ID')
    return new IntegrationError({
      ...base,
      code: 'NOT_FOUND',
      message: `${where(ctx)}NetSuite found nothing for ${op}${detail ? `: ${detail}` : ''}`,
    });
  if (vendorCode === 'USER_ERROR') {
    const path = first?.['o:errorPath'];
    return new IntegrationError({
      ...base,
      code: 'UPSTREAM_REJECTED',
      message: `${where(ctx)}NetSuite rejected ${op}: ${detail ?? 'USER_ERROR'}${path ? ` (field ${path})` : ''}`,
    });
  }
  return fromHttpStatus(status, {
    ...ctx,
    ...(detail !== undefined ? { detail } : {}),
    ...(vendorCode !== undefined ? { vendorCode } : {}),
  });
}

const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|ERR_TLS_CERT)/;

/** A thrown client error (no HTTP answer, or a body got could not parse). */
export function fromClientError(err: unknown, ctx: ErrorContext): IntegrationError {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.name === 'ParseError')
    return new IntegrationError({
      ...ctx,
      code: 'BAD_RESPONSE',
      message: `${where(ctx)}NetSuite ${ctx.operation ?? 'request'} answered something that is not JSON: ${message}`,
      cause: err,
    });
  // An untrusted certificate does not heal by retrying: say what to trust instead (never turn verification off).
  if (TLS_CODES.test(code))
    return new IntegrationError({
      ...ctx,
      code: 'INVALID_REQUEST',
      message: `NetSuite's TLS certificate is not trusted (${code}): check erp.apiHost; for the sandbox start invsync with NODE_EXTRA_CA_CERTS=<the sandbox certificate> (npx tsx scripts/sandbox-cert.ts prints its path)`,
      cause: err,
    });
  return fromNetworkError(err, ctx);
}

/** A 2xx answer whose shape is not what NetSuite documents. */
export function badResponse(ctx: ErrorContext, what: string): IntegrationError {
  return new IntegrationError({
    ...ctx,
    code: 'BAD_RESPONSE',
    message: `${where(ctx)}NetSuite ${ctx.operation ?? 'request'} answered an unexpected shape: ${what}`,
  });
}
