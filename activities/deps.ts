/**
 * What the engine's activities are built from: the parsed config, the adapters, a Temporal client (to signal and
 * start workflows), metrics, alerts and a state directory. The worker builds one EngineDeps per process; tests build
 * theirs against the sandbox.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../domain/config/schema';
import type { ChannelAdapter, ErpAdapter } from '../integrations/types';
import type { InvsyncMetrics } from '../ops/metrics';
import type { Alerter } from '../ops/alerts';

export interface EngineDeps {
  config: Config;
  erp: ErpAdapter;
  channels: ReadonlyMap<string, ChannelAdapter>;
  client: Client;
  metrics: InvsyncMetrics;
  alerts: Alerter;
  /** Where reports and reconciliation read caches go (absolute). */
  stateDir: string;
  /** Task queue of the workflows (default `invsync`; tests use a unique one). Channel queues derive from it. */
  taskQueue: string;
  /**
   * Prepended to every workflow id this process starts or signals ('' in production). Tests sharing one Temporal
   * server use a unique prefix, so their `sku:<sku>` workflows never meet.
   */
  idPrefix: string;
}
