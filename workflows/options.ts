/** Plain activity option data (domain/activity-options) -> the SDK's ActivityOptions. */
import type { ActivityOptions } from '@temporalio/workflow';
import type { ActivityOptionsData } from '../domain/activity-options';

export function toActivityOptions(o: ActivityOptionsData): ActivityOptions {
  return {
    taskQueue: o.taskQueue,
    startToCloseTimeout: o.startToCloseTimeoutMs,
    scheduleToCloseTimeout: o.scheduleToCloseTimeoutMs,
    ...(o.heartbeatTimeoutMs ? { heartbeatTimeout: o.heartbeatTimeoutMs } : {}),
    retry: {
      initialInterval: o.retry.initialIntervalMs,
      backoffCoefficient: o.retry.backoffCoefficient,
      maximumInterval: o.retry.maximumIntervalMs,
      maximumAttempts: o.retry.maximumAttempts,
      nonRetryableErrorTypes: o.retry.nonRetryableErrorTypes,
    },
  };
}
