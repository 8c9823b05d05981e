/**
 * Odoo's value conventions on the wire: datetimes as UTC strings "YYYY-MM-DD HH:MM:SS", floats as `<double>`,
 * empty values as `false`, and Python's repr for the texts of exceptions that quote arguments.
 */
import xmlrpc from 'xmlrpc';

/** A float field value: `<double>` in XML-RPC (Odoo marshals Python floats so), a plain number in JSON. */
export class Double extends xmlrpc.CustomType {
  override tagName = 'double';

  constructor(readonly value: number) {
    // Python's repr: 10.0, 2.5.
    super(Number.isInteger(value) ? value.toFixed(1) : String(value));
  }

  toJSON(): number {
    return this.value;
  }
}

/** ms since the epoch -> Odoo's datetime string (UTC, second precision). */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A datetime as a client puts it in a domain: Odoo's string, an ISO string (PostgreSQL accepts it and ignores a
 * zone on `timestamp without time zone`), a bare date, or a Date (the `xmlrpc` client sends `dateTime.iso8601`).
 * Returns ms, or undefined when it is not a datetime.
 */
export function parseDatetime(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?/.exec(v.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, Math.floor(Number(`0.${frac}`) * 1000));
}

/** Python's repr, for messages such as `Invalid field 'x' on model 'y'` and domain leaves. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string')
    return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/'/g, "\\'")}'`;
  if (v instanceof Date)
    return `datetime.datetime(${v.getUTCFullYear()}, ${v.getUTCMonth() + 1}, ${v.getUTCDate()}, ${v.getUTCHours()}, ${v.getUTCMinutes()}, ${v.getUTCSeconds()})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}

/** SQL LIKE with Odoo's `ilike` wrapping (`%value%`) unless `exact` (`=like`, `=ilike`). */
export function likeMatcher(
  pattern: string,
  caseInsensitive: boolean,
  exact: boolean,
): (s: string) => boolean {
  let re = '';
  for (const ch of pattern)
    re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rx = new RegExp(exact ? `^${re}$` : re, caseInsensitive ? 'is' : 's');
  return (s) => rx.test(s);
}
