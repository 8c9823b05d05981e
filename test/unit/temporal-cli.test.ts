/** The Temporal CLI resolution order and the dev-server command line. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTemporalCli, INSTALL_HELP } from '../../scripts/temporal/cli-binary';
import { devServerArgs } from '../../scripts/temporal/dev-server';

const saved = { path: process.env.PATH, cli: process.env.TEMPORAL_CLI_PATH };
afterEach(() => {
  process.env.PATH = saved.path;
  if (saved.cli === undefined) delete process.env.TEMPORAL_CLI_PATH;
  else process.env.TEMPORAL_CLI_PATH = saved.cli;
});

function fakeBinary(dir: string): string {
  const p = join(dir, 'temporal');
  writeFileSync(p, '#!/bin/sh\necho fake\n');
  chmodSync(p, 0o755);
  return p;
}

test('TEMPORAL_CLI_PATH wins over a temporal on PATH', () => {
  const onPath = mkdtempSync(join(tmpdir(), 'path-'));
  fakeBinary(onPath);
  const explicit = fakeBinary(mkdtempSync(join(tmpdir(), 'explicit-')));
  process.env.PATH = `${onPath}:${saved.path}`;
  process.env.TEMPORAL_CLI_PATH = explicit;
  expect(findTemporalCli()).toEqual({ path: explicit, source: 'env' });
});

test('a temporal on PATH is used when TEMPORAL_CLI_PATH is unset', () => {
  const onPath = mkdtempSync(join(tmpdir(), 'path-'));
  const p = fakeBinary(onPath);
  delete process.env.TEMPORAL_CLI_PATH;
  process.env.PATH = `${onPath}:${saved.path}`;
  expect(findTemporalCli()).toEqual({ path: p, source: 'path' });
});

test('a TEMPORAL_CLI_PATH that is not executable is an error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bad-'));
  const p = join(dir, 'temporal');
  writeFileSync(p, 'not executable');
  process.env.TEMPORAL_CLI_PATH = p;
  expect(() => findTemporalCli()).toThrow(`TEMPORAL_CLI_PATH=${p} is not an executable file`);
});

test('the install help says exactly what to install', () => {
  expect(INSTALL_HELP).toMatch(/Go >= 1\.25.*npm run temporal:install/);
  expect(INSTALL_HELP).toMatch(/TEMPORAL_CLI_PATH/);
});

test('start-dev registers every invsync search attribute, binds the chosen ports and keeps offline', () => {
  const args = devServerArgs({
    cliPath: 'temporal',
    ip: '127.0.0.1',
    port: 7233,
    metricsPort: 9999,
    namespace: 'default',
    uiPort: 8233,
    dbFile: '/tmp/x.db',
  });
  const pairs = args.flatMap((a, i) => (a === '--search-attribute' ? [args[i + 1]] : []));
  expect(pairs).toEqual([
    'InvSku=Keyword',
    'InvChannels=KeywordList',
    'InvStatus=Keyword',
    'InvDriftUnits=Int',
  ]);
  expect(args.join(' ')).toContain(
    'server start-dev --ip 127.0.0.1 --port 7233 --metrics-port 9999 --namespace default --ui-port 8233 --db-filename /tmp/x.db',
  );
  expect(args.join(' ')).toContain('--dynamic-config-value frontend.enableServerVersionCheck=false');
  const headless = devServerArgs({
    cliPath: 'temporal',
    ip: '127.0.0.1',
    port: 1,
    metricsPort: 2,
    namespace: 'ns',
  });
  expect(headless).toContain('--headless');
  expect(headless).not.toContain('--db-filename');
});
