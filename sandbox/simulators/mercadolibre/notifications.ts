/**
 * Notifications, as Mercado Libre posts them to the app's callback: a small JSON body naming the resource that
 * changed, no signature (the receiver authenticates by fetching the resource with its own token).
 * - `orders_v2` when an order is created or cancelled;
 * - `items` when an item's stock changes (a sale, a person, an API write: Mercado Libre notifies every change).
 * `attempts` is 1: the hub re-posts the same body on retries (see the closing note).
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../../context';
import type { WorldEvent } from '../../world';

export interface MlNotification {
  _id: string;
  resource: string;
  user_id: number;
  topic: 'orders_v2' | 'items';
  application_id: number;
  attempts: number;
  sent: string;
  received: string;
}

function resourceOf(
  e: WorldEvent,
): { topic: MlNotification['topic']; resource: string; channel: string } | undefined {
  switch (e.type) {
    case 'order.created':
    case 'order.cancelled':
      return { topic: 'orders_v2', resource: `/orders/${e.order.id}`, channel: e.channel };
    case 'listing.changed':
      return e.listing.ids.item === undefined
        ? undefined
        : { topic: 'items', resource: `/items/${e.listing.ids.item}`, channel: e.channel };
    default:
      return undefined;
  }
}

/** The world-event listener the simulator subscribes while it runs. */
export function notifier(ctx: SandboxContext): (e: WorldEvent) => void {
  return (e) => {
    const r = resourceOf(e);
    if (!r || ctx.world.channels.get(r.channel)?.kind !== 'mercadolibre') return;
    const c = ctx.credentials.mercadolibre(r.channel);
    const at = new Date(ctx.world.now()).toISOString();
    const body: MlNotification = {
      _id: randomUUID(),
      resource: r.resource,
      user_id: Number(c.userId),
      topic: r.topic,
      application_id: Number(c.clientId),
      attempts: 1,
      sent: at,
      received: at,
    };
    ctx.webhooks.send({
      system: 'mercadolibre',
      kind: 'mercadolibre',
      channel: r.channel,
      topic: r.topic,
      id: body._id,
      body: JSON.stringify(body),
      headers: {},
    });
  };
}
