/**
 * Authenticated calls to the Mercado Libre API. A 401 gets the one step the protocol has for it: one refresh and one
 * re-issue of the same call. Any other non-2xx answer (unless the caller handles that status itself, like the 409
 * of an x-version conflict) becomes an IntegrationError; Temporal retries the retryable ones.
 */
import type { z } from 'zod';
import type { MlAuth } from './auth';
import { fromResponse, type MlContext } from './errors';
import { exchange, parse, type Answer } from './wire';

export interface MlRequest {
  method: 'GET' | 'PUT';
  /** Path and query, e.g. `/items?ids=MLM1,MLM2`. */
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Names the operation, SKU and location in errors. */
  ctx: MlContext;
  /** Statuses the caller handles itself (e.g. 409). */
  allow?: readonly number[];
}

export class MlHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly auth: MlAuth,
  ) {}

  private once(r: MlRequest, token: string): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...r.headers,
    };
    let body: string | undefined;
    if (r.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    }
    return exchange(this.fetchImpl, `${this.baseUrl}${r.path}`, { method: r.method, headers, body }, r.ctx);
  }

  async send(r: MlRequest): Promise<Answer> {
    const token = await this.auth.accessToken();
    let res = await this.once(r, token);
    // An access token expired or revoked early: refresh once (under the lock) and re-issue once.
    if (res.status === 401) res = await this.once(r, await this.auth.refresh(token));
    if (res.status < 400 || r.allow?.includes(res.status)) return res;
    throw fromResponse(res.status, res, res.headers, r.ctx);
  }

  async json<S extends z.ZodType>(schema: S, r: MlRequest): Promise<z.output<S>> {
    const res = await this.send(r);
    return parse(schema, res.json, r.ctx);
  }
}
