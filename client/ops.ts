/**
 * Operator actions over Temporal (design C9), typed by workflows/definitions.ts: what the `invsync` CLI commands
 * call, and what the Temporal CLI and Web UI do by hand (docs/operations.md). Every function takes an OpsContext —
 * the client, the workflow task queue and the workflow id prefix (production: `invsync` and ''; tests use unique
 * ones) — and throws an OpsError (exit 1) that says what is wrong in an operator's words: a workflow that does not
 * exist, an update the workflow rejected (its validator's reason), a workflow that is not waiting for the operator,
 * or no worker answering.
 */
import {
  QueryNotRegisteredError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  type QueryDefinition,
  type UpdateDefinition,
} from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { CliError, EXIT } from '../cli/io';
import { reconcileWorkflowId, skuWorkflowId } from '../domain/events';
import type { Config } from '../domain/config/schema';
import {
  approveSignal,
  cancelSignal,
  clearOverrideUpdate,
  explainQuery,
  haltUpdate,
  overrideUpdate,
  resumeUpdate,
  resyncUpdate,
  retrySignal,
  sagaQuery,
  skipSignal,
  stateQuery,
  type ApproveInput,
  type Attention,
  type ChannelScopeInput,
  type HaltInput,
  type OverrideInput,
  type RetryInput,
  type SagaView,
  type SkipInput,
  type SkuRowView,
  type SkuTimings,
  type SkuView,
  type SkuWorkflowInput,
} from '../workflows/definitions';
import {
  progressQuery,
  type ReconcileProgress,
  type ReconcileResult,
  type ReconcileWorkflowInput,
} from '../workflows/reconcile';
import { InvSku, InvStatus } from '../workflows/search-attributes';

export interface OpsContext {
  client: Client;
  /** The workflows' task queue (`invsync` in production). */
  taskQueue: string;
  /** Prepended to every workflow id ('' in production). */
  idPrefix: string;
  /**
   * Timings of a SKU workflow started by `override`, `halt` or `resync` when the SKU has none yet (update-with-start);
   * without them those operations only reach an existing workflow.
   */
  skuTimings?: SkuTimings | undefined;
  /** How long a worker may take to answer a query or an update (ms, default 30 s). */
  timeoutMs?: number | undefined;
}

export type OpsErrorReason = 'not-found' | 'rejected' | 'no-worker' | 'not-waiting' | 'failed';

/** An operation that could not be done, with the reason in an operator's words (exit 1). */
export class OpsError extends CliError {
  constructor(
    message: string,
    readonly reason: OpsErrorReason,
  ) {
    super(message, EXIT.problems);
    this.name = 'OpsError';
  }
}

export function skuTimingsFromConfig(config: Pick<Config, 'engine'>): SkuTimings {
  return { coalesceMs: config.engine.coalesce, continueAsNewAfter: config.engine.continueAsNewAfter };
}

/** The full workflow id: the prefix is added unless the id already carries it. */
export function fullWorkflowId(ctx: Pick<OpsContext, 'idPrefix'>, workflowId: string): string {
  return ctx.idPrefix && workflowId.startsWith(ctx.idPrefix) ? workflowId : `${ctx.idPrefix}${workflowId}`;
}

export const skuId = (ctx: Pick<OpsContext, 'idPrefix'>, sku: string): string =>
  `${ctx.idPrefix}${skuWorkflowId(sku)}`;

// ---- error translation -------------------------------------------------------------------------------------------

const GRPC_DEADLINE_EXCEEDED = 4;

function isDeadline(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if ((e as { code?: unknown }).code === GRPC_DEADLINE_EXCEEDED) return true;
  }
  return false;
}

function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = e?.message ?? String(err);
  for (let depth = 0; e?.cause && depth < 5; depth++) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}

function translate(ctx: OpsContext, err: unknown, what: { workflowId: string; action: string }): Error {
  if (err instanceof OpsError || err instanceof CliError) return err;
  if (err instanceof WorkflowNotFoundError)
    return new OpsError(`workflow ${what.workflowId} does not exist (${what.action})`, 'not-found');
  if (err instanceof WorkflowUpdateFailedError) {
    // A validator's rejection (or the handler's failure): the cause's message is the reason.
    return new OpsError(`${what.action} rejected: ${err.cause?.message ?? err.message}`, 'rejected');
  }
  if (isDeadline(err))
    return new OpsError(
      `no worker answered ${what.action} on ${what.workflowId} within ${Math.round((ctx.timeoutMs ?? 30_000) / 1000)} s: is \`invsync worker\` running on task queue ${ctx.taskQueue}?`,
      'no-worker',
    );
  if (err instanceof QueryNotRegisteredError)
    return new OpsError(`${what.workflowId} does not answer ${what.action}: ${err.message}`, 'failed');
  if (err instanceof ServiceError)
    return new OpsError(`${what.action} on ${what.workflowId} failed: ${innermostMessage(err)}`, 'failed');
  return err instanceof Error ? err : new Error(String(err));
}

async function within<T>(
  ctx: OpsContext,
  what: { workflowId: string; action: string },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await ctx.client.withDeadline(Date.now() + (ctx.timeoutMs ?? 30_000), fn);
  } catch (err) {
    throw translate(ctx, err, what);
  }
}

// ---- SKU workflows -----------------------------------------------------------------------------------------------

function skuHandle(ctx: OpsContext, sku: string): WorkflowHandle {
  return ctx.client.workflow.getHandle(skuId(ctx, sku));
}

const noSkuWorkflow = (ctx: OpsContext, sku: string) =>
  new OpsError(
    `SKU ${sku} has no workflow (${skuId(ctx, sku)}): invsync has not seen an event for it yet. Check the SKU is spelled as in the ERP (\`invsync snapshot --sku ${sku}\`), or start it with \`invsync resync ${sku}\`.`,
    'not-found',
  );

async function querySku<R, A extends unknown[]>(
  ctx: OpsContext,
  sku: string,
  def: QueryDefinition<R, A>,
  ...args: A
): Promise<R> {
  try {
    return await within(ctx, { workflowId: skuId(ctx, sku), action: `query ${def.name}` }, () =>
      skuHandle(ctx, sku).query(def, ...args),
    );
  } catch (err) {
    if (err instanceof OpsError && err.reason === 'not-found') throw noSkuWorkflow(ctx, sku);
    throw err;
  }
}

/**
 * Sends an update to `sku:<sku>`. With `start` (and skuTimings in the context) a SKU without a workflow gets one
 * (update-with-start, USE_EXISTING): an operator may override or halt a SKU invsync has not seen an event for yet.
 */
async function updateSku<A>(
  ctx: OpsContext,
  sku: string,
  def: UpdateDefinition<SkuView, [A]>,
  arg: A,
  start: boolean,
): Promise<SkuView> {
  const workflowId = skuId(ctx, sku);
  const what = { workflowId, action: `${def.name} ${sku}` };
  try {
    return await within(ctx, what, async () => {
      if (start && ctx.skuTimings) {
        const input: SkuWorkflowInput = { sku, timings: ctx.skuTimings };
        const startWorkflowOperation = new WithStartWorkflowOperation('skuWorkflow', {
          workflowId,
          taskQueue: ctx.taskQueue,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [{ key: InvSku, value: sku }],
        });
        return (await ctx.client.workflow.executeUpdateWithStart(def, {
          args: [arg],
          startWorkflowOperation,
        })) as SkuView;
      }
      return ctx.client.workflow.getHandle(workflowId).executeUpdate(def, { args: [arg] });
    });
  } catch (err) {
    if (err instanceof OpsError && err.reason === 'not-found') throw noSkuWorkflow(ctx, sku);
    throw err;
  }
}

/** The SKU workflow's view: channel numbers, ledger, overrides, halts, what needs attention. */
export function status(ctx: OpsContext, sku: string): Promise<SkuView> {
  return querySku(ctx, sku, stateQuery);
}

/** Every channel row of the SKU (or one channel's) with its breakdown lines. */
export function explain(ctx: OpsContext, sku: string, scope: ChannelScopeInput = {}): Promise<SkuRowView[]> {
  return querySku(ctx, sku, explainQuery, scope);
}

/** Sets a manual quantity for a channel (location) until `until` or until cleared. */
export function override(ctx: OpsContext, sku: string, input: OverrideInput): Promise<SkuView> {
  return updateSku(ctx, sku, overrideUpdate, input, true);
}

export function clearOverride(ctx: OpsContext, sku: string, scope: ChannelScopeInput): Promise<SkuView> {
  return updateSku(ctx, sku, clearOverrideUpdate, scope, false);
}

/** Stops the SKU on a channel (or every channel): the channel is sent 0 until resumed. */
export function halt(ctx: OpsContext, sku: string, input: HaltInput): Promise<SkuView> {
  return updateSku(ctx, sku, haltUpdate, input, true);
}

export function resume(ctx: OpsContext, sku: string, scope: ChannelScopeInput = {}): Promise<SkuView> {
  return updateSku(ctx, sku, resumeUpdate, scope, false);
}

/** Re-reads the ERP and pushes every number of the SKU (starting its workflow if it has none). */
export function resync(ctx: OpsContext, sku: string, reason = 'operator resync'): Promise<SkuView> {
  return updateSku(ctx, sku, resyncUpdate, { reason }, true);
}

/** Running workflows of this invsync (its task queue), from visibility. */
export async function listWorkflows(
  ctx: OpsContext,
  query: string,
): Promise<{ workflowId: string; type: string; status: string; sku?: string | undefined }[]> {
  const out: { workflowId: string; type: string; status: string; sku?: string | undefined }[] = [];
  try {
    for await (const wf of ctx.client.workflow.list({
      query: `${query} AND TaskQueue = ${quote(ctx.taskQueue)}`,
    })) {
      if (ctx.idPrefix && !wf.workflowId.startsWith(ctx.idPrefix)) continue;
      out.push({
        workflowId: wf.workflowId,
        type: wf.type,
        status: wf.typedSearchAttributes.get(InvStatus) ?? wf.status.name.toLowerCase(),
        sku: wf.typedSearchAttributes.get(InvSku),
      });
    }
  } catch (err) {
    throw new OpsError(`listing workflows (${query}) failed: ${innermostMessage(err)}`, 'failed');
  }
  return out;
}

export const quote = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface ResyncAllResult {
  skus: string[];
  ok: string[];
  failed: { sku: string; workflowId: string; message: string }[];
}

/** Resyncs every running SKU workflow (visibility: `WorkflowType="skuWorkflow" AND ExecutionStatus="Running"`). */
export async function resyncAll(
  ctx: OpsContext,
  opts: { concurrency?: number; reason?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<ResyncAllResult> {
  const prefix = skuId(ctx, '');
  const found = (
    await listWorkflows(ctx, 'WorkflowType = "skuWorkflow" AND ExecutionStatus = "Running"')
  ).filter((w) => w.workflowId.startsWith(prefix));
  const skus = found.map((w) => w.workflowId.slice(prefix.length));
  const result: ResyncAllResult = { skus, ok: [], failed: [] };
  let done = 0;
  const noStart: OpsContext = { ...ctx, skuTimings: undefined };
  await pool(skus, opts.concurrency ?? 8, async (sku) => {
    try {
      await resync(noStart, sku, opts.reason ?? 'operator resync --all');
      result.ok.push(sku);
    } catch (err) {
      result.failed.push({ sku, workflowId: skuId(ctx, sku), message: (err as Error).message });
    }
    opts.onProgress?.(++done, skus.length);
  });
  return result;
}

// ---- needs attention ----------------------------------------------------------------------------------------------

export interface AttentionRow {
  workflowId: string;
  type: string;
  /** InvStatus: `needs-attention` or `waiting-approval`. */
  status: string;
  sku?: string | undefined;
  step?: string | undefined;
  channel?: string | undefined;
  message: string;
  errorType?: string | undefined;
  since?: number | undefined;
  /** The data `retry --data` may edit. */
  data?: unknown;
}

const metadataQuery = defineQuery<{ currentDetails?: string }>('__temporal_workflow_metadata');

function rowsFromAttention(base: Omit<AttentionRow, 'message'>, list: Attention[]): AttentionRow[] {
  return list.map((a) => ({
    ...base,
    step: a.step,
    channel: a.channel,
    message: a.message,
    errorType: a.type,
    since: a.since,
    data: a.data,
  }));
}

const stripMarkdown = (s: string): string => s.replace(/\*\*|`/g, '');

async function attentionOf(
  ctx: OpsContext,
  wf: { workflowId: string; type: string; status: string; sku?: string | undefined },
): Promise<AttentionRow[]> {
  const handle = ctx.client.workflow.getHandle(wf.workflowId);
  const base = { workflowId: wf.workflowId, type: wf.type, status: wf.status, sku: wf.sku };
  const what = { workflowId: wf.workflowId, action: 'query' };
  try {
    if (wf.type === 'skuWorkflow') {
      const view = await within(ctx, what, () => handle.query(stateQuery));
      if (view.attention.length) return rowsFromAttention(base, view.attention);
      return [{ ...base, message: view.summary }];
    }
    const view: SagaView = await within(ctx, what, () => handle.query(sagaQuery));
    if (view.attention) return rowsFromAttention(base, [view.attention]);
    const step = view.steps.find((s) => s.status === 'running' || s.status === 'pending');
    return [{ ...base, step: step?.name, message: view.summary }];
  } catch (queryErr) {
    // Not an invsync view (or no worker): the workflow's current details, then its summary.
    let message = (queryErr as Error).message;
    try {
      const meta = await within(ctx, what, () => handle.query(metadataQuery));
      if (meta.currentDetails) message = stripMarkdown(meta.currentDetails);
    } catch {
      try {
        const d: WorkflowExecutionDescription = await handle.describe();
        message = (await d.staticSummary()) ?? message;
      } catch {
        /* keep the query error */
      }
    }
    return [{ ...base, message }];
  }
}

/**
 * Everything waiting for an operator: workflows with `InvStatus="needs-attention"` (a step stopped: retry or skip)
 * or `"waiting-approval"` (approve), each with what stopped and why.
 */
export async function attention(
  ctx: OpsContext,
  opts: { concurrency?: number } = {},
): Promise<AttentionRow[]> {
  const found = await listWorkflows(
    ctx,
    'InvStatus IN ("needs-attention", "waiting-approval") AND ExecutionStatus = "Running"',
  );
  const rows = await pool(found, opts.concurrency ?? 8, (wf) => attentionOf(ctx, wf));
  return rows.flat().sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
}

// ---- signals to sagas and SKU workflows ------------------------------------------------------------------------

async function describeRunning(ctx: OpsContext, workflowId: string, action: string) {
  const d = await within(ctx, { workflowId, action }, () =>
    ctx.client.workflow.getHandle(workflowId).describe(),
  );
  if (d.status.name !== 'RUNNING')
    throw new OpsError(
      `${workflowId} is not running (${d.status.name.toLowerCase()}): nothing to ${action}`,
      'not-waiting',
    );
  return { description: d, invStatus: d.typedSearchAttributes.get(InvStatus) };
}

/**
 * Statuses in which a workflow listens for `retry`/`skip`: a stopped step (needs-attention), and a saga that waits for
 * the ERP or an approval (a return saga looks again on `retry`, ends or declines on `skip`).
 */
const WAITING: string[] = ['needs-attention', 'waiting-erp', 'waiting-approval'];

/** Runs a stopped step again, optionally with edited data (`retry` signal). */
export async function retry(ctx: OpsContext, workflowId: string, input: RetryInput = {}): Promise<void> {
  const id = fullWorkflowId(ctx, workflowId);
  const { invStatus } = await describeRunning(ctx, id, 'retry');
  if (!WAITING.includes(invStatus ?? ''))
    throw new OpsError(
      `${id} is not waiting for an operator (status ${invStatus ?? 'unknown'}): nothing to retry`,
      'not-waiting',
    );
  await within(ctx, { workflowId: id, action: 'retry' }, () =>
    ctx.client.workflow.getHandle(id).signal(retrySignal, input),
  );
}

/** Gives up a stopped step (`skip` signal); the workflow says what skipping means for it. */
export async function skip(ctx: OpsContext, workflowId: string, input: SkipInput = {}): Promise<void> {
  const id = fullWorkflowId(ctx, workflowId);
  const { invStatus } = await describeRunning(ctx, id, 'skip');
  if (!WAITING.includes(invStatus ?? ''))
    throw new OpsError(
      `${id} is not waiting for an operator (status ${invStatus ?? 'unknown'}): nothing to skip`,
      'not-waiting',
    );
  await within(ctx, { workflowId: id, action: 'skip' }, () =>
    ctx.client.workflow.getHandle(id).signal(skipSignal, input),
  );
}

/** Approves a proposed step (an FBA return's ERP adjustment), optionally edited (`approve` signal). */
export async function approve(ctx: OpsContext, workflowId: string, input: ApproveInput = {}): Promise<void> {
  const id = fullWorkflowId(ctx, workflowId);
  const { invStatus } = await describeRunning(ctx, id, 'approve');
  if (invStatus !== 'waiting-approval')
    throw new OpsError(
      `${id} is not waiting for an approval (status ${invStatus ?? 'unknown'}): nothing to approve`,
      'not-waiting',
    );
  await within(ctx, { workflowId: id, action: 'approve' }, () =>
    ctx.client.workflow.getHandle(id).signal(approveSignal, input),
  );
}

/** Tells an order saga its channel order was cancelled (a lost cancellation webhook): its ledger entries go. */
export async function cancel(
  ctx: OpsContext,
  workflowId: string,
  input: { restocked?: boolean | undefined } = {},
): Promise<void> {
  const id = fullWorkflowId(ctx, workflowId);
  await describeRunning(ctx, id, 'cancel');
  await within(ctx, { workflowId: id, action: 'cancel' }, () =>
    ctx.client.workflow.getHandle(id).signal(cancelSignal, input),
  );
}

// ---- reconciliation now ------------------------------------------------------------------------------------------

export type { ReconcileProgress, ReconcileResult, ReconcileWorkflowInput };

/**
 * Starts a reconciliation now (`reconcile:<ISO now>`) and waits for its report, reporting progress as it goes
 * (the workflow's `progress` query, polled).
 */
export async function reconcileNow(
  ctx: OpsContext,
  opts: {
    skus?: string[] | undefined;
    onStart?: (workflowId: string) => void;
    onProgress?: (p: ReconcileProgress) => void;
    pollMs?: number;
    now?: number;
  } = {},
): Promise<{ workflowId: string; result: ReconcileResult }> {
  const workflowId = `${ctx.idPrefix}${reconcileWorkflowId(opts.now ?? Date.now())}`;
  const input: ReconcileWorkflowInput = { scope: 'full', ...(opts.skus?.length ? { skus: opts.skus } : {}) };
  let handle: WorkflowHandle;
  try {
    handle = await ctx.client.workflow.start('reconcileWorkflow', {
      workflowId,
      taskQueue: ctx.taskQueue,
      args: [input],
      staticSummary: opts.skus?.length
        ? `Reconciliation requested by an operator: ${opts.skus.join(', ')}`
        : 'Reconciliation of every SKU requested by an operator',
    });
  } catch (err) {
    throw translate(ctx, err, { workflowId, action: 'start reconcileWorkflow' });
  }
  opts.onStart?.(workflowId);
  let finished = false;
  const poll = async () => {
    while (!finished) {
      try {
        const p = await ctx.client.withDeadline(Date.now() + 5000, () => handle.query(progressQuery));
        if (!finished) opts.onProgress?.(p);
      } catch {
        // Not answering yet (no worker has picked it up, or the workflow has not registered the query).
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  };
  const polling = poll();
  try {
    const result = (await handle.result()) as ReconcileResult;
    return { workflowId, result };
  } catch (err) {
    throw new OpsError(`reconciliation ${workflowId} failed: ${innermostMessage(err)}`, 'failed');
  } finally {
    finished = true;
    await polling;
  }
}
