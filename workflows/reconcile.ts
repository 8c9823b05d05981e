/**
 * Reconciliation (design rule 4, C8). `reconcile:<ISO time>` reads every channel back through its bulk read path
 * (inside an activity: the data never enters history), selects the SKUs whose velocity tier is due, and fans them
 * out in batches as child workflows `<id>:batch:<n>`; each batch hands every SKU's observation to its SKU workflow,
 * which classifies the drift against its pending-order ledger and resyncs or halts. The report (JSON, CSV, HTML,
 * sorted by absolute drift) and the drift metrics come last. `invsync-nightly` runs the same as a full pass.
 *
 * Progress is the `progress` query (the CLI's progress bar); the Web UI shows InvStatus (`syncing`, then `drift` or
 * `ok`), InvDriftUnits and a one-line summary.
 */
import {
  defineQuery,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { PERMANENT_ERROR_TYPES } from '../domain/activity-options';
import { reconcileWorkflowId } from '../domain/events';
import type {
  BatchCounts,
  FailedBatch,
  ReconcileActivities,
  ReconcileResult,
  ReconcileSettings,
  TierGate,
} from '../activities/reconcile';
import { InvChannels, InvDriftUnits, InvStatus } from './search-attributes';

export type { ReconcileResult } from '../activities/reconcile';

export interface ReconcileProgress {
  phase: 'reading' | 'reconciling' | 'reporting' | 'done' | 'failed';
  /** SKUs handled so far (reconciling), of `total`. */
  done: number;
  total: number;
}

/** Polled by `invsync reconcile` for its progress bar. */
export const progressQuery = defineQuery<ReconcileProgress>('progress');

/** Every time and size of a run; defaults come from the config (through the read) or below. Tests use seconds. */
export interface ReconcileTimings {
  /** SKUs per batch child workflow (default config engine.reconcile.batchSize). */
  batchSize?: number | undefined;
  /** Batch child workflows running at once (default 4). */
  batchConcurrency?: number | undefined;
  /** Update-with-start calls in flight per batch (default 10). */
  updateConcurrency?: number | undefined;
  /** Heartbeat timeout of the read and batch activities (default 2 minutes). */
  heartbeatMs?: number | undefined;
  /** One attempt of the bulk read (default 2 hours: Amazon reads one SKU per call). */
  readTimeoutMs?: number | undefined;
  /** One attempt of a batch (default 1 hour). */
  batchTimeoutMs?: number | undefined;
  /** Attempts of each activity before the run gives up on it (default 5). */
  maximumAttempts?: number | undefined;
  /** First retry after ... (default 1 second). */
  retryInitialMs?: number | undefined;
}

export interface ReconcileWorkflowInput {
  /** `tiered` (the 15-minute schedule): fast movers every run, slower tiers when due. `full`: every SKU. */
  scope?: 'tiered' | 'full' | undefined;
  /** Only these SKUs (`invsync reconcile --sku`); always all of them, whatever their tier. */
  skus?: string[] | undefined;
  /** The run's scheduled time (epoch ms) for tiering; default the schedule's, else the workflow's start time. */
  at?: number | undefined;
  timings?: ReconcileTimings | undefined;
}

export interface ReconcileBatchInput {
  runId: string;
  batch: number;
  from: number;
  to: number;
  gate?: TierGate | undefined;
  timings?: ReconcileTimings | undefined;
}

export interface NightlyWorkflowInput {
  /** Prepended to the child's id (tests; '' in production). */
  idPrefix?: string | undefined;
  timings?: ReconcileTimings | undefined;
}

// ---- tiering (pure) ------------------------------------------------------------------------------------------------

/**
 * Whether a tier checked every `interval` ms is due in a run at `at` of a schedule running every `every` ms: exactly
 * one run per interval boundary crossed, decided from the time alone (no state between runs).
 */
export function tierDue(at: number, every: number, interval: number): boolean {
  if (interval <= every || every <= 0) return true;
  return Math.floor(at / interval) !== Math.floor((at - every) / interval);
}

export function tierGate(at: number, s: Pick<ReconcileSettings, 'every' | 'tiers'>): TierGate {
  return { medium: tierDue(at, s.every, s.tiers.medium), slow: tierDue(at, s.every, s.tiers.slow) };
}

// ---- helpers -------------------------------------------------------------------------------------------------------

/** Set by Temporal on workflows a schedule starts. */
const TemporalScheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

function scheduledAt(explicit: number | undefined): number {
  if (explicit !== undefined) return explicit;
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  return scheduled ? scheduled.getTime() : info.startTime.getTime();
}

/** A file-safe run id from the workflow id (it names the read cache and the batch files). */
const runIdOf = (workflowId: string): string => workflowId.replace(/[^\w.-]/g, '_').slice(0, 200);

/** `...reconcile:<ISO time>` names the run's time; any other id: the workflow's start. */
function runTime(workflowId: string): number {
  const m = /reconcile:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(workflowId);
  const t = m?.[1] ? Date.parse(m[1]) : NaN;
  return Number.isFinite(t) ? t : workflowInfo().startTime.getTime();
}

function activityOptions(t: ReconcileTimings, startToCloseMs: number, heartbeat: boolean): ActivityOptions {
  return {
    startToCloseTimeout: startToCloseMs,
    ...(heartbeat ? { heartbeatTimeout: t.heartbeatMs ?? 120_000 } : {}),
    retry: {
      initialInterval: t.retryInitialMs ?? 1_000,
      backoffCoefficient: 2,
      maximumInterval: 60_000,
      // Reads resume from their heartbeat cursor, so a rate-limited channel costs an attempt, not the progress:
      // allow many (bounded by the start-to-close limit) before stopping the run.
      maximumAttempts: t.maximumAttempts ?? 100,
      nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES],
    },
  };
}

/** The innermost failure message (child -> activity -> application failure). */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && (e as { cause?: unknown }).cause instanceof Error)
    e = (e as { cause: Error }).cause;
  return e instanceof Error ? e.message : String(e);
}

// ---- workflows -----------------------------------------------------------------------------------------------------

export async function reconcileWorkflow(input: ReconcileWorkflowInput = {}): Promise<ReconcileResult> {
  const info = workflowInfo();
  const t = input.timings ?? {};
  const scope = input.skus?.length ? 'full' : (input.scope ?? 'tiered');
  const runId = runIdOf(info.workflowId);
  const startedAt = runTime(info.workflowId);
  const progress: ReconcileProgress = { phase: 'reading', done: 0, total: 0 };
  setHandler(progressQuery, () => ({ ...progress }));
  upsertSearchAttributes([{ key: InvStatus, value: 'syncing' }]);
  setCurrentDetails(`${scope} reconciliation: reading the ERP and every channel`);

  const { reconcileRead, reconcileReport } = proxyActivities<ReconcileActivities>(
    activityOptions(t, t.readTimeoutMs ?? 2 * 3_600_000, true),
  );

  try {
    const read = await reconcileRead({ runId, ...(input.skus?.length ? { skus: input.skus } : {}) });
    upsertSearchAttributes([{ key: InvChannels, value: read.settings.channels }]);

    const gate = scope === 'tiered' ? tierGate(scheduledAt(input.at), read.settings) : undefined;
    const batchSize = Math.max(1, t.batchSize ?? read.settings.batchSize);
    const batches = Math.ceil(read.skuCount / batchSize);
    progress.phase = 'reconciling';
    progress.total = read.skuCount;
    const tiers = gate
      ? `fast${gate.medium ? ', medium' : ''}${gate.slow ? ', slow' : ''} movers`
      : 'every SKU';
    setCurrentDetails(
      `${scope} reconciliation: ${read.skuCount} SKUs (${tiers}) in ${batches} batches; ${read.problems.total} catalogue problems`,
    );

    const failedBatches: FailedBatch[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches) {
        const n = next++;
        const from = n * batchSize;
        const to = Math.min(read.skuCount, from + batchSize);
        try {
          await executeChild(reconcileBatchWorkflow, {
            workflowId: `${info.workflowId}:batch:${n}`,
            args: [{ runId, batch: n, from, to, ...(gate ? { gate } : {}), timings: t }],
          });
        } catch (err) {
          failedBatches.push({ batch: n, from, to, message: rootMessage(err) });
        }
        progress.done += to - from;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(t.batchConcurrency ?? 4, batches)) }, lane));

    progress.phase = 'reporting';
    const result = await reconcileReport({
      runId,
      workflowId: info.workflowId,
      scope,
      startedAt,
      batches,
      batchSize,
      failedBatches: failedBatches.sort((a, b) => a.batch - b.batch),
    });
    const s = result.summary;
    upsertSearchAttributes([
      { key: InvStatus, value: s.driftUnits > 0 ? 'drift' : 'ok' },
      { key: InvDriftUnits, value: s.driftUnits },
    ]);
    setCurrentDetails(
      `${scope} reconciliation: ${s.skus} SKUs, ${s.rows} rows; ${s.driftUnits} units of drift (${s.resync} resynced, ${s.halt} halted); ${s.problems} problems${s.skipped ? `; ${s.skipped} skipped (tier not due)` : ''}${s.failed ? `; ${s.failed} not reconciled` : ''}; report ${result.reportPaths.html}`,
    );
    progress.phase = 'done';
    return result;
  } catch (err) {
    progress.phase = 'failed';
    upsertSearchAttributes([{ key: InvStatus, value: 'needs-attention' }]);
    setCurrentDetails(`reconciliation failed: ${rootMessage(err)}`);
    throw err;
  }
}

/** One batch `<reconcile id>:batch:<n>`: the activity does the work; this workflow makes the batch visible. */
export async function reconcileBatchWorkflow(input: ReconcileBatchInput): Promise<BatchCounts> {
  const t = input.timings ?? {};
  const { reconcileBatch } = proxyActivities<ReconcileActivities>(
    activityOptions(t, t.batchTimeoutMs ?? 3_600_000, true),
  );
  setCurrentDetails(`SKUs ${input.from + 1}-${input.to} of run ${input.runId}`);
  const c = await reconcileBatch({
    runId: input.runId,
    batch: input.batch,
    from: input.from,
    to: input.to,
    ...(input.gate ? { gate: input.gate } : {}),
    ...(t.updateConcurrency ? { concurrency: t.updateConcurrency } : {}),
  });
  upsertSearchAttributes([
    { key: InvStatus, value: c.driftUnits > 0 ? 'drift' : 'ok' },
    { key: InvDriftUnits, value: c.driftUnits },
  ]);
  setCurrentDetails(
    `${c.reconciled} SKUs reconciled, ${c.skipped} skipped, ${c.failed} failed; ${c.driftUnits} units of drift (${c.resync} resynced, ${c.halt} halted)`,
  );
  return c;
}

/** `invsync-nightly`: the full pass backing up the tiered runs, as a child `reconcile:<ISO time>`. */
export async function nightlyWorkflow(input: NightlyWorkflowInput = {}): Promise<ReconcileResult> {
  const at = scheduledAt(undefined);
  const workflowId = `${input.idPrefix ?? ''}${reconcileWorkflowId(at)}`;
  upsertSearchAttributes([{ key: InvStatus, value: 'syncing' }]);
  setCurrentDetails(`nightly full reconciliation ${workflowId}`);
  try {
    const result = await executeChild(reconcileWorkflow, {
      workflowId,
      args: [{ scope: 'full', at, ...(input.timings ? { timings: input.timings } : {}) }],
    });
    const s = result.summary;
    upsertSearchAttributes([
      { key: InvStatus, value: s.driftUnits > 0 ? 'drift' : 'ok' },
      { key: InvDriftUnits, value: s.driftUnits },
    ]);
    setCurrentDetails(
      `nightly full reconciliation: ${s.skus} SKUs, ${s.driftUnits} units of drift (${s.resync} resynced, ${s.halt} halted); report ${result.reportPaths.html}`,
    );
    return result;
  } catch (err) {
    upsertSearchAttributes([{ key: InvStatus, value: 'needs-attention' }]);
    setCurrentDetails(`nightly reconciliation failed: ${rootMessage(err)}`);
    throw err;
  }
}
