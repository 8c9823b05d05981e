/**
 * `POST /services/rest/query/v1/suiteql?limit=&offset=` with `{"q": "SELECT …"}`: runs the query over the world and
 * answers one page as NetSuite does: absolute `links` (first/prev/next/last/self), `count`, `hasMore`, `items`
 * (each with `links: []`, lower-case column names, every value a string, NULL columns left out), `offset` and
 * `totalResults`. netsuite-rest-api-client follows `links[rel=next].href` while `hasMore` is true.
 */
import { z } from 'zod';
import type { World } from '../../world';
import { NsError, invalidQuery } from './errors';
import type { RecordStore } from './store';
import { execute } from './suiteql/executor';
import { parseSuiteQL } from './suiteql/parser';
import { SqlError, render } from './suiteql/values';
import { suiteqlCatalog } from './tables';

export const COLLECTION_CONTENT_TYPE = 'application/vnd.oracle.resource+json; type=collection';
const MAX_LIMIT = 1000;

const body = z.object({ q: z.string().trim().min(1) });

function pageParam(
  raw: unknown,
  name: 'limit' | 'offset',
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const text = Array.isArray(raw) ? raw[0] : raw;
  const n = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max))
    throw new NsError(
      400,
      'INVALID_PARAMETER',
      `Invalid '${name}' query parameter value: ${String(text)}. Provide an integer ${max === Infinity ? `of at least ${min}` : `between ${min} and ${max}`}.`,
      { errorQueryParam: name },
    );
  return n;
}

export interface SuiteQLRequest {
  body: unknown;
  query: Record<string, unknown>;
  /** `<scheme>://<host>/services/rest/query/v1/suiteql`, from the Host header the client used. */
  selfUrl: string;
}

export function runSuiteQL(world: World, store: RecordStore, req: SuiteQLRequest): Record<string, unknown> {
  const parsed = body.safeParse(req.body);
  if (!parsed.success)
    throw new NsError(
      400,
      'INVALID_CONTENT',
      "Invalid content in the request body. Provide the SuiteQL query in the 'q' field.",
      { errorPath: 'q' },
    );
  const limit = pageParam(req.query.limit, 'limit', MAX_LIMIT, 1, MAX_LIMIT);
  const offset = pageParam(req.query.offset, 'offset', 0, 0, Infinity);
  if (offset % limit !== 0)
    throw new NsError(
      400,
      'INVALID_PARAMETER',
      `Invalid 'offset' query parameter value: ${offset}. The offset must be a multiple of the limit (${limit}).`,
      { errorQueryParam: 'offset' },
    );

  let result;
  try {
    result = execute(parseSuiteQL(parsed.data.q), suiteqlCatalog(world, store), world.now());
  } catch (e) {
    if (e instanceof SqlError) throw invalidQuery(e.message);
    throw e;
  }

  const total = result.rows.length;
  const page = result.rows.slice(offset, offset + limit);
  const hasMore = offset + page.length < total;
  const at = (o: number) => `${req.selfUrl}?limit=${limit}&offset=${o}`;
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links: { rel: string; href: string }[] = [];
  if (offset > 0) {
    links.push({ rel: 'first', href: at(0) });
    links.push({ rel: 'prev', href: at(Math.max(0, offset - limit)) });
  }
  if (hasMore) {
    links.push({ rel: 'next', href: at(offset + limit) });
    links.push({ rel: 'last', href: at(last) });
  }
  links.push({ rel: 'self', href: at(offset) });

  const items = page.map((row) => {
    const item: Record<string, unknown> = { links: [] };
    result.columns.forEach((name, i) => {
      const text = render(row[i] ?? null);
      if (text !== null) item[name] = text;
    });
    return item;
  });
  return { links, count: items.length, hasMore, items, offset, totalResults: total };
}
