/**
 * Needs attention (design rule 7): a step that fails permanently (a non-retryable error, or a retryable one whose
 * bounded retries ran out) stops in a visible state — `InvStatus=needs-attention` and a summary saying what to fix —
 * and waits for the operator's `retry` (optionally with edited data) or `skip`. Nothing fails silently, nothing
 * retries forever. Sagas wrap each step in `withAttention`; the SKU workflow keeps one attention per channel.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { retrySignal, skipSignal, type Attention, type RetryInput, type SkipInput } from './definitions';
import { InvStatus } from './search-attributes';

export type Decision = { kind: 'retry'; data?: unknown } | { kind: 'skip'; reason?: string | undefined };

/** The operator's answers, installed once per workflow run. */
export class AttentionBox {
  current: Attention | undefined;
  private decision: Decision | undefined;

  private idleHandlers: { retry?: (r: RetryInput) => void; skip?: (s: SkipInput) => void } = {};

  install(): this {
    setHandler(retrySignal, (r: RetryInput) => {
      if (this.current) this.decision = { kind: 'retry', ...(r.data !== undefined ? { data: r.data } : {}) };
      else this.idleHandlers.retry?.(r);
    });
    setHandler(skipSignal, (s: SkipInput) => {
      if (this.current) this.decision = { kind: 'skip', reason: s.reason };
      else this.idleHandlers.skip?.(s);
    });
    return this;
  }

  /** What `retry` / `skip` mean while no step is stopped (e.g. a saga waiting for the ERP). */
  whenIdle(h: { retry?: (r: RetryInput) => void; skip?: (s: SkipInput) => void }): this {
    this.idleHandlers = h;
    return this;
  }

  /** Stops in needs-attention until the operator decides. */
  async wait(a: Attention): Promise<Decision> {
    this.current = a;
    this.decision = undefined;
    upsertSearchAttributes([{ key: InvStatus, value: 'needs-attention' }]);
    setCurrentDetails(attentionSummary(a));
    await condition(() => this.decision !== undefined);
    const d = this.decision as unknown as Decision;
    this.current = undefined;
    this.decision = undefined;
    return d;
  }
}

export function attentionSummary(a: Attention): string {
  return `**Needs attention** — ${a.step}${a.channel ? ` (${a.channel})` : ''}: ${a.message}. Fix it, then send \`retry\` (optionally with edited data) or \`skip\` (\`npx invsync retry ${workflowInfo().workflowId}\`).`;
}

/** The failure's type and operational message (the activity's typed ApplicationFailure, unwrapped). */
export function describeFailure(err: unknown): {
  type?: string | undefined;
  message: string;
  permanent: boolean;
} {
  let e: unknown = err;
  if (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure)
    return { type: e.type ?? undefined, message: e.message, permanent: e.nonRetryable === true };
  if (e instanceof Error) return { message: e.message, permanent: false };
  return { message: String(e), permanent: false };
}

export type StepResult<T> =
  { ok: true; value: T } | { ok: false; skipped: true; reason?: string | undefined };

/**
 * Runs a step; when it fails for good, stops in needs-attention and waits. `retry` runs it again (with the edited
 * data, if given); `skip` gives up the step (the caller decides what skipping means). Workflow-level errors
 * (cancellation, non-activity bugs) are not caught.
 */
export async function withAttention<T, D>(
  box: AttentionBox,
  step: string,
  data: D,
  run: (data: D) => Promise<T>,
  opts: {
    channel?: string;
    /** Turns retry's edited data into the step's input (validate it; throw to reject it). */
    parseData?: (raw: unknown, previous: D) => D;
    /** Called once each time the step stops (e.g. to send an alert). */
    onStop?: (a: Attention) => Promise<void>;
    now?: () => number;
  } = {},
): Promise<StepResult<T>> {
  let input = data;
  for (;;) {
    try {
      return { ok: true, value: await run(input) };
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const f = describeFailure(err);
      const a: Attention = {
        step,
        ...(opts.channel ? { channel: opts.channel } : {}),
        message: f.message,
        ...(f.type ? { type: f.type } : {}),
        since: (opts.now ?? Date.now)(),
        data: input,
      };
      if (opts.onStop) await opts.onStop(a);
      for (;;) {
        const d = await box.wait(a);
        if (d.kind === 'skip') return { ok: false, skipped: true, reason: d.reason };
        if (d.data === undefined) break;
        try {
          input = opts.parseData ? opts.parseData(d.data, input) : (d.data as D);
          break;
        } catch (parseErr) {
          a.message = `${f.message} (the edited data was rejected: ${(parseErr as Error).message})`;
        }
      }
    }
  }
}
