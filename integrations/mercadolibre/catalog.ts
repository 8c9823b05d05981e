/**
 * Listings: which item (and variation) carries a SKU. A SKU is found with the seller's items search by
 * `seller_sku` (the SELLER_SKU attribute), falling back to `sku` (the older `seller_custom_field`); items are read
 * with the multiget (`/items?ids=`, at most 20 ids a call); the whole catalogue is read with a scan search.
 */
import { z } from 'zod';
import { IntegrationError } from '../errors';
import { fromResponse, SYSTEM, unlinkedSku, type MlContext } from './errors';
import type { MlHttp } from './http';
import {
  item as itemSchema,
  ITEM_FIELDS,
  multigetAnswer,
  searchAnswer,
  type Item,
  type Variation,
} from './schemas';
import { parse } from './wire';

/** Multiget answers at most this many ids per call. */
export const MULTIGET_MAX = 20;
/** Items per scan page (the search's maximum `limit`). */
export const SCAN_LIMIT = 100;
/** Searches by SKU in flight at once: enough to hide latency, far below the per-seller limit. */
const SEARCH_PARALLEL = 8;

/**
 * How an item's stock is held. `full`: all of it in Mercado Libre's warehouses (logistic_type fulfillment).
 * `coexist`: Full plus the seller's own address (Full + Flex, the `self_service_in` shipping tag): only the
 * user-products stock tells the two apart. `seller`: all of it the seller's.
 */
export type Logistic = 'full' | 'coexist' | 'seller';

/** One SKU on one item: the item itself, or one of its variations. */
export interface Listed {
  /** '' when the listing has no SKU (reported, so the audit can flag it). */
  sku: string;
  item: Item;
  variation?: Variation | undefined;
  userProductId?: string | undefined;
  /** The item's (or variation's) available_quantity. */
  quantity: number;
  logistic: Logistic;
}

const skuOf = (attributes: Item['attributes'], custom: string | null | undefined): string =>
  (attributes?.find((a) => a.id === 'SELLER_SKU')?.value_name ?? custom ?? '').trim();

export function logisticOf(item: Item): Logistic {
  if (item.shipping?.logistic_type !== 'fulfillment') return 'seller';
  return item.shipping.tags?.includes('self_service_in') ? 'coexist' : 'full';
}

/** A closed listing is gone for good: it sells nothing and is not reported. */
export const isLive = (item: Item): boolean => item.status !== 'closed';

export function listedOf(item: Item): Listed[] {
  const logistic = logisticOf(item);
  const variations = item.variations ?? [];
  if (variations.length === 0)
    return [
      {
        sku: skuOf(item.attributes, item.seller_custom_field),
        item,
        userProductId: item.user_product_id ?? undefined,
        quantity: item.available_quantity,
        logistic,
      },
    ];
  return variations.map((v) => ({
    sku: skuOf(v.attributes, v.seller_custom_field),
    item,
    variation: v,
    userProductId: v.user_product_id ?? undefined,
    quantity: v.available_quantity,
    logistic,
  }));
}

/** Listings of one stock: a user product listed in several items (e.g. classic and premium) is one stock. */
export const stockKey = (l: Listed): string => l.userProductId ?? `${l.item.id}/${l.variation?.id ?? ''}`;

export async function mapLimit<T, R>(
  xs: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(xs.length);
  let next = 0;
  const worker = async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

/** readAll's cursor: the scan's scroll id and how many items came before it (to stop without an empty call). */
const scanCursor = z.object({ s: z.string().min(1), n: z.number().int().nonnegative() });
type ScanCursor = z.output<typeof scanCursor>;

const encodeCursor = (c: ScanCursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(cursor: string): ScanCursor | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const r = scanCursor.safeParse(raw);
  return r.success ? r.data : undefined;
}

export class Catalog {
  constructor(
    private readonly http: MlHttp,
    private readonly userId: string,
    private readonly channel: string,
  ) {}

  private ctx(operation: string, sku?: string): MlContext {
    return { channel: this.channel, operation, sku };
  }

  private async searchBy(param: 'seller_sku' | 'sku', sku: string): Promise<string[]> {
    const c = this.ctx('GET /users/{id}/items/search', sku);
    const q = new URLSearchParams({ [param]: sku });
    const res = await this.http.json(searchAnswer, {
      method: 'GET',
      path: `/users/${encodeURIComponent(this.userId)}/items/search?${q.toString()}`,
      // A 404 here is not "SKU unknown" (that is an empty result): keep the SKU out of the 404 mapping.
      ctx: { ...c, sku: undefined },
    });
    return res.results;
  }

  /** The seller's item ids carrying the SKU. */
  async search(sku: string): Promise<string[]> {
    const bySellerSku = await this.searchBy('seller_sku', sku);
    return bySellerSku.length > 0 ? bySellerSku : this.searchBy('sku', sku);
  }

  /** Items by id (multiget, 20 a call); an id that is gone (404 in its entry) is left out. */
  async items(ids: readonly string[]): Promise<Item[]> {
    const c = this.ctx('GET /items');
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MULTIGET_MAX) chunks.push(ids.slice(i, i + MULTIGET_MAX));
    const answers = await mapLimit(chunks, 4, (chunk) =>
      this.http.json(multigetAnswer, {
        method: 'GET',
        path: `/items?ids=${chunk.map(encodeURIComponent).join(',')}&attributes=${ITEM_FIELDS}`,
        ctx: c,
      }),
    );
    return answers.flat().flatMap((entry) => {
      if (entry.code === 404) return [];
      if (entry.code !== 200)
        throw fromResponse(entry.code, { json: entry.body, text: '' }, new Headers(), c);
      return [parse(itemSchema, entry.body, c)];
    });
  }

  /**
   * The one stock each SKU is listed with. A SKU with no live listing is UNLINKED_SKU; a SKU on several listings
   * that are not one user product is DUPLICATE_SKU (invsync would not know which quantity is meant).
   */
  async resolve(skus: readonly string[], operation: string): Promise<Map<string, Listed>> {
    const wanted = [...new Set(skus)];
    const isWanted = new Set(wanted);
    const found = await mapLimit(wanted, SEARCH_PARALLEL, (sku) => this.search(sku));
    const items = await this.items([...new Set(found.flat())]);
    const bySku = new Map<string, Listed[]>();
    for (const it of items.filter(isLive))
      for (const l of listedOf(it))
        if (isWanted.has(l.sku)) bySku.set(l.sku, [...(bySku.get(l.sku) ?? []), l]);
    const out = new Map<string, Listed>();
    for (const sku of wanted) {
      const list = bySku.get(sku) ?? [];
      const first = list[0];
      if (!first) throw unlinkedSku(sku, this.ctx(operation, sku));
      const stocks = new Set(list.map(stockKey));
      if (stocks.size > 1)
        throw new IntegrationError({
          system: SYSTEM,
          ...this.ctx(operation, sku),
          code: 'DUPLICATE_SKU',
          message: `SKU ${sku} is listed in several Mercado Libre items on channel ${this.channel} (${[...new Set(list.map((l) => l.item.id))].join(', ')}) that are not one user product: invsync cannot tell which quantity is meant; close the extra listings or give each its own SKU`,
        });
      out.set(sku, first);
    }
    return out;
  }

  /** One page of the seller's whole catalogue, by scan (a scroll id lives 5 minutes: consume pages promptly). */
  async scan(cursor: string | undefined): Promise<{ items: Item[]; next?: string | undefined }> {
    const c = this.ctx('GET /users/{id}/items/search');
    const from = cursor === undefined ? { s: '', n: 0 } : decodeCursor(cursor);
    if (!from)
      throw new IntegrationError({
        system: SYSTEM,
        ...c,
        code: 'INVALID_REQUEST',
        message: `The Mercado Libre readAll cursor for channel ${this.channel} is not one this adapter issued: restart the read without a cursor`,
      });
    const q = new URLSearchParams({ search_type: 'scan', limit: String(SCAN_LIMIT) });
    if (from.s) q.set('scroll_id', from.s);
    const page = await this.http.json(searchAnswer, {
      method: 'GET',
      path: `/users/${encodeURIComponent(this.userId)}/items/search?${q.toString()}`,
      ctx: c,
    });
    const seen = from.n + page.results.length;
    const next =
      page.results.length > 0 && seen < page.paging.total && page.scroll_id
        ? encodeCursor({ s: page.scroll_id, n: seen })
        : undefined;
    return { items: await this.items(page.results), next };
  }
}
