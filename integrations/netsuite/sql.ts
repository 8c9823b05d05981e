/** SuiteQL text helpers: every value that reaches a query goes through one of these. */
import { IntegrationError } from '../errors';

/** An Oracle string literal ('' escapes a quote). */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A list of internal ids for `IN (...)`; ids are checked to be digits so nothing else can reach the query. */
export function idList(ids: readonly string[]): string {
  for (const id of ids)
    if (!/^\d+$/.test(id))
      throw new IntegrationError({
        system: 'netsuite',
        code: 'BAD_RESPONSE',
        message: `NetSuite returned "${id}" where an internal id was expected`,
      });
  return ids.join(', ');
}

/** The change feed's timestamp format: what TO_CHAR renders and TO_DATE parses (the account's time zone). */
export const STAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS';
export const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** A numeric SuiteQL value (numbers come back as strings, e.g. '12', '-3', '.5'). */
export const NUMERIC = /^-?(\d+\.?\d*|\.\d+)$/;
