/**
 * Channel and ERP activities, built over injected adapters. Each is thin: it picks the adapter, calls it, and lets
 * IntegrationErrors leave as typed ApplicationFailures. Idempotency keys and references come from the workflow.
 */
import { Context } from '@temporalio/activity';
import { typedFailures } from './errors';
import { IntegrationError } from '../integrations/errors';
import type {
  ChannelAdapter,
  ChannelLevel,
  ChannelPush,
  ErpAdapter,
  ErpChanges,
  ErpStock,
  OrderPresence,
  Page,
  PushOutcome,
} from '../integrations/types';
import type { KitDef } from '../domain/model';
import type { ChannelOrder } from '../domain/events';
import type { InvsyncMetrics } from '../ops/metrics';

function adapterOf(adapters: ReadonlyMap<string, ChannelAdapter>, channel: string): ChannelAdapter {
  const a = adapters.get(channel);
  if (!a)
    throw new IntegrationError({
      system: 'invsync',
      channel,
      code: 'INVALID_REQUEST',
      message: `channel ${channel} is not configured on this worker`,
    });
  return a;
}

/** Heartbeats while a long call runs (bulk reads, feed polling), so a dead worker is noticed quickly. */
async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called outside an activity (tests, CLI)
  }
  if (!ctx?.info.heartbeatTimeoutMs) return fn();
  const timer = setInterval(
    () => ctx?.heartbeat(),
    Math.max(1000, Math.floor(ctx.info.heartbeatTimeoutMs / 3)),
  );
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

export interface ChannelActivityHooks {
  metrics?: InvsyncMetrics | undefined;
}

export function createChannelActivities(
  adapters: ReadonlyMap<string, ChannelAdapter>,
  hooks: ChannelActivityHooks = {},
) {
  const m = hooks.metrics;
  /** Counts throttles and failures (the error still leaves, typed, for Temporal to retry or stop). */
  const counted = async <T>(channel: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (m && err instanceof IntegrationError) {
        if (err.code === 'RATE_LIMITED' || err.code === 'THROTTLED') m.throttles.inc({ channel });
        else m.pushes.inc({ channel, result: 'failed' });
      }
      throw err;
    }
  };
  return {
    channelLevels: typedFailures(async (req: { channel: string; skus: string[] }): Promise<ChannelLevel[]> =>
      adapterOf(adapters, req.channel).levels(req.skus),
    ),
    channelReadAll: typedFailures(
      async (req: { channel: string; cursor?: string }): Promise<Page<ChannelLevel>> =>
        withHeartbeat(() => adapterOf(adapters, req.channel).readAll(req.cursor)),
    ),
    channelPush: typedFailures(
      async (req: {
        channel: string;
        pushes: ChannelPush[];
        idempotencyKey: string;
        /** When the event that caused this push happened (epoch ms), for the event-to-push latency metric. */
        eventAt?: number;
      }): Promise<PushOutcome[]> => {
        const outcomes = await counted(req.channel, () =>
          withHeartbeat(() => adapterOf(adapters, req.channel).push(req.pushes, req.idempotencyKey)),
        );
        if (m) {
          for (const o of outcomes) m.pushes.inc({ channel: req.channel, result: o.status });
          if (outcomes.some((o) => o.status === 'applied' || o.status === 'unchanged')) {
            m.lastPush.set({ channel: req.channel }, Date.now() / 1000);
            if (req.eventAt !== undefined)
              m.eventToPush.observe({ channel: req.channel }, Math.max(0, Date.now() - req.eventAt) / 1000);
          }
        }
        return outcomes;
      },
    ),
    /** Orders created or changed since the cursor (the poll's fallback for lost webhooks). */
    channelOrdersSince: typedFailures(
      async (req: {
        channel: string;
        cursor?: string;
      }): Promise<{ orders: ChannelOrder[]; cursor: string }> =>
        adapterOf(adapters, req.channel).ordersSince(req.cursor),
    ),
  };
}

export function createErpActivities(erp: ErpAdapter) {
  return {
    erpAvailability: typedFailures(async (req: { sku: string; locations: string[] }): Promise<ErpStock[]> =>
      erp.availability(req.sku, req.locations),
    ),
    erpAvailabilityPage: typedFailures(
      async (req: { locations: string[]; cursor?: string }): Promise<Page<ErpStock>> =>
        withHeartbeat(() => erp.availabilityPage(req.locations, req.cursor)),
    ),
    erpChangesSince: typedFailures(async (req: { cursor?: string }): Promise<ErpChanges> =>
      erp.changesSince(req.cursor),
    ),
    erpOrderPresence: typedFailures(async (req: { reference: string }): Promise<OrderPresence> =>
      withHeartbeat(() => erp.orderPresence(req.reference)),
    ),
    erpAdjust: typedFailures(
      async (req: { sku: string; location: string; delta: number; reference: string; reason?: string }) =>
        withHeartbeat(() => erp.adjust(req)),
    ),
    erpTransfer: typedFailures(
      async (req: { sku: string; qty: number; from: string; to: string; reference: string }) =>
        withHeartbeat(() => erp.transfer(req)),
    ),
    erpKits: typedFailures(async (): Promise<KitDef[]> => erp.kits()),
  };
}

export type ChannelActivities = ReturnType<typeof createChannelActivities>;
export type ErpActivities = ReturnType<typeof createErpActivities>;

/** The data types workflows exchange with these activities (workflows may import activity types, not integrations). */
export type {
  ChannelLevel,
  ChannelPush,
  ErpChanges,
  ErpStock,
  OrderPresence,
  Page,
  PushOutcome,
} from '../integrations/types';
