/**
 * The invsync worker process. On the `invsync` task queue: the workflows and the ERP activities. On each
 * `invsync-channel-<id>` queue: that channel's activities, with the queue's server-side rate limit
 * (`maxTaskQueueActivitiesPerSecond`) from `channels[].rateLimit.activitiesPerSecond` or the vendor's sustained
 * rate. Without a config, only the workflow queue runs (as `npm run dev` uses it before a config exists).
 * Shuts down gracefully on SIGINT/SIGTERM (the Runtime's shutdown signals): every worker drains, then exits.
 */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createChannelActivities, createErpActivities } from '../activities/channel';
import type { EngineDeps } from '../activities/deps';
import { createReconcileActivities } from '../activities/reconcile';
import { createSagaActivities } from '../activities/sagas';
import { createSyncActivities } from '../activities/sync';
import { createAlerter } from '../ops/alerts';
import { createMetrics, type InvsyncMetrics } from '../ops/metrics';
import { ensureSchedules } from '../client/schedules';
import { startMetricsServer } from './metrics-server';
import { startMonitor } from './monitor';
import { DEFAULT_CHANNEL_RATE } from '../domain/activity-options';
import { formatProblem } from '../domain/config/parse';
import { channelTaskQueue, WORKFLOW_TASK_QUEUE } from '../domain/search-attributes';
import { loadConfig, configPath, CliError, EXIT } from '../cli/io';
import { lazy } from '../cli/lazy';
import type { Config } from '../domain/config/schema';
import type * as Integrations from '../integrations';
import type { ChannelAdapter } from '../integrations/types';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue?: string;
  logLevel?: LogLevel;
  /** With a config: the sync engine (ERP and engine activities, one activity worker per channel queue). */
  config?: Config;
  /** Where the SDK runtime serves its own Prometheus metrics (host:port), merged into invsync's /metrics. */
  runtimeMetricsBind?: string;
}

let runtimeInstalled = false;

export function installRuntime(logLevel: LogLevel = 'INFO', runtimeMetricsBind?: string): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger(logLevel),
    ...(runtimeMetricsBind
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: runtimeMetricsBind } } } }
      : {}),
  });
  runtimeInstalled = true;
}

export interface Workers {
  workers: Worker[];
  connection: NativeConnection;
  deps?: EngineDeps;
  /** Runs every worker until shutdown. */
  run(): Promise<void>;
}

/** The engine's activities on the workflow queue, and one rate-limited activity worker per channel queue. */
export async function createEngineWorkers(o: {
  connection: NativeConnection;
  namespace: string;
  deps: EngineDeps;
  /** Pre-built workflow bundle (tests); default: bundle workflows/ at start. */
  workflowBundle?: { codePath: string } | undefined;
  maxCachedWorkflows?: number | undefined;
  /** ms */
  shutdownForceTime?: number | undefined;
}): Promise<Worker[]> {
  const { deps } = o;
  const workflowWorker = Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: deps.taskQueue,
    ...(o.workflowBundle
      ? { workflowBundle: o.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
    // A reconcile batch waiting on SKU updates does not drain: after this, shutdown cancels what is left
    // (Temporal retries it on another worker).
    shutdownForceTime: o.shutdownForceTime ?? 10_000,
    activities: {
      ...createActivities(),
      ...createErpActivities(deps.erp),
      ...createSyncActivities(deps),
      ...createReconcileActivities(deps),
      ...createSagaActivities(deps),
    },
  });
  const channelWorkers = deps.config.channels.map((ch) =>
    Worker.create({
      connection: o.connection,
      namespace: o.namespace,
      taskQueue: channelTaskQueue(ch.id, deps.taskQueue),
      activities: createChannelActivities(new Map([[ch.id, deps.channels.get(ch.id) as ChannelAdapter]]), {
        metrics: deps.metrics,
      }),
      maxTaskQueueActivitiesPerSecond: ch.rateLimit?.activitiesPerSecond ?? DEFAULT_CHANNEL_RATE[ch.kind],
      shutdownForceTime: o.shutdownForceTime ?? 10_000,
    }),
  );
  return Promise.all([workflowWorker, ...channelWorkers]);
}

/** EngineDeps for a config: adapters, a Temporal client on the same server, metrics and alerts. */
export async function buildEngineDeps(o: {
  config: Config;
  address: string;
  namespace: string;
  taskQueue?: string;
  idPrefix?: string;
  stateDir?: string;
  metrics?: InvsyncMetrics;
}): Promise<EngineDeps> {
  const { createAdapters, stateDir } = lazy<typeof Integrations>('../integrations');
  const { erp, channels } = createAdapters(o.config);
  const connection = await Connection.connect({ address: o.address });
  const metrics = o.metrics ?? createMetrics({ defaultMetrics: true });
  return {
    config: o.config,
    erp,
    channels,
    client: new Client({ connection, namespace: o.namespace }),
    metrics,
    alerts: createAlerter({
      slackWebhookUrl: o.config.alerts.slackWebhookUrl,
      onSent: (a) => metrics.alerts.inc({ kind: a.kind }),
    }),
    stateDir: o.stateDir ?? stateDir(),
    taskQueue: o.taskQueue ?? WORKFLOW_TASK_QUEUE,
    idPrefix: o.idPrefix ?? '',
  };
}

export async function createWorkers(opts: WorkerOptions): Promise<Workers> {
  installRuntime(opts.logLevel, opts.runtimeMetricsBind);
  const connection = await NativeConnection.connect({ address: opts.address });
  const workers: Worker[] = [];
  let deps: EngineDeps | undefined;
  try {
    if (opts.config) {
      deps = await buildEngineDeps({
        config: opts.config,
        address: opts.address,
        namespace: opts.namespace,
        ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
      });
      workers.push(...(await createEngineWorkers({ connection, namespace: opts.namespace, deps })));
    } else
      workers.push(
        await Worker.create({
          connection,
          namespace: opts.namespace,
          taskQueue: opts.taskQueue ?? WORKFLOW_TASK_QUEUE,
          workflowsPath: require.resolve('../workflows'),
          activities: createActivities(),
        }),
      );
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    workers,
    connection,
    ...(deps ? { deps } : {}),
    async run() {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await connection.close();
        await deps?.client.connection.close();
      }
    },
  };
}

/** The workflow worker alone (no config): `npm run dev` before a config exists, and tests. */
export async function createWorker(
  opts: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const w = await createWorkers({ ...opts, config: undefined });
  return { worker: w.workers[0] as Worker, connection: w.connection };
}

/** `invsync worker`: the config says where Temporal is; --address / $TEMPORAL_ADDRESS override it. */
export async function runWorkerCommand(o: {
  configPath?: string | undefined;
  address?: string | undefined;
}): Promise<number> {
  let address = o.address ?? process.env.TEMPORAL_ADDRESS;
  let namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  let config: Config | undefined;
  const path = configPath(o.configPath);
  if (o.configPath !== undefined || existsSync(path)) {
    const cfg = await loadConfig(path);
    if (!cfg.ok)
      throw new CliError(
        `${path} is invalid:\n${cfg.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
        EXIT.problems,
      );
    config = cfg.config;
    address ??= cfg.config.temporal.address;
    namespace = process.env.TEMPORAL_NAMESPACE ?? cfg.config.temporal.namespace;
  }
  const target = address ?? '127.0.0.1:7233';
  const runtimeMetricsBind = config
    ? (process.env.INVSYNC_RUNTIME_METRICS_BIND ?? '127.0.0.1:9465')
    : undefined;
  const w = await createWorkers({
    address: target,
    namespace,
    ...(config ? { config } : {}),
    ...(runtimeMetricsBind ? { runtimeMetricsBind } : {}),
  }).catch((err: Error) => {
    if (err.name !== 'TransportError' && !/connect|transport/i.test(err.message)) throw err;
    throw new CliError(
      `cannot reach the Temporal server at ${target} (${err.message.split('\n')[0]}): start one with \`npm run dev\`, or set temporal.address / TEMPORAL_ADDRESS`,
      EXIT.usage,
    );
  });
  const queues = [WORKFLOW_TASK_QUEUE, ...(config?.channels.map((c) => channelTaskQueue(c.id)) ?? [])];
  console.error(`invsync worker on ${target} (namespace ${namespace}), task queues: ${queues.join(', ')}`);
  let stopExtras = async (): Promise<void> => undefined;
  if (w.deps) {
    const deps = w.deps;
    const ensured = await ensureSchedules({
      client: deps.client,
      config: deps.config,
      taskQueue: deps.taskQueue,
      idPrefix: deps.idPrefix,
    });
    console.error(`schedules: ${ensured.map((e) => `${e.scheduleId} ${e.outcome}`).join(', ')}`);
    const metrics = await startMetricsServer({
      bind: process.env.INVSYNC_METRICS_BIND ?? '127.0.0.1:9464',
      registry: deps.metrics.registry,
      runtimeMetrics: runtimeMetricsBind,
    });
    console.error(`metrics: ${metrics.url}`);
    const monitor = startMonitor(deps);
    stopExtras = async () => {
      monitor.stop();
      await metrics.close();
    };
  }
  try {
    await w.run();
  } finally {
    await stopExtras();
  }
  return EXIT.ok;
}

if (require.main === module) {
  runWorkerCommand({ configPath: process.env.INVSYNC_CONFIG, address: process.env.TEMPORAL_ADDRESS }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      console.error(err instanceof CliError ? err.message : err.stack);
      process.exitCode = err instanceof CliError ? err.exitCode : EXIT.usage;
    },
  );
}
