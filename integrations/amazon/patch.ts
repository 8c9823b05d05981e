/**
 * A few SKUs: one patchListingsItem (`merge` on the DEFAULT fulfillment_availability entry) each. ACCEPTED is applied;
 * INVALID is a permanent UPSTREAM_REJECTED with Amazon's issue. What was applied is recorded under the idempotency key
 * as it happens, so a retry after a 429 part-way through sends only the rest.
 */
import { z } from 'zod';
import type { ChannelPush, PushOutcome } from '../types';
import { compare, errorText, onlyErrors, rejection } from './outcomes';
import type { PushContext } from './push';

const patchRecord = z.object({ applied: z.record(z.string(), z.number()).default({}) });

export async function pushByPatch(
  c: PushContext,
  pushes: readonly ChannelPush[],
  key: string,
): Promise<PushOutcome[]> {
  const recordKey = `amazon-patch:${c.cfg.id}:${key}`;
  const stored = patchRecord.safeParse((await c.deps.tokens.get(recordKey)) ?? {});
  const applied: Record<string, number> = stored.success ? stored.data.applied : {};
  const outcomes: PushOutcome[] = [];
  const rejected: { sku: string; text: string }[] = [];
  let sent = 0;
  for (const p of pushes) {
    if (applied[p.sku] === p.qty) {
      outcomes.push({
        sku: p.sku,
        location: p.location,
        status: 'applied',
        shows: p.qty,
        message: `already applied under idempotency key ${key}; not sent again`,
      });
      continue;
    }
    const settled = await compare(c.api, p);
    if (settled) {
      outcomes.push(settled);
      continue;
    }
    const r = await c.api.patchQuantity(p.sku, p.qty);
    sent += 1;
    if (r.status !== 'ACCEPTED') {
      const errors = onlyErrors(r.issues);
      rejected.push({ sku: p.sku, text: errors.length ? errorText(errors) : `status ${r.status}` });
      continue;
    }
    applied[p.sku] = p.qty;
    await c.deps.tokens.set(recordKey, { applied });
    const warnings = (r.issues ?? []).filter((i) => i.severity !== 'ERROR');
    outcomes.push({
      sku: p.sku,
      location: p.location,
      status: 'applied',
      shows: p.qty,
      message: `patchListingsItem ACCEPTED (submission ${r.submissionId})${warnings.length ? `; ${errorText(warnings)}` : ''}`,
    });
  }
  if (rejected.length > 0)
    throw rejection(c.cfg.id, 'patchListingsItem', 'the quantity patch', rejected, sent);
  return outcomes;
}
