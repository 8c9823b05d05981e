/** Small formatting helpers shared by the Mercado Libre simulator: dates, stable numeric ids, sites. */
import { createHash } from 'node:crypto';

/**
 * Mercado Libre's resources write times with a local offset (`2019-10-30T12:19:20.000-04:00`), while
 * notifications use UTC (`...Z`). Clients must parse both, so the simulator emits both as the real API does.
 */
export function mlDate(ms: number): string {
  return new Date(ms - 4 * 3_600_000).toISOString().replace('Z', '-04:00');
}

/** A stable number with `digits` digits derived from a label: ids that survive a world reset unchanged. */
export function stableNumber(label: string, digits = 11): number {
  const n = createHash('sha256').update(label).digest().readUIntBE(0, 6);
  const base = 10 ** (digits - 1);
  return base + (n % (9 * base));
}

/** A stable upper-case alphanumeric code (Full's `inventory_id` looks like `GWTX52013`). */
export function stableCode(label: string, length = 9): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = createHash('sha256').update(label).digest();
  return Array.from(bytes.subarray(0, length), (b) => alphabet[b % alphabet.length]).join('');
}

const currencies: Record<string, string> = {
  MLA: 'ARS',
  MLB: 'BRL',
  MLM: 'MXN',
  MLC: 'CLP',
  MCO: 'COP',
  MLU: 'UYU',
  MPE: 'PEN',
};

/** The site is the item id's prefix (`MLM123` is Mexico); the sandbox defaults to MLM. */
export function siteOf(itemId: string): { site: string; currency: string } {
  const site = /^[A-Z]{3}/.exec(itemId)?.[0] ?? 'MLM';
  return { site, currency: currencies[site] ?? 'USD' };
}
