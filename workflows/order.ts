/**
 * `order:<channel>:<id>`: the channel order saga (design rule 3, C5). A sale lowers every channel at once: its lines
 * are resolved to ERP SKUs (kits exploded into components) and entered into each SKU's pending-order ledger. The
 * entries stay until the ERP shows the order (reserved or shipped) — then they are released and the ERP's own
 * reservation takes over, with no double subtraction — or until the order is cancelled. An order the ERP never
 * shows raises an alert after `alertAfterMs`; its entries do not silently expire.
 */
import {
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { PERMANENT_ERROR_TYPES } from '../domain/activity-options';
import { orderReference, type SkuEvent } from '../domain/events';
import type { InvStatus as InvStatusValue } from '../domain/search-attributes';
import type { ErpActivities, OrderPresence } from '../activities/channel';
import type { OrderHold, ResolvedOrder, SyncActivities } from '../activities/sync';
import { AttentionBox, attentionSummary, withAttention } from './attention';
import { cancelSignal, sagaQuery, type OrderSagaInput, type SagaStep, type SagaView } from './definitions';
import { InvChannels, InvSku, InvStatus } from './search-attributes';

const PERMANENT = [...PERMANENT_ERROR_TYPES];

const sync = proxyActivities<SyncActivities>({
  startToCloseTimeout: '60 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT,
  },
});
const erp = proxyActivities<ErpActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '60 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT,
  },
});

function parseLines(raw: unknown): OrderSagaInput['order']['lines'] {
  const lines = Array.isArray(raw) ? raw : (raw as { lines?: unknown } | null)?.lines;
  if (!Array.isArray(lines) || lines.length === 0)
    throw new Error('expected {"lines":[{"sku":"...","qty":1}]}');
  return lines.map((l: unknown, i) => {
    const x = l as { sku?: unknown; qty?: unknown };
    if (typeof x.sku !== 'string' || x.sku.trim() === '') throw new Error(`lines[${i}].sku must be a SKU`);
    if (typeof x.qty !== 'number' || !Number.isInteger(x.qty) || x.qty <= 0)
      throw new Error(`lines[${i}].qty must be a positive whole number`);
    return { sku: x.sku, qty: x.qty };
  });
}

export async function orderSaga(input: OrderSagaInput): Promise<SagaView> {
  const { order, timings } = input;
  const wfId = workflowInfo().workflowId;
  const box = new AttentionBox().install();
  let cancelled = order.status === 'cancelled';
  let restocked = false;
  let status: SagaView['status'] = 'syncing';
  let summary = `order ${order.orderId} on ${order.channel}: resolving ${order.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')}`;
  const steps: SagaStep[] = [
    { name: 'resolve lines (links, kits)', status: 'pending' },
    { name: 'enter the pending-order ledger', status: 'pending' },
    { name: 'wait until the ERP shows the order', status: 'pending' },
    { name: 'release the ledger entries', status: 'pending' },
  ];
  const step = (i: number, s: SagaStep['status'], detail?: string): void => {
    steps[i] = { ...(steps[i] as SagaStep), status: s, ...(detail !== undefined ? { detail } : {}) };
  };
  // While waiting for the ERP: `skip` releases the entries (the operator's call), `retry` checks now.
  let skipWait: string | undefined;
  let checkNow = false;
  box.whenIdle({
    skip: (s) => {
      skipWait = s?.reason ?? 'skipped by the operator';
    },
    retry: () => {
      checkNow = true;
    },
  });
  setHandler(cancelSignal, (c) => {
    cancelled = true;
    restocked = c?.restocked ?? false;
  });
  setHandler(sagaQuery, () => ({
    workflowId: wfId,
    kind: 'order',
    status: box.current ? 'needs-attention' : status,
    summary: box.current ? attentionSummary(box.current) : summary,
    steps,
    ...(box.current ? { attention: box.current } : {}),
  }));
  const publish = (s: SagaView['status'], text: string): void => {
    status = s;
    summary = text;
    const attr: InvStatusValue =
      s === 'done' || s === 'skipped' || s === 'cancelled' || s === 'compensated' ? 'ok' : s;
    upsertSearchAttributes([{ key: InvStatus, value: attr }]);
    setCurrentDetails(text);
  };
  upsertSearchAttributes([
    { key: InvChannels, value: [order.channel] },
    ...(order.lines[0] ? [{ key: InvSku, value: order.lines[0].sku }] : []),
  ]);
  publish('syncing', summary);

  if (cancelled) {
    step(0, 'skipped');
    step(1, 'skipped');
    step(2, 'skipped');
    step(3, 'skipped');
    publish(
      'cancelled',
      `order ${order.orderId} on ${order.channel} was cancelled before invsync held anything: nothing to do`,
    );
    return view();
  }

  // 1. Resolve the lines.
  step(0, 'running');
  let attempt = 0;
  const resolved = await withAttention<ResolvedOrder, OrderSagaInput['order']['lines']>(
    box,
    'resolve order lines',
    order.lines,
    (lines) => sync.resolveOrder({ order: { ...order, lines }, fresh: attempt++ > 0 }),
    {
      parseData: (raw) => parseLines(raw),
      onStop: (a) =>
        sync.sendAlert({
          kind: 'needs-attention',
          text: `${wfId}: ${a.message}`,
          workflowId: wfId,
          channel: order.channel,
        }),
    },
  );
  if (!resolved.ok) {
    step(0, 'skipped', resolved.reason ?? 'skipped by the operator');
    publish(
      'skipped',
      `order ${order.orderId} on ${order.channel}: skipped by the operator${resolved.reason ? ` (${resolved.reason})` : ''}; nothing held`,
    );
    return view();
  }
  const holds = resolved.value.holds;
  step(0, 'done', resolved.value.summary);
  const skus = [...new Set(holds.map((h) => h.sku))];
  upsertSearchAttributes([{ key: InvSku, value: skus[0] ?? '' }]);

  const marketplace = order.fulfillment === 'marketplace';
  // 2. Tell every SKU (the ledger entries, the channel's own decrement, velocity).
  step(1, 'running');
  await sync.notifySkus({
    events: holds.map((h) => ({
      sku: h.sku,
      event: {
        kind: 'order',
        id: `${wfId}:order:${h.sku}`,
        channel: order.channel,
        orderId: order.orderId,
        location: order.location,
        qty: h.qty,
        listed: h.listed && !marketplace,
        hold: h.hold,
        erpLocations: h.erpLocations,
        at: order.at,
      } satisfies SkuEvent,
    })),
  });
  const held = holds.filter((h) => h.hold);
  if (marketplace || held.length === 0) {
    step(1, 'done', 'fulfilled by the marketplace from its own stock: nothing held');
    step(2, 'skipped');
    step(3, 'skipped');
    publish(
      'done',
      `order ${order.orderId} on ${order.channel} (${resolved.value.summary}) is fulfilled by the marketplace: nothing held in the ERP's name`,
    );
    return view();
  }
  step(1, 'done', held.map((h) => `${h.qty} × ${h.sku}`).join(', '));

  // 3. Wait until the ERP shows it (or it is cancelled).
  step(2, 'running');
  const reference = orderReference(order.channel, order.orderId);
  const started = Date.now();
  let alerted = false;
  let presence: OrderPresence = 'absent';
  const waiting = () =>
    `order ${order.orderId} on ${order.channel}: ${held.map((h) => `${h.qty} × ${h.sku}`).join(', ')} held in the ledger, waiting for the ERP to show ${reference}`;
  publish('waiting-erp', waiting());
  let wait = timings.firstCheckMs;
  while (!cancelled) {
    if (await condition(() => cancelled || skipWait !== undefined || checkNow, Math.max(1, wait)))
      if (!checkNow) break;
    checkNow = false;
    wait = timings.checkEveryMs;
    const r = await withAttention(box, 'check the ERP for the order', reference, (ref) =>
      erp.erpOrderPresence({ reference: ref }),
    );
    if (!r.ok) {
      // The operator skipped the check: release as if the ERP had it (their call, recorded).
      presence = 'reserved';
      step(2, 'skipped', `skipped by the operator${r.reason ? ` (${r.reason})` : ''}`);
      break;
    }
    presence = r.value;
    if (presence !== 'absent') break;
    const waited = Date.now() - started;
    if (!alerted && waited >= timings.alertAfterMs) {
      alerted = true;
      await sync.sendAlert({
        kind: 'pending-order',
        text: `${reference} was sold ${Math.round(waited / 60_000)} min ago and the ERP still does not show it: its ${held.map((h) => `${h.qty} × ${h.sku}`).join(', ')} stay held on every channel. Check the ERP's order import.`,
        sku: held[0]?.sku,
        channel: order.channel,
        workflowId: wfId,
      });
      publish('waiting-erp', `${waiting()} — ALERT: not in the ERP after ${Math.round(waited / 1000)} s`);
    } else publish('waiting-erp', `${waiting()}${alerted ? ' — alerted' : ''}`);
  }
  if (skipWait !== undefined && !cancelled && presence === 'absent') {
    presence = 'reserved';
    step(2, 'skipped', skipWait);
  }
  const reason: 'erp' | 'cancelled' = cancelled || presence === 'cancelled' ? 'cancelled' : 'erp';
  if (steps[2]?.status === 'running')
    step(2, 'done', reason === 'erp' ? `the ERP shows it (${presence})` : 'cancelled');

  // 4. Release.
  step(3, 'running');
  const listed = holds.find((h: OrderHold) => h.listed);
  await sync.notifySkus({
    events: holds
      .filter((h) => h.hold || h.listed)
      .map((h) => ({
        sku: h.sku,
        event: {
          kind: 'release',
          id: `${wfId}:release:${h.sku}`,
          channel: order.channel,
          orderId: order.orderId,
          reason,
          ...(reason === 'cancelled' && restocked && h === listed
            ? { restock: { location: order.location, qty: h.qty } }
            : {}),
        } satisfies SkuEvent,
      })),
  });
  step(3, 'done');
  publish(
    reason === 'erp' ? 'done' : 'cancelled',
    reason === 'erp'
      ? `order ${order.orderId} on ${order.channel}: the ERP shows it (${presence}); ledger entries released, the ERP's reservation now counts`
      : `order ${order.orderId} on ${order.channel} was cancelled: ledger entries released`,
  );
  return view();

  function view(): SagaView {
    return { workflowId: wfId, kind: 'order', status, summary, steps };
  }
}
