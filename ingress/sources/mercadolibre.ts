/**
 * Mercado Libre notifications carry no signature: the ingress authenticates them by re-fetching the resource with
 * invsync's own token. `orders_v2` `/orders/<id>` -> `adapter.order(id)` (unknown: 404) -> `order`;
 * `items` `/items/<id>` -> `adapter.levelsByRef({item})` -> one `level` event per (non-Full) location. The
 * notification's `user_id` must be the configured seller. Other topics are acknowledged and ignored.
 */
import { z } from 'zod';
import type { ChannelAdapter } from '../../integrations/types';
import { ignored, reject, type Outcome } from '../types';

export const mlNotificationSchema = z.object({
  _id: z.string().trim().min(1),
  resource: z.string().trim().min(1),
  user_id: z.union([z.number().int(), z.string().trim().min(1)]).transform(String),
  topic: z.string().trim().min(1),
  application_id: z.union([z.number(), z.string()]).optional(),
  attempts: z.number().optional(),
});
export type MlNotification = z.output<typeof mlNotificationSchema>;

export async function mercadoLibreOutcome(a: {
  channel: string;
  adapter: ChannelAdapter;
  userId: string;
  n: MlNotification;
}): Promise<Outcome> {
  const { channel, adapter, n } = a;
  if (n.user_id !== a.userId)
    return reject(401, `notification for user ${n.user_id}, but channel ${channel} is seller ${a.userId}`);
  if (n.topic === 'orders_v2') {
    const m = /^\/orders\/(\d+)$/.exec(n.resource);
    if (!m?.[1]) return reject(422, `orders_v2 resource "${n.resource}" is not /orders/<id>`);
    const order = await adapter.order(m[1]);
    if (!order)
      return reject(404, `order ${m[1]} is not known to Mercado Libre seller ${a.userId} (${channel})`);
    return { kind: 'events', events: [{ event: { type: 'order', order }, deliveryId: n._id }] };
  }
  if (n.topic === 'items') {
    const m = /^\/items\/([A-Z]{3}\d+)$/.exec(n.resource);
    if (!m?.[1]) return reject(422, `items resource "${n.resource}" is not /items/<item id>`);
    const lookup = adapter.levelsByRef?.bind(adapter);
    if (!lookup) return ignored('the Mercado Libre adapter cannot resolve items (no levelsByRef)');
    const levels = (await lookup({ item: m[1] })).filter((l) => !l.readOnly);
    if (!levels.length) return ignored(`item ${m[1]} has no listing invsync writes (unknown, or Full only)`);
    return {
      kind: 'events',
      events: levels.map((l) => ({
        event: { type: 'level', channel, sku: l.sku, location: l.location, shows: l.shows },
        deliveryId: levels.length > 1 ? `${n._id}#${l.sku}@${l.location}` : n._id,
      })),
    };
  }
  return ignored(`topic ${n.topic} is not one invsync uses`);
}
