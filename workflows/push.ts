/**
 * `push:<channel>:<key>`: one push of quantities to one channel, on that channel's task queue (so its rate limit
 * applies). The idempotency key is the workflow's own id unless given: every retry of the activity reuses it, so the
 * channel applies the write once. Retryable failures wait as long as the channel asked (nextRetryDelay); permanent
 * ones fail the workflow with their typed code and operational message.
 */
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptionsData } from '../domain/activity-options';
import type { ChannelActivities, ChannelPush, PushOutcome } from '../activities/channel';
import { toActivityOptions } from './options';

export interface ChannelPushRequest {
  channel: string;
  pushes: ChannelPush[];
  options: ActivityOptionsData;
  idempotencyKey?: string;
}

export async function channelPushWorkflow(req: ChannelPushRequest): Promise<PushOutcome[]> {
  const { channelPush } = proxyActivities<ChannelActivities>(toActivityOptions(req.options));
  const idempotencyKey = req.idempotencyKey ?? workflowInfo().workflowId;
  setCurrentDetails(`pushing ${req.pushes.length} quantities to ${req.channel} (key ${idempotencyKey})`);
  const outcomes = await channelPush({ channel: req.channel, pushes: req.pushes, idempotencyKey });
  setCurrentDetails(
    `${req.channel}: ${outcomes.filter((o) => o.status === 'applied').length} applied, ${outcomes.filter((o) => o.status === 'stale').length} stale`,
  );
  return outcomes;
}
