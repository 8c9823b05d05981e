/**
 * The Admin GraphQL transport: `@shopify/admin-api-client` with its own retries off (Temporal owns retries), every
 * answer's throttle status remembered, every failure mapped to an IntegrationError, every `data` validated with zod.
 *
 * The loopback knob (apis.md finding 0.2): the client always builds `https://<storeDomain>/admin/api/…`, whatever
 * scheme the domain was given with. When the configured store domain is a loopback address (`127.0.0.1:PORT`,
 * `localhost:PORT`, `[::1]:PORT`: the sandbox, or a local Shopify mock) the adapter's `customFetchApi` rewrites that
 * `https:` to `http:`. A real `<shop>.myshopify.com` domain is never rewritten, so production traffic stays on TLS.
 */
import { createAdminApiClient } from '@shopify/admin-api-client';
import { z } from 'zod';
import { IntegrationError } from '../errors';
import { graphqlFailure, httpFailure, type ShopifyErrorContext } from './errors';
import type { Operation } from './operations';
import { ThrottleBudget } from './throttle';

type AdminClient = ReturnType<typeof createAdminApiClient>;
type CustomFetchApi = NonNullable<Parameters<typeof createAdminApiClient>[0]['customFetchApi']>;

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Whether the store domain names this machine (the only case where plain http is used). */
export function isLoopbackStore(storeDomain: string): boolean {
  const trimmed = storeDomain.trim();
  try {
    const url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
    return LOOPBACK_HOST.test(url.hostname);
  } catch {
    return false;
  }
}

/**
 * What a failed fetch says, cause included. The client library keeps only `error.message` of an Error and
 * JSON-stringifies anything else (a DOMException from another realm becomes "{}"), so the adapter words it first.
 */
export function networkMessage(e: unknown): string {
  if (e === null || typeof e !== 'object') return String(e);
  const { name, message, cause } = e as { name?: unknown; message?: unknown; cause?: unknown };
  const head = [name, message].filter((x) => typeof x === 'string' && x !== '' && x !== 'Error').join(': ');
  const c =
    cause !== null && typeof cause === 'object' ? (cause as { code?: unknown; message?: unknown }) : {};
  const why = typeof c.code === 'string' ? c.code : typeof c.message === 'string' ? c.message : '';
  return `${head || 'fetch failed'}${why ? ` (${why})` : ''}`;
}

/** The `customFetchApi` handed to the client: https -> http for a loopback store only (see the module comment). */
export function storeFetch(storeDomain: string, base: typeof fetch = fetch): CustomFetchApi {
  const plain = isLoopbackStore(storeDomain);
  return async (url, init) => {
    try {
      return await base(plain ? url.replace(/^https:/, 'http:') : url, init as RequestInit);
    } catch (e) {
      throw new Error(networkMessage(e), { cause: e });
    }
  };
}

const costSchema = z.object({
  requestedQueryCost: z.number(),
  actualQueryCost: z.number().nullable().optional(),
  throttleStatus: z.object({
    maximumAvailable: z.number(),
    currentlyAvailable: z.number(),
    restoreRate: z.number(),
  }),
});

const graphqlErrors = z.array(
  z.object({
    message: z.string(),
    extensions: z.object({ code: z.string().optional() }).optional(),
  }),
);

export interface ShopifyClientOptions {
  channel: string;
  storeDomain: string;
  accessToken: string;
  apiVersion: string;
  fetch?: typeof fetch | undefined;
  now: () => number;
  /** Per request; a request that takes longer fails as a retryable TIMEOUT. */
  timeoutMs: number;
}

export class ShopifyGraphql {
  readonly budget: ThrottleBudget;
  private readonly client: AdminClient;

  constructor(private readonly o: ShopifyClientOptions) {
    this.budget = new ThrottleBudget(o.now);
    try {
      this.client = createAdminApiClient({
        storeDomain: o.storeDomain,
        apiVersion: o.apiVersion,
        accessToken: o.accessToken,
        retries: 0,
        customFetchApi: storeFetch(o.storeDomain, o.fetch),
        // The client warns about versions outside its date-based list; the configured version is deliberate.
        logger: () => undefined,
      });
    } catch (e) {
      throw new IntegrationError({
        system: 'shopify',
        channel: o.channel,
        code: 'INVALID_REQUEST',
        message: `Shopify client for channel ${o.channel} cannot start (${e instanceof Error ? e.message : String(e)}): check channels[${o.channel}].credentials.storeDomain and accessToken`,
        cause: e,
      });
    }
  }

  context(operation: string): ShopifyErrorContext {
    return { system: 'shopify', channel: this.o.channel, store: this.o.storeDomain, operation };
  }

  /**
   * Sends one operation. Refuses it without a call when the last known budget does not cover its cost (THROTTLED
   * with the restore time); otherwise maps whatever comes back.
   */
  async run<V extends Record<string, unknown>, T>(op: Operation<V, T>, variables: V): Promise<T> {
    const ctx = this.context(op.name);
    const cost = op.cost(variables);
    const wait = this.budget.waitFor(cost);
    if (wait > 0) {
      const s = this.budget.estimate();
      throw new IntegrationError({
        ...ctx,
        code: 'THROTTLED',
        retryAfterMs: wait,
        message: `Shopify's cost budget on channel ${this.o.channel} has about ${Math.floor(s?.currentlyAvailable ?? 0)} of ${s?.maximumAvailable ?? '?'} points and ${op.name} costs ${cost}: not sent; enough is restored in ${wait} ms`,
      });
    }
    let res: Awaited<ReturnType<AdminClient['request']>>;
    try {
      res = await this.client.request<unknown>(op.query, {
        variables,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (e) {
      throw this.networkFailure(networkMessage(e), ctx, e);
    }
    const reported = costSchema.safeParse(res.extensions?.cost);
    if (reported.success) this.budget.record(reported.data.throttleStatus);
    if (res.errors) {
      const { networkStatusCode: status, graphQLErrors, response, message } = res.errors;
      if (status === undefined) throw this.networkFailure(message ?? 'no answer', ctx);
      if (status < 200 || status > 299) throw httpFailure(status, response?.headers, ctx);
      const errors = graphqlErrors.safeParse(graphQLErrors);
      if (errors.success && errors.data.length > 0)
        throw graphqlFailure(errors.data, reported.success ? reported.data : undefined, ctx);
      throw badResponse(ctx, message ?? 'no data');
    }
    const data = op.data.safeParse(res.data);
    if (!data.success) throw badResponse(ctx, z.prettifyError(data.error));
    return data.data;
  }

  /** No HTTP answer: a timeout (ours, `timeoutMs`) or a connection failure. Both are retryable. */
  private networkFailure(detail: string, ctx: ShopifyErrorContext, cause?: unknown): IntegrationError {
    const timeout = /timeout|timed out|aborted/i.test(detail);
    return new IntegrationError({
      ...ctx,
      code: timeout ? 'TIMEOUT' : 'NETWORK',
      cause,
      message: timeout
        ? `Shopify ${ctx.operation ?? 'request'} on channel ${ctx.channel} got no answer within ${this.o.timeoutMs} ms from ${ctx.store} (${detail})`
        : `Shopify store ${ctx.store} is unreachable for ${ctx.operation ?? 'a request'} on channel ${ctx.channel} (${detail})`,
    });
  }
}

export function badResponse(ctx: ShopifyErrorContext, detail: string): IntegrationError {
  return new IntegrationError({
    ...ctx,
    code: 'BAD_RESPONSE',
    message: `Shopify answered ${ctx.operation ?? 'a request'} on channel ${ctx.channel} with an unexpected shape: ${detail}`,
  });
}
