/**
 * `npm run dev` / `npx invsync dev`: the local stack. Temporal dev server (Web UI, invsync search attributes,
 * state kept in .tools/temporal/dev.db) and the invsync worker, with the URLs printed. Ctrl-C stops both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli, TOOLS_DIR } from './temporal/cli-binary';
import { startDevServer } from './temporal/dev-server';
import { createWorker } from '../workers/main';

export interface DevOptions {
  port?: number;
  uiPort?: number;
  dbFile?: string;
}

export async function runDev(o: DevOptions = {}): Promise<number> {
  const cli = await ensureTemporalCli((l) => console.error(`[temporal] ${l}`));
  mkdirSync(TOOLS_DIR, { recursive: true });
  const server = await startDevServer({
    cliPath: cli.path,
    port: o.port ?? 7233,
    uiPort: o.uiPort ?? 8233,
    dbFile: o.dbFile ?? join(TOOLS_DIR, 'dev.db'),
  });
  const { worker, connection } = await createWorker({ address: server.address, namespace: server.namespace });
  console.log(
    [
      '',
      'invsync dev stack is up:',
      `  Temporal gRPC   ${server.address} (namespace ${server.namespace})`,
      `  Temporal Web UI ${server.uiUrl ?? '(headless)'}`,
      `  Server metrics  ${server.metricsUrl}`,
      `  Worker          task queue "invsync"`,
      '',
      'Try: npx invsync plan --config docs/examples/invsync.config.yaml --snapshot docs/examples/snapshot.json',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  try {
    await worker.run(); // returns after SIGINT/SIGTERM (the Runtime's shutdown signals)
  } finally {
    await connection.close();
    await server.stop();
  }
  return 0;
}

if (require.main === module) {
  runDev().then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
