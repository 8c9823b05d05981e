/**
 * The market with invsync running, against the no-sync baseline measured in the same run. Shoppers buy on every
 * channel for `--seconds` at `--rate` orders/s; the sandbox's production rate limits are on and `--loss` of every
 * channel webhook is lost. invsync runs whole: a Temporal dev server, the worker (per-SKU workflows, sagas, channel
 * queues at the vendors' sustained rates), the ingress, and the real `invsync-poll` schedule. After the market, the
 * ERP ingests what is left, the sagas release, and ONE reconciliation runs; then every written channel number is
 * compared with what the SKU workflows expect (the drift left).
 *
 *   npm run bench -- market-sync [--seconds 60] [--rate 20] [--lag-ms 30000] [--seed 1234] [--loss 0.01]
 *                                 [--poll-ms 10000] [--skip-baseline]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { EngineDeps } from '../activities/deps';
import { ensureSchedules } from '../client/schedules';
import { parseConfigObject } from '../domain/config/parse';
import { skuWorkflowId } from '../domain/events';
import { createAdapters } from '../integrations';
import { MemoryTokenStore } from '../integrations/token-store';
import { startIngress } from '../ingress/server';
import { createAlerter } from '../ops/alerts';
import { createMetrics } from '../ops/metrics';
import { startSandbox } from '../sandbox';
import { runMarket, type MarketResult } from '../sandbox/market';
import { demoSeed } from '../sandbox/presets';
import { World } from '../sandbox/world';
import { ensureTemporalCli } from '../scripts/temporal/cli-binary';
import { startDevServer } from '../scripts/temporal/dev-server';
import { createEngineWorkers, installRuntime } from '../workers/main';
import { explainQuery } from '../workflows/definitions';
import type { ReconcileResult } from '../activities/reconcile';
import { lineChart } from './chart';
import { exposure } from './market-baseline';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  t: number;
  oversoldUnits: number;
  exposure: number;
}

async function timeline(
  world: World,
  run: () => Promise<MarketResult>,
): Promise<{ r: MarketResult; samples: Sample[] }> {
  const samples: Sample[] = [];
  const started = Date.now();
  const sample = () =>
    samples.push({
      t: (Date.now() - started) / 1000,
      oversoldUnits: world.oracleView().oversoldUnits,
      exposure: exposure(world),
    });
  sample();
  const timer = setInterval(sample, 1000);
  try {
    const r = await run();
    sample();
    return { r, samples };
  } finally {
    clearInterval(timer);
  }
}

/** Quantile from a prom-client histogram's cumulative buckets (upper bound of the bucket holding it). */
function quantile(buckets: { le: number; count: number }[], q: number): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (!total) return undefined;
  return buckets.find((b) => b.count >= q * total)?.le;
}

export async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const rate = arg('rate', 20);
  const lagMs = arg('lag-ms', 30_000);
  const seed = arg('seed', 1234);
  const loss = arg('loss', 0.01);
  const pollMs = arg('poll-ms', 10_000);
  const channelSystems = ['shopify', 'amazon', 'mercadolibre'] as const;

  // ---- baseline: the same market, no sync --------------------------------------------------------------------
  let baseline: { r: MarketResult; samples: Sample[] } | undefined;
  if (!flag('skip-baseline')) {
    console.error(`[bench] baseline: no sync, ${rate} orders/s for ${seconds} s`);
    const world = new World(demoSeed({ ingestLagMs: lagMs }), Date.now, seed);
    baseline = await timeline(world, () =>
      runMarket(world, { ordersPerSecond: rate, seconds, seed, settle: 'flush' }),
    );
    world.clearTimers();
  }

  // ---- invsync --------------------------------------------------------------------------------------------------
  console.error('[bench] starting Temporal dev server, sandbox, worker and ingress');
  installRuntime('WARN');
  const cli = await ensureTemporalCli((l) => console.error(`[temporal] ${l}`));
  const server = await startDevServer({ cliPath: cli.path, port: 0, uiPort: false, logLevel: 'error' });
  const sandbox = await startSandbox({ seed: demoSeed({ ingestLagMs: lagMs }), randomSeed: seed });
  const raw = sandbox.config() as Record<string, unknown>;
  const reportsDir = join(__dirname, 'results', 'market-sync-reports');
  raw.temporal = { address: server.address, namespace: server.namespace };
  raw.engine = { coalesce: 200, orders: { firstCheck: lagMs, checkEvery: 10_000 } };
  raw.schedules = { poll: { every: pollMs }, reconcile: { every: 3_600_000 } };
  raw.reports = { dir: reportsDir };
  raw.ingress = { ...(raw.ingress as object), port: 0 };
  const parsed = parseConfigObject(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config = parsed.config;
  const { erp, channels } = createAdapters(config, { tokens: new MemoryTokenStore() });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const metrics = createMetrics();
  const deps: EngineDeps = {
    config,
    erp,
    channels,
    client,
    metrics,
    alerts: createAlerter({ log: () => undefined }),
    stateDir: join(__dirname, 'results', '.market-sync-state', String(Date.now())),
    taskQueue: 'invsync',
    idPrefix: '',
  };
  const native = await NativeConnection.connect({ address: server.address });
  const workers = await createEngineWorkers({
    connection: native,
    namespace: server.namespace,
    deps,
    maxCachedWorkflows: 2000,
  });
  const running = Promise.allSettled(workers.map((w) => w.run()));
  const ingress = await startIngress({
    config,
    client,
    adapters: channels,
    metrics,
    taskQueue: 'invsync',
    idPrefix: '',
    port: 0,
  });
  sandbox.ctx.webhooks.settings.baseUrl = ingress.url;
  try {
    // Go live: one full reconciliation starts every SKU workflow and puts the engine's numbers on every channel.
    console.error('[bench] going live: first reconciliation');
    const t0 = Date.now();
    const live = (await client.workflow.execute('reconcileWorkflow', {
      taskQueue: 'invsync',
      workflowId: `reconcile:golive:${t0}`,
      args: [{ scope: 'full' }],
    })) as ReconcileResult;
    const goLiveMs = Date.now() - t0;
    await ensureSchedules({ client, config, taskQueue: 'invsync', idPrefix: '' });
    for (const system of [...channelSystems, 'odoo'] as const)
      sandbox.world.setFaults({
        system,
        rateLimits: 'production',
        ...(system !== 'odoo' ? { webhookLossRate: loss } : {}),
      });
    const callsBefore = sandbox.world.state().calls;

    console.error(
      `[bench] market: ${rate} orders/s for ${seconds} s, ${loss * 100}% webhook loss, production rate limits`,
    );
    const withSync = await timeline(sandbox.world, () =>
      runMarket(sandbox.world, { ordersPerSecond: rate, seconds, seed, settle: 'flush' }),
    );
    const lost = sandbox.ctx.webhooks.deliveries.filter((d) => d.status === 'lost').length;
    // Settle: order sagas see the ERP and release; the poll finds what lost webhooks missed.
    console.error('[bench] settling: waiting for every order saga to release');
    const settleStart = Date.now();
    let open = -1;
    while (Date.now() - settleStart < 240_000) {
      open = (await client.workflow.count('WorkflowType="orderSaga" AND ExecutionStatus="Running"')).count;
      if (open === 0) break;
      await sleep(2000);
    }
    await sleep(pollMs + 2000); // one more poll
    const settleMs = Date.now() - settleStart;
    const calls = sandbox.world.state().calls;

    console.error('[bench] one reconciliation');
    const r0 = Date.now();
    const rec = (await client.workflow.execute('reconcileWorkflow', {
      taskQueue: 'invsync',
      workflowId: `reconcile:${new Date(r0).toISOString()}`,
      args: [{ scope: 'full' }],
    })) as ReconcileResult;
    const reconcileMs = Date.now() - r0;

    // Drift left: every written channel number vs what its SKU workflow expects now.
    const skus = [
      ...new Set([...sandbox.world.channels.values()].flatMap((c) => c.listings.map((l) => l.sku))),
    ];
    let driftUnits = 0;
    let driftRows = 0;
    let checked = 0;
    for (const sku of skus) {
      const rows = await client.workflow
        .getHandle(skuWorkflowId(sku))
        .query(explainQuery, {})
        .catch(() => []);
      for (const row of rows) {
        if (!['live', 'override', 'halted'].includes(row.status)) continue;
        const shows = sandbox.world.listing(row.channel, sku, row.location)?.shows;
        if (shows === undefined) continue;
        checked++;
        if (shows !== row.qty) {
          driftRows++;
          driftUnits += Math.abs(shows - row.qty);
        }
      }
    }

    const hist = await metrics.eventToPush.get();
    const byChannel: Record<string, { p50?: number; p99?: number; count: number }> = {};
    for (const ch of channelSystems) {
      const buckets = hist.values
        .filter((v) => v.labels.channel === ch && v.metricName === 'invsync_event_to_push_seconds_bucket')
        .map((v) => ({
          le:
            (v.labels as Record<string, unknown>).le === '+Inf'
              ? Infinity
              : Number((v.labels as Record<string, unknown>).le),
          count: v.value,
        }))
        .sort((a, b) => a.le - b.le);
      byChannel[ch] = {
        ...(quantile(buckets, 0.5) !== undefined ? { p50: quantile(buckets, 0.5) } : {}),
        ...(quantile(buckets, 0.99) !== undefined ? { p99: quantile(buckets, 0.99) } : {}),
        count: buckets.at(-1)?.count ?? 0,
      };
    }
    const callsDuring = (system: string) =>
      calls.filter((c) => c.system === system).reduce((s, c) => s + c.count, 0) -
      callsBefore.filter((c) => c.system === system).reduce((s, c) => s + c.count, 0);
    const throttled = (system: string) =>
      calls.filter((c) => c.system === system).reduce((s, c) => s + c.throttled, 0) -
      callsBefore.filter((c) => c.system === system).reduce((s, c) => s + c.throttled, 0);

    const w = withSync.r;
    const pct = (r: MarketResult) =>
      r.unitsAccepted ? Math.round((r.oversoldUnits / r.unitsAccepted) * 10000) / 100 : 0;
    const result = {
      benchmark: 'market-sync',
      at: new Date().toISOString(),
      params: {
        seconds,
        ordersPerSecond: rate,
        ingestLagMs: lagMs,
        seed,
        webhookLossRate: loss,
        pollMs,
        preset: 'demo',
        rateLimits: 'production',
      },
      baseline: baseline
        ? {
            ordersAttempted: baseline.r.ordersAttempted,
            ordersAccepted: baseline.r.ordersAccepted,
            unitsAccepted: baseline.r.unitsAccepted,
            oversoldUnits: baseline.r.oversoldUnits,
            oversoldOrders: baseline.r.oversoldOrders,
            oversoldPercentOfUnits: pct(baseline.r),
            exposureAtEnd: baseline.samples.at(-1)?.exposure ?? 0,
          }
        : undefined,
      invsync: {
        goLiveReconcileMs: goLiveMs,
        goLiveDrift: live.summary,
        ordersAttempted: w.ordersAttempted,
        ordersAccepted: w.ordersAccepted,
        unitsAccepted: w.unitsAccepted,
        oversoldUnits: w.oversoldUnits,
        oversoldOrders: w.oversoldOrders,
        oversoldPercentOfUnits: pct(w),
        exposureAtEnd: withSync.samples.at(-1)?.exposure ?? 0,
        webhooksLost: lost,
        settleMs,
        openSagasAfterSettle: open,
        reconcileMs,
        reconcile: rec.summary,
        reportPaths: rec.reportPaths,
        driftAfterReconciliation: { rows: driftRows, units: driftUnits, checked },
        eventToPushSeconds: byChannel,
        apiCalls: Object.fromEntries(
          channelSystems.map((s) => [s, { calls: callsDuring(s), throttled: throttled(s) }]),
        ),
        topSkus: w.bySku.slice(0, 10),
      },
    };

    const table = new Table({ head: ['figure', 'no sync', 'invsync'], style: { head: [], border: [] } });
    const b = result.baseline;
    table.push(
      ['orders attempted', b?.ordersAttempted ?? '-', w.ordersAttempted],
      ['orders accepted', b?.ordersAccepted ?? '-', w.ordersAccepted],
      ['units accepted', b?.unitsAccepted ?? '-', w.unitsAccepted],
      ['oversold units', b?.oversoldUnits ?? '-', w.oversoldUnits],
      ['oversold orders', b?.oversoldOrders ?? '-', w.oversoldOrders],
      [
        'oversold % of units',
        b ? `${b.oversoldPercentOfUnits}%` : '-',
        `${result.invsync.oversoldPercentOfUnits}%`,
      ],
      ['exposure at end (units shown beyond ERP)', b?.exposureAtEnd ?? '-', result.invsync.exposureAtEnd],
      ['webhooks lost', '-', lost],
      ['drift found by the one reconciliation (units)', '-', rec.summary.driftUnits],
      ['drift left after it (rows / units of checked)', '-', `${driftRows} / ${driftUnits} of ${checked}`],
      ['reconciliation time', '-', `${(reconcileMs / 1000).toFixed(1)} s`],
    );
    console.log(
      `market-sync: demo preset, ${rate} orders/s for ${seconds} s, ERP lag ${lagMs} ms, ${loss * 100}% webhook loss, production rate limits`,
    );
    console.log(table.toString());
    const lat = new Table({
      head: ['channel', 'pushes', 'event→push p50', 'p99', 'API calls', 'throttled'],
      style: { head: [], border: [] },
    });
    for (const ch of channelSystems)
      lat.push([
        ch,
        byChannel[ch]?.count ?? 0,
        byChannel[ch]?.p50 !== undefined ? `≤ ${byChannel[ch]?.p50} s` : '-',
        byChannel[ch]?.p99 !== undefined ? `≤ ${byChannel[ch]?.p99} s` : '-',
        result.invsync.apiCalls[ch]?.calls ?? 0,
        result.invsync.apiCalls[ch]?.throttled ?? 0,
      ]);
    console.log(lat.toString());

    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'market-sync.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      join(dir, 'market-sync.svg'),
      lineChart({
        title: `Oversold units: no sync vs invsync (${rate} orders/s, ${loss * 100}% webhook loss)`,
        xLabel: 'seconds',
        yLabel: 'units',
        series: [
          ...(baseline
            ? [
                {
                  name: 'no sync: oversold',
                  points: baseline.samples.map((s) => ({ x: s.t, y: s.oversoldUnits })),
                },
                {
                  name: 'no sync: exposure',
                  points: baseline.samples.map((s) => ({ x: s.t, y: s.exposure })),
                },
              ]
            : []),
          {
            name: 'invsync: oversold',
            points: withSync.samples.map((s) => ({ x: s.t, y: s.oversoldUnits })),
          },
          { name: 'invsync: exposure', points: withSync.samples.map((s) => ({ x: s.t, y: s.exposure })) },
        ],
      }),
    );
    console.log(`wrote ${join(dir, 'market-sync.json')} and market-sync.svg`);
  } finally {
    sandbox.ctx.webhooks.settings.baseUrl = undefined;
    await ingress.close();
    for (const wk of workers) if (wk.getState() === 'RUNNING') wk.shutdown();
    await running;
    await native.close();
    await connection.close();
    await sandbox.close();
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack);
    process.exitCode = 1;
  });
}
