/**
 * The ERP webhook forwarder's body (sandbox/erp-webhooks.ts; an Odoo automated action or a NetSuite User Event
 * script in production): `{ id, skus, reason, at }`, signed with `ingress.erpSecret`.
 */
import { z } from 'zod';
import { ignored, type Outcome } from '../types';

export const erpWebhookSchema = z.object({
  id: z.string().trim().min(1),
  skus: z.array(z.string().trim().min(1)).max(10_000),
  reason: z.string().trim().min(1).max(500),
  at: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected a date-time'),
});
export type ErpWebhook = z.output<typeof erpWebhookSchema>;

export function erpOutcome(w: ErpWebhook): Outcome {
  const skus = [...new Set(w.skus)];
  if (!skus.length) return ignored('the ERP change names no SKU');
  return { kind: 'events', events: [{ event: { type: 'erp', skus, reason: w.reason }, deliveryId: w.id }] };
}
