/**
 * A Temporal client for the operator commands: the server and namespace from the config (`temporal.address`,
 * `temporal.namespace`), overridden by $TEMPORAL_ADDRESS / $TEMPORAL_NAMESPACE. A server that cannot be reached, or a
 * namespace it does not have, ends the command with a message that says how to fix it (exit 2).
 */
import { Client, Connection } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { CliError, EXIT } from '../cli/io';
import type { Config } from '../domain/config/schema';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** Where the commands talk to: the config's `temporal` section, environment variables win. */
export function temporalTarget(
  config: Pick<Config, 'temporal'> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TemporalTarget {
  return {
    address: env.TEMPORAL_ADDRESS || config?.temporal.address || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || config?.temporal.namespace || 'default',
  };
}

export interface ConnectedClient {
  client: Client;
  connection: Connection;
  target: TemporalTarget;
  close(): Promise<void>;
}

const HOW_TO_FIX =
  'Start one with `npx invsync dev` (local), or point `temporal.address` in the config (or $TEMPORAL_ADDRESS) at your Temporal frontend.';

/** Connects and checks the namespace exists; throws a CliError (exit 2) that says what to do when it cannot. */
export async function connectTemporal(
  target: TemporalTarget,
  opts: { connectTimeoutMs?: number } = {},
): Promise<ConnectedClient> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: target.address,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
    });
  } catch (err) {
    throw new CliError(
      `cannot reach the Temporal server at ${target.address}: ${(err as Error).message}. ${HOW_TO_FIX}`,
      EXIT.usage,
    );
  }
  try {
    await connection.withDeadline(Date.now() + (opts.connectTimeoutMs ?? 5000), () =>
      connection.workflowService.describeNamespace({ namespace: target.namespace }),
    );
  } catch (err) {
    await connection.close();
    const notFound =
      err instanceof NamespaceNotFoundError || (err as { code?: number }).code === 5; /* grpc NOT_FOUND */
    throw new CliError(
      notFound
        ? `the Temporal server at ${target.address} has no namespace "${target.namespace}". Create it (\`temporal operator namespace create -n ${target.namespace}\`) or set \`temporal.namespace\` in the config (or $TEMPORAL_NAMESPACE).`
        : `cannot reach the Temporal server at ${target.address}: ${(err as Error).message}. ${HOW_TO_FIX}`,
      EXIT.usage,
    );
  }
  const client = new Client({ connection, namespace: target.namespace });
  return { client, connection, target, close: () => connection.close() };
}
