/** The time cursors `ordersSince` issues: an ISO date-time the adapter wrote itself. */
import { IntegrationError, type ErrorContext } from './errors';

/** Epoch ms of a cursor this adapter issued; anything else is a permanent INVALID_REQUEST naming the channel. */
export function parseTimeCursor(cursor: string, ctx: ErrorContext, channelName: string): number {
  const ms = Date.parse(cursor);
  if (/^\d{4}-\d{2}-\d{2}T/.test(cursor) && Number.isFinite(ms)) return ms;
  throw new IntegrationError({
    ...ctx,
    code: 'INVALID_REQUEST',
    message: `ordersSince on ${channelName} channel ${ctx.channel ?? ''} was given a cursor it did not issue ("${cursor.slice(0, 40)}"): start again without one`,
  });
}
