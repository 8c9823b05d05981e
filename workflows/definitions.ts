/**
 * Every message invsync's workflows accept, named as the verb an operator would type (design section 4), and the
 * shapes of their inputs and views. The CLI, the ingress and the activities import these definitions to talk to
 * the workflows; docs/operations.md describes each one.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BreakdownLine } from '../domain/atp';
import type {
  ChannelOrder,
  ChannelOrderLine,
  ReconcileObservation,
  SkuDriftRow,
  SkuEvent,
} from '../domain/events';
import type { Halt, LedgerEntry, Override, Sale } from '../domain/model';
import type { DriftThresholds } from '../domain/drift';
import type { InvStatus } from '../domain/search-attributes';

// ---- needs attention (every workflow) --------------------------------------------------------------------------

/** A step stopped by a permanent failure, waiting for `retry` (optionally with edited data) or `skip`. */
export interface Attention {
  /** The step that stopped (e.g. `resolve order lines`, `push to shopify`). */
  step: string;
  channel?: string | undefined;
  /** What to fix, in an operator's words. */
  message: string;
  /** The error type (UNLINKED_SKU, WRITE_FORBIDDEN, ...). */
  type?: string | undefined;
  since: number;
  /** The data `retry --data` may edit (what the step will run with). */
  data?: unknown;
}

export interface RetryInput {
  /** For a SKU workflow: which channel's stopped push (default: every stopped step). */
  channel?: string | undefined;
  /** Edited data for the step (replaces the step's input, e.g. corrected order lines). */
  data?: unknown;
}
export interface SkipInput {
  channel?: string | undefined;
  reason?: string | undefined;
}

export const retrySignal = defineSignal<[RetryInput]>('retry');
export const skipSignal = defineSignal<[SkipInput]>('skip');

// ---- per-SKU entity `sku:<sku>` ----------------------------------------------------------------------------------

export interface SkuTimings {
  /** Gather a burst this long before recomputing once (ms). */
  coalesceMs: number;
  /** Continue as new after this many events (or when the server suggests it). */
  continueAsNewAfter: number;
}

/** What a SKU workflow carries through continue-as-new. */
export interface SkuCarried {
  ledger: LedgerEntry[];
  sales: Sale[];
  overrides: Override[];
  halts: Halt[];
  /** What invsync believes each channel location shows: `channel|location` -> units. */
  shown: Record<string, number>;
  /** Kits: each component's pending-order ledger. */
  componentLedger: Record<string, LedgerEntry[]>;
  /** Ids of the events already applied (bounded, newest last). */
  seen: string[];
  attention: Attention[];
  pushSeq: number;
  lastPushAt?: number | undefined;
  lastDrift?: { at: number; units: number } | undefined;
  counters: { events: number; duplicates: number; echoes: number; pushes: number; pushedUnits: number };
}

export interface SkuWorkflowInput {
  sku: string;
  timings: SkuTimings;
  carried?: SkuCarried | undefined;
  /** Events received but not applied before continue-as-new. */
  pending?: SkuEvent[] | undefined;
}

export interface SkuRowView {
  channel: string;
  location: string;
  /** What the channel should show. */
  qty: number;
  /** What invsync believes it shows. */
  shows?: number | undefined;
  status: string;
  lines: BreakdownLine[];
}

export interface SkuView {
  sku: string;
  status: InvStatus;
  summary: string;
  kit?: { components: { sku: string; qty: number }[] } | undefined;
  /** Kits this SKU is a component of. */
  parents: string[];
  rows: SkuRowView[];
  ledger: LedgerEntry[];
  overrides: Override[];
  halts: Halt[];
  attention: Attention[];
  unitsPerDay: number;
  lastPushAt?: number | undefined;
  lastDrift?: { at: number; units: number } | undefined;
  counters: SkuCarried['counters'];
}

export interface OverrideInput {
  channel: string;
  location?: string | undefined;
  qty: number;
  /** ISO time or epoch ms; omitted: until cleared. */
  until?: string | number | undefined;
  reason?: string | undefined;
}
export interface ChannelScopeInput {
  channel?: string | undefined;
  location?: string | undefined;
}
export interface HaltInput extends ChannelScopeInput {
  reason: string;
}
export interface ReconcileInput {
  /** The reconciliation run (for the report and event ids). */
  runId: string;
  observation: ReconcileObservation;
  thresholds: DriftThresholds;
}

/** Events from the ingress, the sagas, the poll and the reconciliation (fire-and-forget, signal-with-start). */
export const notifySignal = defineSignal<[SkuEvent]>('notify');
export const overrideUpdate = defineUpdate<SkuView, [OverrideInput]>('override');
export const clearOverrideUpdate = defineUpdate<SkuView, [ChannelScopeInput]>('clearOverride');
export const haltUpdate = defineUpdate<SkuView, [HaltInput]>('halt');
export const resumeUpdate = defineUpdate<SkuView, [ChannelScopeInput]>('resume');
export const resyncUpdate = defineUpdate<SkuView, [{ reason?: string | undefined }]>('resync');
/** The reconciliation's read-back for this SKU: classified, resynced or halted; returns the drift rows. */
export const reconcileUpdate = defineUpdate<SkuDriftRow[], [ReconcileInput]>('reconcile');
export const stateQuery = defineQuery<SkuView>('state');
export const explainQuery = defineQuery<SkuRowView[], [ChannelScopeInput]>('explain');

// ---- sagas (order, return, transfer) -------------------------------------------------------------------------

export interface SagaStep {
  name: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'compensated' | 'compensation-failed' | 'skipped';
  detail?: string | undefined;
}

export interface SagaView {
  workflowId: string;
  kind: 'order' | 'return' | 'transfer';
  status: InvStatus | 'done' | 'skipped' | 'compensated' | 'cancelled';
  summary: string;
  steps: SagaStep[];
  attention?: Attention | undefined;
}

export interface OrderTimings {
  /** First ERP presence check after this long (ms). */
  firstCheckMs: number;
  /** Then every ... (ms). */
  checkEveryMs: number;
  /** Alert when the ERP has not shown the order after this long (ms); the entry stays until it does. */
  alertAfterMs: number;
}

export interface OrderSagaInput {
  order: ChannelOrder;
  timings: OrderTimings;
  sku: SkuTimings;
}

export interface ApproveInput {
  /** Edited adjustment (location, qty) instead of the proposed one. */
  data?: { location?: string; qty?: number } | undefined;
  note?: string | undefined;
}

/** Cancels an order saga: the channel order was cancelled; its ledger entries are released. */
export const cancelSignal = defineSignal<[{ restocked?: boolean | undefined }]>('cancel');
/** Approves a proposed step (an FBA return's ERP adjustment). */
export const approveSignal = defineSignal<[ApproveInput]>('approve');
/** Amazon's inspection result for an FBA return (from the ingress or an operator). */
export const inspectedSignal =
  defineSignal<[{ result: 'sellable' | 'unfulfillable'; qty?: number }]>('inspected');
export const sagaQuery = defineQuery<SagaView>('saga');

export interface ReturnSagaInput {
  channel: string;
  orderId: string;
  returnId: string;
  fulfillment: 'merchant' | 'marketplace';
  lines: ChannelOrderLine[];
  timings: { checkEveryMs: number };
  sku: SkuTimings;
}

export interface TransferSagaInput {
  transferId: string;
  sku: string;
  qty: number;
  /** ERP location names. */
  from: string;
  to: string;
  /** ERP location holding the units between the two steps (config transfers.inTransitLocation). */
  inTransit?: string | undefined;
  timings: SkuTimings;
}
