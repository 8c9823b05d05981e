/**
 * `return:<channel>:<returnId>`: a customer return (design C5). invsync never adds returned units to a channel
 * itself: every channel number comes from ERP availability, so a return becomes sellable only through the ERP.
 *
 * Merchant-fulfilled (Shopify, Amazon FBM, Mercado Libre): the warehouse books the restock in the ERP, maybe
 * before the return is noticed (the sandbox books it before the webhook leaves), maybe days later. The rule:
 * - at once, the SKU workflows re-read the ERP (if the restock is booked, channels go up by what the ERP shows; if
 *   a channel restocked its own count on the refund, the SKU workflow puts it back to the ERP's number);
 * - then the saga watches the ERP (status waiting-erp, every `checkEveryMs`, backing off to `maxCheckEveryMs`): the
 *   restock is seen when the SKU's ERP availability (on hand - reserved - damaged) at the channel's serving ERP
 *   locations rises by the returned quantity above the lowest value seen since the notice (shipping the order
 *   first changes nothing available, a damaged restock adds nothing sellable, sales in between do not hide it);
 *   the SKU workflows re-read the ERP whenever it changed. The ERP order
 *   showing `cancelled` ends it at once (nothing left the warehouse).
 * - A restock booked before the notice cannot be told from stock levels alone: after `watchMs` (default 14 days) the
 *   saga completes saying what the ERP shows and that no later restock was seen. Either way it invents no stock.
 *
 * Marketplace-fulfilled on Amazon (FBA): Amazon inspects the units. The saga waits (waiting-erp, "waiting for
 * Amazon's inspection") for the `inspected` signal {result, qty?} (the ingress or an operator sends it) or detects
 * the inspection from the FBA row, polled on the channel's task queue: returns awaiting inspection are reported
 * inside `reserved`, so the inspection is over when `reserved` has fallen by the returned quantity below the highest
 * value seen since the saga started; the units that raised `unfulfillable` meanwhile are unfulfillable, the rest
 * sellable. (The rule is a proposal's input: the operator approves what is booked.) Sellable units: the saga
 * proposes +qty at the channel's `fba.erpLocation` and waits for `approve` (waiting-approval; `approve` may carry
 * edited {location, qty}; `skip` declines). On approval: one ERP adjustment with reference
 * `return:<channel>:<returnId>` (`:<sku>` appended per SKU when a return has several), then the SKU workflow re-reads
 * the ERP. Unfulfillable units: nothing is proposed. Mercado Libre Full returns go back to the marketplace's stock:
 * nothing for the ERP.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { formatDuration } from '../domain/duration';
import { orderReference, returnWorkflowId } from '../domain/events';
import type { ChannelLevel } from '../activities/channel';
import { describeFailure, withAttention } from './attention';
import {
  approveSignal,
  inspectedSignal,
  type ApproveInput,
  type ReturnSagaInput,
  type SagaView,
  type SkipInput,
} from './definitions';
import { alert, notifyErp, SagaAttention, SagaRecord, sagaActivities } from './saga-support';
import { InvSku } from './search-attributes';

export interface ReturnSagaRequest extends ReturnSagaInput {
  timings: ReturnSagaInput['timings'] & {
    /** Merchant returns: how long the ERP is watched for the restock (default 14 days). */
    watchMs?: number | undefined;
    /** Checks back off from checkEveryMs to at most this (default 6 hours). */
    maxCheckEveryMs?: number | undefined;
  };
}

export const RETURN_STEPS = {
  context: 'read the channel config',
  notice: 're-read the ERP',
  restock: 'wait for the ERP restock',
  inspect: "wait for Amazon's inspection",
  propose: 'propose the ERP adjustment',
  approve: "wait for the operator's approval",
  book: 'book the approved adjustment in the ERP',
} as const;

const DEFAULT_WATCH_MS = 14 * 86_400_000;
const DEFAULT_MAX_CHECK_MS = 6 * 3_600_000;

type Inspection = { result: 'sellable' | 'unfulfillable'; qty?: number | undefined };
type FbaRow = NonNullable<ChannelLevel['fba']>;

/** One returned SKU (lines of the same channel SKU merged). */
interface Item {
  channelSku: string;
  sku: string;
  qty: number;
}

function invalid(i: ReturnSagaRequest): string | undefined {
  if (!i.channel || !i.returnId || !i.orderId) return 'a return needs a channel, an order id and a return id';
  if (!i.lines?.length) return `return ${i.returnId} has no lines`;
  const bad = i.lines.find((l) => !l.sku || !Number.isInteger(l.qty) || l.qty <= 0);
  if (bad)
    return `return ${i.returnId}: line ${JSON.stringify(bad)} needs a SKU and a positive whole quantity`;
  if (!(i.timings?.checkEveryMs > 0)) return 'timings.checkEveryMs must be positive';
  return undefined;
}

const unitsOf = (items: Item[]): string => items.map((i) => `${i.qty} × ${i.sku}`).join(', ');

export async function returnSaga(input: ReturnSagaRequest): Promise<SagaView> {
  const problem = invalid(input);
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'INVALID_REQUEST');
  const box = new SagaAttention().install();
  const record = new SagaRecord(box, 'return', [RETURN_STEPS.context], {
    sku: input.lines[0]?.sku,
    channels: [input.channel],
  });
  const acts = sagaActivities();
  const { erp, sagas, engine } = acts;
  const workflowId = workflowInfo().workflowId;
  const label = `Return ${input.returnId} of ${input.channel} order ${input.orderId}`;
  const checkEvery = input.timings.checkEveryMs;
  const maxCheck = Math.max(checkEvery, input.timings.maxCheckEveryMs ?? DEFAULT_MAX_CHECK_MS);

  // Operator messages while the saga waits (no step stopped): skip ends it, retry looks again now.
  let skipped: SkipInput | undefined;
  let lookNow = false;
  box.whenIdle({
    skip: (s) => {
      skipped = s;
    },
    retry: () => {
      lookNow = true;
    },
  });
  let inspection: Inspection | undefined;
  let inspectionOpen = input.fulfillment === 'marketplace';
  setHandler(inspectedSignal, (i) => {
    if (!inspectionOpen) return;
    if ((i.result !== 'sellable' && i.result !== 'unfulfillable') || (i.qty !== undefined && !(i.qty >= 0)))
      log.warn(
        `ignored an inspected signal ${JSON.stringify(i)}: give {result: sellable|unfulfillable, qty?}`,
      );
    else inspection = { result: i.result, qty: i.qty === undefined ? undefined : Math.floor(i.qty) };
  });
  let approval: ApproveInput | undefined;
  let approvalOpen = false;
  setHandler(approveSignal, (a) => {
    if (approvalOpen) approval = a ?? {};
  });

  const notes: string[] = [];
  const note = (n: string | undefined) => {
    if (n && !notes.includes(n)) notes.push(n);
  };
  const finish = (status: SagaView['status'], summary: string): SagaView => {
    record.publish(status, notes.length ? `${summary} Note: ${notes.join('; ')}.` : summary);
    return record.view;
  };
  const skippedBy = (s: { reason?: string | undefined } | undefined) =>
    `skipped by the operator${s?.reason ? ` (${s.reason})` : ''}`;
  /** Waits up to `ms` for the operator (or `also`); true when the saga was skipped. */
  const pause = async (ms: number, also: () => boolean = () => false): Promise<boolean> => {
    await condition(() => skipped !== undefined || lookNow || also(), Math.max(1, ms));
    lookNow = false;
    return skipped !== undefined;
  };

  record.publish('syncing', `${label}: ${input.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')}.`);
  const ctx = await withAttention(box, RETURN_STEPS.context, undefined, () =>
    sagas.returnContext({ channel: input.channel, lines: input.lines }),
  );
  if (!ctx.ok) return finish('skipped', `${label}: ${skippedBy(ctx)}; nothing was done.`);
  record.mark(
    RETURN_STEPS.context,
    'done',
    `${ctx.value.channelKind}, ERP locations ${ctx.value.locations.join(', ')}`,
  );
  const items: Item[] = [];
  for (const l of ctx.value.lines) {
    const same = items.find((i) => i.channelSku === l.channelSku);
    if (same) same.qty += l.qty;
    else items.push({ ...l });
  }
  if (items[0]) upsertSearchAttributes([{ key: InvSku, value: items[0].sku }]);
  const skus = [...new Set(items.map((i) => i.sku))];

  // ---- merchant-fulfilled: the ERP books the restock ---------------------------------------------------
  if (input.fulfillment === 'merchant') {
    const locations = ctx.value.locations;
    const where = locations.join(' + ');
    record.mark(RETURN_STEPS.notice, 'pending');
    record.mark(RETURN_STEPS.restock, 'pending');
    /** Order presence and, per item, what the ERP has available at the serving locations. */
    const look = async () => {
      const r = await withAttention(box, RETURN_STEPS.restock, undefined, async () => {
        const [presence, stocks] = await Promise.all([
          erp.erpOrderPresence({ reference: orderReference(input.channel, input.orderId) }),
          Promise.all(items.map((i) => erp.erpAvailability({ sku: i.sku, locations }))),
        ]);
        return {
          presence,
          stock: stocks.map((rows) => rows.reduce((s, x) => s + x.onHand - x.reserved - x.damaged, 0)),
        };
      });
      return r.ok ? r.value : undefined;
    };
    const first = await look();
    if (!first) return finish('skipped', `${label}: ${skippedBy(undefined)} while reading the ERP.`);
    note(
      await notifyErp(
        engine,
        record,
        skus,
        'noticed',
        `${label} noticed: re-read the ERP (returned units become sellable only when the ERP shows them)`,
      ),
    );
    record.mark(RETURN_STEPS.notice, 'done', `notified ${skus.join(', ')}`);
    const low = [...first.stock];
    let last = first;
    const started = Date.now();
    const watch = input.timings.watchMs ?? DEFAULT_WATCH_MS;
    let interval = checkEvery;
    const shows = () => items.map((i, n) => `${i.sku} ${last.stock[n] ?? 0}`).join(', ');
    for (let n = 1; ; n++) {
      if (last.presence === 'cancelled') {
        record.mark(RETURN_STEPS.restock, 'done', 'order cancelled in the ERP');
        return finish(
          'done',
          `${label}: the ERP shows the order cancelled: nothing left the warehouse, nothing to restock. Channels show what the ERP has (${shows()} available at ${where}).`,
        );
      }
      const rose = items.map((_, k) => (last.stock[k] ?? 0) - (low[k] ?? 0));
      if (items.every((i, k) => (rose[k] ?? 0) >= i.qty)) {
        record.mark(RETURN_STEPS.restock, 'done', `rose by ${rose.join(', ')}`);
        return finish(
          'done',
          `${label}: the ERP shows the return restocked at ${where} (${items.map((i, k) => `${i.sku} ${low[k]} -> ${last.stock[k]}`).join(', ')} available). The SKU workflows re-read the ERP: channels show what it says; invsync added nothing itself.`,
        );
      }
      const waited = Date.now() - started;
      if (waited >= watch) {
        record.mark(RETURN_STEPS.restock, 'done', `no restock seen in ${formatDuration(watch)}`);
        return finish(
          'done',
          `${label}: no restock of ${unitsOf(items)} booked in the ERP in ${formatDuration(watch)} of watching (it shows ${shows()} available at ${where}, order ${last.presence}). It may have been booked before the return was noticed, or the units were not restocked as sellable. invsync added nothing: channels show what the ERP has.`,
        );
      }
      record.mark(RETURN_STEPS.restock, 'running', `order ${last.presence} in the ERP; ${shows()}`);
      record.publish(
        'waiting-erp',
        `${label}: waiting for the ERP to show ${unitsOf(items)} restocked at ${where} (now ${shows()} available; the order is ${last.presence} in the ERP). invsync never adds returned units itself. Next look in ${formatDuration(interval)}; \`npx invsync skip ${workflowId}\` stops watching.`,
      );
      if (await pause(Math.min(interval, watch - waited)))
        return finish(
          'skipped',
          `${label}: watching the ERP was ${skippedBy(skipped)}. invsync added nothing.`,
        );
      interval = Math.min(interval * 2, maxCheck);
      const seen = await look();
      if (!seen) return finish('skipped', `${label}: ${skippedBy(undefined)} while reading the ERP.`);
      const changed = seen.presence !== last.presence || seen.stock.some((v, k) => v !== last.stock[k]);
      last.stock.forEach((v, k) => {
        low[k] = Math.min(low[k] ?? v, v);
      });
      last = seen;
      if (changed)
        note(await notifyErp(engine, record, skus, `check-${n}`, `${label}: the ERP changed while watching`));
    }
  }

  // ---- marketplace-fulfilled ---------------------------------------------------------------------------
  if (ctx.value.channelKind !== 'amazon')
    return finish(
      'done',
      `${label}: the marketplace fulfilled it from its own stock (${input.channel} Full); the units go back to that stock, which invsync reads and never books into the ERP.`,
    );

  // 1. Amazon's inspection: the `inspected` signal, or detected on the FBA row.
  const channelLevels = acts.channel(input.channel).channelLevels;
  const peak = new Map<string, number>();
  const baseUnfulfillable = new Map<string, number>();
  let readProblem: string | undefined;
  const readFba = async (): Promise<Map<string, FbaRow> | undefined> => {
    try {
      const levels = await channelLevels({ channel: input.channel, skus: items.map((i) => i.channelSku) });
      const rows = new Map<string, FbaRow>();
      for (const l of levels) if (l.readOnly === 'fba' && l.fba) rows.set(l.sku, l.fba);
      readProblem = undefined;
      return rows;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      readProblem = `reading ${input.channel}'s FBA levels failed (${describeFailure(err).message}); waiting for the \`inspected\` signal`;
      return undefined;
    }
  };
  /** Sellable units per item, when every item's inspection shows on the FBA rows. */
  const detect = (rows: Map<string, FbaRow>): number[] | undefined => {
    const out: number[] = [];
    for (const i of items) {
      const row = rows.get(i.channelSku);
      if (!row) return undefined;
      const high = Math.max(peak.get(i.channelSku) ?? row.reserved, row.reserved);
      peak.set(i.channelSku, high);
      if (!baseUnfulfillable.has(i.channelSku)) baseUnfulfillable.set(i.channelSku, row.unfulfillable);
      if (row.reserved > high - i.qty) return undefined;
      const unfulfillable = Math.min(
        i.qty,
        Math.max(0, row.unfulfillable - (baseUnfulfillable.get(i.channelSku) ?? row.unfulfillable)),
      );
      out.push(i.qty - unfulfillable);
    }
    return out;
  };
  record.mark(RETURN_STEPS.inspect, 'running');
  const first = await readFba();
  if (first) detect(first);
  let sellable: number[] | undefined;
  let how = '';
  let interval = checkEvery;
  for (;;) {
    if (inspection) {
      const i = inspection;
      const qtyNote =
        i.qty !== undefined && items.length > 1 ? ' (qty ignored: the return has several SKUs)' : '';
      sellable = items.map((item) => {
        const n = items.length === 1 && i.qty !== undefined ? Math.min(i.qty, item.qty) : item.qty;
        return i.result === 'sellable' ? n : item.qty - n;
      });
      how = `inspected signal: ${i.result}${i.qty !== undefined ? ` ${i.qty}` : ''}${qtyNote}`;
      break;
    }
    record.publish(
      'waiting-erp',
      `${label}: waiting for Amazon's inspection of ${unitsOf(items)} (FBA). Send \`inspected\` with {result: sellable|unfulfillable, qty?}, or it is detected on the FBA levels (next look in ${formatDuration(interval)})${readProblem ? `; ${readProblem}` : ''}. \`npx invsync skip ${workflowId}\` gives the return up.`,
    );
    if (await pause(interval, () => inspection !== undefined))
      return finish(
        'skipped',
        `${label}: waiting for Amazon's inspection was ${skippedBy(skipped)}; no ERP adjustment.`,
      );
    if (inspection) continue;
    interval = Math.min(interval * 2, maxCheck);
    const rows = await readFba();
    const found = rows ? detect(rows) : undefined;
    if (found) {
      sellable = found;
      how = `detected on the FBA levels: ${items
        .map((i) => {
          const r = rows?.get(i.channelSku);
          return `${i.channelSku} reserved ${peak.get(i.channelSku)} -> ${r?.reserved}, unfulfillable ${baseUnfulfillable.get(i.channelSku)} -> ${r?.unfulfillable}`;
        })
        .join('; ')}; check Seller Central before approving`;
      break;
    }
  }
  inspectionOpen = false;
  record.mark(
    RETURN_STEPS.inspect,
    'done',
    `${items.map((i, k) => `${i.sku}: ${sellable?.[k] ?? 0} sellable, ${i.qty - (sellable?.[k] ?? 0)} unfulfillable`).join('; ')} (${how})`,
  );
  const toBook = items.map((i, k) => ({ ...i, qty: sellable?.[k] ?? 0 })).filter((i) => i.qty > 0);
  if (toBook.length === 0)
    return finish(
      'done',
      `${label}: Amazon found ${unitsOf(items)} unfulfillable (${how}): nothing becomes sellable and no ERP adjustment is proposed.`,
    );

  // 2. Where an approved return is booked: config channels[i].fba.erpLocation.
  let location: string | undefined;
  while (location === undefined) {
    record.mark(RETURN_STEPS.propose, 'running');
    const p = await withAttention(box, RETURN_STEPS.propose, undefined, () =>
      sagas.returnProposal({ channel: input.channel }),
    );
    if (!p.ok) return finish('skipped', `${label}: ${skippedBy(p)}; no ERP adjustment.`);
    if (p.value.location) {
      location = p.value.location;
      break;
    }
    const message = p.value.problem ?? `no ERP location for ${input.channel}'s FBA returns`;
    record.mark(RETURN_STEPS.propose, 'failed', message);
    await alert(engine, { kind: 'needs-attention', channel: input.channel, text: `${label}: ${message}` });
    const d = await box.wait({
      step: RETURN_STEPS.propose,
      channel: input.channel,
      message,
      type: 'CONFIG',
      since: Date.now(),
      data: { location: null },
    });
    if (d.kind === 'skip') return finish('skipped', `${label}: ${skippedBy(d)}; no ERP adjustment.`);
    const edited = (d.data as { location?: unknown } | undefined)?.location;
    if (typeof edited === 'string' && edited.trim()) location = edited.trim();
  }
  const reference = (sku: string) =>
    toBook.length === 1 && items.length === 1
      ? returnWorkflowId(input.channel, input.returnId)
      : `${returnWorkflowId(input.channel, input.returnId)}:${sku}`;
  const proposalText = (loc: string, lines: Item[]) =>
    lines.map((i) => `+${i.qty} ${i.sku} at ${loc} (reference ${reference(i.sku)})`).join(', ');
  record.mark(RETURN_STEPS.propose, 'done', proposalText(location, toBook));

  // 3. The operator's approval (edited location/qty allowed), or skip.
  approvalOpen = true;
  let refused: string | undefined;
  let plan: { location: string; lines: Item[] } | undefined;
  record.mark(RETURN_STEPS.approve, 'running', proposalText(location, toBook));
  while (!plan) {
    record.publish(
      'waiting-approval',
      `${label}: Amazon inspected it (${how}). Proposed ERP adjustment: ${proposalText(location, toBook)}. Approve: \`npx invsync approve ${workflowId}\` (edit with --data '{"location":"<ERP location>","qty":<units>}'); decline: \`npx invsync skip ${workflowId}\`.${refused ? ` The last approval was refused: ${refused}.` : ''}`,
    );
    await condition(() => approval !== undefined || skipped !== undefined);
    if (skipped) {
      record.mark(RETURN_STEPS.approve, 'skipped', skippedBy(skipped));
      return finish(
        'skipped',
        `${label}: the proposed ERP adjustment was declined (${skippedBy(skipped)}); nothing booked.`,
      );
    }
    const data = approval?.data;
    approval = undefined;
    const loc = data?.location === undefined ? location : String(data.location).trim();
    const qty = data?.qty;
    if (!loc) refused = 'the edited location is empty';
    else if (qty !== undefined && (!Number.isInteger(qty) || qty < 0))
      refused = `the edited qty ${String(qty)} is not a whole number of units`;
    else if (qty !== undefined && toBook.length > 1)
      refused =
        'qty can be edited only on a one-SKU return (edit the location alone, or skip and book by hand)';
    else plan = { location: loc, lines: toBook.map((i) => ({ ...i, qty: qty ?? i.qty })) };
  }
  approvalOpen = false;
  const edited = plan.location !== location || plan.lines.some((l, k) => l.qty !== toBook[k]?.qty);
  record.mark(
    RETURN_STEPS.approve,
    'done',
    `approved${edited ? ` with edits: ${proposalText(plan.location, plan.lines)}` : ''}`,
  );
  const booking = plan.lines.filter((l) => l.qty > 0);
  if (booking.length === 0)
    return finish('done', `${label}: approved with 0 units: nothing booked in the ERP.`);

  // 4. The ERP adjustment, once per reference.
  const booked: string[] = [];
  let bookedAt = plan.location;
  for (const line of booking) {
    const r = await withAttention(
      box,
      RETURN_STEPS.book,
      { location: bookedAt },
      (d) => {
        bookedAt = d.location;
        return erp.erpAdjust({
          sku: line.sku,
          location: d.location,
          delta: line.qty,
          reference: reference(line.sku),
          reason: `${label}: approved FBA return`,
        });
      },
      {
        channel: input.channel,
        parseData: (raw, prev) => {
          const l = (raw as { location?: unknown } | undefined)?.location;
          if (typeof l !== 'string' || !l.trim()) throw new Error('give {"location": "<ERP location>"}');
          return { ...prev, location: l.trim() };
        },
        onStop: async (a) => {
          record.mark(RETURN_STEPS.book, 'failed', a.message);
          await alert(engine, {
            kind: 'needs-attention',
            channel: input.channel,
            sku: line.sku,
            text: `${label}: ${a.message}`,
          });
        },
      },
    );
    if (!r.ok) {
      record.mark(RETURN_STEPS.book, 'skipped');
      return finish(
        'skipped',
        `${label}: booking ${line.qty} × ${line.sku} was ${skippedBy(r)}${booked.length ? `; already booked: ${booked.join(', ')}` : ''}.`,
      );
    }
    booked.push(
      `+${line.qty} ${line.sku} at ${bookedAt} (${r.value.applied ? '' : 'already booked, '}reference ${reference(line.sku)})`,
    );
  }
  record.mark(RETURN_STEPS.book, 'done', booked.join(', '));
  note(
    await notifyErp(
      engine,
      record,
      booking.map((l) => l.sku),
      'booked',
      `${label}: approved FBA return booked`,
    ),
  );
  return finish('done', `${label}: booked ${booked.join(', ')} in the ERP, approved by the operator.`);
}
