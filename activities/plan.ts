/**
 * Activities that read a config and a snapshot from disk for the plan workflow. They hand the workflow only
 * the secret-free allocation policy: credentials never enter workflow history.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { parseConfigText, formatProblem } from '../domain/config/parse';
import {
  planSettingsFromConfig,
  policyFromConfig,
  type AllocationPolicy,
  type PlanSettings,
} from '../domain/policy';
import { snapshotSchema, type Snapshot } from '../domain/snapshot';

export interface PlanInputsRequest {
  configPath: string;
  snapshotPath: string;
}

export interface PlanInputs {
  policy: AllocationPolicy;
  snapshot: Snapshot;
  settings: PlanSettings;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw ApplicationFailure.create({
      type: 'InputNotFound',
      nonRetryable: true,
      message: `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    });
  }
}

export function createPlanActivities(env: Readonly<Record<string, string | undefined>> = process.env) {
  return {
    async loadPlanInputs(req: PlanInputsRequest): Promise<PlanInputs> {
      const parsed = parseConfigText(await readText(req.configPath, 'config'), env);
      if (!parsed.ok)
        throw ApplicationFailure.create({
          type: 'InvalidConfig',
          nonRetryable: true,
          message: `config ${req.configPath} is invalid: ${parsed.problems.map(formatProblem).join('; ')}`,
        });
      let raw: unknown;
      try {
        raw = JSON.parse(await readText(req.snapshotPath, 'snapshot'));
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        throw ApplicationFailure.create({
          type: 'InvalidSnapshot',
          nonRetryable: true,
          message: `snapshot ${req.snapshotPath} is not JSON`,
        });
      }
      const snap = snapshotSchema.safeParse(raw);
      if (!snap.success)
        throw ApplicationFailure.create({
          type: 'InvalidSnapshot',
          nonRetryable: true,
          message: `snapshot ${req.snapshotPath}: ${snap.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        });
      return {
        policy: policyFromConfig(parsed.config),
        snapshot: snap.data,
        settings: planSettingsFromConfig(parsed.config),
      };
    },
  };
}

export type PlanActivities = ReturnType<typeof createPlanActivities>;
