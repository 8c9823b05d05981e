/** Every activity the worker registers, built from injected dependencies. */
import { createPlanActivities } from './plan';

export interface ActivityDeps {
  env?: Readonly<Record<string, string | undefined>>;
}

export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createPlanActivities(deps.env ?? process.env),
  };
}

export type Activities = ReturnType<typeof createActivities>;
