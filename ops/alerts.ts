/**
 * Alerts in operational language (design C10): posted to a Slack-compatible incoming webhook when the config has
 * one, always logged, and kept in memory for the status page. Sending never throws into the caller's step: a Slack
 * outage is logged, the sync goes on.
 */
export type AlertKind =
  | 'drift-halt'
  | 'pending-order'
  | 'push-failures'
  | 'channel-stale'
  | 'queue-depth'
  | 'low-stock'
  | 'needs-attention'
  | 'transfer-compensated';

export interface Alert {
  kind: AlertKind;
  /** One line an operator can act on. */
  text: string;
  sku?: string | undefined;
  channel?: string | undefined;
  workflowId?: string | undefined;
  at: number;
}

export interface Alerter {
  send(a: Omit<Alert, 'at'>): Promise<void>;
  recent(): Alert[];
}

export function createAlerter(opts: {
  slackWebhookUrl?: string | undefined;
  log?: (line: string) => void;
  onSent?: (a: Alert) => void;
  keep?: number;
}): Alerter {
  const recent: Alert[] = [];
  const keep = opts.keep ?? 200;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  return {
    async send(a) {
      const alert: Alert = { ...a, at: Date.now() };
      recent.push(alert);
      if (recent.length > keep) recent.splice(0, recent.length - keep);
      opts.onSent?.(alert);
      log(`[alert:${alert.kind}] ${alert.text}`);
      if (!opts.slackWebhookUrl) return;
      try {
        const res = await fetch(opts.slackWebhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `:warning: invsync ${alert.kind}: ${alert.text}` }),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (!res.ok) log(`[alert] Slack webhook answered ${res.status}`);
      } catch (err) {
        log(`[alert] Slack webhook failed: ${(err as Error).message}`);
      }
    },
    recent: () => [...recent],
  };
}
