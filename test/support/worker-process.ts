/**
 * A real, separate invsync worker process for crash tests: the production wiring (workers/main.ts buildEngineDeps
 * + createEngineWorkers, the real adapters with a file token store) on a test's task queue and id prefix, using the
 * pre-built workflow bundle. A test can SIGKILL it mid-saga and start another one; nothing of the dead process
 * survives but what Temporal, the sandbox and the state dir hold.
 *
 * As a script (`node --require tsx/cjs test/support/worker-process.ts --address ... --config <file>`) it prints
 * `ready` on stdout once its workers poll. Test side: `spawnWorkerProcess()` starts one and waits for `ready`;
 * `killWorkerProcesses()` (afterAll) SIGKILLs every one still alive. The child inherits the environment (the
 * sandbox's CA in NODE_EXTRA_CA_CERTS) and exits when its parent goes away (IPC channel closed).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { parseConfigObject } from '../../domain/config/parse';
import { buildEngineDeps, createEngineWorkers, installRuntime } from '../../workers/main';

/** What the script needs: where Temporal is, the bundle, the test's queue and prefix, state, the raw config. */
const argsSchema = z.object({
  address: z.string().min(1),
  namespace: z.string().min(1),
  bundle: z.string().min(1),
  'task-queue': z.string().min(1),
  'id-prefix': z.string(),
  'state-dir': z.string().min(1),
  /** A JSON file with the raw config object (as the YAML would say it). */
  config: z.string().min(1),
});

const OPTION_NAMES = Object.keys(argsSchema.shape) as (keyof typeof argsSchema.shape)[];

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(OPTION_NAMES.map((n) => [n, { type: 'string' as const }])),
    strict: true,
  });
  const args = argsSchema.parse(values);
  const parsed = parseConfigObject(JSON.parse(readFileSync(args.config, 'utf8')) as unknown);
  if (!parsed.ok) throw new Error(`worker-process: config invalid: ${JSON.stringify(parsed.problems)}`);
  // The adapters' token store lives under $INVSYNC_STATE_DIR (integrations/index.ts), as in production.
  const stateDir = resolve(args['state-dir']);
  mkdirSync(stateDir, { recursive: true });
  process.env.INVSYNC_STATE_DIR = stateDir;

  installRuntime('WARN');
  const connection = await NativeConnection.connect({ address: args.address });
  const deps = await buildEngineDeps({
    config: parsed.config,
    address: args.address,
    namespace: args.namespace,
    taskQueue: args['task-queue'],
    idPrefix: args['id-prefix'],
    stateDir,
  });
  const workers = await createEngineWorkers({
    connection,
    namespace: args.namespace,
    deps,
    workflowBundle: { codePath: args.bundle },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  process.stdout.write('ready\n');
  try {
    await running;
  } finally {
    await connection.close();
    await deps.client.connection.close();
  }
}

// ---- the test side ----------------------------------------------------------------------------------------

export interface WorkerProcessOptions {
  address: string;
  namespace: string;
  bundlePath: string;
  taskQueue: string;
  idPrefix: string;
  /** The process's state dir (tokens); the config file is written here too. */
  stateDir: string;
  /** The raw config object the engine harness parsed (capture it in `patchConfig`). */
  rawConfig: Record<string, unknown>;
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  pid: number;
  /** Resolves when the process has exited (with its code or the signal that ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  alive(): boolean;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<WorkerProcess>();

export async function spawnWorkerProcess(o: WorkerProcessOptions): Promise<WorkerProcess> {
  mkdirSync(o.stateDir, { recursive: true });
  const configPath = join(o.stateDir, 'config.json');
  writeFileSync(configPath, JSON.stringify(o.rawConfig), { mode: 0o600 });
  const flags: Record<(typeof OPTION_NAMES)[number], string> = {
    address: o.address,
    namespace: o.namespace,
    bundle: o.bundlePath,
    'task-queue': o.taskQueue,
    'id-prefix': o.idPrefix,
    'state-dir': o.stateDir,
    config: configPath,
  };
  const child = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      join(__dirname, 'worker-process.ts'),
      ...OPTION_NAMES.flatMap((n) => [`--${n}`, flags[n]]),
    ],
    {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const { pid, stdout, stderr } = child;
  if (pid === undefined || !stdout || !stderr) throw new Error('worker-process: spawn failed');
  let out = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      res(exitInfo);
    }),
  );
  const ready = new Promise<void>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`worker-process ${pid} not ready after ${o.readyTimeoutMs ?? 60_000} ms:\n${out}`)),
      o.readyTimeoutMs ?? 60_000,
    );
    stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        res();
      }
    });
    void exited.then((e) => {
      clearTimeout(timer);
      rej(new Error(`worker-process ${pid} exited before ready (${e.code ?? e.signal}):\n${out}`));
    });
  });
  stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  // The IPC channel only tells the child when its parent is gone; it must not keep the parent alive.
  child.channel?.unref();
  const wp: WorkerProcess = {
    pid,
    exited,
    output: () => out,
    alive: () => exitInfo === undefined,
    async kill(signal = 'SIGKILL') {
      if (exitInfo === undefined) process.kill(pid, signal);
      await exited;
    },
  };
  started.add(wp);
  void exited.then(() => started.delete(wp));
  try {
    await ready;
  } catch (err) {
    await wp.kill();
    throw err;
  }
  return wp;
}

/** SIGKILLs every worker process this test file started that is still alive (afterAll). */
export async function killWorkerProcesses(): Promise<void> {
  await Promise.all([...started].map((w) => w.kill()));
}

if (require.main === module) {
  // Orphaned (the test runner died): go too.
  process.on('disconnect', () => process.exit(70));
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
