/**
 * The engine harness for end-to-end tests: a sandbox (real simulators), a config pointing at it with every engine
 * timer shortened, the real adapters, and the real worker (workflow queue + one rate-limited activity worker per
 * channel queue) on the shared Temporal dev server — on a unique task queue and workflow-id prefix, so tests running
 * side by side never meet. Optionally the real ingress, with the sandbox's webhooks pointed at it.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { createEngineWorkers } from '../../workers/main';
import type { EngineDeps } from '../../activities/deps';
import { skuTimings } from '../../activities/dispatch';
import { parseConfigObject } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import { skuWorkflowId } from '../../domain/events';
import { createAdapters } from '../../integrations';
import { MemoryTokenStore } from '../../integrations/token-store';
import { createAlerter } from '../../ops/alerts';
import { createMetrics } from '../../ops/metrics';
import { startIngress } from '../../ingress/server';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { SeedInput } from '../../sandbox/seed';
import { stateQuery, type SkuView } from '../../workflows/definitions';
import { connectTestTemporal, testEnv, unique, type TemporalTestContext } from './temporal';

export interface EngineOptions {
  preset?: string;
  seed?: SeedInput;
  /** Edits the raw config (as the YAML would say it) before it is parsed. */
  patchConfig?: (raw: Record<string, unknown>) => void;
  /** Start the ingress and point the sandbox's webhooks at it. */
  ingress?: boolean;
  /** Start the workers (default true); false lets a test start and kill them itself. */
  workers?: boolean;
}

export interface Engine {
  sandbox: Sandbox;
  config: Config;
  deps: EngineDeps;
  temporal: TemporalTestContext;
  ingressUrl?: string;
  /** Starts the workers (when `workers: false`, or again after `stopWorkers`). */
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  sku(sku: string): WorkflowHandle;
  /** The SKU workflow's `state` query (undefined while it does not exist). */
  state(sku: string): Promise<SkuView | undefined>;
  /** What a channel shows for a SKU (its merchant listing at `location`, default the only one). */
  shows(channel: string, sku: string, location?: string): number | undefined;
  stop(): Promise<void>;
}

/** Polls `fn` until it returns a truthy value or the deadline passes; throws with the last value seen. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startEngine(o: EngineOptions = {}): Promise<Engine> {
  const temporal = await connectTestTemporal();
  const sandbox = await startSandbox({
    ...(o.seed ? { seed: o.seed } : { preset: o.preset ?? 'small' }),
    secret: 'engine-tests',
  });
  const tmp = mkdtempSync(join(testEnv().tmp, 'engine-'));
  const raw = sandbox.config() as Record<string, unknown>;
  raw.engine = {
    coalesce: 50,
    orders: { firstCheck: 300, checkEvery: 300 },
    returns: { checkEvery: 300 },
    reconcile: { batchSize: 20 },
  };
  raw.reports = { dir: join(tmp, 'reports') };
  raw.ingress = { ...(raw.ingress as object), port: 0, adminToken: 'engine-tests-admin-token' };
  // The sandbox's own rates are the production ones; test pushes need not queue behind them.
  for (const ch of raw.channels as Record<string, unknown>[]) ch.rateLimit = { activitiesPerSecond: 50 };
  o.patchConfig?.(raw);
  const parsed = parseConfigObject(raw);
  if (!parsed.ok) throw new Error(`engine test config invalid: ${JSON.stringify(parsed.problems)}`);
  const config = parsed.config;
  const { erp, channels } = createAdapters(config, { tokens: new MemoryTokenStore() });
  const metrics = createMetrics();
  const deps: EngineDeps = {
    config,
    erp,
    channels,
    client: temporal.client,
    metrics,
    alerts: createAlerter({ log: () => undefined, onSent: (a) => metrics.alerts.inc({ kind: a.kind }) }),
    stateDir: join(tmp, 'state'),
    taskQueue: unique('e2e'),
    idPrefix: `${unique('t')}/`,
  };

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  const startWorkers = async () => {
    workers = await createEngineWorkers({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      deps,
      workflowBundle: { codePath: temporal.bundlePath },
    });
    running = Promise.allSettled(workers.map((w) => w.run()));
  };
  const stopWorkers = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    workers = [];
  };
  if (o.workers !== false) await startWorkers();

  let ingress: Awaited<ReturnType<typeof startIngress>> | undefined;
  if (o.ingress) {
    ingress = await startIngress({
      config,
      client: temporal.client,
      adapters: channels,
      metrics,
      taskQueue: deps.taskQueue,
      idPrefix: deps.idPrefix,
      port: 0,
    });
    sandbox.ctx.webhooks.settings.baseUrl = ingress.url;
  }

  const handle = (sku: string) => temporal.client.workflow.getHandle(deps.idPrefix + skuWorkflowId(sku));
  return {
    sandbox,
    config,
    deps,
    temporal,
    ...(ingress ? { ingressUrl: ingress.url } : {}),
    startWorkers,
    stopWorkers,
    sku: handle,
    async state(sku) {
      try {
        return await handle(sku).query(stateQuery);
      } catch {
        return undefined;
      }
    },
    shows(channel, sku, location) {
      const l = sandbox.world.listing(channel, sku, location);
      return l?.shows;
    },
    async stop() {
      sandbox.ctx.webhooks.settings.baseUrl = undefined;
      await sandbox.ctx.webhooks.drain();
      await ingress?.close();
      await stopWorkers();
      await sandbox.close();
      await temporal.close();
    },
  };
}

export { skuTimings };

/** The operator-function context (client/ops.ts) for an engine: its client, task queue, id prefix and timings. */
export const engineOps = (e: Engine) => ({
  client: e.temporal.client,
  taskQueue: e.deps.taskQueue,
  idPrefix: e.deps.idPrefix,
  skuTimings: skuTimings(e.config),
});
