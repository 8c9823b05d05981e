import { classifyDrift, driftReport, summariseDrift } from '../../domain/drift';
import { velocity, velocityTier } from '../../domain/velocity';
import { parseDuration, formatDuration } from '../../domain/duration';

const t = { toleranceUnits: 1, tolerancePercent: 0, haltUnits: 10, haltPercent: 50 };

test('drift classes: tolerated, resynced, halted', () => {
  expect(classifyDrift(20, 20, t).class).toBe('in-tolerance');
  expect(classifyDrift(21, 20, t).class).toBe('in-tolerance'); // 1 unit tolerated
  expect(classifyDrift(25, 20, t)).toMatchObject({ drift: 5, class: 'resync' });
  expect(classifyDrift(35, 20, t)).toMatchObject({ drift: 15, class: 'halt' }); // 15 units and 75%
  expect(classifyDrift(1015, 1000, t).class).toBe('resync'); // 15 units but only 1.5%
  expect(classifyDrift(0, 12, t)).toMatchObject({ drift: -12, class: 'halt' });
  expect(classifyDrift(104, 100, { ...t, tolerancePercent: 5 }).class).toBe('in-tolerance');
});

test('the drift report is sorted by absolute drift, largest first, and summarised', () => {
  const rows = driftReport(
    [
      { sku: 'A', channel: 'shopify', location: 'L1', shown: 10, expected: 10 },
      { sku: 'B', channel: 'amazon', location: 'DEFAULT', shown: 2, expected: 30 },
      { sku: 'C', channel: 'shopify', location: 'L1', shown: 14, expected: 9 },
      { sku: 'D', channel: 'shopify', location: 'L1', shown: 4, expected: 9 },
    ],
    t,
  );
  expect(rows.map((r) => [r.sku, r.drift, r.class])).toEqual([
    ['B', -28, 'halt'],
    ['C', 5, 'resync'],
    ['D', -5, 'resync'],
    ['A', 0, 'in-tolerance'],
  ]);
  expect(summariseDrift(rows)).toEqual({ rows: 4, inTolerance: 1, resync: 2, halt: 1, driftUnits: 38 });
});

test('velocity is units per day over the trailing window; tiers at 10 and 50', () => {
  const now = Date.parse('2026-11-22T00:00:00Z');
  const day = 86_400_000;
  const sales = [
    { qty: 70, at: now - 1 * day },
    { qty: 70, at: now - 6 * day },
    { qty: 1000, at: now - 8 * day }, // outside a 7-day window
    { qty: 5, at: now + day }, // future: ignored
  ];
  expect(velocity(sales, now, 7 * day)).toBeCloseTo(20);
  expect(velocityTier(9.99)).toBe('slow');
  expect(velocityTier(10)).toBe('medium');
  expect(velocityTier(50)).toBe('medium');
  expect(velocityTier(50.1)).toBe('fast');
});

test('durations', () => {
  expect(parseDuration('15m')).toBe(900_000);
  expect(parseDuration('500ms')).toBe(500);
  expect(parseDuration(1200)).toBe(1200);
  expect(() => parseDuration('soon')).toThrow('invalid duration "soon"');
  expect(formatDuration(7_200_000)).toBe('2h');
});

test('a zero halt threshold ignores that criterion instead of disabling halts', () => {
  expect(classifyDrift(30, 20, { ...t, haltUnits: 0 }).class).toBe('halt'); // 50% reached, units ignored
  expect(classifyDrift(1030, 1000, { ...t, haltPercent: 0 }).class).toBe('halt'); // 30 units reached, percent ignored
  expect(classifyDrift(25, 20, { ...t, haltUnits: 0 }).class).toBe('resync'); // 25% < 50%
});
