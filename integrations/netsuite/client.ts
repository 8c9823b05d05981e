/**
 * The transport: netsuite-rest-api-client's `makeRequest` (OAuth 1.0 TBA signing, got underneath) for SuiteQL pages
 * and record upserts. Paging is done here, one page per call, with URLs built from `erp.apiHost`: the library's own
 * `suiteqlSearch` hard-codes https for its first page, follows whatever host the server's `next` link names, and
 * hides each page's errors behind a stream, so it is not used.
 *
 * Retries: the library passes got no retry options, so got's defaults stay on (2 retries for GET/PUT on
 * 408/413/429/5xx and network errors; never for POST). SuiteQL is a POST and is never re-sent. A PUT upsert can be,
 * and its retry reuses the spent OAuth nonce; errors.ts recognises the resulting 401 as retryable.
 */
import { makeRequest, type NetSuiteClientConfig, type NetSuiteResponse } from 'netsuite-rest-api-client';
import { z } from 'zod';
import type { ErrorContext } from '../errors';
import type { Config } from '../../domain/config/schema';
import { SYSTEM, badResponse, fromClientError, fromNetSuiteAnswer } from './errors';

export type NetSuiteErpConfig = Extract<Config['erp'], { kind: 'netsuite' }>;

/** SuiteQL allows at most 1000 rows per page. */
export const MAX_PAGE = 1000;
const REST = 'services/rest';

/** `1234567_SB1` -> `1234567-sb1.suitetalk.api.netsuite.com`, as NetSuite names account hosts. */
export function defaultApiHost(accountId: string): string {
  return `${accountId.toLowerCase().replace(/_/g, '-')}.suitetalk.api.netsuite.com`;
}

const pageSchema = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  hasMore: z.boolean(),
  offset: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  totalResults: z.number().int().nonnegative().optional(),
});

export interface SuiteQlPage<T> {
  rows: T[];
  hasMore: boolean;
  offset: number;
}

type Ctx = Omit<ErrorContext, 'system'> & { operation: string };

export interface NetSuiteClientOptions {
  /** Rows per SuiteQL page, 1..1000 (default 1000). */
  pageSize?: number | undefined;
  /** Per-request timeout in ms (default 120 s). */
  timeoutMs?: number | undefined;
}

export class NetSuiteClient {
  readonly pageSize: number;
  private readonly config: NetSuiteClientConfig;
  private readonly host: string;

  constructor(cfg: NetSuiteErpConfig, opts: NetSuiteClientOptions = {}) {
    this.pageSize = Math.max(1, Math.min(MAX_PAGE, Math.trunc(opts.pageSize ?? MAX_PAGE)));
    this.host = cfg.apiHost?.trim() || defaultApiHost(cfg.accountId);
    this.config = {
      netsuiteApiHost: this.host,
      consumerKey: cfg.consumerKey,
      consumerSecret: cfg.consumerSecret,
      // The realm is the account id as NetSuite spells it (1234567_SB1), not the host form.
      netsuiteAccountId: cfg.accountId,
      netsuiteTokenKey: cfg.tokenId,
      netsuiteTokenSecret: cfg.tokenSecret,
      netsuiteQueryLimit: this.pageSize,
      timeout: opts.timeoutMs ?? 120_000,
    };
  }

  private async send(
    args: Parameters<typeof makeRequest>[1],
    ctx: Ctx,
  ): Promise<NetSuiteResponse & { retryCount?: number }> {
    try {
      return await makeRequest(this.config, args);
    } catch (err) {
      throw fromClientError(err, { system: SYSTEM, ...ctx });
    }
  }

  /** One SuiteQL page at `offset` (a multiple of `limit`), each row validated with `row`. */
  async suiteql<T>(
    query: string,
    row: z.ZodType<T>,
    ctx: Ctx,
    page: { offset?: number; limit?: number } = {},
  ): Promise<SuiteQlPage<T>> {
    const limit = page.limit ?? this.pageSize;
    const offset = page.offset ?? 0;
    const res = await this.send(
      {
        method: 'POST',
        requestType: 'suiteql',
        query,
        nextUrl: `https://${this.host}/${REST}/query/v1/suiteql?limit=${limit}&offset=${offset}`,
      },
      ctx,
    );
    const errCtx = { system: SYSTEM, ...ctx };
    if (res.statusCode !== 200) throw fromNetSuiteAnswer(res, errCtx);
    const body = pageSchema.safeParse(res.body);
    if (!body.success) throw badResponse(errCtx, `SuiteQL page: ${body.error.issues[0]?.message ?? ''}`);
    const rows: T[] = [];
    for (const [i, item] of body.data.items.entries()) {
      const r = row.safeParse(item);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw badResponse(
          errCtx,
          `SuiteQL row ${offset + i}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
        );
      }
      rows.push(r.data);
    }
    return { rows, hasMore: body.data.hasMore, offset: body.data.offset };
  }

  /** Every row of a query, one page per call (for small result sets: locations, kits, one SKU's changes). */
  async suiteqlAll<T>(query: string, row: z.ZodType<T>, ctx: Ctx): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; offset += this.pageSize) {
      const page = await this.suiteql(query, row, ctx, { offset });
      out.push(...page.rows);
      if (!page.hasMore || page.rows.length === 0) return out;
    }
  }

  /**
   * Upsert by external id: `PUT /record/v1/<type>/eid:<externalId>`. NetSuite answers 204 with the record's Location
   * both when it creates the record and when the external id already exists (nothing applied again), so the two
   * cannot be told apart here: callers look the external id up first.
   */
  async upsert(type: string, externalId: string, body: unknown, ctx: Ctx): Promise<{ id: string }> {
    const res = await this.send(
      {
        method: 'PUT',
        requestType: 'record',
        path: `${REST}/record/v1/${type}/eid:${encodeURIComponent(externalId)}`,
        query: body,
      },
      ctx,
    );
    const errCtx = { system: SYSTEM, ...ctx };
    if (res.statusCode !== 204 && res.statusCode !== 200) throw fromNetSuiteAnswer(res, errCtx);
    const location = res.headers.location;
    const href = Array.isArray(location) ? location[0] : location;
    const id = href ? new RegExp(`/record/v1/${type}/(\\d+)$`).exec(href)?.[1] : undefined;
    if (!id) throw badResponse(errCtx, `no ${type} id in the Location header (${href ?? 'missing'})`);
    return { id };
  }
}
