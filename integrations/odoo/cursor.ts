/**
 * The change-feed cursor: the last quant `write_date` seen (with what the quants written in that very second
 * looked like, since write_date has one-second resolution) and the last done `stock.move` (date, id). Dates are
 * Odoo's UTC strings. Opaque to callers: base64url JSON.
 */
import { z } from 'zod';
import { invalidRequest } from './problems';
import { datetime } from './schemas';

/** A quant as seen: id, quantity, reserved quantity. */
const seenQuant = z.tuple([z.number().int(), z.number(), z.number()]);

const cursorSchema = z.object({
  v: z.literal(1),
  /** Last quant write_date seen, or null when there was no quant. */
  w: datetime.nullable(),
  /** The quants written in second `w`, as they were when read. */
  q: z.array(seenQuant),
  /** Last done move: date and id (null when there was none). */
  d: datetime.nullable(),
  m: z.number().int().nonnegative(),
});

export type FeedCursor = z.infer<typeof cursorSchema>;

export const encodeCursor = (c: FeedCursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(text: string): FeedCursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw invalidRequest(
      { operation: 'changesSince' },
      'the Odoo change-feed cursor is not one this adapter wrote: start again without a cursor',
    );
  }
}

export const quantFingerprint = (id: number, quantity: number, reserved: number): string =>
  `${id}:${quantity}:${reserved}`;
