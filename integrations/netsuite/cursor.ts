/**
 * Opaque cursors. Paged reads carry `offset/limit` (NetSuite wants the offset to be a multiple of the limit, so the
 * limit travels with it). The change feed carries a timestamp and the items already reported at that second.
 */
import { z } from 'zod';
import { IntegrationError } from '../errors';
import { SYSTEM } from './errors';
import { STAMP } from './sql';

function invalid(operation: string, cursor: string): IntegrationError {
  return new IntegrationError({
    system: SYSTEM,
    operation,
    code: 'INVALID_REQUEST',
    message: `NetSuite ${operation}: "${cursor.slice(0, 80)}" is not a cursor this adapter issued`,
  });
}

export function encodeOffset(offset: number, limit: number): string {
  return `${offset}/${limit}`;
}

export function decodeOffset(
  cursor: string | undefined,
  pageSize: number,
  operation: string,
): { offset: number; limit: number } {
  if (cursor === undefined || cursor === '') return { offset: 0, limit: pageSize };
  const m = /^(\d+)\/(\d+)$/.exec(cursor);
  const offset = Number(m?.[1]);
  const limit = Number(m?.[2]);
  if (!m || !(limit >= 1 && limit <= 1000) || offset % limit !== 0) throw invalid(operation, cursor);
  return { offset, limit };
}

/**
 * The change feed's position: every change before second `at` has been reported, and so have the row states in
 * `seen` at second `at` (`item.location.onhand.committed.available`). SuiteQL timestamps have whole seconds, so
 * the next read starts at `at` again (`>=`) and drops only rows whose state was already reported: a row changed
 * again within the same second has a new state and is reported; an idle feed reports nothing.
 */
export interface ChangeCursor {
  at: string;
  seen: string[];
}

const changeCursor = z.object({
  v: z.literal(1),
  at: z.string().regex(STAMP),
  seen: z.array(z.string().max(200)),
});

export function encodeChanges(c: ChangeCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, at: c.at, seen: c.seen })).toString('base64url');
}

export function decodeChanges(cursor: string): ChangeCursor {
  try {
    const parsed = changeCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return { at: parsed.data.at, seen: parsed.data.seen };
  } catch {
    // fall through: not JSON
  }
  throw invalid('changesSince', cursor);
}
