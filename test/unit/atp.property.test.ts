/**
 * Invariants of the allocation engine, each checked on at least 1,000 generated worlds:
 * random ERP stock over three locations, pending orders, programme reservations, and up to four channels
 * with random location mappings, share modes, reserves, buffers, min/max, overrides and halts.
 */
import fc from 'fast-check';
import { allocateKit, allocateSku, type Allocation, type SkuInputs } from '../../domain/atp';
import { DEFAULT_VELOCITY_TIERS, type BufferPolicy } from '../../domain/buffers';
import { erpAvailable } from '../../domain/quantities';
import type { AllocationPolicy, ChannelPolicy } from '../../domain/policy';
import type { Halt, LedgerEntry, Override } from '../../domain/model';

const RUNS = { numRuns: 1000 };
const LOCS = ['A', 'B', 'C'] as const;
const NOW = 1_800_000_000_000;

const arbSet = fc.subarray([...LOCS], { minLength: 1 });
const arbQty = fc.record({ onHand: fc.nat(300), reserved: fc.nat(60), damaged: fc.nat(30) });
const arbBuffer: fc.Arbitrary<BufferPolicy> = fc.oneof(
  fc.constant<BufferPolicy>({ policy: 'none', tiers: DEFAULT_VELOCITY_TIERS }),
  fc.nat(25).map<BufferPolicy>((units) => ({ policy: 'fixed', units, tiers: DEFAULT_VELOCITY_TIERS })),
  fc
    .integer({ min: 0, max: 60 })
    .map<BufferPolicy>((percent) => ({ policy: 'percent', percent, tiers: DEFAULT_VELOCITY_TIERS })),
  fc.constant<BufferPolicy>({ policy: 'tiered', tiers: DEFAULT_VELOCITY_TIERS }),
);

interface ChannelDraft {
  sets: string[][];
  partitioned: boolean;
  percent: number;
  priority: number;
  reserve: number;
  buffer: BufferPolicy;
  min: number;
  max: number | null;
  shadow: boolean;
  hourly: boolean;
}

const arbChannel: fc.Arbitrary<ChannelDraft> = fc.record({
  sets: fc.array(arbSet, { minLength: 1, maxLength: 2 }),
  partitioned: fc.boolean(),
  percent: fc.integer({ min: 0, max: 100 }),
  priority: fc.integer({ min: 1, max: 5 }),
  reserve: fc.oneof(fc.constant(0), fc.nat(15)),
  buffer: arbBuffer,
  min: fc.oneof(fc.constant(0), fc.nat(6)),
  max: fc.option(fc.nat(250), { nil: null }),
  shadow: fc.boolean(),
  hourly: fc.boolean(),
});

/** Turns drafts into a policy the config would accept: partitioned/ring-fenced channels share one pool. */
function toPolicy(drafts: ChannelDraft[], pool: string[]): AllocationPolicy {
  const partitioned = drafts.filter((d) => d.partitioned);
  const total = partitioned.reduce((s, d) => s + d.percent, 0);
  const scale = total > 100 ? 100 / total : 1;
  const channels: ChannelPolicy[] = drafts.map((d, i) => {
    const split = d.partitioned || d.reserve > 0;
    // A split channel maps exactly the pool; any other channel maps the pool or sets disjoint from it.
    const sets = split ? [pool] : d.sets.map((s) => (s.some((l) => pool.includes(l)) ? pool : s));
    return {
      id: `ch${i}`,
      kind: 'shopify',
      mode: d.shadow ? 'shadow' : 'live',
      locations: [...new Map(sets.map((s) => [s.join(','), s])).values()].map((s, j) => ({
        id: `L${j}`,
        erpLocations: s,
      })),
      share: {
        mode: d.partitioned ? 'partitioned' : 'shared',
        percent: d.partitioned ? Math.floor(d.percent * scale) : d.percent,
        priority: d.priority,
      },
      reserve: d.reserve,
      buffer: d.buffer,
      syncCadence: d.hourly ? 'hourly' : 'realtime',
      min: d.max !== null ? Math.min(d.min, d.max) : d.min,
      max: d.max,
    };
  });
  return { erpLocations: LOCS.map((id) => ({ id, sellable: true })), channels, kits: [] };
}

const arbWorld = fc
  .record({
    stock: fc.record({ A: arbQty, B: arbQty, C: arbQty }),
    ledger: fc.array(fc.record({ qty: fc.integer({ min: 1, max: 12 }), erpLocations: arbSet }), {
      maxLength: 4,
    }),
    reservations: fc.array(fc.record({ location: fc.constantFrom(...LOCS), qty: fc.nat(20) }), {
      maxLength: 2,
    }),
    channels: fc.array(arbChannel, { minLength: 1, maxLength: 4 }),
    pool: arbSet,
    unitsPerDay: fc.double({ min: 0, max: 120, noNaN: true }),
  })
  .map((w) => {
    const policy = toPolicy(w.channels, w.pool);
    const inputs: SkuInputs = {
      sku: 'SKU-1',
      stock: w.stock,
      ledger: w.ledger.map((e, i): LedgerEntry => ({
        id: `e${i}`,
        channel: 'ch0',
        orderId: `o${i}`,
        sku: 'SKU-1',
        qty: e.qty,
        erpLocations: e.erpLocations,
        at: NOW,
      })),
      reservations: w.reservations.map((r, i) => ({
        id: `r${i}`,
        program: 'wholesale',
        sku: 'SKU-1',
        location: r.location,
        qty: r.qty,
      })),
      overrides: [],
      halts: [],
      unitsPerDay: w.unitsPerDay,
    };
    return { policy, inputs };
  });

const grossPool = (inputs: SkuInputs, set: readonly string[]): number =>
  set.reduce((s, l) => s + erpAvailable(inputs.stock[l] ?? { onHand: 0, reserved: 0, damaged: 0 }), 0);

const setOf = (policy: AllocationPolicy, a: Allocation): string[] =>
  policy.channels.find((c) => c.id === a.channel)?.locations.find((l) => l.id === a.location)?.erpLocations ??
  [];

test('never negative, never above what the mapped ERP locations hold', () => {
  fc.assert(
    fc.property(arbWorld, ({ policy, inputs }) => {
      for (const a of allocateSku(inputs, policy, NOW)) {
        expect(a.qty).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(a.qty)).toBe(true);
        expect(a.qty).toBeLessThanOrEqual(a.cap);
        expect(a.cap).toBeLessThanOrEqual(grossPool(inputs, setOf(policy, a)));
      }
    }),
    RUNS,
  );
});

/** The pool's net, computed independently of the engine: available - reservations (per location) - ledger. */
function netPool(inputs: SkuInputs, set: readonly string[]): number {
  let units = 0;
  for (const l of set) {
    const avail = erpAvailable(inputs.stock[l] ?? { onHand: 0, reserved: 0, damaged: 0 });
    const held = inputs.reservations.filter((r) => r.location === l).reduce((s, r) => s + r.qty, 0);
    units += Math.max(0, avail - held);
  }
  const pending = inputs.ledger
    .filter((e) => e.erpLocations.some((l) => set.includes(l)))
    .reduce((s, e) => s + e.qty, 0);
  return Math.max(0, units - pending);
}

test('partitioned channels together never exceed the pool they split, nor do all ring-fenced units', () => {
  fc.assert(
    fc.property(arbWorld, fc.boolean(), ({ policy: generated, inputs }, stripBuffers) => {
      // With buffers, min and max stripped the split is at its most generous; it must still fit.
      const policy: AllocationPolicy = stripBuffers
        ? {
            ...generated,
            channels: generated.channels.map((c) => ({
              ...c,
              buffer: { ...c.buffer, policy: 'none' },
              min: 0,
              max: null,
            })),
          }
        : generated;
      const result = allocateSku(inputs, policy, NOW);
      const pools = new Map<string, Allocation[]>();
      for (const a of result) {
        const key = setOf(policy, a).join(',');
        pools.set(key, [...(pools.get(key) ?? []), a]);
      }
      for (const [key, members] of pools) {
        const net = netPool(inputs, key.split(','));
        const chOf = (a: Allocation) => policy.channels.find((c) => c.id === a.channel) as ChannelPolicy;
        const partitioned = members.filter((a) => chOf(a).share.mode === 'partitioned');
        expect(partitioned.reduce((s, a) => s + a.qty, 0)).toBeLessThanOrEqual(net);
        // No channel location is ever offered more than the pool's net.
        for (const a of members) expect(a.cap).toBeLessThanOrEqual(net);
        // Partitioned slices plus the units ring-fenced for shared members (as their breakdown states) fit too.
        const ringFenced = (a: Allocation) =>
          a.lines.filter((l) => /^plus \d+ units ring-fenced/.test(l.text)).reduce((s, l) => s + l.delta, 0);
        const sharedReserves = members
          .filter((a) => chOf(a).share.mode !== 'partitioned')
          .reduce((s, a) => s + ringFenced(a), 0);
        if (stripBuffers)
          expect(partitioned.reduce((s, a) => s + a.qty, 0) + sharedReserves).toBeLessThanOrEqual(net);
      }
    }),
    RUNS,
  );
});

test('a kit never exceeds what its components allow, at any channel location', () => {
  fc.assert(
    fc.property(
      arbWorld,
      fc.record({ A: arbQty, B: arbQty, C: arbQty }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      ({ policy, inputs }, otherStock, q1, q2) => {
        const c1 = allocateSku({ ...inputs, sku: 'C1' }, policy, NOW);
        const c2 = allocateSku({ ...inputs, sku: 'C2', stock: otherStock, ledger: [] }, policy, NOW);
        const kit = allocateKit(
          {
            kit: {
              sku: 'KIT',
              components: [
                { sku: 'C1', qty: q1 },
                { sku: 'C2', qty: q2 },
              ],
            },
            components: new Map([
              ['C1', c1],
              ['C2', c2],
            ]),
            overrides: [{ sku: 'KIT', channel: 'ch0', qty: 10_000 }],
            halts: [],
          },
          policy,
          NOW,
        );
        for (const k of kit) {
          const a1 = c1.find((a) => a.channel === k.channel && a.location === k.location) as Allocation;
          const a2 = c2.find((a) => a.channel === k.channel && a.location === k.location) as Allocation;
          // Even an operator override of 10,000 kits stays within the components' stock.
          expect(k.qty).toBeLessThanOrEqual(Math.min(Math.floor(a1.cap / q1), Math.floor(a2.cap / q2)));
          if (k.status !== 'override')
            expect(k.qty).toBeLessThanOrEqual(Math.min(Math.floor(a1.basis / q1), Math.floor(a2.basis / q2)));
          expect(k.qty).toBeGreaterThanOrEqual(0);
        }
      },
    ),
    RUNS,
  );
});

test('more stock never lowers any channel number', () => {
  fc.assert(
    fc.property(
      arbWorld,
      fc.constantFrom(...LOCS),
      fc.integer({ min: 1, max: 50 }),
      ({ policy, inputs }, loc, extra) => {
        const before = allocateSku(inputs, policy, NOW);
        const q = inputs.stock[loc] as { onHand: number; reserved: number; damaged: number };
        const after = allocateSku(
          { ...inputs, stock: { ...inputs.stock, [loc]: { ...q, onHand: q.onHand + extra } } },
          policy,
          NOW,
        );
        before.forEach((b, i) => expect((after[i] as Allocation).qty).toBeGreaterThanOrEqual(b.qty));
      },
    ),
    RUNS,
  );
});

test('a pending order lowers every channel drawing on its locations at once, by at most its quantity, once', () => {
  fc.assert(
    fc.property(arbWorld, arbSet, fc.integer({ min: 1, max: 20 }), ({ policy, inputs }, locations, qty) => {
      const before = allocateSku(inputs, policy, NOW);
      const order: LedgerEntry = {
        id: 'new',
        channel: 'ch0',
        orderId: 'NEW-1',
        sku: 'SKU-1',
        qty,
        erpLocations: locations,
        at: NOW,
      };
      const after = allocateSku({ ...inputs, ledger: [...inputs.ledger, order] }, policy, NOW);
      before.forEach((b, i) => {
        const a = after[i] as Allocation;
        expect(a.qty).toBeLessThanOrEqual(b.qty);
        const touched = setOf(policy, b).some((l) => (locations as string[]).includes(l));
        if (!touched) expect(a.qty).toBe(b.qty);
        else {
          // The order is subtracted from the pool exactly once: named once in the breakdown, and the pool's
          // stock drops by at most its quantity (less only when the pool had less).
          const line = a.lines.find((l) => l.text.startsWith('sold, not yet in the ERP'));
          expect(line?.text.match(/NEW-1 x/g)).toHaveLength(1);
          expect(b.cap - a.cap).toBeLessThanOrEqual(qty);
          expect(a.cap).toBeGreaterThanOrEqual(0);
        }
      });
    }),
    RUNS,
  );
});

test('a halt gives 0 on the halted channel and changes no other channel', () => {
  fc.assert(
    fc.property(arbWorld, fc.boolean(), ({ policy, inputs }, wholeChannel) => {
      const before = allocateSku(inputs, policy, NOW);
      const target = before[0] as Allocation;
      const halt: Halt = {
        sku: 'SKU-1',
        channel: target.channel,
        reason: 'drift above threshold',
        ...(wholeChannel ? {} : { location: target.location }),
      };
      const after = allocateSku({ ...inputs, halts: [halt] }, policy, NOW);
      after.forEach((a, i) => {
        const hit = a.channel === target.channel && (wholeChannel || a.location === target.location);
        if (hit) {
          expect(a.qty).toBe(0);
          expect(a.status).toBe('halted');
        } else expect(a.qty).toBe((before[i] as Allocation).qty);
      });
    }),
    RUNS,
  );
});

test('an override wins (within the stock) until it expires, then the computed number returns', () => {
  fc.assert(
    fc.property(
      arbWorld,
      fc.nat(400),
      fc.integer({ min: 1, max: 3_600_000 }),
      ({ policy, inputs }, qty, ttl) => {
        const computed = allocateSku(inputs, policy, NOW);
        const target = computed[0] as Allocation;
        const override: Override = {
          sku: 'SKU-1',
          channel: target.channel,
          location: target.location,
          qty,
          until: NOW + ttl,
          reason: 'flash sale',
        };
        const during = allocateSku(
          { ...inputs, overrides: [override] },
          policy,
          NOW + ttl - 1,
        )[0] as Allocation;
        expect(during.status).toBe('override');
        expect(during.qty).toBe(Math.min(qty, during.cap));
        const afterExpiry = allocateSku(
          { ...inputs, overrides: [override] },
          policy,
          NOW + ttl,
        )[0] as Allocation;
        expect(afterExpiry.status).not.toBe('override');
        expect(afterExpiry.qty).toBe(target.qty);
      },
    ),
    RUNS,
  );
});

test('every number is explained: the last breakdown line ends on the result', () => {
  fc.assert(
    fc.property(arbWorld, ({ policy, inputs }) => {
      for (const a of allocateSku(inputs, policy, NOW)) {
        expect(a.lines.length).toBeGreaterThan(0);
        expect((a.lines[a.lines.length - 1] as { value: number }).value).toBe(a.qty);
        let running = 0;
        for (const l of a.lines) {
          running += l.delta;
          expect(running).toBe(l.value);
        }
      }
    }),
    RUNS,
  );
});
