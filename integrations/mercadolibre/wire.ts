/** One HTTP exchange with Mercado Libre over fetch: network failures and unreadable bodies become IntegrationErrors. */
import { fromNetworkError } from '../errors';
import { badResponse, SYSTEM, type Body, type MlContext } from './errors';
import type { z } from 'zod';

/** A hung call would hold the activity until Temporal's timeout; this fails it sooner, as a retryable TIMEOUT. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface Answer extends Body {
  status: number;
  headers: Headers;
}

export async function exchange(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
  c: MlContext,
): Promise<Answer> {
  let res: Response;
  let text: string;
  try {
    res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    text = await res.text();
  } catch (err) {
    throw fromNetworkError(err, { system: SYSTEM, ...c });
  }
  let json: unknown;
  if (text !== '' && res.headers.get('content-type')?.includes('json')) {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw badResponse(c, `invalid JSON (HTTP ${res.status})`, err);
    }
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Validates a body; a body that does not parse is BAD_RESPONSE naming the operation. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, c: MlContext): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw badResponse(c, issues, r.error);
}
