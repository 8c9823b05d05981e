/**
 * The operator commands' input checks and printing (no server): quantities and times as an operator types them,
 * the schedules the config asks for, spec rendering, and the real bin refusing bad input before it connects.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonOption, parseQty, parseUntil, printSummary, formatLine } from '../../cli/commands/ops';
import { desiredSchedules, describeSpec, scheduleName } from '../../client/schedules';
import { fullWorkflowId } from '../../client/ops';
import { parseConfigText } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';

jest.setTimeout(60_000);
const root = join(__dirname, '..', '..');
const configPath = join(root, 'docs', 'examples', 'invsync.config.yaml');

function exampleConfig(): Config {
  const r = parseConfigText(readFileSync(configPath, 'utf8'), {});
  if (!r.ok) throw new Error('example config is invalid');
  return r.config;
}

test('--qty takes whole numbers of units, 0 or more', () => {
  expect(parseQty('0')).toBe(0);
  expect(parseQty('12')).toBe(12);
  expect(() => parseQty('2.5')).toThrow('--qty 2.5: use a whole number of units');
  expect(() => parseQty('-1')).toThrow('--qty -1: use 0 or more units');
  expect(() => parseQty('abc')).toThrow('--qty abc: use a whole number of units');
  expect(() => parseQty('')).toThrow(/--qty : use a whole number/);
});

test('--until takes an ISO time or a duration from now, never the past', () => {
  const now = Date.parse('2026-06-01T10:00:00Z');
  expect(parseUntil('2h', now)).toBe('2026-06-01T12:00:00.000Z');
  expect(parseUntil('30m', now)).toBe('2026-06-01T10:30:00.000Z');
  expect(parseUntil('2026-06-02T00:00:00Z', now)).toBe('2026-06-02T00:00:00.000Z');
  expect(() => parseUntil('2026-05-01T00:00:00Z', now)).toThrow(
    '--until 2026-05-01T00:00:00Z is in the past',
  );
  expect(() => parseUntil('tomorrow', now)).toThrow(/use an ISO time .* or a duration from now/);
});

test('--data must be JSON', () => {
  expect(parseJsonOption('{"to":"WH3/Stock"}', '--data')).toEqual({ to: 'WH3/Stock' });
  expect(() => parseJsonOption("{to:'x'}", '--data')).toThrow(/^--data is not valid JSON/);
});

test('breakdown lines print as `plan --explain` prints them', () => {
  expect(formatLine({ text: 'ERP available at WH1/Stock', delta: 40, value: 40 })).toBe(
    '+40 ERP available at WH1/Stock -> 40',
  );
  expect(formatLine({ text: 'safety buffer (slow tier)', delta: -3, value: 37 })).toBe(
    '-3 safety buffer (slow tier) -> 37',
  );
  expect(formatLine({ text: 'live on shopify', delta: 0, value: 37 })).toBe('live on shopify -> 37');
});

test('the schedules follow the config: intervals, cron, actions, overlap, prefixed ids', () => {
  const config = exampleConfig();
  const [rec, poll, nightly] = desiredSchedules({ taskQueue: 'q1', idPrefix: 't1-' }, config);
  expect(rec).toMatchObject({
    scheduleId: 't1-invsync-reconcile',
    spec: { intervals: [{ every: 15 * 60_000 }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcileWorkflow',
      workflowId: 't1-reconcile-scheduled',
      taskQueue: 'q1',
      args: [{ scope: 'tiered' }],
    },
    policies: { overlap: 'SKIP', catchupWindow: 60_000 },
  });
  expect(poll).toMatchObject({
    scheduleId: 't1-invsync-poll',
    spec: { intervals: [{ every: 60_000 }] },
    action: { workflowType: 'pollWorkflow', args: [{}] },
    policies: { overlap: 'SKIP' },
  });
  expect(nightly).toMatchObject({
    scheduleId: 't1-invsync-nightly',
    spec: { cronExpressions: ['0 3 * * *'] },
    action: { workflowType: 'nightlyWorkflow', args: [{ idPrefix: 't1-' }] },
  });
  // Production: no prefix anywhere, the nightly takes `{}`.
  const prod = desiredSchedules({ taskQueue: 'invsync', idPrefix: '' }, config);
  expect(prod.map((s) => s.scheduleId)).toEqual(['invsync-reconcile', 'invsync-poll', 'invsync-nightly']);
  expect(prod[2]?.action.args).toEqual([{}]);
  for (const s of prod) expect(String(s.memo?.description)).not.toBe('');
});

test('schedule names: short, full or prefixed; anything else is refused with the list', () => {
  expect(scheduleName({ idPrefix: '' }, 'poll')).toBe('poll');
  expect(scheduleName({ idPrefix: '' }, 'invsync-nightly')).toBe('nightly');
  expect(scheduleName({ idPrefix: 'x-' }, 'x-invsync-reconcile')).toBe('reconcile');
  expect(() => scheduleName({ idPrefix: '' }, 'weekly')).toThrow(
    'unknown schedule "weekly": use one of reconcile (invsync-reconcile), poll (invsync-poll), nightly (invsync-nightly)',
  );
});

test('specs render as an operator reads them', () => {
  expect(describeSpec({ intervals: [{ every: 15 * 60_000, offset: 0 }] })).toBe('every 15m');
  expect(describeSpec({ cronExpressions: ['0 3 * * *'] })).toBe('cron 0 3 * * *');
  expect(
    describeSpec({
      calendars: [
        {
          second: [{ start: 0, end: 0, step: 1 }],
          minute: [{ start: 30, end: 30, step: 1 }],
          hour: [{ start: 2, end: 2, step: 1 }],
          dayOfMonth: [{ start: 1, end: 31, step: 1 }],
          month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
          year: [],
          dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
        },
      ],
    }),
  ).toBe('calendar 30 2 * * *');
});

test('workflow ids get the prefix once', () => {
  expect(fullWorkflowId({ idPrefix: '' }, 'order:shopify:1')).toBe('order:shopify:1');
  expect(fullWorkflowId({ idPrefix: 't-' }, 'order:shopify:1')).toBe('t-order:shopify:1');
  expect(fullWorkflowId({ idPrefix: 't-' }, 't-order:shopify:1')).toBe('t-order:shopify:1');
});

test('a reconciliation summary prints scalars and tables', () => {
  const lines: string[] = [];
  printSummary(
    { rows: 12, driftUnits: 7, channels: [{ channel: 'shopify', driftRate: 0.25 }] },
    { json: false, out: (s) => lines.push(s), err: () => undefined },
  );
  const text = lines.join('\n');
  expect(text).toMatch(/rows\s*│\s*12/);
  expect(text).toMatch(/driftUnits\s*│\s*7/);
  expect(text).toMatch(/shopify\s*│\s*0\.25/);
});

describe('the bin refuses bad input before connecting (exit 2)', () => {
  const invsync = (args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'invsync.cjs'), ...args, '--config', configPath],
      {
        cwd: root,
        encoding: 'utf8',
        // Nothing listens here: a command that got as far as connecting would say "cannot reach".
        env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      },
    );
    return { code: r.status, stderr: r.stderr };
  };

  test('override --qty abc', () => {
    const r = invsync(['override', 'TSHIRT-RED-M', '--channel', 'shopify', '--qty', 'abc']);
    expect(r.stderr.trim()).toBe('--qty abc: use a whole number of units');
    expect(r.code).toBe(2);
  });
  test('resync with neither a SKU nor --all', () => {
    const r = invsync(['resync']);
    expect(r.stderr.trim()).toBe('resync takes a SKU or --all (one of them)');
    expect(r.code).toBe(2);
  });
  test('reconcile --sku without --now', () => {
    const r = invsync(['reconcile', '--sku', 'TSHIRT-RED-M']);
    expect(r.stderr.trim()).toMatch(/^--sku needs --now/);
    expect(r.code).toBe(2);
  });
  test('a missing required option', () => {
    const r = invsync(['halt', 'TSHIRT-RED-M', '--channel', 'shopify']);
    expect(r.stderr).toMatch(/required option '--reason <text>' not specified/);
    expect(r.code).toBe(2);
  });
  test('an unreachable server says how to fix it', () => {
    const r = invsync(['status', 'TSHIRT-RED-M']);
    expect(r.stderr).toMatch(/cannot reach the Temporal server at 127\.0\.0\.1:1: .*npx invsync dev/);
    expect(r.code).toBe(2);
  });
});
