/** Oracle scalar functions SuiteQL queries commonly use (dates, NULL handling, text, rounding). */
import {
  SqlDate,
  SqlError,
  formatDate,
  norm,
  parseDate,
  render,
  renderNumber,
  toNumber,
  type SqlValue,
} from './values';

const DAY_MS = 86_400_000;

const arity = (name: string, args: SqlValue[], min: number, max = min): void => {
  if (args.length < min || args.length > max)
    throw new SqlError(`Search error occurred: wrong number of arguments to ${name.toUpperCase()}`);
};

const text = (v: SqlValue): string | null => (v === null ? null : (render(v) ?? null));

const dateOf = (v: SqlValue, fmt?: SqlValue): SqlDate | null => {
  if (v === null) return null;
  if (v instanceof SqlDate) return v;
  const s = text(v) ?? '';
  return new SqlDate(typeof fmt === 'string' ? parseDate(s, fmt) : parseDate(s, 'YYYY-MM-DD HH24:MI:SS'));
};

type Fn = (args: SqlValue[]) => SqlValue;

const FUNCTIONS: Record<string, Fn> = {
  nvl: (a) => {
    arity('nvl', a, 2);
    return a[0] ?? a[1] ?? null;
  },
  nvl2: (a) => (arity('nvl2', a, 3), a[0] !== null ? (a[1] ?? null) : (a[2] ?? null)),
  coalesce: (a) => a.find((v) => v !== null) ?? null,
  upper: (a) => (arity('upper', a, 1), text(a[0] ?? null)?.toUpperCase() ?? null),
  lower: (a) => (arity('lower', a, 1), text(a[0] ?? null)?.toLowerCase() ?? null),
  length: (a) => (arity('length', a, 1), text(a[0] ?? null)?.length ?? null),
  substr: (a) => {
    arity('substr', a, 2, 3);
    const s = text(a[0] ?? null);
    const start = toNumber(a[1] ?? null);
    if (s === null || start === null) return null;
    const from = start > 0 ? start - 1 : start < 0 ? s.length + start : 0;
    const len = a[2] === undefined ? undefined : toNumber(a[2]);
    if (len === null) return null;
    return norm(s.slice(from, len === undefined ? undefined : from + len));
  },
  abs: (a) => (arity('abs', a, 1), nullOr(toNumber(a[0] ?? null), Math.abs)),
  floor: (a) => (arity('floor', a, 1), nullOr(toNumber(a[0] ?? null), Math.floor)),
  ceil: (a) => (arity('ceil', a, 1), nullOr(toNumber(a[0] ?? null), Math.ceil)),
  round: (a) => {
    arity('round', a, 1, 2);
    const n = toNumber(a[0] ?? null);
    const places = a[1] === undefined ? 0 : (toNumber(a[1]) ?? 0);
    return n === null ? null : Math.round(n * 10 ** places) / 10 ** places;
  },
  trunc: (a) => {
    arity('trunc', a, 1, 2);
    const v = a[0] ?? null;
    if (v instanceof SqlDate) return new SqlDate(Math.floor(v.ms / DAY_MS) * DAY_MS);
    const n = toNumber(v);
    const places = a[1] === undefined ? 0 : (toNumber(a[1]) ?? 0);
    return n === null ? null : Math.trunc(n * 10 ** places) / 10 ** places;
  },
  greatest: (a) => (a.some((v) => v === null) ? null : pick(a, 1)),
  least: (a) => (a.some((v) => v === null) ? null : pick(a, -1)),
  to_number: (a) => (arity('to_number', a, 1, 2), toNumber(a[0] ?? null)),
  to_date: (a) => (arity('to_date', a, 1, 2), dateOf(a[0] ?? null, a[1])),
  to_timestamp: (a) => (arity('to_timestamp', a, 1, 2), dateOf(a[0] ?? null, a[1])),
  to_char: (a) => {
    arity('to_char', a, 1, 2);
    const v = a[0] ?? null;
    if (v instanceof SqlDate) return formatDate(v.ms, typeof a[1] === 'string' ? a[1] : 'MM/DD/YYYY');
    if (typeof v === 'number') return renderNumber(v);
    return v;
  },
};

function nullOr(n: number | null, f: (x: number) => number): number | null {
  return n === null ? null : f(n);
}

function pick(values: SqlValue[], sign: 1 | -1): SqlValue {
  let best: SqlValue = values[0] ?? null;
  for (const v of values.slice(1)) {
    const a = typeof best === 'number' ? best : best instanceof SqlDate ? best.ms : String(best);
    const b = typeof v === 'number' ? v : v instanceof SqlDate ? v.ms : String(v);
    if ((b > a && sign === 1) || (b < a && sign === -1)) best = v;
  }
  return best;
}

export function callScalar(name: string, args: SqlValue[]): SqlValue {
  const fn = FUNCTIONS[name];
  if (!fn) throw new SqlError(`Search error occurred: Unknown function ${name.toUpperCase()}.`);
  return norm(fn(args));
}

export function isScalarFunction(name: string): boolean {
  return name in FUNCTIONS;
}
