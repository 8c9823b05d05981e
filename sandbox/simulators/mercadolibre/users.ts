/**
 * The seller's own resources: `GET /users/me` and `GET /users/{id}/items/search` by `seller_sku` (the SELLER_SKU
 * attribute) or `sku` (seller_custom_field), paged by offset/limit up to 1000 results, beyond with
 * `search_type=scan` and a `scroll_id` that lives 5 minutes.
 */
import { z } from 'zod';
import type { FastifyInstance } from '../../http';
import { itemsOf, type MlItem } from './catalog';
import { badRequest, forbidden } from './errors';
import { authed, ok, type Deps, type Seller } from './route';
import { itemSearchQuery, parseQuery } from './schemas';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const MAX_OFFSET_WINDOW = 1000;
const SCROLL_TTL_MS = 5 * 60_000;

const scrollSchema = z.object({ c: z.string(), o: z.number().int().nonnegative(), e: z.number() });

function encodeScroll(channel: string, offset: number, expires: number): string {
  return Buffer.from(JSON.stringify({ c: channel, o: offset, e: expires })).toString('base64url');
}

function decodeScroll(id: string, channel: string, now: number): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const s = scrollSchema.safeParse(parsed);
  if (!s.success || s.data.c !== channel || s.data.e < now) throw badRequest('Invalid or expired scroll_id');
  return s.data.o;
}

const status = (item: MlItem): 'active' | 'paused' =>
  item.products.some((p) => p.listings.some((l) => l.shows > 0)) ? 'active' : 'paused';

function ownUser(seller: Seller, userId: string): void {
  if (userId !== String(seller.userId)) throw forbidden(`The caller is not user ${userId}`);
}

export function registerUsers(app: FastifyInstance, deps: Deps): void {
  const { world } = deps.ctx;

  authed(app, deps, {
    method: 'GET',
    url: '/users/me',
    endpoint: 'GET /users/me',
    handler: ({ seller }) =>
      ok({
        id: seller.userId,
        nickname: `SANDBOX_${seller.channel.id.toUpperCase()}`,
        site_id: 'MLM',
        country_id: 'MX',
        user_type: 'normal',
        tags: ['normal', 'user_product_seller'],
      }),
  });

  authed(app, deps, {
    method: 'GET',
    url: '/users/:userId/items/search',
    endpoint: 'GET /users/{id}/items/search',
    handler: ({ req, seller }) => {
      ownUser(seller, (req.params as { userId: string }).userId);
      const q = parseQuery(itemSearchQuery, req.query);
      const limit = q.limit ?? DEFAULT_LIMIT;
      if (limit > MAX_LIMIT) throw badRequest(`limit must be lower or equal to ${MAX_LIMIT}`);
      const ids = itemsOf(seller.channel)
        .filter((i) => q.seller_sku === undefined || i.products.some((p) => p.sku === q.seller_sku))
        .filter((i) => q.sku === undefined || i.products.some((p) => p.sku === q.sku))
        .filter((i) => q.status === undefined || status(i) === q.status)
        .map((i) => i.id);
      const base = { seller_id: String(seller.userId), query: q.seller_sku ?? q.sku ?? null };
      if (q.search_type === 'scan' || q.scroll_id !== undefined) {
        const offset =
          q.scroll_id === undefined ? 0 : decodeScroll(q.scroll_id, seller.channel.id, world.now());
        const next = offset + limit;
        return ok({
          ...base,
          scroll_id: encodeScroll(seller.channel.id, next, world.now() + SCROLL_TTL_MS),
          paging: { total: ids.length, limit },
          results: ids.slice(offset, next),
        });
      }
      const offset = q.offset ?? 0;
      if (offset + limit > MAX_OFFSET_WINDOW)
        throw badRequest(
          `offset + limit must be lower or equal to ${MAX_OFFSET_WINDOW}: use search_type=scan`,
        );
      return ok({
        ...base,
        paging: { total: ids.length, offset, limit },
        results: ids.slice(offset, offset + limit),
      });
    },
  });
}
