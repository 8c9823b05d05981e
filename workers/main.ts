/**
 * The invsync worker: workflows and ERP activities on the `invsync` task queue. (Per-channel activity workers on
 * `invsync-channel-<id>` join here as the channel adapters land.) Shuts down gracefully on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime, Worker, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { WORKFLOW_TASK_QUEUE } from '../domain/search-attributes';
import { loadConfig, configPath, CliError, EXIT } from '../cli/io';
import { formatProblem } from '../domain/config/parse';
import { existsSync } from 'node:fs';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue?: string;
  logLevel?: LogLevel;
}

let runtimeInstalled = false;

export function installRuntime(logLevel: LogLevel = 'INFO'): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(logLevel) });
  runtimeInstalled = true;
}

export async function createWorker(
  opts: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntime(opts.logLevel);
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? WORKFLOW_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(),
  });
  return { worker, connection };
}

/** `invsync worker`: the config says where Temporal is; --address / $TEMPORAL_ADDRESS override it. */
export async function runWorkerCommand(o: {
  configPath?: string | undefined;
  address?: string | undefined;
}): Promise<number> {
  let address = o.address ?? process.env.TEMPORAL_ADDRESS;
  let namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const path = configPath(o.configPath);
  if (o.configPath !== undefined || existsSync(path)) {
    const cfg = await loadConfig(path);
    if (!cfg.ok)
      throw new CliError(
        `${path} is invalid:\n${cfg.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
        EXIT.problems,
      );
    address ??= cfg.config.temporal.address;
    namespace = process.env.TEMPORAL_NAMESPACE ?? cfg.config.temporal.namespace;
  }
  const target = address ?? '127.0.0.1:7233';
  const { worker, connection } = await createWorker({ address: target, namespace }).catch((err: Error) => {
    throw new CliError(
      `cannot reach the Temporal server at ${target} (${err.message.split('\n')[0]}): start one with \`npm run dev\`, or set temporal.address / TEMPORAL_ADDRESS`,
      EXIT.usage,
    );
  });
  console.error(
    `invsync worker polling task queue "${WORKFLOW_TASK_QUEUE}" on ${address ?? '127.0.0.1:7233'} (namespace ${namespace})`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
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
