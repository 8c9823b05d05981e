/**
 * Helpers for tests that run on the shared dev server: connections, a unique task queue and workflow id per
 * test, and the pre-built workflow bundle.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';

let runtimeInstalled = false;

export function testEnv(): { address: string; namespace: string; bundlePath: string; tmp: string } {
  const address = process.env.INVSYNC_TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.INVSYNC_TEST_WORKFLOW_BUNDLE;
  if (!address || !bundlePath)
    throw new Error(
      'no Temporal dev server: run the `temporal` Jest project (see test/support/global-setup.ts)',
    );
  return {
    address,
    namespace: process.env.INVSYNC_TEST_TEMPORAL_NAMESPACE ?? 'default',
    bundlePath,
    tmp: process.env.INVSYNC_TEST_TMP ?? '/tmp',
  };
}

export interface TemporalTestContext {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  namespace: string;
  bundlePath: string;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TemporalTestContext> {
  if (!runtimeInstalled) {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
    runtimeInstalled = true;
  }
  const env = testEnv();
  const connection = await Connection.connect({ address: env.address });
  const nativeConnection = await NativeConnection.connect({ address: env.address });
  const client = new Client({ connection, namespace: env.namespace });
  return {
    client,
    connection,
    nativeConnection,
    namespace: env.namespace,
    bundlePath: env.bundlePath,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A name no other test (or earlier run on a persistent server) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
