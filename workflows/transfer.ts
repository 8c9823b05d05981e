/**
 * `transfer:<transferId>`: moves `qty` units of one SKU between two ERP locations in two idempotent steps, so the
 * units are always somewhere an operator can see them (design C5).
 *
 * - With an in-transit location (config `transfers.inTransitLocation`): step 1 transfers from -> in-transit
 *   (reference `transfer:<id>:out`), step 2 in-transit -> to (`transfer:<id>:in`). Between the steps the ERP shows
 *   the units at the in-transit location.
 * - Without one: step 1 adjusts the source by -qty, step 2 the destination by +qty; between the steps the units are
 *   in transit in this saga, which says so in its summary and `saga` query.
 *
 * References make a replayed write a no-op (the ERP answers `applied: false`). After each applied step the SKU
 * workflow re-reads the ERP, so the channels follow. A step that fails for good (a permanent error, or retries
 * exhausted) stops in needs-attention: `retry` (optionally with edited data, e.g. `{"to":"WH3/Stock"}`), or `skip`,
 * which compensates in reverse order: step 1 is undone with its own reference (`transfer:<id>:out:undo`). With
 * `onFailure: 'compensate'` a failed step is compensated at once. A compensation that fails stops in needs-attention
 * (`compensation-failed`), never silently. Total stock over all locations is conserved throughout.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { describeFailure, withAttention } from './attention';
import type { Attention, SagaView, TransferSagaInput } from './definitions';
import {
  alert,
  notifyErp,
  plural,
  SagaAttention,
  SagaRecord,
  sagaActivities,
  type ErpWriteResult,
} from './saga-support';

export interface TransferSagaRequest extends TransferSagaInput {
  /** 'attention' (default): a failed step waits for the operator; 'compensate': undo at once. */
  onFailure?: 'attention' | 'compensate' | undefined;
}

export const TRANSFER_STEPS = {
  out: 'take out of the source',
  in: 'put into the destination',
  undo: 'compensate: back to the source',
} as const;

function invalid(i: TransferSagaRequest): string | undefined {
  if (!i.transferId?.trim()) return 'a transfer needs an id';
  if (!i.sku?.trim()) return 'a transfer needs a SKU';
  if (!Number.isInteger(i.qty) || i.qty <= 0)
    return `a transfer moves a positive whole quantity, not ${i.qty}`;
  if (!i.from?.trim() || !i.to?.trim()) return 'a transfer needs a source and a destination location';
  if (i.from === i.to) return `a transfer needs two different locations, not ${i.from} twice`;
  if (i.inTransit !== undefined && (i.inTransit === i.from || i.inTransit === i.to))
    return `the in-transit location ${i.inTransit} cannot be the transfer's source or destination`;
  return undefined;
}

/** Edited data for a step: `{"from": ...}` or `{"to": ...}`, a location other than the saga's other ones. */
function locationEdit(
  field: 'from' | 'to',
  others: (string | undefined)[],
): (raw: unknown, prev: Record<string, string>) => Record<string, string> {
  return (raw, prev) => {
    const v = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[field] : undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`give {"${field}": "<ERP location>"}`);
    if (others.includes(v)) throw new Error(`${v} is already the transfer's other location`);
    return { ...prev, [field]: v.trim() };
  };
}

const bookedText = (r: ErpWriteResult, reference: string): string =>
  r.applied
    ? `booked (reference ${reference}${r.id ? `, ERP record ${r.id}` : ''})`
    : `already booked earlier (reference ${reference}): not applied twice`;

export async function transferSaga(input: TransferSagaRequest): Promise<SagaView> {
  const problem = invalid(input);
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'INVALID_REQUEST');
  const box = new SagaAttention().install();
  const record = new SagaRecord(box, 'transfer', [TRANSFER_STEPS.out, TRANSFER_STEPS.in], { sku: input.sku });
  const { erp, engine } = sagaActivities();
  const { sku, qty, inTransit, transferId } = input;
  const mode = input.onFailure ?? 'attention';
  const base = `transfer:${transferId}`;
  const units = `${plural(qty, 'unit')} of ${sku}`;
  const holding = (from: string) =>
    inTransit
      ? `in transit at ${inTransit}`
      : `in transit in this saga (taken out of ${from}, not yet booked at the destination)`;
  const notes: string[] = [];
  const note = (n: string | undefined) => {
    if (n) notes.push(n);
  };
  const withNotes = (s: string) => (notes.length ? `${s} Note: ${notes.join('; ')}.` : s);

  /** A step in the chosen failure mode: withAttention (operator decides) or at once (the caller compensates). */
  async function attempt<T>(
    step: string,
    data: Record<string, string>,
    run: (d: Record<string, string>) => Promise<T>,
    parseData: (raw: unknown, prev: Record<string, string>) => Record<string, string>,
    onStop: (a: Attention) => Promise<void>,
  ): Promise<{ ok: true; value: T; data: Record<string, string> } | { ok: false; why: string }> {
    if (mode === 'compensate') {
      try {
        return { ok: true, value: await run(data), data };
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const f = describeFailure(err);
        record.mark(step, 'failed', f.message);
        return { ok: false, why: f.message };
      }
    }
    let used = data;
    const r = await withAttention(
      box,
      step,
      data,
      (d) => {
        used = d;
        return run(d);
      },
      { parseData, onStop },
    );
    if (r.ok) return { ok: true, value: r.value, data: used };
    record.mark(step, 'skipped');
    return {
      ok: false,
      why: `${record.step(step).detail ?? 'it failed'}; skipped by the operator${r.reason ? ` (${r.reason})` : ''}`,
    };
  }

  record.publish(
    'syncing',
    `Transfer ${transferId}: moving ${units} from ${input.from} to ${input.to}${inTransit ? ` via ${inTransit}` : ''}.`,
  );

  // ---- step 1: out of the source ------------------------------------------------------------------------
  const out = await attempt(
    TRANSFER_STEPS.out,
    { from: input.from },
    async (d) => {
      const from = d.from ?? input.from;
      const reference = from === input.from ? `${base}:out` : `${base}:out:${from}`;
      record.mark(
        TRANSFER_STEPS.out,
        'running',
        inTransit ? `${from} -> ${inTransit} (${reference})` : `${from} -${qty} (${reference})`,
      );
      record.publish('syncing', `Transfer ${transferId}: taking ${units} out of ${from}.`);
      const result = inTransit
        ? await erp.erpTransfer({ sku, qty, from, to: inTransit, reference })
        : await erp.erpAdjust({
            sku,
            location: from,
            delta: -qty,
            reference,
            reason: `transfer ${transferId} to ${input.to}`,
          });
      return { from, reference, result };
    },
    locationEdit('from', [input.to, inTransit]),
    async (a) => {
      record.mark(TRANSFER_STEPS.out, 'failed', a.message);
      a.message = `${a.message}. Nothing has moved yet: \`retry\` (optionally with --data '{"from":"<location>"}') or \`skip\` to give the transfer up`;
      await alert(engine, {
        kind: 'needs-attention',
        sku,
        text: `transfer ${transferId} of ${units} cannot take them out of ${input.from}: ${a.message}`,
      });
    },
  );
  if (!out.ok) {
    record.mark(TRANSFER_STEPS.in, 'skipped');
    const summary = `Transfer ${transferId} of ${units} from ${input.from} to ${input.to} did not start: ${out.why}. Nothing moved, nothing to undo.`;
    if (mode === 'compensate') await alert(engine, { kind: 'transfer-compensated', sku, text: summary });
    record.publish(mode === 'compensate' ? 'compensated' : 'skipped', summary);
    return record.view;
  }
  const { from, reference: outRef } = out.value;
  record.mark(TRANSFER_STEPS.out, 'done', `${from}: ${bookedText(out.value.result, outRef)}`);
  note(await notifyErp(engine, record, [sku], 'out', `transfer ${transferId}: ${units} left ${from}`));
  record.publish(
    'syncing',
    withNotes(`Transfer ${transferId}: ${units} ${holding(from)}; putting them into ${input.to} next.`),
  );

  // ---- step 2: into the destination ---------------------------------------------------------------------
  const into = await attempt(
    TRANSFER_STEPS.in,
    { to: input.to },
    async (d) => {
      const to = d.to ?? input.to;
      const reference = to === input.to ? `${base}:in` : `${base}:in:${to}`;
      record.mark(
        TRANSFER_STEPS.in,
        'running',
        inTransit ? `${inTransit} -> ${to} (${reference})` : `${to} +${qty} (${reference})`,
      );
      record.publish(
        'syncing',
        `Transfer ${transferId}: ${units} ${holding(from)}; putting them into ${to}.`,
      );
      const result = inTransit
        ? await erp.erpTransfer({ sku, qty, from: inTransit, to, reference })
        : await erp.erpAdjust({
            sku,
            location: to,
            delta: qty,
            reference,
            reason: `transfer ${transferId} from ${from}`,
          });
      return { to, reference, result };
    },
    locationEdit('to', [from, inTransit]),
    async (a) => {
      record.mark(TRANSFER_STEPS.in, 'failed', a.message);
      a.message = `${a.message}. Meanwhile ${units} are ${holding(from)}: \`retry\` (optionally with another destination, --data '{"to":"<location>"}') or \`skip\` to return them to ${from}`;
      await alert(engine, {
        kind: 'needs-attention',
        sku,
        text: `transfer ${transferId}: ${units} are ${holding(from)} and cannot be put into ${input.to}: ${a.message}`,
      });
    },
  );
  if (into.ok) {
    const { to, reference: inRef, result } = into.value;
    record.mark(TRANSFER_STEPS.in, 'done', `${to}: ${bookedText(result, inRef)}`);
    note(await notifyErp(engine, record, [sku], 'in', `transfer ${transferId}: ${units} arrived at ${to}`));
    const replay = !out.value.result.applied && !result.applied;
    record.publish(
      'done',
      withNotes(
        `Transfer ${transferId}: moved ${units} from ${from} to ${to}${inTransit ? ` via ${inTransit}` : ''} (references ${outRef}, ${inRef})${replay ? '; both steps had been booked before, nothing was moved twice' : ''}.`,
      ),
    );
    return record.view;
  }

  // ---- compensation: undo step 1 ------------------------------------------------------------------------
  const undoRef = `${outRef}:undo`;
  record.mark(
    TRANSFER_STEPS.undo,
    'running',
    inTransit ? `${inTransit} -> ${from} (${undoRef})` : `${from} +${qty} (${undoRef})`,
  );
  record.publish('syncing', `Transfer ${transferId} failed (${into.why}); returning ${units} to ${from}.`);
  const undo = await withAttention(
    box,
    TRANSFER_STEPS.undo,
    undefined,
    async () =>
      inTransit
        ? erp.erpTransfer({ sku, qty, from: inTransit, to: from, reference: undoRef })
        : erp.erpAdjust({
            sku,
            location: from,
            delta: qty,
            reference: undoRef,
            reason: `transfer ${transferId} compensated`,
          }),
    {
      onStop: async (a) => {
        record.mark(TRANSFER_STEPS.undo, 'compensation-failed', a.message);
        a.message = `the compensation failed: ${a.message}. ${units} are still ${holding(from)}: \`retry\` once fixed, or \`skip\` and book them by hand`;
        await alert(engine, { kind: 'needs-attention', sku, text: `transfer ${transferId}: ${a.message}` });
      },
    },
  );
  if (!undo.ok) {
    const summary = `Transfer ${transferId} failed (${into.why}) and its compensation was skipped by the operator: ${units} remain ${holding(from)}; book them by hand.`;
    await alert(engine, { kind: 'needs-attention', sku, text: summary });
    record.publish('skipped', summary);
    return record.view;
  }
  record.mark(TRANSFER_STEPS.undo, 'done', `${from}: ${bookedText(undo.value, undoRef)}`);
  record.mark(TRANSFER_STEPS.out, 'compensated', `${from}: undone by ${undoRef}`);
  note(
    await notifyErp(
      engine,
      record,
      [sku],
      'undo',
      `transfer ${transferId} compensated: ${units} back at ${from}`,
    ),
  );
  const summary = `Transfer ${transferId} of ${units} from ${from} to ${input.to} failed at "${TRANSFER_STEPS.in}": ${into.why}. Compensated: the units are back at ${from} (reference ${undoRef}); total stock unchanged.`;
  await alert(engine, { kind: 'transfer-compensated', sku, text: summary });
  record.publish('compensated', withNotes(summary));
  return record.view;
}
