/**
 * Webhook delivery as the real senders do it: at least once, retried on non-2xx or no answer, and (when faults
 * say so) lost, duplicated or reordered. Each channel simulator formats its vendor's payload and headers; this
 * delivers them to `<base>/webhooks/<kind>/<channelId>` (the invsync ingress by default).
 */
import { sleep } from './http';
import type { SystemName, World } from './world';

export interface Delivery {
  system: SystemName;
  channel: string;
  topic: string;
  id: string;
  status: 'delivered' | 'lost' | 'failed' | 'pending' | 'no-target';
  attempts: number;
  duplicated: boolean;
}

export interface WebhookSettings {
  /** Where the ingress listens, e.g. http://127.0.0.1:8080; undefined records deliveries without sending. */
  baseUrl?: string | undefined;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
}

export class WebhookHub {
  settings: WebhookSettings = { attempts: 5, backoffMs: 250, timeoutMs: 5000 };
  deliveries: Delivery[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly world: World) {}

  url(kind: string, channelId: string): string | undefined {
    return this.settings.baseUrl
      ? `${this.settings.baseUrl.replace(/\/$/, '')}/webhooks/${kind}${channelId ? `/${channelId}` : ''}`
      : undefined;
  }

  /** Queues one delivery; resolves immediately (the sender does not wait for the receiver). */
  send(d: {
    system: SystemName;
    kind: string;
    channel: string;
    topic: string;
    id: string;
    body: string;
    headers: Record<string, string>;
  }): void {
    const fault = this.world.fault(d.system, 'webhooks');
    const record: Delivery = {
      system: d.system,
      channel: d.channel,
      topic: d.topic,
      id: d.id,
      status: 'pending',
      attempts: 0,
      duplicated: false,
    };
    this.deliveries.push(record);
    const url = this.url(d.kind, d.channel);
    if (!url) {
      record.status = 'no-target';
      return;
    }
    if (this.world.chance(fault.webhookLossRate)) {
      record.status = 'lost';
      return;
    }
    const copies = this.world.chance(fault.webhookDuplicateRate) ? 2 : 1;
    record.duplicated = copies > 1;
    for (let i = 0; i < copies; i++) {
      const delay = fault.webhookReorder ? Math.floor(this.world.random() * 400) : 0;
      const p = this.deliver(url, d, record, delay).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async deliver(
    url: string,
    d: { body: string; headers: Record<string, string> },
    record: Delivery,
    delayMs: number,
  ): Promise<void> {
    if (delayMs) await sleep(delayMs);
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      record.attempts += 1;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...d.headers },
          body: d.body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        await res.arrayBuffer();
        if (res.ok) {
          record.status = 'delivered';
          return;
        }
      } catch {
        // no answer: retried like a non-2xx
      }
      if (attempt < this.settings.attempts) await sleep(this.settings.backoffMs * 2 ** (attempt - 1));
    }
    if (record.status !== 'delivered') record.status = 'failed';
  }

  /** Waits until every queued delivery has succeeded or given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  reset(): void {
    this.deliveries = [];
  }
}
