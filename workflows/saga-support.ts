/**
 * What the return and transfer sagas share: the needs-attention box that also hears `retry`/`skip` while the saga
 * is merely waiting (for the ERP, for Amazon, for an approval), the saga view behind the `saga` query with the
 * search attributes and the Web UI summary kept in step with it, and the activity proxies with bounded retries.
 */
import {
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ActivityFailure,
} from '@temporalio/workflow';
import { erpActivityOptions, channelActivityOptions } from '../domain/activity-options';
import type { InvStatus as InvStatusValue } from '../domain/search-attributes';
import type { SkuEvent } from '../domain/events';
import type { ChannelActivities, ErpActivities } from '../activities/channel';
import type { SagaActivities, SagaAlertKind, SagaEngineActivities } from '../activities/sagas';
import { AttentionBox, attentionSummary, describeFailure } from './attention';
import { sagaQuery, type RetryInput, type SagaStep, type SagaView, type SkipInput } from './definitions';
import { toActivityOptions } from './options';
import { InvChannels, InvSku, InvStatus } from './search-attributes';

/** What an ERP write answers (`applied: false` when its reference had been booked before). */
export type ErpWriteResult = Awaited<ReturnType<ErpActivities['erpAdjust']>>;

/** Bounded retries: a permanent failure, or a retryable one that keeps failing, reaches withAttention. */
const ERP_TIMINGS = {
  maximumAttempts: 5,
  startToCloseMs: 60_000,
  scheduleToCloseMs: 10 * 60_000,
  // The ERP activities heartbeat: a worker killed mid-write is noticed in 10 s, not after the 60 s call limit.
  heartbeatMs: 10_000,
};

export function sagaActivities() {
  const queue = workflowInfo().taskQueue;
  const options = toActivityOptions(erpActivityOptions(ERP_TIMINGS, queue));
  return {
    erp: proxyActivities<ErpActivities>(options),
    sagas: proxyActivities<SagaActivities>(options),
    engine: proxyActivities<SagaEngineActivities>(
      toActivityOptions(erpActivityOptions({ ...ERP_TIMINGS, maximumAttempts: 10 }, queue)),
    ),
    channel: (channelId: string) =>
      proxyActivities<ChannelActivities>(
        toActivityOptions(channelActivityOptions(channelId, ERP_TIMINGS, queue)),
      ),
  };
}

export interface IdleHandlers {
  /** `skip` while nothing is stopped: the saga gives up waiting. */
  skip?: (s: SkipInput) => void;
  /** `retry` while nothing is stopped: look again now. */
  retry?: (r: RetryInput) => void;
}

/** The needs-attention protocol of workflows/attention.ts (with `whenIdle` for retry/skip while waiting). */
export class SagaAttention extends AttentionBox {}

export type SagaStatus = SagaView['status'];

const invStatusOf = (s: SagaStatus): InvStatusValue =>
  s === 'done' || s === 'skipped' || s === 'compensated' || s === 'cancelled' ? 'ok' : s;

/** The saga's view (answered by the `saga` query), its search attributes and its Web UI summary, in step. */
export class SagaRecord {
  readonly view: SagaView;

  constructor(
    private readonly box: SagaAttention,
    kind: SagaView['kind'],
    steps: string[],
    attrs: { sku?: string | undefined; channels?: string[] | undefined },
  ) {
    this.view = {
      workflowId: workflowInfo().workflowId,
      kind,
      status: 'syncing',
      summary: '',
      steps: steps.map((name) => ({ name, status: 'pending' })),
    };
    setHandler(sagaQuery, () => {
      const attention = this.box.current;
      return {
        ...this.view,
        steps: this.view.steps.map((s) => ({ ...s })),
        ...(attention
          ? { status: 'needs-attention' as const, summary: attentionSummary(attention), attention }
          : {}),
      };
    });
    upsertSearchAttributes([
      ...(attrs.sku ? [{ key: InvSku, value: attrs.sku }] : []),
      ...(attrs.channels?.length ? [{ key: InvChannels, value: attrs.channels }] : []),
    ]);
  }

  step(name: string): SagaStep {
    let s = this.view.steps.find((x) => x.name === name);
    if (!s) {
      s = { name, status: 'pending' };
      this.view.steps.push(s);
    }
    return s;
  }

  mark(name: string, status: SagaStep['status'], detail?: string): void {
    const s = this.step(name);
    s.status = status;
    if (detail !== undefined) s.detail = detail;
  }

  publish(status: SagaStatus, summary: string): void {
    this.view.status = status;
    this.view.summary = summary;
    upsertSearchAttributes([{ key: InvStatus, value: invStatusOf(status) }]);
    setCurrentDetails(summary);
  }

  /** A deterministic event id, unique across runs reusing the workflow id (`what` names the moment). */
  eventId(what: string): string {
    const info = workflowInfo();
    return `${info.workflowId}@${info.runId}:${what}`;
  }
}

/**
 * Tells the SKU workflows to re-read the ERP. A failure after its bounded retries is logged and returned (the
 * reconciliation catches up), never thrown into the saga's step.
 */
export async function notifyErp(
  engine: SagaEngineActivities,
  record: SagaRecord,
  skus: string[],
  what: string,
  reason: string,
): Promise<string | undefined> {
  const id = record.eventId(what);
  const event: SkuEvent = { kind: 'erp', id, reason };
  try {
    await engine.notifySkus({ events: [...new Set(skus)].map((sku) => ({ sku, event })) });
    return undefined;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const message = `could not notify ${skus.join(', ')} (${describeFailure(err).message}): the next reconciliation re-reads the ERP`;
    log.warn(message);
    return message;
  }
}

export async function alert(
  engine: SagaEngineActivities,
  req: { kind: SagaAlertKind; text: string; sku?: string; channel?: string },
): Promise<void> {
  try {
    await engine.sendAlert({ ...req, workflowId: workflowInfo().workflowId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.warn(`alert not sent: ${req.text} (${describeFailure(err).message})`);
  }
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
