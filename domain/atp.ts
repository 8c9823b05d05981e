/**
 * Available-to-promise and allocation per channel location (design section 2, rules 2, 3 and 5).
 *
 *   sellable = ERP available at the mapped ERP locations (on hand - reserved - damaged)
 *            - programme reservations (wholesale, ...)
 *            - pending-order ledger (sold on any channel, not yet in the ERP)
 *            - units ring-fenced for other channels on the same stock
 *            then the channel's share (shared pool or partitioned, remainders by priority)
 *            - the channel's safety buffer (velocity tier)
 *            then halt (0), or max cap, min threshold and override (capped at the stock); never below 0.
 *
 * Pure: no I/O, no clock (callers pass `now`), deterministic, so workflows can call it.
 */
import { safetyBuffer } from './buffers';
import { erpAvailable } from './quantities';
import type { ErpQuantity, Halt, KitDef, LedgerEntry, Override, Reservation } from './model';
import type { AllocationPolicy, ChannelPolicy } from './policy';

export interface BreakdownLine {
  /** What this step did, in an operator's words. */
  text: string;
  /** Signed change this step made (0 for a line that only explains). */
  delta: number;
  /** The running quantity after this step. */
  value: number;
}

export type PushMode = 'live' | 'shadow';
export type AllocationStatus = 'ok' | 'halted' | 'override';

export interface Allocation {
  sku: string;
  channel: string;
  location: string;
  /** The number the channel should show. */
  qty: number;
  /** After share, buffer and halt, before min/max/override: what kits built from this SKU may draw on. */
  basis: number;
  /** The most this channel location could ever be given: its stock after ledger and others' reserves. */
  cap: number;
  mode: PushMode;
  status: AllocationStatus;
  lines: BreakdownLine[];
}

/** Everything the engine needs to know about one SKU (a stock-holding SKU, not a kit). */
export interface SkuInputs {
  sku: string;
  /** ERP quantities by ERP location id; a missing location holds nothing. */
  stock: Readonly<Record<string, ErpQuantity>>;
  ledger: readonly LedgerEntry[];
  reservations: readonly Reservation[];
  overrides: readonly Override[];
  halts: readonly Halt[];
  /** Units/day across all channels over the velocity window. */
  unitsPerDay: number;
}

export interface Slot {
  channel: ChannelPolicy;
  location: string;
  set: string[];
  key: string;
}

const poolKey = (locations: readonly string[]): string => [...new Set(locations)].sort().join('\u0000');
const intersects = (a: readonly string[], b: readonly string[]): boolean => a.some((x) => b.includes(x));
const byPriority = (a: Slot, b: Slot): number =>
  a.channel.share.priority - b.channel.share.priority ||
  (a.channel.id < b.channel.id ? -1 : a.channel.id > b.channel.id ? 1 : 0) ||
  (a.location < b.location ? -1 : a.location > b.location ? 1 : 0);

function slotsOf(policy: AllocationPolicy): Slot[] {
  return policy.channels.flatMap((channel) =>
    channel.locations.map((l) => ({
      channel,
      location: l.id,
      set: [...new Set(l.erpLocations)].sort(),
      key: poolKey(l.erpLocations),
    })),
  );
}

export function isActive(until: number | undefined, now: number): boolean {
  return until === undefined || until > now;
}

/** The most specific active rule for a slot: a location-specific one beats a channel-wide one. */
function pick<T extends { channel: string; location?: string | undefined }>(
  rules: readonly T[],
  channel: string,
  location: string,
): T | undefined {
  let wide: T | undefined;
  for (const r of rules) {
    if (r.channel !== channel) continue;
    if (r.location === location) return r;
    if (r.location === undefined) wide ??= r;
  }
  return wide;
}

interface PoolFigures {
  /** Lines that explain how the pool was reached (shared by every channel location on it). */
  lines: BreakdownLine[];
  net: number;
}

function poolFigures(inputs: SkuInputs, set: readonly string[], now: number): PoolFigures {
  const lines: BreakdownLine[] = [];
  let value = 0;
  for (const loc of set) {
    const q = inputs.stock[loc] ?? { onHand: 0, reserved: 0, damaged: 0 };
    const avail = erpAvailable(q);
    value += avail;
    lines.push({
      text: `ERP available at ${loc}: ${q.onHand} on hand - ${q.reserved} reserved - ${q.damaged} damaged`,
      delta: avail,
      value,
    });
    const held = inputs.reservations
      .filter((r) => r.location === loc && r.qty > 0 && isActive(r.until, now))
      .reduce((s, r) => s + r.qty, 0);
    if (held > 0) {
      const take = Math.min(held, avail);
      value -= take;
      const programs = [
        ...new Set(inputs.reservations.filter((r) => r.location === loc).map((r) => r.program)),
      ];
      lines.push({ text: `reserved for ${programs.join(', ')} at ${loc}`, delta: -take, value });
    }
  }
  const pending = inputs.ledger.filter((e) => e.qty > 0 && intersects(e.erpLocations, set));
  if (pending.length) {
    const units = pending.reduce((s, e) => s + e.qty, 0);
    const take = Math.min(units, value);
    value -= take;
    const list = pending.map((e) => `${e.channel} order ${e.orderId} x${e.qty}`).join(', ');
    lines.push({ text: `sold, not yet in the ERP (pending orders): ${list}`, delta: -take, value });
  }
  return { lines, net: value };
}

/**
 * Splits `free` units among partitioned slots by their percent: D'Hondt (a divisor method), ties to the higher
 * priority. Divisor methods are house-monotone, so more stock never lowers any slice (no Alabama paradox), and
 * D'Hondt never gives a slot less than its lower quota, which lets the loop start there and add at most one
 * unit per slot. The slices add up to floor(free * total percent / 100) <= free.
 */
export function partition<T extends Slot>(free: number, parts: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  const totalPct = parts.reduce((s, m) => s + m.channel.share.percent, 0);
  const pct = Math.min(100, totalPct);
  const house = Math.floor((free * pct) / 100 + 1e-9);
  if (house <= 0 || totalPct <= 0) {
    for (const m of parts) out.set(m, 0);
    return out;
  }
  let given = 0;
  for (const m of parts) {
    const lower = Math.floor((house * m.channel.share.percent) / totalPct + 1e-9);
    out.set(m, lower);
    given += lower;
  }
  while (given < house) {
    let best: T | undefined;
    let bestValue = -1;
    for (const m of parts) {
      const v = m.channel.share.percent / ((out.get(m) ?? 0) + 1);
      if (v > bestValue + 1e-12) {
        best = m;
        bestValue = v;
      }
    }
    if (!best) break;
    out.set(best, (out.get(best) ?? 0) + 1);
    given += 1;
  }
  return out;
}

/** Allocates one stock-holding SKU to every channel location of the policy. */
export function allocateSku(inputs: SkuInputs, policy: AllocationPolicy, now: number): Allocation[] {
  const slots = slotsOf(policy);
  const pools = new Map<string, PoolFigures>();
  for (const s of slots) if (!pools.has(s.key)) pools.set(s.key, poolFigures(inputs, s.set, now));

  // Ring-fenced reserves and partitions live within one pool (channel locations mapping the same ERP location
  // set); the config refuses them on partially overlapping sets, where they could not be kept.
  // Reserves are allocated by priority from the pool's net stock.
  const reserveOf = new Map<Slot, number>();
  for (const [key, pool] of pools) {
    let left = pool.net;
    for (const s of slots.filter((x) => x.key === key).sort(byPriority)) {
      const r = Math.min(s.channel.reserve, left);
      left -= r;
      reserveOf.set(s, r);
    }
  }
  const othersReserve = (s: Slot): { units: number; names: string[] } => {
    let units = 0;
    const names: string[] = [];
    for (const o of slots) {
      const r = reserveOf.get(o) ?? 0;
      if (o === s || r === 0 || o.key !== s.key) continue;
      units += r;
      names.push(`${o.channel.id} ${o.location}`);
    }
    return { units, names };
  };

  // Partitioned slices per pool: floor of each share, remainder units one by one in priority order.
  const sliceOf = new Map<Slot, number>();
  const freeOf = new Map<string, number>();
  for (const [key, pool] of pools) {
    const members = slots.filter((x) => x.key === key);
    const allReserves = members.reduce((sum, o) => sum + (reserveOf.get(o) ?? 0), 0);
    const free = Math.max(0, pool.net - allReserves);
    freeOf.set(key, free);
    const parts = members.filter((m) => m.channel.share.mode === 'partitioned').sort(byPriority);
    for (const [m, units] of partition(free, parts)) sliceOf.set(m, units);
  }
  const partitionedNear = (s: Slot): number =>
    slots
      .filter((o) => o.channel.share.mode === 'partitioned' && o.key === s.key)
      .reduce((sum, o) => sum + (sliceOf.get(o) ?? 0), 0);

  return slots.map((s) => {
    const pool = pools.get(s.key) as PoolFigures;
    const lines = pool.lines.map((l) => ({ ...l }));
    let value = pool.net;
    const push = (text: string, next: number) => {
      lines.push({ text, delta: next - value, value: next });
      value = next;
    };

    const others = othersReserve(s);
    if (others.units > 0)
      push(`ring-fenced for ${others.names.join(', ')}`, Math.max(0, value - others.units));
    const cap = value;
    const ownReserve = reserveOf.get(s) ?? 0;

    const share = s.channel.share;
    const free = Math.max(0, freeOf.get(s.key) as number);
    if (share.mode === 'partitioned') {
      const slice = sliceOf.get(s) ?? 0;
      push(`partitioned share ${share.percent}% of ${free} free units (priority ${share.priority})`, slice);
    } else {
      const rest = Math.max(0, free - partitionedNear(s));
      const mine = Math.floor((rest * share.percent) / 100 + 1e-9);
      if (rest !== value || share.percent !== 100)
        push(
          `shared pool: ${share.percent}% of ${rest} units not partitioned${ownReserve ? ' or ring-fenced' : ''}`,
          mine,
        );
    }
    if (ownReserve > 0) push(`plus ${ownReserve} units ring-fenced for ${s.channel.id}`, value + ownReserve);

    const buffer = safetyBuffer(value, s.channel.buffer, inputs.unitsPerDay, s.channel.syncCadence);
    if (buffer.units > 0) push(buffer.text, Math.max(0, value - buffer.units));

    return finishAllocation(inputs.sku, s, { value, lines, cap }, inputs, now, 'units in stock');
  });
}

export interface KitInputs {
  kit: KitDef;
  /** Allocations of every component SKU (from {@link allocateSku}). */
  components: ReadonlyMap<string, readonly Allocation[]>;
  overrides: readonly Override[];
  halts: readonly Halt[];
}

/**
 * A kit (bundle) per channel location: MIN over components of floor(component basis / qty), where the
 * component basis already carries that channel's share, buffer and halts. Then the kit's own max, min,
 * override (capped at what the components physically allow) and halt.
 */
export function allocateKit(inputs: KitInputs, policy: AllocationPolicy, now: number): Allocation[] {
  const { kit } = inputs;
  return slotsOf(policy).map((s) => {
    const lines: BreakdownLine[] = [];
    let value = Number.POSITIVE_INFINITY;
    let cap = Number.POSITIVE_INFINITY;
    for (const c of kit.components) {
      const a = inputs.components
        .get(c.sku)
        ?.find((x) => x.channel === s.channel.id && x.location === s.location);
      const basis = a?.basis ?? 0;
      const can = Math.floor(basis / c.qty);
      cap = Math.min(cap, Math.floor((a?.cap ?? 0) / c.qty));
      const next = Math.min(value, can);
      lines.push({
        text: `component ${c.sku}: ${basis} available here / ${c.qty} per kit = ${can}${a ? '' : ' (component not stocked)'}`,
        delta: Number.isFinite(value) ? next - value : next,
        value: next,
      });
      value = next;
    }
    if (!Number.isFinite(value)) value = 0;
    if (!Number.isFinite(cap)) cap = 0;
    return finishAllocation(kit.sku, s, { value, lines, cap }, inputs, now, 'kits the components allow');
  });
}

/**
 * The channel's own rules, the same for a SKU and a kit, applied to the number after share and buffer: a halt
 * gives 0; otherwise the max cap, the min threshold and an active override (capped at `cap`, the stock).
 */
function finishAllocation(
  sku: string,
  s: Slot,
  start: { value: number; lines: BreakdownLine[]; cap: number },
  rules: { overrides: readonly Override[]; halts: readonly Halt[] },
  now: number,
  capNoun: string,
): Allocation {
  const { lines, cap } = start;
  let value = start.value;
  const push = (text: string, next: number) => {
    lines.push({ text, delta: next - value, value: next });
    value = next;
  };
  const halt = pick(rules.halts, s.channel.id, s.location);
  if (halt) push(`halted: ${halt.reason}`, 0);
  const basis = value;
  let status: AllocationStatus = halt ? 'halted' : 'ok';
  if (!halt) {
    if (s.channel.max !== null && value > s.channel.max)
      push(`capped at max ${s.channel.max}`, s.channel.max);
    if (value > 0 && value < s.channel.min)
      push(`below the channel minimum of ${s.channel.min}: list none`, 0);
    const override = pick(
      rules.overrides.filter((o) => isActive(o.until, now)),
      s.channel.id,
      s.location,
    );
    if (override) {
      status = 'override';
      const qty = Math.max(0, Math.min(override.qty, cap));
      const why = [
        override.reason,
        override.until !== undefined ? `until ${new Date(override.until).toISOString()}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      push(
        `operator override ${override.qty}${why ? ` (${why})` : ''}${qty < override.qty ? `, capped at the ${cap} ${capNoun}` : ''}`,
        qty,
      );
    }
  }
  return {
    sku,
    channel: s.channel.id,
    location: s.location,
    qty: Math.max(0, value),
    basis: Math.max(0, basis),
    cap,
    mode: s.channel.mode,
    status,
    lines,
  };
}

/** One line per step, for a terminal or a workflow summary. */
export function explainAllocation(a: Allocation): string {
  const head = `${a.sku} on ${a.channel} at ${a.location}: ${a.qty}${a.mode === 'shadow' ? ' (shadow: not pushed)' : ''}`;
  const body = a.lines.map((l) => {
    const d = l.delta === 0 ? '' : l.delta > 0 ? `+${l.delta}` : String(l.delta);
    return `  ${d.padStart(6)}  ${l.text}  -> ${l.value}`;
  });
  return [head, ...body, `  ${'='.padStart(6)}  ${a.qty}`].join('\n');
}
