/**
 * The ERP webhook forwarder. Neither Odoo nor NetSuite posts stock changes to a URL by itself: a merchant adds an
 * automated action (Odoo) or a User Event script (NetSuite) that forwards them. The sandbox plays that forwarder:
 * every ERP stock change is POSTed to `<base>/webhooks/erp` as `{ id, skus, reason, at }`, signed with the shared
 * secret in `X-Invsync-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. Loss, duplicates and reordering follow
 * the faults of system `odoo` / `netsuite` (endpoint `webhooks`), like the channels' webhooks.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SandboxContext } from './context';
import type { WorldEvent } from './world';

export const ERP_SIGNATURE_HEADER = 'X-Invsync-Signature';

export const signErpWebhook = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function erpForwarder(ctx: SandboxContext): (e: WorldEvent) => void {
  return (e) => {
    if (e.type !== 'erp.changed') return;
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      skus: e.skus,
      reason: e.reason,
      at: new Date(ctx.world.now()).toISOString(),
    });
    ctx.webhooks.send({
      system: ctx.world.kind,
      kind: 'erp',
      channel: '',
      topic: 'stock.changed',
      id,
      body,
      headers: { [ERP_SIGNATURE_HEADER]: signErpWebhook(ctx.credentials.erpWebhookSecret, body) },
    });
  };
}
