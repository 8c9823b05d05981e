/**
 * `invsync-poll` (started by the schedule of that name): the fallback for lost webhooks (design C3). Reads the ERP's
 * change feed and every channel's orders since the last cursors, and hands what it finds to Temporal exactly as the
 * ingress would — idempotently, so what a webhook already delivered changes nothing. Cursors are saved only after
 * the hand-off, so a failed poll is repeated, never skipped.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { InboundEvent } from '../domain/events';
import type { ChannelActivities, ErpActivities } from '../activities/channel';
import type { SyncActivities } from '../activities/sync';
import { toActivityOptions } from './options';

const sync = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});
const erp = proxyActivities<ErpActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface PollResult {
  erpSkus: number;
  orders: number;
  started: number;
  signalled: number;
}

export async function pollWorkflow(_input: Record<string, never> = {}): Promise<PollResult> {
  const cursors = await sync.loadPollCursors();
  const info = await sync.engineInfo();
  const next: Record<string, string> = { ...cursors };
  const events: { event: InboundEvent; deliveryId: string }[] = [];

  const changes = await erp.erpChangesSince(cursors.erp !== undefined ? { cursor: cursors.erp } : {});
  next.erp = changes.cursor;
  if (changes.skus.length)
    events.push({
      event: { type: 'erp', skus: changes.skus, reason: 'ERP change feed' },
      deliveryId: `poll:erp:${cursors.erp ?? 'start'}`,
    });

  let orders = 0;
  await Promise.all(
    info.channels.map(async (channel) => {
      const opts = info.channelOptions[channel];
      if (!opts) return;
      const { channelOrdersSince } = proxyActivities<ChannelActivities>({
        ...toActivityOptions(opts),
        retry: { ...toActivityOptions(opts).retry, maximumAttempts: 5 },
      });
      const key = `orders:${channel}`;
      const r = await channelOrdersSince({
        channel,
        ...(cursors[key] !== undefined ? { cursor: cursors[key] } : {}),
      });
      next[key] = r.cursor;
      orders += r.orders.length;
      for (const order of r.orders)
        events.push({
          event: { type: 'order', order },
          deliveryId: `poll:${channel}:${order.orderId}:${order.status}`,
        });
    }),
  );

  const handed = events.length ? await sync.dispatchInbound({ events }) : { started: 0, signalled: 0 };
  await sync.savePollCursors(next);
  const result = { erpSkus: changes.skus.length, orders, ...handed };
  setCurrentDetails(
    `poll: ${result.erpSkus} SKUs changed in the ERP, ${orders} channel orders seen; ${handed.started} sagas started (the rest were known)`,
  );
  return result;
}
