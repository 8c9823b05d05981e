/**
 * Jest global setup: one Temporal dev server per test run (headless, in memory, free ports, invsync search
 * attributes registered) and one pre-built workflow bundle. Tests find them through environment variables.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli, INSTALL_HELP } from '../../scripts/temporal/cli-binary';
import { startDevServer, type DevServer } from '../../scripts/temporal/dev-server';

declare global {
  var __INVSYNC_DEV_SERVER__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const cli = findTemporalCli();
  if (!cli) throw new Error(`${INSTALL_HELP}\n(\`npm test\` runs \`npm run temporal:install\` first.)`);

  const started = Date.now();
  const [server, bundle] = await Promise.all([
    startDevServer({ cliPath: cli.path, startupTimeoutMs: 90_000 }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);
  globalThis.__INVSYNC_DEV_SERVER__ = server;
  const dir = mkdtempSync(join(tmpdir(), 'invsync-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.INVSYNC_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.INVSYNC_TEST_TEMPORAL_NAMESPACE = server.namespace;
  process.env.INVSYNC_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.INVSYNC_TEST_TMP = dir;
  console.log(
    `\n[test] Temporal dev server ${server.address} (${cli.source}) and workflow bundle ready in ${Date.now() - started} ms`,
  );
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};
