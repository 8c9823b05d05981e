/**
 * What the ingress's webhook sources produce and what they need from the rest of invsync: the dispatcher contract
 * (activities/dispatch.ts).
 */
import type { InboundEvent } from '../domain/events';

/** Where a webhook came from (the `source` label of invsync_webhooks_total). */
export type WebhookSource = 'shopify' | 'mercadolibre' | 'amazon' | 'erp';

/** Results counted in invsync_webhooks_total. */
export type WebhookResult =
  'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unauthorized' | 'unavailable';

/** One event to hand to Temporal, with the id the engine dedupes it by (the delivery id, or derived from it). */
export interface TaggedEvent {
  event: InboundEvent;
  deliveryId: string;
}

/** What a verified, parsed webhook amounts to. */
export type Outcome =
  | { kind: 'events'; events: TaggedEvent[] }
  /** Understood, nothing for invsync to do (answered 200 and remembered). */
  | { kind: 'ignored'; reason: string }
  /** 400/404/422 (rejected) or 401 (unauthorized): nothing started. */
  | { kind: 'reject'; status: 400 | 401 | 404 | 422; reason: string };

/** The dispatcher the lead writes in activities/dispatch.ts (InboundEvent -> Temporal starts/signals). */
export interface Dispatcher {
  dispatch(
    event: InboundEvent,
    deliveryId: string,
  ): Promise<{ started: string[]; signalled: string[]; ignored?: string | undefined }>;
}

export const reject = (status: 400 | 401 | 404 | 422, reason: string): Outcome => ({
  kind: 'reject',
  status,
  reason,
});
export const ignored = (reason: string): Outcome => ({ kind: 'ignored', reason });
