/**
 * `plan:<id>`: computes, inside Temporal, what every channel should show for a snapshot, with the same pure
 * engine the per-SKU workflows use. Its search attributes say whether anything needs an operator.
 */
import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { needsPush, plan } from '../domain/plan';
import type { PlanInputsRequest, PlanActivities } from '../activities/plan';
import { InvChannels, InvStatus } from './search-attributes';

const { loadPlanInputs } = proxyActivities<PlanActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

export interface PlanWorkflowResult {
  rows: number;
  toPush: number;
  units: number;
  blockingProblems: string[];
  warnings: string[];
}

export async function planWorkflow(req: PlanInputsRequest): Promise<PlanWorkflowResult> {
  const inputs = await loadPlanInputs(req);
  const result = plan(inputs.policy, inputs.snapshot, { ...inputs.settings, now: Date.now() });
  const pushes = result.rows.filter(needsPush);
  const blocking = result.problems.filter((p) => p.blocking).map((p) => p.message);
  upsertSearchAttributes([
    { key: InvChannels, value: inputs.policy.channels.map((c) => c.id) },
    { key: InvStatus, value: blocking.length ? 'needs-attention' : 'ok' },
  ]);
  setCurrentDetails(
    `${result.rows.length} rows, ${pushes.length} to push${blocking.length ? `; needs attention: ${blocking.join('; ')}` : ''}`,
  );
  return {
    rows: result.rows.length,
    toPush: pushes.length,
    units: pushes.reduce((s, r) => s + r.qty, 0),
    blockingProblems: blocking,
    warnings: result.problems.filter((p) => !p.blocking).map((p) => p.message),
  };
}
