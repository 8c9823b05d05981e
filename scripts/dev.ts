/**
 * `npm run dev` / `npx invsync dev`: the whole local stack in one process tree.
 *
 * 1. The Temporal dev server (`temporal server start-dev`, Web UI, invsync's search attributes, state in
 *    `.tools/temporal/dev.db`; `--fresh` starts from an empty file).
 * 2. The sandbox (the five simulators and the admin API) with a preset or a seed, on fixed ports from a port base as
 *    `invsync sandbox` uses them.
 * 3. The run files in `sandbox/.run/`: `manifest.json` and an `invsync.config.yaml` whose `temporal.address` is the
 *    dev server and whose `ingress.port` is the ingress below. The worker and the ingress read that very file, so
 *    what runs is what the operator commands see.
 * 4. The ingress, with the sandbox's webhooks pointed at it.
 * 5. The worker: the engine workers (workflow queue + one rate-limited activity worker per channel queue), the
 *    three schedules (`invsync-reconcile`, `invsync-poll`, `invsync-nightly`), the metrics server and the monitor.
 *
 * The worker and the ingress share one token store (`sandbox/.run/state/tokens`, emptied at every start: the
 * sandbox issues new credentials each time) and one metrics registry. SIGINT/SIGTERM (or the `stop` promise) stops
 * everything in reverse order. Every port and path is an input, so a test runs the stack on ephemeral ports.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type LogLevel, type Worker } from '@temporalio/worker';
import { ensureTemporalCli, TOOLS_DIR } from './temporal/cli-binary';
import { freePort, startDevServer, type DevServer } from './temporal/dev-server';
import type { EngineDeps } from '../activities/deps';
import { CliError, EXIT, readTextFile, requireConfig } from '../cli/io';
import { SANDBOX_SYSTEMS } from '../cli/commands/sandbox';
import { ensureSchedules } from '../client/schedules';
import { channelTaskQueue, WORKFLOW_TASK_QUEUE } from '../domain/search-attributes';
import { startIngress } from '../ingress/server';
import { createAdapters } from '../integrations';
import { FileTokenStore } from '../integrations/token-store';
import { createAlerter } from '../ops/alerts';
import { createMetrics } from '../ops/metrics';
import { startSandbox, type Sandbox, type SandboxPorts } from '../sandbox';
import { PRESETS } from '../sandbox/presets';
import { seedSchema, type SeedInput } from '../sandbox/seed';
import { createEngineWorkers, installRuntime } from '../workers/main';
import { startMetricsServer, splitHostPort } from '../workers/metrics-server';
import { startMonitor } from '../workers/monitor';

export const DEV_DEFAULTS = {
  port: 7233,
  uiPort: 8233,
  portBase: 7800,
  ingressPort: 8080,
  metricsBind: '127.0.0.1:9464',
  runtimeMetricsBind: '127.0.0.1:9465',
  runDir: join('sandbox', '.run'),
  dbFile: join(TOOLS_DIR, 'dev.db'),
} as const;

export interface DevOptions {
  /** Temporal gRPC port (default 7233; 0: a free one). */
  port?: number | undefined;
  /** Web UI port (default 8233; 0: a free one). Ignored with `headless`. */
  uiPort?: number | undefined;
  headless?: boolean | undefined;
  /** The dev server's SQLite file (default .tools/temporal/dev.db). */
  dbFile?: string | undefined;
  /** Delete the database file first: an empty Temporal. */
  fresh?: boolean | undefined;
  /** Sandbox preset (default demo); exclusive with `seed`. */
  preset?: string | undefined;
  /** Sandbox seed JSON file (design section 5). */
  seed?: string | undefined;
  /** Sandbox admin on n, then odoo, netsuite, shopify, amazon, mercadolibre on n+1..n+5 (default 7800; 0: free). */
  portBase?: number | undefined;
  /** Ingress port (default 8080; 0: a free one). */
  ingressPort?: number | undefined;
  /** Worker /metrics host:port (default $INVSYNC_METRICS_BIND or 127.0.0.1:9464; port 0: a free one). */
  metricsBind?: string | undefined;
  /**
   * Where the Temporal SDK runtime serves its metrics, merged into the worker's /metrics (default
   * $INVSYNC_RUNTIME_METRICS_BIND or 127.0.0.1:9465; port 0: a free one; false: none). The runtime is per process:
   * the first one installed wins.
   */
  runtimeMetricsBind?: string | false | undefined;
  /** Where manifest.json, invsync.config.yaml, state/ and reports/ go (default sandbox/.run). */
  runDir?: string | undefined;
  /** A pre-built workflow bundle (tests); default: bundle workflows/ at start. */
  workflowBundle?: { codePath: string } | undefined;
  /** Edits the raw config (as the YAML says it) before it is written. */
  patchConfig?: ((raw: Record<string, unknown>) => void) | undefined;
  /** How long the worker may take to finish its running activities when stopping (ms, default 10 s). */
  drainMs?: number | undefined;
  /** Worker monitor interval (ms, default 30 s). */
  monitorEveryMs?: number | undefined;
  /** Log level of the worker runtime, the ingress and the progress lines (default $INVSYNC_LOG_LEVEL or warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent' | undefined;
  /** Called once everything is up, with the URLs. */
  onReady?: ((urls: DevUrls) => void) | undefined;
  /** Resolves when the stack should stop (default: SIGINT or SIGTERM). */
  stop?: Promise<void> | undefined;
  /** Where the URL block goes (default stdout). */
  print?: ((text: string) => void) | undefined;
  /** Progress and problems (default stderr; silenced by logLevel silent). */
  log?: ((line: string) => void) | undefined;
}

export interface DevUrls {
  temporal: string;
  namespace: string;
  /** Web UI (undefined when headless). */
  webUi?: string | undefined;
  serverMetrics: string;
  sandboxAdmin: string;
  sandbox: Record<keyof SandboxPorts, string>;
  ingress: string;
  /** Bearer token of the ingress status page and /api/* (random per start). */
  adminToken: string;
  workerMetrics: string;
  configPath: string;
  manifestPath: string;
  stateDir: string;
  reportsDir: string;
  taskQueues: string[];
  schedules: string[];
}

const RUNTIME_LEVEL: Record<NonNullable<DevOptions['logLevel']>, LogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'ERROR',
};

/** host:port with port 0 replaced by a free port (the SDK runtime cannot report the port it bound). */
async function concreteBind(bind: string): Promise<string> {
  const { host, port } = splitHostPort(bind);
  if (port !== 0) return bind;
  return `${host.includes(':') ? `[${host}]` : host}:${await freePort(host)}`;
}

async function loadSeed(path: string): Promise<SeedInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readTextFile(resolve(path), 'seed'));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`seed ${path} is not valid JSON`, EXIT.problems);
  }
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `seed ${path} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
      EXIT.problems,
    );
  return raw as SeedInput;
}

function checkPort(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 65535))
    throw new CliError(`${name}: "${String(v)}" is not a port number`, EXIT.usage);
}

/** A path as the user would type it from here: relative when inside the working directory. */
const shown = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
};

/** A SKU and a merchant listing of it to suggest in the "try this" lines (TSHIRT-RED-M in every preset). */
function example(sandbox: Sandbox): { sku: string; channel: string; location: string } | undefined {
  const merchant = [...sandbox.world.channels.values()].flatMap((ch) =>
    ch.listings
      .filter((l) => l.location !== 'FBA' && l.location !== 'meli_facility')
      .map((l) => ({ sku: l.sku, channel: ch.id, location: l.location, kind: ch.kind })),
  );
  const pick =
    merchant.find((l) => l.sku === 'TSHIRT-RED-M' && l.kind === 'shopify') ??
    merchant.find((l) => l.kind === 'shopify') ??
    merchant[0];
  return pick && { sku: pick.sku, channel: pick.channel, location: pick.location };
}

/** Runs the stack until `stop` (or SIGINT/SIGTERM); resolves with the exit code. */
export async function runDev(o: DevOptions = {}): Promise<number> {
  if (o.seed && o.preset) throw new CliError('give --seed or --preset, not both');
  if (o.preset && !(PRESETS as readonly string[]).includes(o.preset))
    throw new CliError(`unknown preset "${o.preset}" (presets: ${PRESETS.join(', ')})`);
  checkPort('--port', o.port);
  checkPort('--ui-port', o.uiPort);
  checkPort('--ingress-port', o.ingressPort);
  if (o.portBase !== undefined && (!Number.isInteger(o.portBase) || o.portBase < 0 || o.portBase > 65530))
    throw new CliError(`--port-base: "${String(o.portBase)}" is not a port number (0 to 65530)`);
  const envLevel = process.env.INVSYNC_LOG_LEVEL as DevOptions['logLevel'];
  const level: NonNullable<DevOptions['logLevel']> =
    o.logLevel ?? (envLevel && envLevel in RUNTIME_LEVEL ? envLevel : 'warn');
  const log =
    level === 'silent' ? () => undefined : (o.log ?? ((l: string) => process.stderr.write(`${l}\n`)));
  const print = o.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  const seed = o.seed ? await loadSeed(o.seed) : undefined;

  const runDir = resolve(o.runDir ?? DEV_DEFAULTS.runDir);
  const stateDir = join(runDir, 'state');
  const reportsDir = join(runDir, 'reports');
  const dbFile = resolve(o.dbFile ?? DEV_DEFAULTS.dbFile);

  // Stopped in reverse order, whatever got started.
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const teardown = async (): Promise<void> => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        log(`[dev] stopping ${step.what} failed: ${(err as Error).message}`);
      }
    }
  };

  const stopRequested =
    o.stop ??
    new Promise<void>((resolveStop) => {
      const onSignal = () => {
        log('[dev] stopping (Ctrl-C again to exit at once)');
        process.once('SIGINT', () => process.exit(130));
        resolveStop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });

  try {
    // 1. Temporal.
    const cli = await ensureTemporalCli((l) => log(`[temporal] ${l}`));
    if (o.fresh) for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
    const reused = existsSync(dbFile);
    mkdirSync(dirname(dbFile), { recursive: true });
    const uiPort = o.headless ? false : (o.uiPort ?? DEV_DEFAULTS.uiPort) || (await freePort());
    log(
      `[dev] starting the Temporal dev server (${shown(dbFile)}${reused ? ', kept from the last run' : ''})`,
    );
    const server: DevServer = await startDevServer({
      cliPath: cli.path,
      port: o.port ?? DEV_DEFAULTS.port,
      uiPort,
      dbFile,
    });
    undo.push({ what: 'the Temporal dev server', run: () => server.stop() });

    // 2. The sandbox.
    const base = o.portBase ?? DEV_DEFAULTS.portBase;
    const ports = Object.fromEntries(
      SANDBOX_SYSTEMS.map((k, i) => [k, base === 0 ? 0 : base + i]),
    ) as unknown as SandboxPorts;
    const sandbox = await startSandbox({
      ...(seed ? { seed } : { preset: o.preset ?? 'demo' }),
      ports,
      // With a kept Temporal database, number orders past every earlier run's, so no sale meets an old saga's id.
      ...(reused && !o.fresh ? { orderIdStart: Math.floor(Date.now() / 1000) } : {}),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        throw new CliError(
          `${err.message}: another sandbox may be running; stop it or give the sandbox other ports (--port-base)`,
          EXIT.usage,
        );
      throw err;
    });
    undo.push({ what: 'the sandbox', run: () => sandbox.close() });

    // 3. The run files: the sandbox's config, pointed at this dev server and this ingress.
    const ingressPort = (o.ingressPort ?? DEV_DEFAULTS.ingressPort) || (await freePort());
    const ingressBase = `http://127.0.0.1:${ingressPort}`;
    sandbox.ctx.webhooks.settings.baseUrl = ingressBase;
    const adminToken = randomBytes(18).toString('base64url');
    const raw = sandbox.config();
    raw.temporal = { address: server.address, namespace: server.namespace };
    raw.ingress = { ...(raw.ingress as object), host: '127.0.0.1', port: ingressPort, adminToken };
    raw.reports = { dir: reportsDir };
    o.patchConfig?.(raw);
    const files = sandbox.writeRunFiles(runDir);
    writeFileSync(
      files.configPath,
      `# Written by \`invsync dev\`: the local sandbox, the dev server at ${server.address} and the ingress at ${ingressBase}.\n# Sandbox credentials only; rewritten at every start.\n${stringify(raw)}`,
      { mode: 0o600 },
    );
    const config = await requireConfig(files.configPath).catch((err: Error) => {
      throw new CliError(`the dev config is invalid (patchConfig?): ${err.message}`, EXIT.usage);
    });
    if (config.erp.kind === 'netsuite' && !process.env.NODE_EXTRA_CA_CERTS)
      log(
        `[dev] the NetSuite simulator serves a self-signed certificate: start with NODE_EXTRA_CA_CERTS=$PWD/.tools/sandbox-tls/cert.pem so the worker trusts it`,
      );

    // Tokens of an earlier sandbox are worthless (new credentials each start; Mercado Libre's are single-use).
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const { erp, channels } = createAdapters(config, {
      tokens: new FileTokenStore(join(stateDir, 'tokens')),
    });
    const metrics = createMetrics({ defaultMetrics: true });
    const connection = await Connection.connect({ address: server.address });
    /** False while workers still run activities (they use both connections): those are then left to the exit. */
    let drained = true;
    undo.push({
      what: 'the Temporal client',
      run: async () => {
        if (drained) await connection.close();
      },
    });
    const client = new Client({ connection, namespace: server.namespace });

    // 4. The ingress, and the sandbox's webhooks to it.
    const ingress = await startIngress({
      config,
      client,
      adapters: channels,
      metrics,
      taskQueue: WORKFLOW_TASK_QUEUE,
      idPrefix: '',
      ...(level === 'silent'
        ? {}
        : { log: pino({ level }, pino.destination(2)) as unknown as FastifyBaseLogger }),
      host: '127.0.0.1',
      port: ingressPort,
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        throw new CliError(
          `port ${ingressPort} is taken: give the ingress another (--ingress-port)`,
          EXIT.usage,
        );
      throw err;
    });
    sandbox.ctx.webhooks.settings.baseUrl = ingress.url;
    undo.push({ what: 'the ingress', run: () => ingress.close() });
    // Before the ingress closes: no more deliveries, and those under way finish.
    undo.push({
      what: 'the sandbox webhooks',
      run: async () => {
        sandbox.ctx.webhooks.settings.baseUrl = undefined;
        await sandbox.ctx.webhooks.drain();
      },
    });

    // 5. The worker: engine workers, schedules, metrics, monitor.
    const runtimeBind =
      o.runtimeMetricsBind === false
        ? undefined
        : await concreteBind(
            o.runtimeMetricsBind ??
              process.env.INVSYNC_RUNTIME_METRICS_BIND ??
              DEV_DEFAULTS.runtimeMetricsBind,
          );
    installRuntime(RUNTIME_LEVEL[level], runtimeBind);
    const native = await NativeConnection.connect({ address: server.address });
    undo.push({
      what: 'the worker connection',
      run: async () => {
        if (drained) await native.close();
      },
    });
    const deps: EngineDeps = {
      config,
      erp,
      channels,
      client,
      metrics,
      alerts: createAlerter({
        slackWebhookUrl: config.alerts.slackWebhookUrl,
        log,
        onSent: (a) => metrics.alerts.inc({ kind: a.kind }),
      }),
      stateDir,
      taskQueue: WORKFLOW_TASK_QUEUE,
      idPrefix: '',
    };
    log(
      `[dev] starting the worker${o.workflowBundle ? '' : ' (bundling the workflows takes a few seconds)'}`,
    );
    const workers: Worker[] = await createEngineWorkers({
      connection: native,
      namespace: server.namespace,
      deps,
      workflowBundle: o.workflowBundle,
    });
    const running = Promise.all(workers.map((w) => w.run()));
    const workerExit = running.then(
      () => ({ failed: false as const }),
      (err: Error) => ({ failed: true as const, err }),
    );
    undo.push({
      what: 'the worker',
      run: async () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        drained = await Promise.race([
          workerExit.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), o.drainMs ?? 10_000).unref()),
        ]);
        if (!drained)
          log(
            `[dev] activities still running after ${Math.round((o.drainMs ?? 10_000) / 1000)} s are abandoned: Temporal retries them when a worker runs again`,
          );
      },
    });
    const ensured = await ensureSchedules({ client, config, taskQueue: deps.taskQueue, idPrefix: '' });
    const workerMetrics = await startMetricsServer({
      bind: await concreteBind(o.metricsBind ?? process.env.INVSYNC_METRICS_BIND ?? DEV_DEFAULTS.metricsBind),
      registry: metrics.registry,
      runtimeMetrics: runtimeBind,
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        throw new CliError(
          `${err.message}: another worker may be running; set INVSYNC_METRICS_BIND to another host:port`,
          EXIT.usage,
        );
      throw err;
    });
    undo.push({ what: 'the metrics server', run: () => workerMetrics.close() });
    const monitor = startMonitor(deps, { everyMs: o.monitorEveryMs });
    undo.push({ what: 'the monitor', run: async () => monitor.stop() });

    const urls: DevUrls = {
      temporal: server.address,
      namespace: server.namespace,
      ...(server.uiUrl ? { webUi: server.uiUrl } : {}),
      serverMetrics: server.metricsUrl,
      sandboxAdmin: sandbox.urls.admin,
      sandbox: sandbox.urls,
      ingress: ingress.url,
      adminToken,
      workerMetrics: workerMetrics.url,
      configPath: files.configPath,
      manifestPath: files.manifestPath,
      stateDir,
      reportsDir,
      taskQueues: [deps.taskQueue, ...config.channels.map((c) => channelTaskQueue(c.id, deps.taskQueue))],
      schedules: ensured.map((e) => e.scheduleId),
    };
    print(readyText(urls, sandbox, { reused: reused && !o.fresh, dbFile }));
    o.onReady?.(urls);

    const ended = await Promise.race([stopRequested.then(() => undefined), workerExit]);
    if (ended?.failed) {
      log(`[dev] the worker stopped: ${ended.err.message}`);
      return EXIT.usage;
    }
    return EXIT.ok;
  } finally {
    await teardown();
  }
}

function readyText(u: DevUrls, sandbox: Sandbox, db: { reused: boolean; dbFile: string }): string {
  const ex = example(sandbox);
  const cfg = shown(u.configPath);
  const ui = u.webUi ? `${u.webUi}/namespaces/${u.namespace}/workflows` : undefined;
  const others = (['odoo', 'netsuite', 'shopify', 'amazon', 'mercadolibre'] as const)
    .map((k) => `${k} ${u.sandbox[k].replace(/^https?:\/\/[^:]+:/, ':')}`)
    .join(', ');
  const lines = [
    '',
    `invsync dev stack is up (${sandbox.world.kind} + ${[...sandbox.world.channels.keys()].join(', ')}):`,
    `  Temporal gRPC    ${u.temporal} (namespace ${u.namespace})`,
    `  Temporal Web UI  ${ui ?? '(headless)'}`,
    `  Sandbox admin    ${u.sandboxAdmin}  (simulators: ${others})`,
    `  Ingress          ${u.ingress}  (webhooks, /healthz, /metrics; status page ${u.ingress}/ with admin token ${u.adminToken})`,
    `  Worker metrics   ${u.workerMetrics}  (task queues ${u.taskQueues.join(', ')})`,
    `  Server metrics   ${u.serverMetrics}`,
    `  Schedules        ${u.schedules.join(', ')}`,
    `  Config           ${cfg}  (manifest ${shown(u.manifestPath)}, reports ${shown(u.reportsDir)})`,
    '',
  ];
  if (db.reused)
    lines.push(
      `Note: the Temporal history of an earlier run is kept (${shown(db.dbFile)}); the sandbox starts afresh and numbers`,
      `its orders past the earlier runs'. Start with --fresh (npm run dev -- --fresh) for a clean slate.`,
      '',
    );
  lines.push(
    'Try (in another terminal):',
    `  export INVSYNC_CONFIG=${cfg} INVSYNC_STATE_DIR=${shown(u.stateDir)}`,
  );
  if (ex) {
    lines.push(
      `  npx invsync resync ${ex.sku}                         # invsync takes the SKU over: every channel gets its number`,
      `  curl -s -XPOST ${u.sandboxAdmin}/_sandbox/orders -H 'content-type: application/json' \\`,
      `    -d '${JSON.stringify({ channel: ex.channel, sku: ex.sku, qty: 2, location: ex.location })}'`,
      `  npx invsync status ${ex.sku} --config ${cfg}    # the sale is in the ledger; the other channels dropped`,
    );
  }
  lines.push(
    '  npx invsync reconcile --now                            # read every channel back; prints the report path',
    '  npx invsync attention                                  # anything waiting for an operator',
    ...(ui
      ? [
          `  Web UI: ${ui}?query=${encodeURIComponent(`InvSku="${ex?.sku ?? 'TSHIRT-RED-M'}"`)}  (or filter InvStatus="waiting-erp")`,
        ]
      : []),
    'Ctrl-C stops everything.',
    '',
  );
  return lines.join('\n');
}

if (require.main === module) {
  // `npm run dev -- --fresh` and `npx invsync dev --fresh` take the same options.
  void import('../cli/main').then(({ main }) =>
    main([process.argv[0] as string, 'invsync', 'dev', ...process.argv.slice(2)]).then(
      (code) => {
        process.exitCode = code;
        setTimeout(() => process.exit(code), 500).unref();
      },
      (err: Error) => {
        console.error(err.message);
        process.exitCode = EXIT.usage;
      },
    ),
  );
}
