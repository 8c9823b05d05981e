/**
 * Finds or builds the Temporal CLI (dev server + Web UI), in this order:
 *   1. TEMPORAL_CLI_PATH
 *   2. `temporal` on PATH
 *   3. a cached build in .tools/temporal/<version>/ (git-ignored)
 *   4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into that folder when Go is present
 *      (falling back to v1.4.1, then v1.3.0; later tags carry a `replace` directive and cannot be installed)
 *   5. the Temporal SDK's own download (machines with internet and no Go)
 * When none works it says exactly what to install.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEMPORAL_CLI_VERSIONS = ['1.5.1', '1.4.1', '1.3.0'] as const;
export const TOOLS_DIR = resolve(__dirname, '..', '..', '.tools', 'temporal');

export type CliSource = 'env' | 'path' | 'cache' | 'go-install' | 'sdk-download';

export interface ResolvedCli {
  path: string;
  source: CliSource;
  version?: string;
}

type Log = (line: string) => void;

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

export function cachedBuild(): ResolvedCli | undefined {
  for (const version of TEMPORAL_CLI_VERSIONS) {
    const p = join(TOOLS_DIR, version, 'temporal');
    if (isExecutable(p)) return { path: p, source: 'cache', version };
  }
  return undefined;
}

/** Steps 1-3: what is already on this machine, without building or downloading anything. */
export function findTemporalCli(): ResolvedCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'env' };
  }
  const found = onPath('temporal');
  if (found) return { path: found, source: 'path' };
  return cachedBuild();
}

async function goVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('go', ['env', 'GOVERSION']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function goInstall(version: string, log: Log): Promise<boolean> {
  const dir = join(TOOLS_DIR, version);
  mkdirSync(dir, { recursive: true });
  log(`building Temporal CLI v${version} with go install (first time only; a few minutes on 2 cores)...`);
  return new Promise((done) => {
    const child = spawn('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${version}`], {
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', () => done(false));
    child.on('close', (code) => {
      if (code !== 0) log(`go install v${version} failed:\n${tail.trim()}`);
      done(code === 0 && isExecutable(join(dir, 'temporal')));
    });
  });
}

/** Step 5: let the SDK download its pinned CLI into .tools/temporal/download, then reuse that file. */
async function sdkDownload(log: Log): Promise<string | undefined> {
  const downloadDir = join(TOOLS_DIR, 'download');
  const find = () => {
    if (!existsSync(downloadDir)) return undefined;
    for (const f of readdirSync(downloadDir)) {
      const p = join(downloadDir, f);
      if (f.startsWith('temporal') && !f.includes('test-server') && isExecutable(p)) return p;
    }
    return undefined;
  };
  const have = find();
  if (have) return have;
  try {
    log('no Go toolchain: asking the Temporal SDK to download its dev server...');
    // Optional dependency at run time: @temporalio/testing is a devDependency.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir, ttl: '3650d' } },
    });
    await env.teardown();
    return find();
  } catch (err) {
    log(`SDK download failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export const INSTALL_HELP = [
  'No Temporal CLI could be found or built. Do one of:',
  '  - install Go >= 1.25 (https://go.dev/dl/) and run `npm run temporal:install` (builds the CLI into .tools/temporal/)',
  '  - install the Temporal CLI (https://docs.temporal.io/cli#install) and put `temporal` on PATH',
  '  - point TEMPORAL_CLI_PATH at an existing `temporal` binary',
].join('\n');

/** Resolves the CLI, building or downloading it when needed. Throws with {@link INSTALL_HELP} when impossible. */
export async function ensureTemporalCli(log: Log = () => undefined): Promise<ResolvedCli> {
  const found = findTemporalCli();
  if (found) return found;
  const go = await goVersion();
  if (go) {
    log(`Go ${go} found`);
    for (const version of TEMPORAL_CLI_VERSIONS) {
      if (await goInstall(version, log))
        return { path: join(TOOLS_DIR, version, 'temporal'), source: 'go-install', version };
    }
  }
  const downloaded = await sdkDownload(log);
  if (downloaded) return { path: downloaded, source: 'sdk-download' };
  throw new Error(INSTALL_HELP);
}
