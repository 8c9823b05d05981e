/**
 * The error taxonomy on a real Temporal server: a retryable IntegrationError is retried after the vendor's delay
 * hint (nextRetryDelay), with the same idempotency key; a permanent one fails at once with its typed code and
 * operational message; the activity runs on the channel's own task queue.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createChannelActivities } from '../../activities/channel';
import { channelActivityOptions } from '../../domain/activity-options';
import { IntegrationError } from '../../integrations/errors';
import type { ChannelOrder } from '../../domain/events';
import type { ChannelAdapter, ChannelPush, PushOutcome } from '../../integrations/types';
import { channelPushWorkflow } from '../../workflows';
import { connectTestTemporal, unique, type TemporalTestContext } from '../support/temporal';

jest.setTimeout(60_000);
let t: TemporalTestContext;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** A channel whose behaviour the test scripts, recording every call it receives. */
class ScriptedChannel implements ChannelAdapter {
  readonly kind = 'shopify' as const;
  readonly mode = 'live' as const;
  calls: { at: number; key: string }[] = [];
  constructor(
    readonly id: string,
    private readonly script: ((attempt: number) => void)[],
  ) {}
  async checkAccess(): Promise<void> {}
  async levels() {
    return [];
  }
  async readAll() {
    return { items: [] };
  }
  async push(pushes: readonly ChannelPush[], key: string): Promise<PushOutcome[]> {
    this.calls.push({ at: Date.now(), key });
    this.script[this.calls.length - 1]?.(this.calls.length);
    return pushes.map((p) => ({ sku: p.sku, location: p.location, status: 'applied', shows: p.qty }));
  }
  /** A channel that has taken no orders: it knows none, and nothing changes since any cursor. */
  async order(): Promise<ChannelOrder | undefined> {
    return undefined;
  }
  async ordersSince(cursor?: string): Promise<{ orders: ChannelOrder[]; cursor: string }> {
    return { orders: [], cursor: cursor ?? new Date().toISOString() };
  }
}

async function run(channel: ScriptedChannel, workflowId: string) {
  const options = channelActivityOptions(channel.id, { initialIntervalMs: 100, maximumAttempts: 5 });
  const worker = await Worker.create({
    connection: t.nativeConnection,
    namespace: t.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: t.bundlePath },
    activities: createChannelActivities(new Map([[channel.id, channel]])),
  });
  return worker.runUntil(
    t.client.workflow.execute(channelPushWorkflow, {
      taskQueue: options.taskQueue,
      workflowId,
      args: [{ channel: channel.id, pushes: [{ sku: 'TEE', location: 'L1', qty: 4, expected: 5 }], options }],
    }),
  );
}

test('a throttle is retried after the channel-given delay, with the same idempotency key', async () => {
  const channel = new ScriptedChannel(unique('ch'), [
    () => {
      throw new IntegrationError({
        system: 'shopify',
        channel: 'x',
        code: 'THROTTLED',
        message: 'Shopify throttled the call',
        retryAfterMs: 1500,
      });
    },
  ]);
  const workflowId = unique('push:throttle');
  const outcomes = await run(channel, workflowId);
  expect(outcomes).toEqual([{ sku: 'TEE', location: 'L1', status: 'applied', shows: 4 }]);
  expect(channel.calls).toHaveLength(2);
  // The retry policy's own interval is 100 ms: the 1.5 s wait is the channel's hint.
  expect((channel.calls[1]?.at ?? 0) - (channel.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1400);
  expect(new Set(channel.calls.map((c) => c.key))).toEqual(new Set([workflowId]));
});

test('a permanent error fails at once with its code and operational message', async () => {
  const channel = new ScriptedChannel(unique('ch'), [
    () => {
      throw new IntegrationError({
        system: 'shopify',
        channel: 'shop',
        sku: 'TEE',
        code: 'UNLINKED_SKU',
        message: 'SKU TEE has no Shopify variant on channel shop',
      });
    },
  ]);
  const err = await run(channel, unique('push:unlinked')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause?.cause as {
    type?: string;
    message?: string;
    nonRetryable?: boolean;
    details?: unknown[];
  };
  expect(failure).toMatchObject({
    type: 'UNLINKED_SKU',
    message: 'SKU TEE has no Shopify variant on channel shop',
    nonRetryable: true,
  });
  expect(failure.details?.[0]).toMatchObject({ system: 'shopify', channel: 'shop', sku: 'TEE' });
  expect(channel.calls).toHaveLength(1);
});
