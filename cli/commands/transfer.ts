/**
 * `invsync transfer --sku S --qty N --from A --to B [--id ID] [--compensate-on-failure] [--wait]`: starts the
 * transfer saga `transfer:<id>` (workflows/transfer.ts), e.g. a replenishment from a warehouse to the ERP location
 * mirroring Amazon FBA. Locations are checked against the config's `erp.locations` before anything starts. The id
 * makes it idempotent: a transfer id already used is refused (its ERP references would make the moves no-ops anyway).
 * With --wait it prints the saga's outcome, or what it needs when it stops in needs-attention.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { skuTimingsFromConfig } from '../../client/ops';
import type { Config } from '../../domain/config/schema';
import { transferWorkflowId } from '../../domain/events';
import { sagaQuery, type SagaView } from '../../workflows/definitions';
import type { TransferSagaRequest, transferSaga } from '../../workflows/transfer';
import { CliError, EXIT, printJson, requireConfig, type Output } from '../io';
import { fail, withOps, type OpsTarget } from './ops';

export interface TransferCommandOptions {
  configPath: string;
  sku: string;
  qty: number;
  from: string;
  to: string;
  /** The transfer id (default: `<sku>-<random>`). */
  id?: string | undefined;
  /** Undo step 1 at once when step 2 fails for good (default: stop in needs-attention for the operator). */
  compensateOnFailure?: boolean | undefined;
  /** Wait for the outcome (or a needs-attention stop) and print it. */
  wait?: boolean | undefined;
  /** Task queue and workflow id prefix (production: `invsync`, ''). */
  target?: OpsTarget | undefined;
  /** With wait: how often the saga is looked at (ms, default 1000). */
  pollMs?: number | undefined;
}

/** The checks made before connecting: a CliError (exit 1) naming what is wrong. */
export function checkTransfer(config: Config, o: TransferCommandOptions): void {
  const names = config.erp.locations.map((l) => l.id);
  const known = (flag: string, loc: string) => {
    if (!names.includes(loc))
      throw new CliError(
        `${flag} "${loc}" is not an ERP location of the config (erp.locations: ${names.join(', ')})`,
        EXIT.problems,
      );
  };
  if (!o.sku.trim()) throw new CliError('--sku must not be empty', EXIT.problems);
  if (!Number.isInteger(o.qty) || o.qty <= 0)
    throw new CliError(`--qty ${o.qty}: use a whole number of units, 1 or more`, EXIT.problems);
  known('--from', o.from);
  known('--to', o.to);
  if (o.from === o.to) throw new CliError(`--from and --to are both "${o.from}"`, EXIT.problems);
  const transit = config.transfers.inTransitLocation;
  if (transit !== undefined && (transit === o.from || transit === o.to))
    throw new CliError(
      `"${transit}" is the in-transit location (transfers.inTransitLocation): it holds units between a transfer's two steps and cannot be its source or destination`,
      EXIT.problems,
    );
  if (o.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(o.id))
    throw new CliError(
      `--id "${o.id}": use letters, digits and . _ : / - (up to 128 characters)`,
      EXIT.problems,
    );
}

const describeSteps = (v: SagaView): string =>
  v.steps.map((s) => `  ${s.status.padEnd(19)} ${s.name}${s.detail ? `: ${s.detail}` : ''}`).join('\n');

export async function transferCommand(opts: TransferCommandOptions, out: Output): Promise<number> {
  try {
    checkTransfer(await requireConfig(opts.configPath), opts);
  } catch (err) {
    return fail(out, err);
  }
  return withOps({ configPath: opts.configPath, target: opts.target }, out, async (ctx, config) => {
    const transferId = opts.id ?? `${opts.sku}-${randomUUID().slice(0, 8)}`;
    const workflowId = `${ctx.idPrefix}${transferWorkflowId(transferId)}`;
    const input: TransferSagaRequest = {
      transferId,
      sku: opts.sku,
      qty: opts.qty,
      from: opts.from,
      to: opts.to,
      ...(config.transfers.inTransitLocation ? { inTransit: config.transfers.inTransitLocation } : {}),
      timings: skuTimingsFromConfig(config),
      onFailure: opts.compensateOnFailure ? 'compensate' : 'attention',
    };
    let handle: WorkflowHandleWithFirstExecutionRunId<typeof transferSaga>;
    try {
      handle = await ctx.client.workflow.start<typeof transferSaga>('transferSaga', {
        taskQueue: ctx.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new CliError(
          `transfer ${transferId} was started before (workflow ${workflowId}): one id moves stock once; use another --id for another transfer`,
          EXIT.problems,
        );
      throw err;
    }
    const started = { transferId, workflowId, runId: handle.firstExecutionRunId };
    if (!opts.wait) {
      if (out.json) printJson(out, { ok: true, ...started });
      else
        out.out(
          `Started transfer ${transferId}: ${opts.qty} × ${opts.sku} from ${opts.from} to ${opts.to}${input.inTransit ? ` via ${input.inTransit}` : ''}. Workflow ${workflowId} (follow it in the Temporal UI, or run with --wait).`,
        );
      return EXIT.ok;
    }

    // Wait for the outcome; a needs-attention stop ends the wait (the saga keeps waiting for the operator).
    let outcome: { view?: SagaView; error?: unknown } | undefined;
    const result = handle.result().then(
      (view) => (outcome = { view }),
      (error: unknown) => (outcome = { error }),
    );
    let view: SagaView | undefined;
    while (!outcome) {
      await Promise.race([result, sleep(opts.pollMs ?? 1000)]);
      if (outcome) break;
      view = await handle.query(sagaQuery).catch(() => view);
      if (view?.status === 'needs-attention') break;
    }
    const done = outcome as { view?: SagaView; error?: unknown } | undefined;
    if (done?.error) throw done.error;
    const final = done?.view ?? view;
    if (!final) throw new CliError(`transfer ${transferId}: no answer from ${workflowId}`, EXIT.problems);
    if (out.json) printJson(out, { ok: final.status === 'done', ...started, saga: final });
    else {
      out.out(`${final.status.toUpperCase()}: ${final.summary}`);
      out.out(describeSteps(final));
      if (final.status === 'needs-attention')
        out.out(
          `The saga waits: \`npx invsync retry ${workflowId}\` (optionally --data '{"to":"<location>"}') or \`npx invsync skip ${workflowId}\`.`,
        );
    }
    return final.status === 'done' ? EXIT.ok : EXIT.problems;
  });
}
