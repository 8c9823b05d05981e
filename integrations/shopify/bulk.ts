/**
 * `readAll` through a bulk query (apis.md §3.3): `bulkOperationRunQuery`, poll the operation by id until it is
 * COMPLETED, download its JSONL (one line per variant, then one line per level carrying `__parentId`), and serve
 * the levels in pages.
 *
 * The cursor is `base64url({"op": <BulkOperation gid>, "offset": n})`: which bulk result, and how far into its
 * levels the caller has read. A caller (a Temporal activity per page) can so page through a large shop without
 * re-running the query; the result is kept in memory for the next page and downloaded again by a fresh adapter.
 * Polling waits `pollMs` between checks and at most `waitMs` per call: a bulk query still running then returns an
 * empty page whose cursor points at the same operation, so no single call blocks for the whole run. Polling is the
 * bulk protocol's own step, not a retry: failures are thrown for Temporal to retry.
 */
import { z } from 'zod';
import { fromHttpStatus, fromNetworkError, IntegrationError } from '../errors';
import type { ChannelLevel, Page } from '../types';
import { badResponse, networkMessage, type ShopifyGraphql } from './client';
import type { Catalog } from './catalog';
import type { LocationFilter } from './locations';
import { BULK_LEVELS_QUERY, BULK_RUN, BULK_STATUS, quantity, type BulkOperation } from './operations';

export interface BulkOptions {
  channel: string;
  pollMs: number;
  waitMs: number;
  pageSize: number;
  downloadTimeoutMs: number;
  now: () => number;
  fetch: typeof fetch;
}

const cursorSchema = z.object({
  op: z.string().startsWith('gid://shopify/BulkOperation/'),
  offset: z.number().int().min(0),
});
type Cursor = z.infer<typeof cursorSchema>;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const variantLine = z.object({
  id: z.string(),
  sku: z.string().nullable().optional(),
  inventoryItem: z.object({ id: z.string() }),
});
const levelLine = z.object({
  __parentId: z.string(),
  location: z.object({ id: z.string() }),
  quantities: z.array(quantity),
});

const RUNNING = new Set(['CREATED', 'RUNNING']);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class BulkReader {
  /** The last downloaded result, so the following pages cost no call. */
  private last: { op: string; levels: ChannelLevel[] } | undefined;

  constructor(
    private readonly gql: ShopifyGraphql,
    private readonly catalog: Catalog,
    private readonly filter: LocationFilter,
    private readonly o: BulkOptions,
  ) {}

  async page(cursor?: string): Promise<Page<ChannelLevel>> {
    let at: Cursor;
    if (cursor === undefined) at = { op: await this.start(), offset: 0 };
    else {
      const decoded = decodeCursor(cursor);
      if (!decoded)
        throw new IntegrationError({
          ...this.gql.context('readAll'),
          code: 'INVALID_REQUEST',
          message: `readAll cursor "${cursor}" on channel ${this.o.channel} was not issued by this adapter: start again without a cursor`,
        });
      at = decoded;
    }
    const levels = await this.results(at.op, cursor !== undefined);
    if (!levels) return { items: [], next: encodeCursor(at) };
    const items = levels.slice(at.offset, at.offset + this.o.pageSize);
    const end = at.offset + items.length;
    return { items, next: end < levels.length ? encodeCursor({ op: at.op, offset: end }) : undefined };
  }

  private async start(): Promise<string> {
    const ctx = this.gql.context(BULK_RUN.name);
    const res = (await this.gql.run(BULK_RUN, { query: BULK_LEVELS_QUERY })).bulkOperationRunQuery;
    if (!res) throw badResponse(ctx, 'bulkOperationRunQuery is null');
    const busy = res.userErrors.find((e) => e.code === 'OPERATION_IN_PROGRESS' || e.code === 'LIMIT_REACHED');
    if (busy)
      throw new IntegrationError({
        ...ctx,
        code: 'CONCURRENCY_LIMIT',
        vendorCode: busy.code ?? undefined,
        message: `Shopify runs as many bulk queries as it allows on channel ${this.o.channel} (${busy.message}): the read starts once one finishes`,
      });
    const first = res.userErrors[0];
    if (first)
      throw new IntegrationError({
        ...ctx,
        code: 'INVALID_REQUEST',
        vendorCode: first.code ?? undefined,
        message: `Shopify refused the bulk read on channel ${this.o.channel}: ${res.userErrors.map((e) => e.message).join('; ')}`,
      });
    if (!res.bulkOperation) throw badResponse(ctx, 'no bulkOperation and no userErrors');
    return res.bulkOperation.id;
  }

  /** The levels of a completed operation; undefined while it still runs. */
  private async results(op: string, resumed: boolean): Promise<ChannelLevel[] | undefined> {
    if (this.last?.op === op) return this.last.levels;
    const status = await this.poll(op, resumed);
    if (RUNNING.has(status.status)) return undefined;
    if (status.status !== 'COMPLETED') throw this.failed(status, resumed);
    // A bulk query with no rows has no file.
    const levels = status.url ? this.parse(await this.download(status.url)) : [];
    this.last = { op, levels };
    return levels;
  }

  private async poll(op: string, resumed: boolean): Promise<BulkOperation> {
    const deadline = this.o.now() + this.o.waitMs;
    // A new operation is surely still running: wait once before the first check. A resumed one may be done.
    let wait = !resumed;
    for (;;) {
      if (wait) await sleep(this.o.pollMs);
      wait = true;
      const node = (await this.gql.run(BULK_STATUS, { id: op })).node;
      if (!node)
        throw new IntegrationError({
          ...this.gql.context(BULK_STATUS.name),
          code: 'INVALID_REQUEST',
          message: `Shopify has no bulk operation ${op} on channel ${this.o.channel} (expired or from another shop): start readAll again without a cursor`,
        });
      if (!RUNNING.has(node.status) || this.o.now() >= deadline) return node;
    }
  }

  private failed(op: BulkOperation, resumed: boolean): IntegrationError {
    const ctx = { ...this.gql.context(BULK_STATUS.name), vendorCode: op.errorCode ?? op.status };
    if (op.errorCode === 'ACCESS_DENIED')
      return new IntegrationError({
        ...ctx,
        code: 'PERMISSION_DENIED',
        message: `Shopify denied the bulk read ${op.id} on channel ${this.o.channel} (ACCESS_DENIED): grant the app the read_products and read_inventory scopes`,
      });
    // A fresh read can simply run a new operation; a cursor into a dead one cannot be resumed.
    return new IntegrationError({
      ...ctx,
      code: resumed ? 'INVALID_REQUEST' : 'UPSTREAM_UNAVAILABLE',
      message: `Shopify bulk operation ${op.id} on channel ${this.o.channel} ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}${resumed ? ': start readAll again without a cursor' : ''}`,
    });
  }

  /** The result file is a signed storage URL: fetched without the access token. */
  private async download(url: string): Promise<string> {
    const ctx = this.gql.context('bulkOperationOutput');
    let res: Response;
    try {
      res = await this.o.fetch(url, { signal: AbortSignal.timeout(this.o.downloadTimeoutMs) });
    } catch (e) {
      throw fromNetworkError(new Error(networkMessage(e)), ctx);
    }
    if (res.status === 403 || res.status === 404)
      throw new IntegrationError({
        ...ctx,
        code: 'INVALID_REQUEST',
        status: res.status,
        message: `Shopify's bulk result file on channel ${this.o.channel} is gone (${res.status}; result URLs expire after 7 days): start readAll again without a cursor`,
      });
    if (!res.ok) throw fromHttpStatus(res.status, { ...ctx, retryAfter: res.headers.get('retry-after') });
    try {
      return await res.text();
    } catch (e) {
      throw fromNetworkError(new Error(networkMessage(e)), ctx);
    }
  }

  /** JSONL -> levels at configured locations, in file order; fills the SKU cache on the way. */
  private parse(text: string): ChannelLevel[] {
    const ctx = this.gql.context('bulkOperationOutput');
    const variants: { sku: string; id: string; itemId: string }[] = [];
    const levels = new Map<string, { location: string; available: number }[]>();
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw badResponse(ctx, `line ${i + 1} of the bulk result is not JSON`);
      }
      if (row !== null && typeof row === 'object' && '__parentId' in row) {
        const l = levelLine.safeParse(row);
        if (!l.success) throw badResponse(ctx, `line ${i + 1}: ${z.prettifyError(l.error)}`);
        const q = l.data.quantities.find((x) => x.name === 'available');
        if (!q) throw badResponse(ctx, `line ${i + 1}: no "available" quantity`);
        const list = levels.get(l.data.__parentId) ?? [];
        list.push({ location: l.data.location.id, available: q.quantity });
        levels.set(l.data.__parentId, list);
        return;
      }
      const v = variantLine.safeParse(row);
      if (!v.success) throw badResponse(ctx, `line ${i + 1}: ${z.prettifyError(v.error)}`);
      variants.push({ sku: v.data.sku ?? '', id: v.data.id, itemId: v.data.inventoryItem.id });
    });
    const perSku = new Map<string, number>();
    for (const v of variants) perSku.set(v.sku, (perSku.get(v.sku) ?? 0) + 1);
    const out: ChannelLevel[] = [];
    for (const v of variants) {
      // A SKU on several variants is not cached: a push looks it up and is refused as DUPLICATE_SKU.
      if (perSku.get(v.sku) === 1)
        this.catalog.remember({ sku: v.sku, variantId: v.id, inventoryItemId: v.itemId });
      else this.catalog.forget(v.sku);
      // The parent of a level line is the variant (the nearest connection node); the item id is accepted too.
      const own = [...(levels.get(v.id) ?? []), ...(levels.get(v.itemId) ?? [])];
      out.push(...this.filter.keep(v.sku, own));
    }
    return out;
  }
}
