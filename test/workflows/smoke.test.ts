/**
 * Smoke test on the real dev server: a real workflow runs a real activity (reading files), its search
 * attributes are queryable, and its history replays deterministically against the same code and fails
 * against changed code.
 */
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { planWorkflow } from '../../workflows';
import { connectTestTemporal, unique, type TemporalTestContext } from '../support/temporal';

jest.setTimeout(60_000);

const examples = join(__dirname, '..', '..', 'docs', 'examples');
let t: TemporalTestContext;

beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  await t?.close();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: t.nativeConnection,
    namespace: t.namespace,
    taskQueue,
    workflowBundle: { codePath: t.bundlePath },
    activities: createActivities({ env: {} }),
  });
  return worker.runUntil(fn);
}

test('planWorkflow runs its activity on the dev server, sets search attributes and replays deterministically', async () => {
  const taskQueue = unique('smoke');
  const workflowId = unique('plan:smoke');
  const handle = await withWorker(taskQueue, async () => {
    const h = await t.client.workflow.start(planWorkflow, {
      taskQueue,
      workflowId,
      args: [
        { configPath: join(examples, 'invsync.config.yaml'), snapshotPath: join(examples, 'snapshot.json') },
      ],
    });
    const result = await h.result();
    // The example snapshot is clean: rows for every channel listing, nothing blocking.
    expect(result.blockingProblems).toEqual([]);
    expect(result.rows).toBeGreaterThan(5);
    expect(result.toPush).toBeGreaterThan(0);
    return h;
  });

  const desc = await handle.describe();
  expect(desc.status.name).toBe('COMPLETED');
  expect(desc.searchAttributes.InvStatus).toEqual(['ok']);
  expect(desc.searchAttributes.InvChannels).toEqual(['shopify', 'amazon', 'mercadolibre']);

  const history = await handle.fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  expect(types.length).toBeGreaterThan(5);
  // The same code replays the recorded history without complaint.
  await Worker.runReplayHistory({ workflowBundle: { codePath: t.bundlePath } }, history, workflowId);

  // Changed code (a timer before the activity) is caught as non-deterministic.
  const changed = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/changed-workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const replayError: unknown = await Worker.runReplayHistory(
    { workflowBundle: changed },
    history,
    workflowId,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(replayError).toMatchObject({ name: 'DeterminismViolationError' });
  expect((replayError as Error).message).toMatch(/[Nn]ondetermin/);
});

test('a config that cannot be read fails the workflow with a non-retryable InputNotFound', async () => {
  const taskQueue = unique('smoke');
  await withWorker(taskQueue, async () => {
    const run = t.client.workflow.execute(planWorkflow, {
      taskQueue,
      workflowId: unique('plan:missing'),
      args: [
        { configPath: join(examples, 'does-not-exist.yaml'), snapshotPath: join(examples, 'snapshot.json') },
      ],
    });
    const err: unknown = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as
      { type?: string; message?: string } | undefined;
    expect(cause?.type).toBe('InputNotFound');
    expect(cause?.message).toMatch(/cannot read the config .*does-not-exist\.yaml: ENOENT/);
  });
});
