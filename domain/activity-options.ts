/**
 * Activity options per channel (and for the ERP), derived from the config: the task queue
 * `invsync-channel-<id>` (rate-limited server-side by the worker's maxTaskQueueActivitiesPerSecond), timeouts, and
 * a bounded retry policy whose non-retryable types are the permanent error codes. Plain data (no Temporal import):
 * workflows pass it to proxyActivities.
 */
import { channelTaskQueue, WORKFLOW_TASK_QUEUE } from './search-attributes';

/** Permanent error codes (integrations/errors.ts): never retried by Temporal. */
export const PERMANENT_ERROR_TYPES = [
  'AUTH_FAILED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'INVALID_REQUEST',
  'UNLINKED_SKU',
  'DUPLICATE_SKU',
  'UNMAPPED_LOCATION',
  'WRITE_FORBIDDEN',
  'INSUFFICIENT_STOCK',
  'UPSTREAM_REJECTED',
  'BAD_RESPONSE',
] as const;

export interface ActivityOptionsData {
  taskQueue: string;
  startToCloseTimeoutMs: number;
  scheduleToCloseTimeoutMs: number;
  /** A worker that stops heartbeating this long is presumed dead and the activity is retried elsewhere. */
  heartbeatTimeoutMs?: number | undefined;
  retry: {
    initialIntervalMs: number;
    backoffCoefficient: number;
    maximumIntervalMs: number;
    maximumAttempts: number;
    nonRetryableErrorTypes: string[];
  };
}

export interface ActivityTimings {
  /** One call's limit (a bulk read or a feed poll takes longer than a single patch). */
  startToCloseMs?: number;
  /** Everything including retries: after this the step stops in needs-attention instead of retrying forever. */
  scheduleToCloseMs?: number;
  initialIntervalMs?: number;
  maximumIntervalMs?: number;
  maximumAttempts?: number;
  /** Heartbeat timeout (activities that heartbeat: ERP writes, bulk reads, pushes). */
  heartbeatMs?: number;
}

const DEFAULTS: Required<Omit<ActivityTimings, 'heartbeatMs'>> = {
  startToCloseMs: 60_000,
  scheduleToCloseMs: 30 * 60_000,
  initialIntervalMs: 1_000,
  maximumIntervalMs: 60_000,
  maximumAttempts: 20,
};

function options(taskQueue: string, t: ActivityTimings): ActivityOptionsData {
  const v = { ...DEFAULTS, ...t };
  return {
    taskQueue,
    startToCloseTimeoutMs: v.startToCloseMs,
    scheduleToCloseTimeoutMs: v.scheduleToCloseMs,
    ...(t.heartbeatMs !== undefined ? { heartbeatTimeoutMs: t.heartbeatMs } : {}),
    retry: {
      initialIntervalMs: v.initialIntervalMs,
      backoffCoefficient: 2,
      maximumIntervalMs: v.maximumIntervalMs,
      maximumAttempts: v.maximumAttempts,
      nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES],
    },
  };
}

export function channelActivityOptions(
  channelId: string,
  t: ActivityTimings = {},
  workflowQueue: string = WORKFLOW_TASK_QUEUE,
): ActivityOptionsData {
  return options(channelTaskQueue(channelId, workflowQueue), t);
}

export function erpActivityOptions(
  t: ActivityTimings = {},
  workflowQueue: string = WORKFLOW_TASK_QUEUE,
): ActivityOptionsData {
  return options(workflowQueue, t);
}

/** Default activities/second per channel task queue when the config sets no rate limit (the vendors' sustained rates). */
export const DEFAULT_CHANNEL_RATE: Record<'shopify' | 'amazon' | 'mercadolibre', number> = {
  shopify: 5, // GraphQL bucket restores 100 points/s; a push of one SKU's locations costs ~10-20 points
  amazon: 5, // patchListingsItem 5 rps
  // PUT /items is limited only by the edge (~1500 requests/minute, ~3 calls per push); distributed stock
  // (user-products, 100/minute) answers 429 with a delay hint when this is too fast for it.
  mercadolibre: 5,
};
