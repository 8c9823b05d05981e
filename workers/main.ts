/**
 * The invsync worker process. On the `invsync` task queue: the workflows and the ERP activities. On each
 * `invsync-channel-<id>` queue: that channel's activities, with the queue's server-side rate limit
 * (`maxTaskQueueActivitiesPerSecond`) from `channels[].rateLimit.activitiesPerSecond` or the vendor's sustained
 * rate. Without a config, only the workflow queue runs (as `npm run dev` uses it before a config exists).
 * Shuts down gracefully on SIGINT/SIGTERM (the Runtime's shutdown signals): every worker drains, then exits.
 */
import { existsSync } from 'node:fs';
import { NativeConnection, Runtime, Worker, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createChannelActivities, createErpActivities } from '../activities/channel';
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
  /** With a config: ERP activities on the workflow queue and one activity worker per channel queue. */
  config?: Config;
}

let runtimeInstalled = false;

export function installRuntime(logLevel: LogLevel = 'INFO'): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(logLevel) });
  runtimeInstalled = true;
}

export interface Workers {
  workers: Worker[];
  connection: NativeConnection;
  /** Runs every worker until shutdown. */
  run(): Promise<void>;
}

export async function createWorkers(opts: WorkerOptions): Promise<Workers> {
  installRuntime(opts.logLevel);
  const connection = await NativeConnection.connect({ address: opts.address });
  const workers: Worker[] = [];
  try {
    let erpActivities = {};
    const channelWorkers: Promise<Worker>[] = [];
    if (opts.config) {
      const { createAdapters } = lazy<typeof Integrations>('../integrations');
      const { erp, channels } = createAdapters(opts.config);
      erpActivities = createErpActivities(erp);
      for (const ch of opts.config.channels)
        channelWorkers.push(
          Worker.create({
            connection,
            namespace: opts.namespace,
            taskQueue: channelTaskQueue(ch.id),
            activities: createChannelActivities(new Map([[ch.id, channels.get(ch.id) as ChannelAdapter]])),
            maxTaskQueueActivitiesPerSecond:
              ch.rateLimit?.activitiesPerSecond ?? DEFAULT_CHANNEL_RATE[ch.kind],
          }),
        );
    }
    workers.push(
      await Worker.create({
        connection,
        namespace: opts.namespace,
        taskQueue: opts.taskQueue ?? WORKFLOW_TASK_QUEUE,
        workflowsPath: require.resolve('../workflows'),
        activities: { ...createActivities(), ...erpActivities },
      }),
      ...(await Promise.all(channelWorkers)),
    );
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    workers,
    connection,
    async run() {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await connection.close();
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
  const w = await createWorkers({ address: target, namespace, ...(config ? { config } : {}) }).catch(
    (err: Error) => {
      if (err.name !== 'TransportError' && !/connect|transport/i.test(err.message)) throw err;
      throw new CliError(
        `cannot reach the Temporal server at ${target} (${err.message.split('\n')[0]}): start one with \`npm run dev\`, or set temporal.address / TEMPORAL_ADDRESS`,
        EXIT.usage,
      );
    },
  );
  const queues = [WORKFLOW_TASK_QUEUE, ...(config?.channels.map((c) => channelTaskQueue(c.id)) ?? [])];
  console.error(`invsync worker on ${target} (namespace ${namespace}), task queues: ${queues.join(', ')}`);
  await w.run();
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
