/**
 * Reconciliation on the real dev server against the sandbox, through the real adapters and the real SKU workflows:
 * a count changed silently on a channel is found and corrected by one run and lands in the report files; drift
 * above the halt threshold halts that SKU on that channel and alerts; a channel-only SKU is a report problem;
 * tiering skips slow movers when their tier is not due; the run replays deterministically.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { createEngineWorkers } from '../../workers/main';
import { parseConfigObject } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import { reconcileWorkflowId, skuWorkflowId } from '../../domain/events';
import { createChannelAdapter, createErpAdapter } from '../../integrations';
import { MemoryTokenStore } from '../../integrations/token-store';
import { createAlerter } from '../../ops/alerts';
import { createMetrics } from '../../ops/metrics';
import type { ReconcileReport } from '../../ops/report';
import { smallSeed } from '../../sandbox/presets';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { EngineDeps } from '../../activities/deps';
import { createDispatcher } from '../../activities/dispatch';
import { stateQuery } from '../../workflows/definitions';
import { progressQuery, type ReconcileResult, type ReconcileWorkflowInput } from '../../workflows/reconcile';
import { connectTestTemporal, testEnv, unique, type TemporalTestContext } from '../support/temporal';

jest.setTimeout(240_000);

const SHOP_LOC = 'gid://shopify/Location/1';

let t: TemporalTestContext;
let sb: Sandbox;
let deps: EngineDeps;
let workers: Worker[];
let running: Promise<unknown>;

beforeAll(async () => {
  t = await connectTestTemporal();
  const seed = smallSeed();
  // A listing on Shopify for a SKU the ERP does not have: a channel-only SKU.
  const shopify = seed.channels?.find((c) => c.id === 'shopify');
  if (shopify?.kind !== 'shopify') throw new Error('seed changed');
  shopify.listings?.push({ sku: 'GHOST-SKU', location: SHOP_LOC, shows: 4 });
  sb = await startSandbox({ seed, secret: unique('reconcile') });

  const dir = mkdtempSync(join(testEnv().tmp, 'reconcile-'));
  const raw = sb.config() as Record<string, unknown>;
  const parsed = parseConfigObject(
    {
      ...raw,
      reports: { dir: join(dir, 'reports') },
      engine: { coalesce: 50, reconcile: { batchSize: 2 } },
      schedules: { reconcile: { every: '15m', tiers: { fast: '15m', medium: '1h', slow: '4h' } } },
      thresholds: { drift: { toleranceUnits: 0, tolerancePercent: 0, haltUnits: 10, haltPercent: 50 } },
    },
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config: Config = parsed.config;
  const tokens = { tokens: new MemoryTokenStore() };
  const erp = createErpAdapter(config.erp, tokens);
  deps = {
    config,
    erp,
    channels: new Map(config.channels.map((c) => [c.id, createChannelAdapter(c, tokens, { erp })])),
    client: t.client,
    metrics: createMetrics(),
    alerts: createAlerter({ log: () => undefined }),
    stateDir: join(dir, 'state'),
    taskQueue: unique('reconcile'),
    idPrefix: `${unique('rc')}-`,
  };
  workers = await createEngineWorkers({
    connection: t.nativeConnection,
    namespace: t.namespace,
    deps,
    workflowBundle: { codePath: t.bundlePath },
  });
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  for (const w of workers ?? []) w.shutdown();
  await running?.catch(() => undefined);
  await sb?.close();
  await t?.close();
});

let clock = Date.parse('2025-06-01T00:00:00.000Z');
async function reconcile(input: ReconcileWorkflowInput) {
  clock += 1000; // one id per run
  const workflowId = deps.idPrefix + reconcileWorkflowId(clock);
  const handle = await t.client.workflow.start('reconcileWorkflow', {
    taskQueue: deps.taskQueue,
    workflowId,
    args: [input],
  });
  const result = (await handle.result()) as ReconcileResult;
  const report = JSON.parse(readFileSync(result.reportPaths.json, 'utf8')) as ReconcileReport;
  return { handle, result, report, workflowId };
}

const shows = (channel: string, sku: string, location?: string): number => {
  const l = sb.world.listing(channel, sku, location);
  if (!l) throw new Error(`no listing ${channel} ${sku} ${location ?? ''}`);
  return l.shows;
};

describe('reconciliation', () => {
  let skus: string[];
  /** SKUs the full pass reconciles (ERP products with or without channel rows). */
  let total: number;

  test('a full pass brings every channel to its expected number, in batches, with a progress query and a report', async () => {
    const { handle, result, report, workflowId } = await reconcile({ scope: 'full' });
    skus = [...new Set(report.rows.map((r) => r.sku))].sort();
    total = result.summary.skus;
    expect(skus.length).toBeGreaterThanOrEqual(5);
    expect(total).toBeGreaterThanOrEqual(skus.length);
    expect(result.summary.skus).toBe(report.summary.skus);
    expect(result.summary.rows).toBe(report.rows.length);
    // Every row checked: after the run the channel shows what the SKU workflow expects (or it was halted).
    for (const r of report.rows.filter((x) => x.action !== 'halted' && x.action !== 'blocked'))
      expect({
        ...r,
        now: shows(r.channel, r.sku, r.channel === 'amazon' ? undefined : r.location),
      }).toMatchObject({
        now: r.expected,
      });
    // FBA and Full stock is never in the rows.
    expect(report.rows.some((r) => r.location === 'FBA' || r.location === 'meli_facility')).toBe(false);

    expect(await handle.query(progressQuery)).toEqual({
      phase: 'done',
      done: result.summary.skus,
      total: result.summary.skus,
    });
    // batchSize 2: children <id>:batch:0.. exist and completed.
    const child = await t.client.workflow.getHandle(`${workflowId}:batch:0`).describe();
    expect(child.status.name).toBe('COMPLETED');
    const nBatches = Math.ceil(result.summary.skus / 2);
    const last = await t.client.workflow.getHandle(`${workflowId}:batch:${nBatches - 1}`).describe();
    expect(last.status.name).toBe('COMPLETED');

    // The channel-only SKU is a problem in the report, never a row.
    expect(report.problems.map((p) => p.message)).toContain(
      'SKU GHOST-SKU is listed on Shopify (shopify) but has no linked Odoo product: link it (skuLinks.overrides) or fix the SKU',
    );
    expect(report.rows.some((r) => r.sku === 'GHOST-SKU')).toBe(false);
    expect(existsSync(result.reportPaths.csv) && existsSync(result.reportPaths.html)).toBe(true);
    expect(readFileSync(result.reportPaths.html, 'utf8')).toContain('GHOST-SKU');

    const desc = await handle.describe();
    expect(desc.searchAttributes.InvStatus).toEqual([result.summary.driftUnits > 0 ? 'drift' : 'ok']);

    // The recorded history replays against the same workflow code.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: t.bundlePath } },
      await handle.fetchHistory(),
      workflowId,
    );
  });

  test('a silent change on a channel is found and fixed by one reconciliation, and is in the report files', async () => {
    const sku = skus[0] as string;
    const before = shows('shopify', sku, SHOP_LOC);
    const listing = sb.world.listing('shopify', sku, SHOP_LOC);
    if (!listing) throw new Error('no listing');
    sb.world.setShows('shopify', listing, before + 3, 'person'); // no webhook reaches invsync

    const { result, report, handle } = await reconcile({ scope: 'full' });
    const row = report.rows.find((r) => r.sku === sku && r.channel === 'shopify' && r.location === SHOP_LOC);
    expect(row).toMatchObject({
      shown: before + 3,
      expected: before,
      drift: 3,
      class: 'resync',
      action: 'resynced',
    });
    expect(shows('shopify', sku, SHOP_LOC)).toBe(before);
    expect(report.rows[0]).toEqual(row); // the only drift: first by |drift|
    expect(result.summary).toMatchObject({ resync: 1, halt: 0, driftUnits: 3 });
    expect(readFileSync(result.reportPaths.csv, 'utf8').split('\r\n')[1]).toBe(
      `${sku},shopify,${SHOP_LOC},${before + 3},${before},3,resync,resynced`,
    );
    const desc = await handle.describe();
    expect(desc.searchAttributes.InvStatus).toEqual(['drift']);
    expect(desc.searchAttributes.InvDriftUnits).toEqual([3]);
    expect(await deps.metrics.registry.getSingleMetricAsString('invsync_drift_units')).toMatch(
      /invsync_drift_units\{channel="shopify"\} 3/,
    );
  });

  test('drift above the halt threshold halts that SKU on that channel and alerts', async () => {
    const sku = skus[1] as string;
    const listing = sb.world.listing('mercadolibre', sku, 'selling_address');
    if (!listing) throw new Error('no listing');
    const expected = listing.shows;
    sb.world.setShows('mercadolibre', listing, expected * 2 + 20, 'person');

    const { report } = await reconcile({ scope: 'full', skus: [sku] });
    const row = report.rows.find((r) => r.sku === sku && r.channel === 'mercadolibre');
    expect(row).toMatchObject({ shown: expected * 2 + 20, expected, class: 'halt', action: 'halted' });
    expect(report.summary.skus).toBe(1);

    const view = await t.client.workflow.getHandle(deps.idPrefix + skuWorkflowId(sku)).query(stateQuery);
    expect(view.halts).toEqual(
      expect.arrayContaining([expect.objectContaining({ sku, channel: 'mercadolibre' })]),
    );
    expect(deps.alerts.recent()).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'drift-halt', sku, channel: 'mercadolibre' })]),
    );
  });

  test('a push the channel acknowledged but silently dropped is found and corrected by the next reconciliation', async () => {
    const sku = skus[2] as string;
    const before = shows('shopify', sku, SHOP_LOC);
    sb.world.setFaults({ system: 'shopify', silentDropRate: 1 });
    try {
      sb.world.adjust({
        sku,
        location: 'WH1/Stock',
        delta: 10,
        reference: unique('receipt'),
        reason: 'receipt',
      });
      await createDispatcher(deps).notifySku(sku, {
        kind: 'erp',
        id: unique('erp'),
        reason: 'test: goods received',
      });
      // The SKU workflow pushes the higher number; Shopify answers as if applied and changes nothing.
      const handle = t.client.workflow.getHandle(deps.idPrefix + skuWorkflowId(sku));
      let believed = before;
      for (let i = 0; i < 100 && believed <= before; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const row = (await handle.query(stateQuery)).rows.find(
          (r) => r.channel === 'shopify' && r.location === SHOP_LOC,
        );
        if (row?.shows !== undefined && row.shows === row.qty) believed = row.shows;
      }
      expect(believed).toBeGreaterThan(before);
      expect(shows('shopify', sku, SHOP_LOC)).toBe(before);
    } finally {
      sb.world.clearFaults();
    }

    const { report } = await reconcile({ scope: 'full', skus: [sku] });
    const row = report.rows.find((r) => r.sku === sku && r.channel === 'shopify' && r.location === SHOP_LOC);
    expect(row).toMatchObject({ shown: before, class: 'resync', action: 'resynced' });
    expect(row?.expected).toBeGreaterThan(before);
    expect(shows('shopify', sku, SHOP_LOC)).toBe(row?.expected);
  });

  test('a read that fails part-way is retried from its heartbeat cursor, not from the start', async () => {
    const bulkDownloads = () =>
      sb.world.state().calls.find((c) => c.system === 'shopify' && c.endpoint === 'bulkOperationOutput')
        ?.count ?? 0;
    const amazonErrors = () =>
      sb.world
        .state()
        .calls.filter((c) => c.system === 'amazon')
        .reduce((s, c) => s + c.errors, 0);
    const errorsBefore = amazonErrors();
    // Amazon is read after Shopify: every Amazon call fails until the fault is cleared.
    sb.world.setFaults({ system: 'amazon', errorRate: 1, status: 500 });
    clock += 1000;
    const workflowId = deps.idPrefix + reconcileWorkflowId(clock);
    const handle = await t.client.workflow.start('reconcileWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [{ scope: 'full', timings: { retryInitialMs: 200, maximumAttempts: 20 } }],
    });
    try {
      let attempt = 1;
      for (let i = 0; i < 150 && attempt < 2; i++) {
        await new Promise((r) => setTimeout(r, 200));
        attempt = (await handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 1;
      }
      expect(attempt).toBeGreaterThanOrEqual(2);
      expect(amazonErrors()).toBeGreaterThan(errorsBefore);
    } finally {
      sb.world.clearFaults();
    }
    const downloadsAfterFirstAttempt = bulkDownloads();
    expect(downloadsAfterFirstAttempt).toBeGreaterThan(0);
    const result = (await handle.result()) as ReconcileResult;
    expect(result.summary.skus).toBe(total);
    // The retry resumed at the Amazon step: Shopify's bulk result was not downloaded again.
    expect(bulkDownloads()).toBe(downloadsAfterFirstAttempt);
  });

  test('the nightly pass runs a full reconciliation as a child reconcile:<ISO time>', async () => {
    const nightly = await t.client.workflow.start('nightlyWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: unique(`${deps.idPrefix}nightly`),
      args: [{ idPrefix: deps.idPrefix }],
    });
    const result = (await nightly.result()) as ReconcileResult;
    expect(result.summary.skus).toBe(total);
    const started = (await nightly.describe()).startTime.getTime();
    const child = t.client.workflow.getHandle(deps.idPrefix + reconcileWorkflowId(started));
    expect((await child.describe()).status.name).toBe('COMPLETED');
    const report = JSON.parse(readFileSync(result.reportPaths.json, 'utf8')) as ReconcileReport;
    expect(report).toMatchObject({ scope: 'full', workflowId: deps.idPrefix + reconcileWorkflowId(started) });
  });

  test('tiered: slow movers are skipped when their tier is not due and checked when it is', async () => {
    // 00:15 UTC: only the fast tier is due; every SKU workflow exists and sells nothing (slow).
    const quiet = await reconcile({ scope: 'tiered', at: Date.parse('2025-06-01T00:15:02.000Z') });
    expect(quiet.result.summary).toMatchObject({ skus: 0, skipped: total, rows: 0 });
    // 04:00 UTC: the slow tier's boundary: every SKU is checked.
    const due = await reconcile({ scope: 'tiered', at: Date.parse('2025-06-01T04:00:02.000Z') });
    expect(due.result.summary).toMatchObject({ skus: total, skipped: 0 });
  });
});
