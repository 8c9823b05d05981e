/**
 * Helpers for the Shopify adapter's integration test: the adapter built from the sandbox's own config, a fetch
 * that records every exchange (what the adapter really sent, what Shopify answered), and call counting.
 */
import { parseConfigObject } from '../../../domain/config/parse';
import type { Sandbox } from '../../../sandbox/index';
import {
  createShopifyAdapter,
  type ShopifyAdapterOptions,
  type ShopifyChannelAdapter,
  type ShopifyChannelConfig,
} from '../../../integrations/shopify';
import { isIntegrationError, type IntegrationError } from '../../../integrations/errors';
import { MemoryTokenStore } from '../../../integrations/token-store';

export const L1 = 'gid://shopify/Location/1';
export const L2 = 'gid://shopify/Location/2';
export const L3 = 'gid://shopify/Location/3';

export interface Exchange {
  url: string;
  /** The parsed JSON request body (GraphQL `{query, variables}`), if any. */
  request: { query?: string; variables?: Record<string, unknown> } | undefined;
  status: number;
  /** The parsed JSON answer, or the raw text (bulk JSONL). */
  response: unknown;
}

/** A fetch that passes everything through and keeps a copy of each exchange (`after` runs once each is answered). */
export function recordingFetch(after?: (e: Exchange) => void): {
  fetch: typeof fetch;
  exchanges: Exchange[];
} {
  const exchanges: Exchange[] = [];
  const recorder: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const text = await res.clone().text();
    let response: unknown = text;
    try {
      response = JSON.parse(text);
    } catch {
      // JSONL or empty: kept as text
    }
    const request =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as { query?: string; variables?: Record<string, unknown> })
        : undefined;
    const exchange = { url, request, status: res.status, response };
    exchanges.push(exchange);
    after?.(exchange);
    return res;
  };
  return { fetch: recorder, exchanges };
}

export function shopifyConfig(sb: Sandbox, id = 'shopify'): ShopifyChannelConfig {
  const parsed = parseConfigObject(sb.config(), {});
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const ch = parsed.config.channels.find((c) => c.id === id);
  if (ch?.kind !== 'shopify') throw new Error(`no shopify channel ${id}`);
  return ch;
}

export function makeAdapter(
  sb: Sandbox,
  o: {
    cfg?: (c: ShopifyChannelConfig) => ShopifyChannelConfig;
    options?: ShopifyAdapterOptions;
    after?: (e: Exchange) => void;
    fetch?: typeof fetch;
  } = {},
): { adapter: ShopifyChannelAdapter; exchanges: Exchange[]; cfg: ShopifyChannelConfig } {
  const base = shopifyConfig(sb);
  const cfg = o.cfg ? o.cfg(base) : base;
  const rec = recordingFetch(o.after);
  const adapter = createShopifyAdapter(
    cfg,
    { tokens: new MemoryTokenStore(), fetch: o.fetch ?? rec.fetch },
    { bulkPollMs: 100, ...o.options },
  );
  return { adapter, exchanges: rec.exchanges, cfg };
}

/** Shopify calls the sandbox counted, for one endpoint (root field) or all. */
export function calls(sb: Sandbox, endpoint?: string): number {
  return sb.world
    .state()
    .calls.filter((c) => c.system === 'shopify' && (endpoint === undefined || c.endpoint === endpoint))
    .reduce((sum, c) => sum + c.count, 0);
}

export function shows(sb: Sandbox, sku: string, location: string): number | undefined {
  return sb.world.listing('shopify', sku, location)?.shows;
}

/** The inventorySetQuantities requests the adapter sent: batch key and input. */
export function mutations(exchanges: Exchange[]): {
  key: string;
  input: {
    name: string;
    reason: string;
    referenceDocumentUri: string;
    quantities: {
      inventoryItemId: string;
      locationId: string;
      quantity: number;
      changeFromQuantity: number | null;
    }[];
  };
}[] {
  return exchanges
    .filter((e) => e.request?.query?.includes('inventorySetQuantities'))
    .map((e) => e.request?.variables as ReturnType<typeof mutations>[number]);
}

/** The IntegrationError a promise rejects with (anything else is rethrown). */
export async function failure(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (e) {
    if (isIntegrationError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
