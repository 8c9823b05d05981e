/**
 * `sku:<sku>`: the per-SKU entity (design C4). Every event for one SKU — sales, releases, ERP changes, channel
 * counts, component changes, operator actions, the reconciliation's read-back — arrives here (signal-with-start) and
 * is applied in order, once (event ids are remembered across continue-as-new). A burst is coalesced into one
 * recompute with the pure engine (domain/plan), and only numbers a channel does not already show are pushed, each on
 * its channel's task queue (rate-limited there), with compare-and-set against what invsync believes the channel shows.
 *
 * What invsync believes a channel shows: what it last pushed, minus that channel's own sales since. A channel count
 * that matches is our own push echoed back (ignored); one that does not makes the slot unknown, and the next push
 * sets the number without a compare. A compare that fails (stale) is answered by the channel's real count, never by
 * overwriting blindly.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { PERMANENT_ERROR_TYPES } from '../domain/activity-options';
import { classifyDrift } from '../domain/drift';
import { slotKey, type SkuDriftRow, type SkuEvent } from '../domain/events';
import { isWritten, plan, type PlanRow } from '../domain/plan';
import { velocity, velocityTier } from '../domain/velocity';
import type { InvStatus as InvStatusValue } from '../domain/search-attributes';
import type { Snapshot } from '../domain/snapshot';
import type { ChannelActivities, ChannelLevel, ErpStock } from '../activities/channel';
import type { SkuContext, SyncActivities } from '../activities/sync';
import { describeFailure } from './attention';
import {
  clearOverrideUpdate,
  explainQuery,
  haltUpdate,
  notifySignal,
  overrideUpdate,
  reconcileUpdate,
  resumeUpdate,
  resyncUpdate,
  retrySignal,
  skipSignal,
  stateQuery,
  type Attention,
  type ChannelScopeInput,
  type OverrideInput,
  type ReconcileInput,
  type SkuCarried,
  type SkuRowView,
  type SkuView,
  type SkuWorkflowInput,
} from './definitions';
import { toActivityOptions } from './options';
import { InvChannels, InvDriftUnits, InvSku, InvStatus } from './search-attributes';

const SEEN_LIMIT = 2000;

type ReadOnlyLevel = ChannelLevel & { channel: string };
const SALES_LIMIT = 5000;

const sync = proxyActivities<SyncActivities>({
  startToCloseTimeout: '60 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES],
  },
});

function freshState(): SkuCarried {
  return {
    ledger: [],
    sales: [],
    overrides: [],
    halts: [],
    shown: {},
    componentLedger: {},
    seen: [],
    attention: [],
    pushSeq: 0,
    counters: { events: 0, duplicates: 0, echoes: 0, pushes: 0, pushedUnits: 0 },
  };
}

const parseUntil = (u: string | number | undefined): number | undefined => {
  if (u === undefined) return undefined;
  const t = typeof u === 'number' ? u : Date.parse(u);
  if (!Number.isFinite(t))
    throw new Error(`until "${String(u)}" is not a time (use ISO 8601, e.g. 2026-12-01T00:00:00Z)`);
  return t;
};

export async function skuWorkflow(input: SkuWorkflowInput): Promise<void> {
  const { sku, timings } = input;
  const wfId = workflowInfo().workflowId;
  const st: SkuCarried = input.carried ?? freshState();
  const queue: SkuEvent[] = [...(input.pending ?? [])];

  // Not carried: re-read on every run (cheap, and never stale after a restart).
  let ctx: SkuContext | undefined;
  let ctxFresh = false;
  let stock: ErpStock[] | undefined;
  let readOnly: ReadOnlyLevel[] = [];
  let rows: PlanRow[] = [];
  let needErp = true;
  /** Channels to read back before pushing (all of them at the start of the first run). */
  const needRead = new Set<string>(input.carried ? [] : ['*']);
  let forcePush = false;
  let eventAt: number | undefined;
  let runEvents = 0;
  let lastComponentNote = '';
  /** Operator requests wait until the recompute after them has finished. */
  let requested = 0;
  let completed = 0;
  const reconciles: { input: ReconcileInput; gen: number; result?: SkuDriftRow[] }[] = [];
  /** Slots a reconciliation found within tolerance: left alone this round. */
  let tolerated = new Set<string>();

  const channelIds = (): string[] => ctx?.policy.channels.map((c) => c.id) ?? [];
  const channelProxies = new Map<string, ChannelActivities>();
  const channel = (id: string): ChannelActivities => {
    let p = channelProxies.get(id);
    const opts = ctx?.channelOptions[id];
    if (!p) {
      if (!opts) throw new Error(`channel ${id} is not configured`);
      p = proxyActivities<ChannelActivities>(toActivityOptions(opts));
      channelProxies.set(id, p);
    }
    return p;
  };

  // ---- the view -------------------------------------------------------------------------------------------------

  const unitsPerDay = (): number => (ctx ? velocity(st.sales, Date.now(), ctx.velocityWindowMs) : 0);

  function status(): InvStatusValue {
    if (st.attention.length) return 'needs-attention';
    if (!lanesIdle()) return 'syncing';
    if (st.halts.length) return 'halted';
    if (st.lastDrift && st.lastDrift.units > 0) return 'drift';
    return 'ok';
  }

  function rowViews(filter: ChannelScopeInput = {}): SkuRowView[] {
    return rows
      .filter(
        (r) =>
          (!filter.channel || r.channel === filter.channel) &&
          (!filter.location || r.location === filter.location),
      )
      .map((r) => {
        const shows = st.shown[slotKey(r.channel, r.location)] ?? r.shows;
        return {
          channel: r.channel,
          location: r.location,
          qty: r.qty,
          ...(shows !== undefined ? { shows } : {}),
          status: ctx?.outsidePilot && isWritten(r) ? 'outside-pilot' : r.status,
          lines: r.lines,
        };
      });
  }

  function summary(): string {
    const parts: string[] = [];
    const listed = rows.filter(
      (r) => st.shown[slotKey(r.channel, r.location)] !== undefined || r.status === 'read-only',
    );
    parts.push(
      listed.length
        ? listed
            .map(
              (r) =>
                `${r.channel}${r.location.startsWith('gid://') ? ` ${r.location.split('/').pop()}` : r.location === 'DEFAULT' || r.location === 'selling_address' ? '' : ` ${r.location}`} ${r.qty}${r.status === 'read-only' ? ' (read-only)' : ''}`,
            )
            .join(', ')
        : 'not listed on any channel yet',
    );
    const held =
      st.ledger.reduce((s, e) => s + e.qty, 0) +
      Object.values(st.componentLedger)
        .flat()
        .reduce((s, e) => s + e.qty, 0);
    if (held) parts.push(`${held} units pending in the ERP (ledger)`);
    const v = unitsPerDay();
    parts.push(`${v.toFixed(1)} units/day (${velocityTier(v)})`);
    for (const h of st.halts)
      parts.push(`HALTED on ${h.channel}${h.location ? ` ${h.location}` : ''}: ${h.reason}`);
    for (const o of st.overrides)
      parts.push(
        `override ${o.channel} = ${o.qty}${o.until ? ` until ${new Date(o.until).toISOString()}` : ''}${o.reason ? ` (${o.reason})` : ''}`,
      );
    for (const a of st.attention)
      parts.push(
        `NEEDS ATTENTION ${a.step}${a.channel ? ` (${a.channel})` : ''}: ${a.message} — fix it, then \`npx invsync retry ${wfId}${a.channel ? ` --channel ${a.channel}` : ''}\` or \`skip\``,
      );
    if (ctx?.outsidePilot) parts.push('outside the pilot allowlist: computed, never pushed');
    return `**${sku}**: ${parts.join(' · ')}`;
  }

  function view(): SkuView {
    return {
      sku,
      status: status(),
      summary: summary(),
      ...(ctx?.kit ? { kit: { components: ctx.kit.components } } : {}),
      parents: ctx?.parents ?? [],
      rows: rowViews(),
      ledger: st.ledger,
      overrides: st.overrides,
      halts: st.halts,
      attention: st.attention,
      unitsPerDay: unitsPerDay(),
      lastPushAt: st.lastPushAt,
      lastDrift: st.lastDrift,
      counters: st.counters,
    };
  }

  let lastAttrs = '';
  function publish(): void {
    const s = status();
    const channels = [
      ...new Set(Object.keys(st.shown).map((k) => (k.split('|')[0] as string).replace(/^\?/, ''))),
    ].sort();
    const drift = st.lastDrift?.units ?? 0;
    const key = `${s}|${channels.join(',')}|${drift}`;
    if (key !== lastAttrs) {
      upsertSearchAttributes([
        { key: InvSku, value: sku },
        { key: InvStatus, value: s },
        { key: InvChannels, value: channels },
        { key: InvDriftUnits, value: drift },
      ]);
      lastAttrs = key;
    }
    setCurrentDetails(summary());
  }

  // ---- messages ----------------------------------------------------------------------------------------------

  setHandler(notifySignal, (e: SkuEvent) => {
    queue.push(e);
  });
  setHandler(stateQuery, () => view());
  setHandler(explainQuery, (f: ChannelScopeInput) => rowViews(f ?? {}));

  /** An operator's change is pushed at once, never deferred. */
  let pushNow = false;
  const afterRecompute = async (): Promise<SkuView> => {
    pushNow = true;
    const gen = ++requested;
    await condition(() => completed >= gen && lanesIdle());
    return view();
  };
  const knownChannel = (channel: string, location?: string): void => {
    if (!ctx) return; // validated against the config once the context is loaded
    const ch = ctx.policy.channels.find((c) => c.id === channel);
    if (!ch) throw new Error(`unknown channel "${channel}" (configured: ${channelIds().join(', ')})`);
    if (location !== undefined && !ch.locations.some((l) => l.id === location))
      throw new Error(
        `channel ${channel} has no location "${location}" (mapped: ${ch.locations.map((l) => l.id).join(', ')})`,
      );
  };
  const matches = (x: { channel: string; location?: string | undefined }, f: ChannelScopeInput): boolean =>
    (f.channel === undefined || x.channel === f.channel) &&
    (f.location === undefined || x.location === f.location);

  setHandler(
    overrideUpdate,
    async (o: OverrideInput) => {
      const until = parseUntil(o.until);
      st.overrides = st.overrides.filter((x) => !(x.channel === o.channel && x.location === o.location));
      st.overrides.push({
        sku,
        channel: o.channel,
        ...(o.location ? { location: o.location } : {}),
        qty: o.qty,
        ...(until !== undefined ? { until } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      return afterRecompute();
    },
    {
      validator: (o: OverrideInput) => {
        if (!o || typeof o.channel !== 'string' || o.channel === '')
          throw new Error('an override needs a channel');
        if (!Number.isInteger(o.qty) || o.qty < 0)
          throw new Error(`qty must be a whole number of units, 0 or more (got ${String(o.qty)})`);
        knownChannel(o.channel, o.location);
        const until = parseUntil(o.until);
        if (until !== undefined && until <= Date.now())
          throw new Error(`until ${new Date(until).toISOString()} is in the past`);
      },
    },
  );
  setHandler(
    clearOverrideUpdate,
    async (f: ChannelScopeInput) => {
      st.overrides = st.overrides.filter((o) => !matches(o, f));
      return afterRecompute();
    },
    {
      validator: (f: ChannelScopeInput) => {
        if (!st.overrides.some((o) => matches(o, f ?? {})))
          throw new Error(`no override on ${f?.channel ?? 'any channel'} for ${sku}`);
      },
    },
  );
  setHandler(
    haltUpdate,
    async (h) => {
      const targets = h.channel ? [h.channel] : channelIds();
      for (const channel of targets) {
        st.halts = st.halts.filter((x) => !(x.channel === channel && x.location === h.location));
        st.halts.push({
          sku,
          channel,
          ...(h.location ? { location: h.location } : {}),
          reason: h.reason,
          at: Date.now(),
        });
      }
      return afterRecompute();
    },
    {
      validator: (h) => {
        if (!h || typeof h.reason !== 'string' || h.reason.trim() === '')
          throw new Error('a halt needs a reason');
        if (h.channel) knownChannel(h.channel, h.location);
        else if (!ctx)
          throw new Error('the SKU is still loading: name the channel, or try again in a moment');
      },
    },
  );
  setHandler(
    resumeUpdate,
    async (f: ChannelScopeInput) => {
      st.halts = st.halts.filter((h) => !matches(h, f));
      if (st.lastDrift) st.lastDrift = { ...st.lastDrift, units: 0 };
      forcePush = true;
      return afterRecompute();
    },
    {
      validator: (f: ChannelScopeInput) => {
        if (!st.halts.some((h) => matches(h, f ?? {})))
          throw new Error(`${sku} is not halted${f?.channel ? ` on ${f.channel}` : ''}`);
      },
    },
  );
  setHandler(resyncUpdate, async (r) => {
    queue.push({
      kind: 'resync',
      id: `resync:${workflowInfo().runId}:${requested + 1}`,
      reason: r?.reason ?? 'operator',
    });
    return afterRecompute();
  });
  setHandler(
    reconcileUpdate,
    async (r: ReconcileInput) => {
      const req: { input: ReconcileInput; gen: number; result?: SkuDriftRow[] } = {
        input: r,
        gen: ++requested,
      };
      reconciles.push(req);
      await condition(() => req.result !== undefined);
      return req.result as SkuDriftRow[];
    },
    {
      validator: (r: ReconcileInput) => {
        if (!r || !Array.isArray(r.observation?.shows) || !Array.isArray(r.observation?.stock))
          throw new Error('a reconciliation needs observation.shows and observation.stock');
      },
    },
  );
  setHandler(retrySignal, (r) => {
    const before = st.attention.length;
    st.attention = st.attention.filter((a) => r?.channel !== undefined && a.channel !== r.channel);
    if (before !== st.attention.length) {
      ctx = undefined; // re-read the catalogue (the link may have been fixed)
      ctxFresh = true;
      needErp = true;
      forcePush = true;
      requested++;
    }
  });
  setHandler(skipSignal, (s) => {
    st.attention = st.attention.filter((a) => s?.channel !== undefined && a.channel !== s.channel);
    requested++;
  });

  // ---- applying events ---------------------------------------------------------------------------------------

  function apply(e: SkuEvent): void {
    if (st.seen.includes(e.id)) {
      st.counters.duplicates++;
      return;
    }
    st.seen.push(e.id);
    if (st.seen.length > SEEN_LIMIT) st.seen.splice(0, st.seen.length - SEEN_LIMIT);
    st.counters.events++;
    runEvents++;
    const now = Date.now();
    switch (e.kind) {
      case 'order': {
        st.sales.push({ sku, qty: e.qty, at: e.at, channel: e.channel });
        if (st.sales.length > SALES_LIMIT) st.sales.splice(0, st.sales.length - SALES_LIMIT);
        const slot = slotKey(e.channel, e.location);
        const before = st.shown[slot];
        if (e.listed && before !== undefined) st.shown[slot] = Math.max(0, before - e.qty);
        if (e.hold && !st.ledger.some((x) => x.channel === e.channel && x.orderId === e.orderId))
          st.ledger.push({
            id: `${e.channel}:${e.orderId}`,
            channel: e.channel,
            orderId: e.orderId,
            sku,
            qty: e.qty,
            erpLocations: e.erpLocations,
            at: e.at,
          });
        eventAt = Math.min(eventAt ?? e.at, e.at);
        break;
      }
      case 'release': {
        st.ledger = st.ledger.filter((x) => !(x.channel === e.channel && x.orderId === e.orderId));
        if (e.restock) {
          const slot = slotKey(e.channel, e.restock.location);
          const before = st.shown[slot];
          if (before !== undefined) st.shown[slot] = before + e.restock.qty;
        }
        needErp = true;
        eventAt = Math.min(eventAt ?? now, now);
        break;
      }
      case 'erp':
        needErp = true;
        eventAt = Math.min(eventAt ?? now, now);
        break;
      case 'level': {
        const slot = slotKey(e.channel, e.location);
        if (st.shown[slot] === e.shows) st.counters.echoes++;
        else if (slot in st.shown || `?${slot}` in st.shown) {
          // Someone else changed the channel (or events crossed): the next push sets the number, no compare.
          delete st.shown[slot];
          st.shown[`?${slot}`] = e.shows;
          eventAt = Math.min(eventAt ?? now, now);
        }
        break;
      }
      case 'component':
        st.componentLedger[e.component] = e.ledger;
        needErp = true;
        eventAt = Math.min(eventAt ?? now, now);
        break;
      case 'resync':
        needErp = true;
        needRead.add('*');
        forcePush = true;
        ctx = undefined;
        break;
    }
  }

  // ---- recompute and push -------------------------------------------------------------------------------------

  function compute(now: number): PlanRow[] {
    if (!ctx || !stock) return [];
    const kit = ctx.kit;
    const skus = kit ? kit.components.map((c) => c.sku) : [sku];
    const snap: Snapshot = {
      erp: {
        kind: ctx.erpKind,
        products: [{ sku }, ...(kit ? skus.map((s) => ({ sku: s })) : [])],
        stock: [...stock], // ErpStock rows are already the snapshot's normalised rows
        kits: kit ? [kit] : [],
      },
      channels: {},
      ledger: (kit ? Object.values(st.componentLedger).flat() : st.ledger).map((e) => ({ ...e })),
      reservations: [],
      overrides: st.overrides.map((o) => ({ ...o })),
      halts: st.halts.map((h) => ({
        sku: h.sku,
        channel: h.channel,
        ...(h.location ? { location: h.location } : {}),
        reason: h.reason,
      })),
      sales: st.sales.map((s) => ({ ...s })),
    };
    // Only this SKU's kit (if it is one) counts: other kits have their own workflows.
    const p = plan({ ...ctx.policy, kits: [], kitSource: 'erp' }, snap, {
      now,
      velocityWindowMs: ctx.velocityWindowMs,
      links: { match: ['sku'], overrides: [] },
      reservations: ctx.reservations,
      skus: [sku],
    });
    const readOnlyRows: PlanRow[] = readOnly.map((l) => ({
      sku,
      channel: l.channel,
      location: l.location,
      qty: l.shows,
      shows: l.shows,
      drift: 0,
      status: 'read-only',
      lines: [
        {
          text:
            l.location === 'FBA'
              ? "FBA fulfillable: Amazon's stock, read and reported, never pushed"
              : "Mercado Libre Full stock: Mercado Libre's, never written",
          delta: l.shows,
          value: l.shows,
        },
      ],
    }));
    return [...p.rows.filter((r) => r.sku === sku), ...readOnlyRows];
  }

  async function readChannels(): Promise<void> {
    const ids = needRead.has('*') ? channelIds() : [...needRead].filter((c) => channelIds().includes(c));
    needRead.clear();
    const fresh: ReadOnlyLevel[] = [];
    await Promise.all(
      ids
        .filter((id) => !st.attention.some((a) => a.channel === id))
        .map(async (id) => {
          try {
            const levels = await channel(id).channelLevels({ channel: id, skus: [sku] });
            for (const k of Object.keys(st.shown))
              if (k.startsWith(`${id}|`) || k.startsWith(`?${id}|`)) delete st.shown[k];
            for (const l of levels) {
              if (l.sku !== sku) continue;
              if (l.readOnly) fresh.push({ ...l, channel: id });
              else st.shown[slotKey(id, l.location)] = l.shows;
            }
          } catch (err) {
            if (!(err instanceof ActivityFailure)) throw err;
            const f = describeFailure(err);
            // Not every SKU is listed on every channel: that is not a problem, there is just nothing to push there.
            if (f.type === 'UNLINKED_SKU' || f.type === 'NOT_FOUND') {
              for (const k of Object.keys(st.shown))
                if (k.startsWith(`${id}|`) || k.startsWith(`?${id}|`)) delete st.shown[k];
              return;
            }
            await stop({ step: `read ${id}`, channel: id, ...f });
          }
        }),
    );
    readOnly = [...readOnly.filter((r) => !ids.includes(r.channel)), ...fresh];
  }

  async function stop(a: {
    step: string;
    channel?: string | undefined;
    message: string;
    type?: string | undefined;
  }): Promise<void> {
    if (st.attention.some((x) => x.step === a.step && x.channel === a.channel)) return;
    const att: Attention = { ...a, since: Date.now() };
    st.attention.push(att);
    publish();
    await sync
      .sendAlert({
        kind: 'needs-attention',
        text: `${sku}: ${a.step}${a.channel ? ` (${a.channel})` : ''} needs attention: ${a.message}`,
        sku,
        ...(a.channel ? { channel: a.channel } : {}),
        workflowId: wfId,
      })
      .catch(() => undefined);
  }

  // ---- pushing: one lane per channel ----------------------------------------------------------------------------
  // Each channel pushes on its own lane, so a slow, rate-limited channel never holds the others back. A lane has at
  // most one push in flight; what changes meanwhile marks it dirty, and the next push carries only the latest
  // numbers (superseded values are never sent).

  interface Lane {
    busy: boolean;
    dirty: boolean;
    /** Push even numbers the channel already shows (operator resync). */
    force: boolean;
    /** Do not defer (operator actions, reconciliation). */
    now: boolean;
    eventAt?: number | undefined;
    /** How long the last push took from request to answer: long means the channel's queue is backed up. */
    lastLatencyMs: number;
  }
  /**
   * When a channel's budget is scarce (its last push waited longer than this), a push that cannot prevent an oversell
   * (the channel shows no more than it can be served: the buffer is covering) waits up to DEFER_MS, gathering later
   * changes, so pushes that do prevent oversells (the channel shows more than it can be served) go first.
   */
  const SCARCE_AFTER_MS = 2_000;
  const DEFER_MS = 30_000;
  const lanes = new Map<string, Lane>();
  const lanesIdle = (): boolean => [...lanes.values()].every((l) => !l.busy);
  const laneOf = (ch: string): Lane => {
    let l = lanes.get(ch);
    if (!l) lanes.set(ch, (l = { busy: false, dirty: false, force: false, now: false, lastLatencyMs: 0 }));
    return l;
  };

  /** The written rows of a channel whose number it does not show yet. */
  function wanted(ch: string, force: boolean): PlanRow[] {
    if (!ctx || ctx.outsidePilot || st.attention.some((a) => a.channel === ch)) return [];
    return rows.filter((r) => {
      if (r.channel !== ch || !isWritten(r)) return false;
      const key = slotKey(r.channel, r.location);
      if (!(key in st.shown || `?${key}` in st.shown) || tolerated.has(key)) return false;
      return force || st.shown[key] !== r.qty;
    });
  }

  /** Rows whose push prevents an oversell: the channel shows (or may show) more than it can be served. */
  const urgent = (list: PlanRow[]): boolean =>
    list.some((r) => {
      const shown = st.shown[slotKey(r.channel, r.location)];
      return (
        shown === undefined || r.status !== 'live' || shown > (r.cap ?? r.qty) || (r.qty === 0 && shown > 0)
      );
    });

  function schedulePushes(force: boolean, now = force): void {
    for (const ch of channelIds()) {
      const lane = laneOf(ch);
      if (force) lane.force = true;
      if (now) lane.now = true;
      if (eventAt !== undefined) lane.eventAt = Math.min(lane.eventAt ?? eventAt, eventAt);
      if (lane.busy) {
        lane.dirty = true;
        continue;
      }
      if (wanted(ch, lane.force).length === 0) {
        lane.force = false;
        lane.eventAt = undefined;
        continue;
      }
      lane.busy = true;
      publish();
      void runLane(ch, lane);
    }
  }

  async function runLane(ch: string, lane: Lane): Promise<void> {
    try {
      for (let round = 0; round < 5; round++) {
        lane.dirty = false;
        rows = compute(Date.now());
        let list = wanted(ch, lane.force);
        if (
          list.length &&
          !lane.force &&
          !lane.now &&
          lane.lastLatencyMs > SCARCE_AFTER_MS &&
          !urgent(list)
        ) {
          // Scarce budget and nothing at risk: let later changes gather; wake early if something becomes urgent.
          await condition(() => lane.force || lane.now || urgent(wanted(ch, false)), DEFER_MS);
          rows = compute(Date.now());
          list = wanted(ch, lane.force);
        }
        lane.force = false;
        lane.now = false;
        if (list.length === 0) break;
        const at = lane.eventAt;
        lane.eventAt = undefined;
        const started = Date.now();
        const stale = await pushChannel(ch, list, at);
        lane.lastLatencyMs = Date.now() - started;
        if (!stale && !lane.dirty) break;
      }
    } finally {
      lane.busy = false;
      publish();
    }
  }

  /** One push to one channel; returns whether the channel answered stale (then the lane goes again). */
  async function pushChannel(id: string, list: PlanRow[], at: number | undefined): Promise<boolean> {
    const seq = ++st.pushSeq;
    const key = `${wfId}:push:${seq}`;
    let again = false;
    try {
      const outcomes = await channel(id).channelPush({
        channel: id,
        pushes: list.map((r) => {
          const expected = st.shown[slotKey(id, r.location)];
          return { sku, location: r.location, qty: r.qty, ...(expected !== undefined ? { expected } : {}) };
        }),
        idempotencyKey: key,
        ...(at !== undefined ? { eventAt: at } : {}),
      });
      for (const o of outcomes) {
        const slot = slotKey(id, o.location);
        const row = list.find((r) => r.location === o.location);
        if (o.status === 'applied' || o.status === 'unchanged') {
          st.shown[slot] = row?.qty ?? o.shows ?? 0;
          delete st.shown[`?${slot}`];
          if (o.status === 'applied') {
            st.counters.pushes++;
            st.counters.pushedUnits += row?.qty ?? 0;
          }
          st.lastPushAt = Date.now();
        } else if (o.status === 'stale') {
          if (o.shows !== undefined) st.shown[slot] = o.shows;
          else {
            delete st.shown[slot];
            st.shown[`?${slot}`] = 0;
          }
          again = true;
        }
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await stop({ step: `push to ${id}`, channel: id, ...describeFailure(err) });
    }
    return again;
  }

  /** Loads what the SKU needs (catalogue, policy); false when it cannot be synced (needs attention). */
  async function ensureContext(): Promise<boolean> {
    if (!ctx) {
      try {
        ctx = await sync.loadSkuContext({ sku, ...(ctxFresh ? { fresh: true } : {}) });
        ctxFresh = false;
        channelProxies.clear();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await stop({ step: 'load the SKU', ...describeFailure(err) });
        return false;
      }
    }
    if (!ctx.linked) {
      await stop({
        step: 'link the SKU',
        message: ctx.problem ?? 'the SKU is not linked',
        type: 'UNLINKED_SKU',
      });
      return false;
    }
    return true;
  }

  async function readErp(): Promise<boolean> {
    if (!ctx) return false;
    const skus = ctx.kit ? ctx.kit.components.map((c) => c.sku) : [sku];
    try {
      stock = await sync.skuStock({ skus, locations: ctx.erpLocations });
      needErp = false;
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await stop({ step: 'read the ERP', ...describeFailure(err) });
      return false;
    }
  }

  async function notifyParents(): Promise<void> {
    if (!ctx?.parents.length) return;
    const note = JSON.stringify([st.ledger, stock]);
    if (note === lastComponentNote) return;
    lastComponentNote = note;
    const seq = ++st.pushSeq;
    await sync.notifySkus({
      events: ctx.parents.map((parent) => ({
        sku: parent,
        event: { kind: 'component', id: `${wfId}:component:${seq}`, component: sku, ledger: st.ledger },
      })),
    });
  }

  /** Low stock (design C10): what can still be sold covers fewer days than the threshold at the current pace. */
  let lowStockAlerted = false;
  async function checkLowStock(): Promise<void> {
    if (!ctx || ctx.kit || !stock) return;
    const perDay = unitsPerDay();
    if (perDay <= 0) return;
    const sellable = Math.max(
      0,
      stock.reduce((n, r) => n + Math.max(0, r.onHand - r.reserved - r.damaged), 0) -
        st.ledger.reduce((n, e) => n + e.qty, 0),
    );
    const low = sellable < ctx.lowStockDaysOfCover * perDay;
    if (low && !lowStockAlerted)
      await sync.sendAlert({
        kind: 'low-stock',
        text: `${sku} is low: ${sellable} units left for ${perDay.toFixed(1)} sold a day (under ${ctx.lowStockDaysOfCover} days of cover); replenish or expect it to sell out`,
        sku,
        workflowId: wfId,
      });
    lowStockAlerted = low;
  }

  async function recompute(): Promise<void> {
    if (!(await ensureContext())) return;
    if ((needErp || !stock) && !(await readErp())) return;
    if (needRead.size) await readChannels();
    rows = compute(Date.now());
    schedulePushes(forcePush, forcePush || pushNow);
    forcePush = false;
    pushNow = false;
    eventAt = undefined;
    await notifyParents();
    await checkLowStock();
  }

  async function reconcile(req: { input: ReconcileInput }): Promise<SkuDriftRow[]> {
    const { observation, thresholds, runId } = req.input;
    if (!(await ensureContext()) || !ctx) return [];
    // The reconciliation's bulk read is fresh: use it instead of reading again (a kit's stock is its components').
    if (ctx.kit) {
      if (!(await readErp())) return [];
    } else {
      stock = observation.stock.map((x) => ({ sku, ...x }));
      needErp = false;
    }
    if (needRead.has('*')) {
      needRead.clear();
      for (const o of observation.shows) st.shown[slotKey(o.channel, o.location)] = o.shows;
    } else if (needRead.size) await readChannels();
    rows = compute(Date.now());
    const out: SkuDriftRow[] = [];
    tolerated = new Set();
    let units = 0;
    for (const o of observation.shows) {
      const row = rows.find((r) => r.channel === o.channel && r.location === o.location);
      if (!row || row.status === 'read-only' || row.status === 'refused') continue;
      const slot = slotKey(o.channel, o.location);
      st.shown[slot] = o.shows;
      delete st.shown[`?${slot}`];
      const c = classifyDrift(o.shows, row.qty, thresholds);
      let action: SkuDriftRow['action'] = 'none';
      if (c.class !== 'in-tolerance') units += Math.abs(c.drift);
      if (row.status === 'shadow') action = 'shadow';
      else if (st.attention.some((a) => a.channel === o.channel)) action = 'blocked';
      else if (c.class === 'halt' && row.status !== 'halted') {
        st.halts.push({
          sku,
          channel: o.channel,
          location: o.location,
          reason: `drift of ${c.drift > 0 ? '+' : ''}${c.drift} units (shows ${o.shows}, expected ${row.qty}) found by reconciliation ${runId}; check the channel, then resume`,
          at: Date.now(),
        });
        action = 'halted';
        await sync.sendAlert({
          kind: 'drift-halt',
          text: `${sku} halted on ${o.channel} (${o.location}): it showed ${o.shows}, expected ${row.qty} (drift ${c.drift}); invsync now sends 0 there. Check the channel, then \`npx invsync resume ${sku} --channel ${o.channel}\``,
          sku,
          channel: o.channel,
          workflowId: wfId,
        });
      } else if (c.class === 'resync') action = 'resynced';
      else if (c.class === 'in-tolerance' && c.drift !== 0) tolerated.add(slot);
      out.push({
        sku,
        channel: o.channel,
        location: o.location,
        shown: o.shows,
        expected: row.qty,
        drift: c.drift,
        class: c.class,
        action,
      });
    }
    rows = compute(Date.now());
    schedulePushes(false, true);
    await condition(lanesIdle);
    tolerated = new Set();
    st.lastDrift = { at: Date.now(), units: out.some((r) => r.action === 'halted') ? units : 0 };
    await notifyParents();
    return out;
  }

  // ---- the loop ---------------------------------------------------------------------------------------------------

  // A continued run recomputes at once, so its view (rows, explain) is never empty.
  if (input.carried) requested++;
  publish();
  for (;;) {
    const expiries = st.overrides.map((o) => o.until).filter((u): u is number => u !== undefined);
    const wake = expiries.length ? Math.min(...expiries) : undefined;
    const work = (): boolean =>
      queue.length > 0 || requested > completed || reconciles.some((r) => !r.result);
    const woke =
      wake !== undefined
        ? await condition(work, Math.max(1, wake - Date.now() + 1))
        : (await condition(work), true);
    if (!woke) {
      st.overrides = st.overrides.filter((o) => o.until === undefined || o.until > Date.now());
      forcePush = true;
    }
    if (timings.coalesceMs > 0 && queue.length) await sleep(timings.coalesceMs);
    const gen = requested;
    for (const e of queue.splice(0)) apply(e);
    const pendingReconciles = reconciles.filter((r) => !r.result);
    if (pendingReconciles.length) {
      for (const r of pendingReconciles) r.result = await reconcile(r);
      reconciles.splice(0, reconciles.length, ...reconciles.filter((r) => !r.result));
    } else await recompute();
    st.overrides = st.overrides.filter((o) => o.until === undefined || o.until > Date.now() - 1);
    completed = Math.max(completed, gen);
    publish();
    if (
      (workflowInfo().continueAsNewSuggested || runEvents >= timings.continueAsNewAfter) &&
      queue.length === 0
    ) {
      await condition(() => allHandlersFinished() && lanesIdle());
      await continueAsNew<typeof skuWorkflow>({ sku, timings, carried: st, pending: queue.splice(0) });
    }
  }
}
