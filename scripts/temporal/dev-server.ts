/**
 * Starts `temporal server start-dev` with the invsync search attributes registered, on chosen (or free)
 * ports, with or without the Web UI, on a database file or in memory, and waits until it answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  /** gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; `false` runs headless. Default: headless. */
  uiPort?: number | false;
  /** Prometheus /metrics port of the server; 0 or undefined picks a free one. */
  metricsPort?: number;
  namespace?: string;
  /** SQLite file; undefined keeps everything in memory. */
  dbFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Extra `--dynamic-config-value KEY=JSON` pairs (e.g. a low continue-as-new threshold for tests). */
  dynamicConfig?: Record<string, unknown>;
  startupTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  metricsUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function devServerArgs(
  o: Required<Pick<DevServerOptions, 'ip' | 'port' | 'metricsPort' | 'namespace'>> & DevServerOptions,
): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    o.ip,
    '--port',
    String(o.port),
    '--metrics-port',
    String(o.metricsPort),
  ];
  args.push('--namespace', o.namespace);
  if (o.uiPort === false || o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.dbFile)
    args.push(
      '--db-filename',
      o.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  args.push('--log-level', o.logLevel ?? 'warn');
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  const dyn = { 'frontend.enableServerVersionCheck': false, ...o.dynamicConfig };
  for (const [k, v] of Object.entries(dyn)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}

async function waitUntilServing(
  address: string,
  child: ChildProcess,
  deadline: number,
  output: () => string,
): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`temporal dev server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal dev server at ${address} did not answer in time (${lastError}):\n${output()}`);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  const metricsPort = opts.metricsPort || (await freePort(ip));
  const namespace = opts.namespace ?? 'default';
  const args = devServerArgs({ ...opts, ip, port, metricsPort, namespace });
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, child, Date.now() + (opts.startupTimeoutMs ?? 60_000), () => out);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return {
    address,
    namespace,
    ...(opts.uiPort ? { uiUrl: `http://${ip}:${opts.uiPort}` } : {}),
    metricsUrl: `http://${ip}:${metricsPort}/metrics`,
    pid: child.pid ?? -1,
    stop,
  };
}
