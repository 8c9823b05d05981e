/**
 * Relay connections as Shopify serves them: `first`/`after` or `last`/`before` (one of them required, at most 250
 * per page), opaque base64 cursors (`{"last_id":…,"last_value":…}`), and both `edges { cursor node }` and
 * `nodes`. A bulk operation reads whole connections, so it skips the paging rules.
 */
import { GraphQLError } from 'graphql';

export const MAX_PAGE_SIZE = 250;

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export interface PageArgs {
  first?: unknown;
  last?: unknown;
  after?: unknown;
  before?: unknown;
  reverse?: unknown;
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });

export function cursorOf(id: number): string {
  return Buffer.from(JSON.stringify({ last_id: id, last_value: String(id) })).toString('base64');
}

function cursorId(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'last_id' in parsed && typeof parsed.last_id === 'number')
      return parsed.last_id;
  } catch {
    // fall through: not a cursor this server issued
  }
  throw badRequest('Invalid cursor for current pagination sort.');
}

function pageSize(args: PageArgs, label: 'first' | 'last', field: string): number | undefined {
  const v = args[label];
  if (typeof v !== 'number') return undefined;
  if (v < 0 || v > MAX_PAGE_SIZE)
    throw badRequest(
      `Argument '${label}' on Field '${field}' has an invalid value (${v}). Expected a page size from 0 to ${MAX_PAGE_SIZE}.`,
    );
  return v;
}

/** One page of `rows` (already in id order), keyed by the numeric id `key` returns. */
export function paginate<T, N>(
  rows: T[],
  key: (row: T) => number,
  args: PageArgs,
  field: string,
  bulk: boolean,
  toNode: (row: T) => N,
): Page<N> {
  const ordered = args.reverse === true ? [...rows].reverse() : rows;
  let from = 0;
  let to = ordered.length;
  if (typeof args.after === 'string') {
    const id = cursorId(args.after);
    from = ordered.findIndex((r) => key(r) === id) + 1;
  }
  if (typeof args.before === 'string') {
    const id = cursorId(args.before);
    const at = ordered.findIndex((r) => key(r) === id);
    if (at >= 0) to = at;
  }
  if (!bulk) {
    const first = pageSize(args, 'first', field);
    const last = pageSize(args, 'last', field);
    if (first === undefined && last === undefined) throw badRequest('you must provide one of first or last');
    if (first !== undefined && last !== undefined)
      throw badRequest('providing both first and last is not supported');
    if (first !== undefined) to = Math.min(to, from + first);
    if (last !== undefined) from = Math.max(from, to - last);
  }
  const slice = ordered.slice(from, Math.max(from, to));
  const edges = slice.map((r) => ({ cursor: cursorOf(key(r)), node: toNode(r) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: to < ordered.length,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
