/**
 * SuiteQL values. SuiteQL runs on Oracle, so the Oracle rules that surprise integrators are kept: the empty string
 * is NULL, a comparison with NULL is unknown (the row is dropped), a string compared with a number or a date is
 * converted to that type, and dates render in the account's date format (M/D/YYYY here) without the time unless
 * TO_CHAR asks for it. Dates are UTC.
 */

export class SqlDate {
  constructor(readonly ms: number) {}
}

export type SqlValue = string | number | SqlDate | null;

/** A query the engine cannot run: rendered as NetSuite's 400 INVALID_PARAMETER on `q`. */
export class SqlError extends Error {}

/** Oracle: '' is NULL. */
export const norm = (v: SqlValue | undefined): SqlValue => (v === undefined || v === '' ? null : v);

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The account date format (US default): what SuiteQL returns for a date or datetime column. */
export function defaultDateText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

/** The text SuiteQL puts in a result row (numbers as strings, dates in the account format). */
export function render(v: SqlValue): string | null {
  if (v === null) return null;
  if (v instanceof SqlDate) return defaultDateText(v.ms);
  if (typeof v === 'number') return renderNumber(v);
  return v;
}

/** Oracle's TO_CHAR(number): no exponent, no trailing zeros, and no leading zero before the decimal point. */
export function renderNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = String(Number(n.toPrecision(15)));
  return s.replace(/^(-?)0\./, '$1.');
}

// ---- date formats (TO_CHAR / TO_DATE) ----------------------------------------------------------------------

const FORMAT_TOKENS = [
  'YYYY',
  'HH24',
  'HH12',
  'MONTH',
  'MON',
  'YY',
  'MM',
  'DD',
  'HH',
  'MI',
  'SS',
  'AM',
  'PM',
  'FF3',
  'FF',
];

type FormatPart = { token: string } | { text: string };

function parseFormat(fmt: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] === '"') {
      const end = fmt.indexOf('"', i + 1);
      if (end < 0) throw new SqlError(`Search error occurred: Invalid date format: ${fmt}`);
      parts.push({ text: fmt.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const rest = fmt.slice(i).toUpperCase();
    const token = FORMAT_TOKENS.find((t) => rest.startsWith(t));
    if (token) {
      parts.push({ token });
      i += token.length;
    } else {
      parts.push({ text: fmt[i] ?? '' });
      i += 1;
    }
  }
  return parts;
}

export function formatDate(ms: number, fmt: string): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return parseFormat(fmt)
    .map((p) => {
      if ('text' in p) return p.text;
      switch (p.token) {
        case 'YYYY':
          return String(d.getUTCFullYear());
        case 'YY':
          return pad(d.getUTCFullYear() % 100);
        case 'MM':
          return pad(d.getUTCMonth() + 1);
        case 'MON':
        case 'MONTH':
          return MONTHS[d.getUTCMonth()] ?? '';
        case 'DD':
          return pad(d.getUTCDate());
        case 'HH24':
          return pad(h);
        case 'HH':
        case 'HH12':
          return pad(h % 12 === 0 ? 12 : h % 12);
        case 'MI':
          return pad(d.getUTCMinutes());
        case 'SS':
          return pad(d.getUTCSeconds());
        case 'FF':
        case 'FF3':
          return pad(d.getUTCMilliseconds(), 3);
        default:
          return h < 12 ? 'AM' : 'PM';
      }
    })
    .join('');
}

export function parseDate(text: string, fmt: string): number {
  const parts = parseFormat(fmt);
  const fields: Record<string, number> = {};
  let pm: boolean | undefined;
  let i = 0;
  const digits = (max: number): number => {
    const m = new RegExp(`^\\d{1,${max}}`).exec(text.slice(i));
    if (!m) throw new SqlError(`Search error occurred: Invalid date value '${text}' for format '${fmt}'`);
    i += m[0].length;
    return Number(m[0]);
  };
  for (const p of parts) {
    // Oracle lets the text stop early: the missing trailing fields take their defaults.
    if (i >= text.length) break;
    if ('text' in p) {
      // Separators are matched loosely, as Oracle does (any punctuation or space).
      if (i < text.length && !/\d/.test(text[i] ?? '')) i += 1;
      continue;
    }
    switch (p.token) {
      case 'YYYY':
        fields.y = digits(4);
        break;
      case 'YY':
        fields.y = 2000 + digits(2);
        break;
      case 'MM':
        fields.mo = digits(2);
        break;
      case 'MON':
      case 'MONTH': {
        const idx = MONTHS.findIndex((m) => text.slice(i).toUpperCase().startsWith(m));
        if (idx < 0) throw new SqlError(`Search error occurred: Invalid month in '${text}'`);
        fields.mo = idx + 1;
        i += 3;
        break;
      }
      case 'DD':
        fields.d = digits(2);
        break;
      case 'HH24':
      case 'HH':
      case 'HH12':
        fields.h = digits(2);
        break;
      case 'MI':
        fields.mi = digits(2);
        break;
      case 'SS':
        fields.s = digits(2);
        break;
      case 'FF':
      case 'FF3':
        fields.ms = digits(3);
        break;
      default: {
        const ap = text.slice(i, i + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM')
          throw new SqlError(`Search error occurred: Invalid date value '${text}'`);
        pm = ap === 'PM';
        i += 2;
      }
    }
  }
  let h = fields.h ?? 0;
  if (pm !== undefined) h = (h % 12) + (pm ? 12 : 0);
  const ms = Date.UTC(
    fields.y ?? 1970,
    (fields.mo ?? 1) - 1,
    fields.d ?? 1,
    h,
    fields.mi ?? 0,
    fields.s ?? 0,
    fields.ms ?? 0,
  );
  if (Number.isNaN(ms)) throw new SqlError(`Search error occurred: Invalid date value '${text}'`);
  return ms;
}

/** Implicit conversion of a string compared with a date: the account format, ISO dates and ISO timestamps. */
export function implicitDate(text: string): number {
  const t = text.trim();
  const attempts: [RegExp, string][] = [
    [/^\d{1,2}\/\d{1,2}\/\d{4}$/, 'MM/DD/YYYY'],
    [/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}(:\d{2})? ?[AaPp][Mm]$/, 'MM/DD/YYYY HH:MI:SS AM'],
    [/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'],
    [/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z?$/, 'YYYY-MM-DD HH24:MI:SS.FF3'],
  ];
  for (const [re, fmt] of attempts) {
    if (!re.test(t)) continue;
    if (fmt === 'MM/DD/YYYY HH:MI:SS AM') {
      const withSeconds = /:\d{2}:\d{2}/.test(t) ? t : t.replace(/(\d{1,2}:\d{2})/, '$1:00');
      return parseDate(withSeconds.replace(/ ?([AaPp][Mm])$/, ' $1'), fmt);
    }
    return parseDate(t, fmt);
  }
  throw new SqlError(`Search error occurred: Invalid date value '${text}'`);
}

// ---- comparison ------------------------------------------------------------------------------------------

const isNumericText = (s: string): boolean => /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/.test(s);

/** Oracle comparison; null when either side is NULL (unknown). */
export function compare(a: SqlValue, b: SqlValue): number | null {
  if (a === null || b === null) return null;
  if (a instanceof SqlDate || b instanceof SqlDate) {
    const x = a instanceof SqlDate ? a.ms : typeof a === 'string' ? implicitDate(a) : a;
    const y = b instanceof SqlDate ? b.ms : typeof b === 'string' ? implicitDate(b) : b;
    return x - y;
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const x = typeof a === 'number' ? a : isNumericText(a) ? Number(a) : NaN;
    const y = typeof b === 'number' ? b : isNumericText(b) ? Number(b) : NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) throw new SqlError('Search error occurred: invalid number');
    return x - y;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key under which equal values (by `compare`) meet: hash joins and pushed-down filters. */
export function valueKey(v: SqlValue): string | null {
  if (v === null) return null;
  if (v instanceof SqlDate) return `d:${v.ms}`;
  if (typeof v === 'number') return `n:${v}`;
  return isNumericText(v) ? `n:${Number(v)}` : `s:${v}`;
}

export function toNumber(v: SqlValue): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (v instanceof SqlDate) throw new SqlError('Search error occurred: invalid number');
  if (!isNumericText(v)) throw new SqlError(`Search error occurred: invalid number '${v}'`);
  return Number(v);
}

export function toText(v: SqlValue): string | null {
  return render(v);
}
