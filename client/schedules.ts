/**
 * invsync's Temporal Schedules (design section 4): `invsync-reconcile` (the velocity-tiered reconciliation every
 * `schedules.reconcile.every`), `invsync-poll` (the polling fallback every `schedules.poll.every`) and
 * `invsync-nightly` (the full pass at `schedules.nightly.cron`, UTC). `ensureSchedules` creates them, or brings an
 * existing one's spec, action and policies in line with the config (a pause stays as the operator left it).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  type ScheduleSpecDescription,
  type Workflow,
} from '@temporalio/client';
import { SCHEDULE_IDS } from '../domain/events';
import { formatDuration } from '../domain/duration';
import type { Config } from '../domain/config/schema';
import { OpsError } from './ops';

export type ScheduleName = keyof typeof SCHEDULE_IDS;
export const SCHEDULE_NAMES = Object.keys(SCHEDULE_IDS) as ScheduleName[];

export interface ScheduleContext {
  client: Client;
  /** Task queue the scheduled workflows run on (`invsync`). */
  taskQueue: string;
  /** Prepended to schedule ids and the workflow ids they start ('' in production). */
  idPrefix: string;
}

export const scheduleId = (ctx: Pick<ScheduleContext, 'idPrefix'>, name: ScheduleName): string =>
  `${ctx.idPrefix}${SCHEDULE_IDS[name]}`;

/** `reconcile`, `invsync-reconcile` (or the prefixed id) -> `reconcile`. */
export function scheduleName(ctx: Pick<ScheduleContext, 'idPrefix'>, name: string): ScheduleName {
  for (const n of SCHEDULE_NAMES)
    if (name === n || name === SCHEDULE_IDS[n] || name === scheduleId(ctx, n)) return n;
  throw new OpsError(
    `unknown schedule "${name}": use one of ${SCHEDULE_NAMES.map((n) => `${n} (${SCHEDULE_IDS[n]})`).join(', ')}`,
    'not-found',
  );
}

const WHAT: Record<ScheduleName, string> = {
  reconcile:
    'Reads back every channel (fast movers most often: velocity tiers), resyncs drift within tolerance, halts and alerts above it, writes the drift report.',
  poll: 'Polling fallback: reads the ERP change feed and each channel’s orders since the last cursor, so a lost webhook is found within one poll.',
  nightly: 'Full nightly reconciliation of every SKU on every channel (backs up the tiered runs).',
};

type Desired = ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>>;

/** The three schedules as the config wants them. */
export function desiredSchedules(
  ctx: Omit<ScheduleContext, 'client'>,
  config: Pick<Config, 'schedules'>,
): Desired[] {
  const s = config.schedules;
  const action = (workflowType: string, workflowId: string, args: unknown[], summary: string) => ({
    type: 'startWorkflow' as const,
    workflowType,
    workflowId: `${ctx.idPrefix}${workflowId}`,
    taskQueue: ctx.taskQueue,
    args,
    staticSummary: summary,
  });
  return [
    {
      scheduleId: scheduleId(ctx, 'reconcile'),
      spec: { intervals: [{ every: s.reconcile.every }] },
      action: action(
        'reconcileWorkflow',
        'reconcile-scheduled',
        [{ scope: 'tiered' }],
        'Scheduled reconciliation (velocity tiers due now)',
      ),
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
      memo: { description: WHAT.reconcile },
      state: { note: `invsync: ${WHAT.reconcile}` },
    },
    {
      scheduleId: scheduleId(ctx, 'poll'),
      spec: { intervals: [{ every: s.poll.every }] },
      action: action(
        'pollWorkflow',
        'invsync-poll',
        [{}],
        'Polling fallback: ERP change feed and channel orders',
      ),
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
      memo: { description: WHAT.poll },
      state: { note: `invsync: ${WHAT.poll}` },
    },
    {
      scheduleId: scheduleId(ctx, 'nightly'),
      spec: { cronExpressions: [s.nightly.cron] },
      // nightlyWorkflow starts its `reconcile:<ISO time>` child under the same id prefix.
      action: action(
        'nightlyWorkflow',
        'nightly',
        [ctx.idPrefix ? { idPrefix: ctx.idPrefix } : {}],
        'Nightly full reconciliation',
      ),
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60 * 60_000 },
      memo: { description: WHAT.nightly },
      state: { note: `invsync: ${WHAT.nightly}` },
    },
  ];
}

export interface EnsuredSchedule {
  scheduleId: string;
  outcome: 'created' | 'updated';
}

/**
 * Creates invsync's schedules; one that exists already (ScheduleAlreadyRunning) gets the config's spec, action and
 * policies instead (its paused/unpaused state and note are kept). Safe to run at every worker start.
 */
export async function ensureSchedules(
  ctx: ScheduleContext & { config: Pick<Config, 'schedules'> },
): Promise<EnsuredSchedule[]> {
  const out: EnsuredSchedule[] = [];
  for (const want of desiredSchedules(ctx, ctx.config)) {
    try {
      await ctx.client.schedule.create(want);
      out.push({ scheduleId: want.scheduleId, outcome: 'created' });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await ctx.client.schedule.getHandle(want.scheduleId).update((prev) => ({
        spec: want.spec,
        action: want.action,
        policies: { ...prev.policies, ...want.policies },
        state: {
          paused: prev.state.paused,
          note: prev.state.note,
          remainingActions: prev.state.remainingActions,
        },
      }));
      out.push({ scheduleId: want.scheduleId, outcome: 'updated' });
    }
  }
  return out;
}

export interface ScheduleStatus {
  name: ScheduleName;
  scheduleId: string;
  exists: boolean;
  paused?: boolean | undefined;
  note?: string | undefined;
  /** `every 15m` or `cron 0 3 * * *`. */
  spec?: string | undefined;
  workflowType?: string | undefined;
  nextRuns: string[];
  recent: { scheduledAt: string; takenAt: string; workflowId: string }[];
  running: string[];
  actionsTaken?: number | undefined;
  skippedOverlap?: number | undefined;
  missedCatchup?: number | undefined;
}

const missing = (ctx: Pick<ScheduleContext, 'idPrefix'>, name: ScheduleName) =>
  new OpsError(
    `schedule ${scheduleId(ctx, name)} does not exist: the worker creates the schedules when it starts (or run \`invsync schedule ensure\`)`,
    'not-found',
  );

/** Renders a described spec: intervals as `every 15m`, calendars (a cron) as `cron m h dom mon dow`. */
export function describeSpec(spec: ScheduleSpecDescription | ScheduleSpec): string {
  const parts: string[] = [];
  for (const i of spec.intervals ?? [])
    parts.push(`every ${typeof i.every === 'number' ? formatDuration(i.every) : String(i.every)}`);
  for (const c of ('cronExpressions' in spec ? spec.cronExpressions : undefined) ?? [])
    parts.push(`cron ${c}`);
  for (const c of (spec.calendars ?? []) as unknown as Record<string, unknown>[]) {
    if (typeof c.comment === 'string' && c.comment) {
      parts.push(`cron ${c.comment}`);
      continue;
    }
    const field = (v: unknown, full: [unknown, unknown]): string => {
      const ranges = (Array.isArray(v) ? v : [v]) as { start: unknown; end?: unknown; step?: number }[];
      if (!ranges.length) return '*';
      return ranges
        .map((r) => {
          const end = r.end ?? r.start;
          if (r.start === full[0] && end === full[1] && (r.step ?? 1) === 1) return '*';
          const base = end === r.start ? String(r.start) : `${String(r.start)}-${String(end)}`;
          return (r.step ?? 1) > 1 ? `${base}/${r.step}` : base;
        })
        .join(',');
    };
    parts.push(
      `calendar ${[
        field(c.minute, [0, 59]),
        field(c.hour, [0, 23]),
        field(c.dayOfMonth, [1, 31]),
        field(c.month, ['JANUARY', 'DECEMBER']),
        field(c.dayOfWeek, ['SUNDAY', 'SATURDAY']),
      ].join(' ')}`,
    );
  }
  return parts.join('; ');
}

function statusOf(name: ScheduleName, id: string, d: ScheduleDescription): ScheduleStatus {
  return {
    name,
    scheduleId: id,
    exists: true,
    paused: d.state.paused,
    note: d.state.note,
    spec: describeSpec(d.spec),
    workflowType: d.action.workflowType,
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recent: d.info.recentActions.slice(-3).map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchup: d.info.numActionsMissedCatchupWindow,
  };
}

/** Each schedule: paused or not (and the note), its spec, the next run times, recent and running actions. */
export async function scheduleStatus(
  ctx: Omit<ScheduleContext, 'taskQueue'>,
  names: ScheduleName[] = SCHEDULE_NAMES,
): Promise<ScheduleStatus[]> {
  return Promise.all(
    names.map(async (name) => {
      const id = scheduleId(ctx, name);
      try {
        return statusOf(name, id, await ctx.client.schedule.getHandle(id).describe());
      } catch (err) {
        if (err instanceof ScheduleNotFoundError)
          return { name, scheduleId: id, exists: false, nextRuns: [], recent: [], running: [] };
        throw err;
      }
    }),
  );
}

async function eachSchedule(
  ctx: Omit<ScheduleContext, 'taskQueue'>,
  names: ScheduleName[],
  fn: (id: string) => Promise<void>,
): Promise<string[]> {
  const done: string[] = [];
  for (const name of names) {
    const id = scheduleId(ctx, name);
    try {
      await fn(id);
      done.push(id);
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw missing(ctx, name);
      throw err;
    }
  }
  return done;
}

/** Pauses the schedules (every one by default); the note says why and shows in the Web UI. */
export function pauseSchedules(
  ctx: Omit<ScheduleContext, 'taskQueue'>,
  note: string,
  names: ScheduleName[] = SCHEDULE_NAMES,
): Promise<string[]> {
  return eachSchedule(ctx, names, (id) => ctx.client.schedule.getHandle(id).pause(note));
}

export function resumeSchedules(
  ctx: Omit<ScheduleContext, 'taskQueue'>,
  note: string,
  names: ScheduleName[] = SCHEDULE_NAMES,
): Promise<string[]> {
  return eachSchedule(ctx, names, (id) => ctx.client.schedule.getHandle(id).unpause(note));
}

/**
 * Runs a schedule's action now. When one of its runs is still going, nothing new starts (the same overlap rule as
 * the schedule: SKIP) and the running workflow is returned.
 */
export async function triggerSchedule(
  ctx: Omit<ScheduleContext, 'taskQueue'>,
  name: ScheduleName,
): Promise<{ scheduleId: string; triggered: boolean; running: string[] }> {
  const id = scheduleId(ctx, name);
  const handle = ctx.client.schedule.getHandle(id);
  try {
    const d = await handle.describe();
    const running = d.info.runningActions.map((a) => a.workflow.workflowId);
    if (running.length) return { scheduleId: id, triggered: false, running };
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    return { scheduleId: id, triggered: true, running: [] };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw missing(ctx, name);
    throw err;
  }
}
