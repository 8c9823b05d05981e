/**
 * Mercado Libre's error shapes as IntegrationErrors. Mercado Libre answers `{message, error, status, cause[]}`,
 * except its edge proxy, which throttles with the plain text `local_rate_limited`. Neither throttle carries a
 * Retry-After header, so the delay hints below are documented defaults (see RETRY_MS).
 */
import type { z } from 'zod';
import { fromHttpStatus, IntegrationError, retryAfterMs, where, type ErrorContext } from '../errors';
import { errorAnswer, errorCause, type ErrorAnswer } from './schemas';

export const SYSTEM = 'mercadolibre';

/** What every error names: the channel and the operation, plus the SKU and location when there is one. */
export interface MlContext {
  channel: string;
  operation: string;
  sku?: string | undefined;
  location?: string | undefined;
}

/**
 * Delay hints for a 429, since Mercado Libre sends none. The edge proxy limit is counted per seller over a minute
 * at a high rate (the sandbox: 1500/min, 25 a second), so a second frees enough room. The API's own per-resource
 * limit (user-products stock: ~100/min, one call every 0.6 s) is scarcer: 6 s (a tenth of its minute) lets a
 * handful of calls through instead of failing again at once. A Retry-After header, if one ever comes, wins.
 */
export const RETRY_MS = { edge: 1_000, api: 6_000 } as const;

const ctxOf = (c: MlContext): ErrorContext => ({ system: SYSTEM, ...c });

/** A response body: the parsed JSON when it is JSON, and its text. */
export interface Body {
  json: unknown;
  text: string;
}

export function parseErrorBody(body: Body): ErrorAnswer | undefined {
  const r = errorAnswer.safeParse(body.json);
  return r.success ? r.data : undefined;
}

export function causesOf(e: ErrorAnswer | undefined): z.output<typeof errorCause>[] {
  return (e?.cause ?? []).flatMap((c) => {
    const r = errorCause.safeParse(c);
    return r.success ? [r.data] : [];
  });
}

/** `message; code: message; ...`: the vendor's words, for the operator. */
function detailOf(e: ErrorAnswer | undefined, text: string): string {
  const parts = [e?.message ?? e?.error_description ?? (e ? '' : text.trim().slice(0, 200))];
  for (const c of causesOf(e)) parts.push([c.code, c.message].filter(Boolean).join(': '));
  return parts.filter(Boolean).join('; ');
}

export function fullForbidden(sku: string, c: MlContext, cause?: unknown, status?: number): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    sku,
    status,
    code: 'WRITE_FORBIDDEN',
    vendorCode: 'item.available_quantity.not_modifiable',
    message: `Mercado Libre Full stock (meli_facility) is Mercado Libre's: invsync never writes it (SKU ${sku}, channel ${c.channel})`,
    cause,
  });
}

export function unlinkedSku(sku: string, c: MlContext): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    sku,
    code: 'UNLINKED_SKU',
    message: `SKU ${sku} is not listed on Mercado Libre channel ${c.channel}`,
  });
}

export function refreshRefused(c: MlContext, vendorCode: string): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    code: 'AUTH_FAILED',
    status: 400,
    vendorCode,
    message: `Mercado Libre refused the refresh token for channel ${c.channel}: re-authorise the app and store the new refresh token`,
  });
}

/** A second x-version conflict in a row: the stock keeps changing under the write; Temporal retries later. */
export function versionConflict(c: MlContext, vendorCode = 'conflict'): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    code: 'VERSION_CONFLICT',
    status: 409,
    vendorCode,
    message: `${where(c)}Mercado Libre stock changed again while invsync wrote it (${c.operation}: x-version conflict after a re-read): the write is retried`,
  });
}

export function badResponse(c: MlContext, detail: string, cause?: unknown): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    code: 'BAD_RESPONSE',
    message: `${where(c)}Mercado Libre answered ${c.operation} with a body invsync does not understand: ${detail}`,
    cause,
  });
}

export function unmappedLocation(sku: string, location: string, c: MlContext, why: string): IntegrationError {
  return new IntegrationError({
    ...ctxOf(c),
    sku,
    location,
    code: 'UNMAPPED_LOCATION',
    message: `${where({ ...c, sku, location })}${why}`,
  });
}

/** A non-2xx answer, by Mercado Libre's own shapes first and the generic status mapping last. */
export function fromResponse(status: number, body: Body, headers: Headers, c: MlContext): IntegrationError {
  const e = parseErrorBody(body);
  const vendorCode = e?.error ?? (body.text.trim().slice(0, 60) || undefined);
  const detail = detailOf(e, body.text);
  const base = { ...ctxOf(c), status, vendorCode };
  const op = c.operation;

  if (status === 429) {
    // The edge proxy answers before the API sees the call: a bare text body, no JSON.
    const edge = e === undefined && /local_rate_limited/.test(body.text);
    const code = edge ? 'local_rate_limited' : (e?.error ?? 'too_many_requests');
    const delay = retryAfterMs(headers.get('retry-after')) ?? (edge ? RETRY_MS.edge : RETRY_MS.api);
    return new IntegrationError({
      ...base,
      code: 'RATE_LIMITED',
      vendorCode: code,
      retryAfterMs: delay,
      message: `${where(c)}Mercado Libre ${edge ? 'edge' : 'API'} rate limit reached on ${op} (${code}): retry in ${delay / 1000} s`,
    });
  }
  const codes = causesOf(e).map((x) => x.code);
  if (
    c.sku !== undefined &&
    (codes.includes('item.available_quantity.not_modifiable') ||
      codes.includes('stock.location.not_modifiable'))
  )
    return fullForbidden(c.sku, c, new Error(detail), status);
  if (status === 401)
    return new IntegrationError({
      ...base,
      code: 'AUTH_FAILED',
      message: `${where(c)}Mercado Libre rejected the access token on ${op} even after a refresh (${detail}): re-authorise the app for channel ${c.channel} and store the new refresh token`,
    });
  if (status === 403)
    return new IntegrationError({
      ...base,
      code: 'PERMISSION_DENIED',
      message: `${where(c)}Mercado Libre denied ${op} (403 ${vendorCode ?? 'forbidden'}: ${detail}): the token must belong to the seller that owns the listing (credentials.userId of channel ${c.channel}) and the app needs write access; re-authorise with the seller's account`,
    });
  if (status === 404 && c.sku !== undefined) return unlinkedSku(c.sku, c);
  if (status === 409) return versionConflict(c, vendorCode);
  if (status === 400)
    return new IntegrationError({
      ...base,
      code: 'INVALID_REQUEST',
      message: `${where(c)}Mercado Libre refused ${op} (400 ${vendorCode ?? 'bad_request'}: ${detail})`,
    });
  return fromHttpStatus(status, {
    ...ctxOf(c),
    detail: `${vendorCode ?? ''}${detail ? ` ${detail}` : ''}`.trim(),
    retryAfter: headers.get('retry-after'),
    ...(vendorCode !== undefined ? { vendorCode } : {}),
  });
}
