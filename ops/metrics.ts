/**
 * invsync's Prometheus metrics (design C10), one registry per process. Activities record pushes, throttles, latency
 * and drift; the ingress records webhooks; the worker samples the needs-attention count from Temporal visibility.
 * The worker's `/metrics` serves these next to the Temporal SDK runtime's own metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface InvsyncMetrics {
  registry: Registry;
  /** Seconds from the event (sale, ERP change) to the channel accepting the new number. */
  eventToPush: Histogram<'channel'>;
  /** Push outcomes per channel: applied, unchanged, stale, shadow, failed. */
  pushes: Counter<'channel' | 'result'>;
  /** Calls the channel throttled (a retryable RATE_LIMITED with its delay hint). */
  throttles: Counter<'channel'>;
  /** Absolute drift units found by the last reconciliation, per channel. */
  driftUnits: Gauge<'channel'>;
  /** Share of checked rows out of tolerance in the last reconciliation, per channel (0..1). */
  driftRate: Gauge<'channel'>;
  reconcileDuration: Histogram<'scope'>;
  /** Workflows waiting for an operator (InvStatus = needs-attention). */
  needsAttention: Gauge;
  /** Webhooks by source and result (accepted, duplicate, echo, rejected, unauthorized, unavailable). */
  webhooks: Counter<'source' | 'result'>;
  /** Alerts sent, by kind. */
  alerts: Counter<'kind'>;
  /** Last successful push per channel (unix seconds): a channel silent for 10+ minutes alerts. */
  lastPush: Gauge<'channel'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): InvsyncMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'invsync_process_' });
  const registers = [registry];
  return {
    registry,
    eventToPush: new Histogram({
      name: 'invsync_event_to_push_seconds',
      help: 'Seconds from an inventory event to the channel accepting the new quantity',
      labelNames: ['channel'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    pushes: new Counter({
      name: 'invsync_pushes_total',
      help: 'Channel pushes by result',
      labelNames: ['channel', 'result'],
      registers,
    }),
    throttles: new Counter({
      name: 'invsync_throttles_total',
      help: 'Channel calls throttled (retried after the vendor delay)',
      labelNames: ['channel'],
      registers,
    }),
    driftUnits: new Gauge({
      name: 'invsync_drift_units',
      help: 'Absolute drift units found by the last reconciliation',
      labelNames: ['channel'],
      registers,
    }),
    driftRate: new Gauge({
      name: 'invsync_drift_rate',
      help: 'Share of rows out of tolerance in the last reconciliation',
      labelNames: ['channel'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'invsync_reconcile_duration_seconds',
      help: 'Duration of a reconciliation run',
      labelNames: ['scope'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800],
      registers,
    }),
    needsAttention: new Gauge({
      name: 'invsync_needs_attention',
      help: 'Workflows waiting for an operator (InvStatus = needs-attention)',
      registers,
    }),
    webhooks: new Counter({
      name: 'invsync_webhooks_total',
      help: 'Webhooks received by source and result',
      labelNames: ['source', 'result'],
      registers,
    }),
    alerts: new Counter({
      name: 'invsync_alerts_total',
      help: 'Alerts sent by kind',
      labelNames: ['kind'],
      registers,
    }),
    lastPush: new Gauge({
      name: 'invsync_last_successful_push_timestamp_seconds',
      help: 'Unix time of the last successful push per channel',
      labelNames: ['channel'],
      registers,
    }),
  };
}
