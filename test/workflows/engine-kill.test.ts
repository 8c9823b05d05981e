/**
 * A worker killed with SIGKILL mid-saga: the sagas run in a real, separate worker process
 * (test/support/worker-process.ts) that the test kills and replaces. Nothing of the dead process survives but what
 * Temporal, the sandbox and the state dir hold; the replacement resumes every saga from its history, and no step's
 * ERP effect happens twice.
 *
 * - Transfer saga: killed while step 2's ERP write is on the wire (the Odoo picking create is held by a latency
 *   fault, and lands after the worker died). Temporal retries the step once its startToClose timeout passes; the
 *   retry finds the picking by its reference and completes it: one stock move per step, total stock conserved.
 * - Order saga: killed while it waits for the ERP to ingest the order (a 15 s lag). The replacement replays it and
 *   the SKU workflow, the saga releases the ledger once; the channels show what a fresh resync computes (no double
 *   subtraction).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import xmlrpc from 'xmlrpc';
import { resync } from '../../client/ops';
import { transferWorkflowId } from '../../domain/events';
import { smallSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';
import { sagaQuery, type SagaView } from '../../workflows/definitions';
import type { TransferSagaRequest } from '../../workflows/transfer';
import { engineOps, startEngine, waitFor, type Engine } from '../support/engine';
import { testEnv, unique } from '../support/temporal';
import { killWorkerProcesses, spawnWorkerProcess, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(180_000);

const SKU = 'TSHIRT-RED-M';
const TRANSIT = 'WH1/Transit';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine with no in-process workers, and a way to start real worker processes for it. */
async function engineWithoutWorkers(
  seed: SeedInput,
  patch: (raw: Record<string, unknown>) => void = () => undefined,
): Promise<{ e: Engine; spawn: () => Promise<WorkerProcess> }> {
  let rawConfig: Record<string, unknown> = {};
  const e = await startEngine({
    seed,
    workers: false,
    ingress: true,
    patchConfig: (raw) => {
      patch(raw);
      rawConfig = structuredClone(raw);
    },
  });
  const stateDir = mkdtempSync(join(testEnv().tmp, 'kill-worker-'));
  const spawn = () =>
    spawnWorkerProcess({
      address: testEnv().address,
      namespace: e.temporal.namespace,
      bundlePath: e.temporal.bundlePath,
      taskQueue: e.deps.taskQueue,
      idPrefix: e.deps.idPrefix,
      stateDir,
      rawConfig,
    });
  return { e, spawn };
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** The history's activities: type, input, the attempt that closed it, its worker identity and last failure. */
function activities(history: History) {
  const events = history.events ?? [];
  const byId = new Map<number, HistoryEvent>(events.map((ev) => [Number(ev.eventId), ev]));
  return events
    .filter((ev) => ev.activityTaskStartedEventAttributes)
    .map((ev) => {
      const started = ev.activityTaskStartedEventAttributes!;
      const scheduled = byId.get(Number(started.scheduledEventId))?.activityTaskScheduledEventAttributes;
      const [input] = scheduled?.input?.payloads ?? [];
      return {
        type: scheduled?.activityType?.name ?? '',
        input: input ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(input) : undefined,
        attempt: started.attempt ?? 0,
        identity: started.identity ?? '',
        lastFailure: started.lastFailure,
      };
    });
}

/** The worker identities that completed the workflow's tasks, in order (default identity `<pid>@<host>`). */
function workflowTaskWorkers(history: History): string[] {
  return (history.events ?? [])
    .map((ev) => ev.workflowTaskStartedEventAttributes?.identity)
    .filter((i): i is string => !!i);
}

const byPid = (p: WorkerProcess) => (identity: string) => identity.startsWith(`${p.pid}@`);

afterAll(async () => {
  await killWorkerProcesses();
});

describe('a transfer saga whose worker is killed while step 2 is on the wire', () => {
  let e: Engine;
  let spawn: () => Promise<WorkerProcess>;
  beforeAll(async () => {
    const s = smallSeed(60_000);
    ({ e, spawn } = await engineWithoutWorkers(
      {
        ...s,
        erp: {
          ...s.erp,
          locations: [...(s.erp.locations ?? []), { id: TRANSIT, warehouse: 'WH1', sellable: false }],
        },
      },
      (raw) => {
        raw.transfers = { inTransitLocation: TRANSIT };
      },
    ));
  });
  afterAll(async () => {
    await killWorkerProcesses();
    await e?.stop();
  });

  const onHand = (location: string): number =>
    e.sandbox.world.state().erp.stock.find((r) => r.sku === SKU && r.location === location)?.onHand ?? 0;
  const totalOnHand = (): number =>
    e.sandbox.world
      .state()
      .erp.stock.filter((r) => r.sku === SKU)
      .reduce((s, r) => s + r.onHand, 0);
  /** The world's stock moves of one step: the Odoo simulator books a validated picking as `<origin>#<move id>`. */
  const movesOf = (reference: string) =>
    e.sandbox.world.moves.filter((m) => m.reference?.startsWith(`${reference}#`));

  /** Odoo's pickings for an origin, read over XML-RPC as any Odoo client would. */
  function pickings(origin: string): Promise<{ id: number; state: string }[]> {
    const { database, apiKey, uid } = e.sandbox.ctx.credentials.erp.odoo;
    const c = xmlrpc.createClient({
      host: '127.0.0.1',
      port: e.sandbox.servers.odoo.port,
      path: '/xmlrpc/2/object',
    });
    return new Promise((res, rej) =>
      c.methodCall(
        'execute_kw',
        [
          database,
          uid,
          apiKey,
          'stock.picking',
          'search_read',
          [[['origin', '=', origin]]],
          { fields: ['state'] },
        ],
        (err, v) => (err ? rej(err) : res(v as { id: number; state: string }[])),
      ),
    );
  }

  test('the replacement worker retries the step, which completes the picking the dead one created: each step moved stock once', async () => {
    const wh1 = onHand('WH1/Stock');
    const wh2 = onHand('WH2/Stock');
    const total = totalOnHand();
    const first = await spawn();

    // Every picking create takes 3 s in Odoo: step 2's create is still on the wire when the worker dies.
    e.sandbox.world.setFaults({ system: 'odoo', endpoint: 'stock.picking.create', latencyMs: 3000 });
    const transferId = unique('tr-kill');
    const base = `transfer:${transferId}`;
    const input: TransferSagaRequest = {
      transferId,
      sku: SKU,
      qty: 2,
      from: 'WH1/Stock',
      to: 'WH2/Stock',
      inTransit: TRANSIT,
      timings: { coalesceMs: 50, continueAsNewAfter: 500 },
    };
    const h = await e.temporal.client.workflow.start('transferSaga', {
      taskQueue: e.deps.taskQueue,
      workflowId: e.deps.idPrefix + transferWorkflowId(transferId),
      args: [input],
    });

    await waitFor('step 1 in the ERP', () => movesOf(`${base}:out`).length === 1, 30_000);
    await waitFor(
      "step 2's ERP write started on the first worker",
      async () => {
        const view = await h.query(sagaQuery);
        if (view.steps[1]?.status !== 'running') return false;
        const { raw } = await h.describe();
        return (raw.pendingActivities ?? []).some(
          (a) => a.activityType?.name === 'erpTransfer' && a.lastStartedTime && a.attempt === 1,
        );
      },
      20_000,
    );
    // Its reads take milliseconds; its picking create is held in Odoo for 3 s. Kill the worker now.
    await sleep(800);
    expect(movesOf(`${base}:in`)).toHaveLength(0);
    await first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The create lands after its caller died: Odoo holds a draft picking nobody will validate, no stock moved.
    const orphan = await waitFor("the dead worker's picking in Odoo", async () => {
      const p = await pickings(`${base}:in`);
      return p.length ? p : undefined;
    });
    expect(orphan.map((p) => p.state)).not.toContain('done');
    expect(movesOf(`${base}:in`)).toHaveLength(0);
    expect(onHand(TRANSIT)).toBe(2);
    expect(totalOnHand()).toBe(total);
    e.sandbox.world.clearFaults();

    // A new worker process. The step is retried once its startToClose timeout passes on the server.
    const second = await spawn();
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.steps.map((s) => [s.status, s.detail])).toEqual([
      ['done', expect.stringMatching(new RegExp(`^WH1/Stock: booked \\(reference ${base}:out`))],
      // The retry found the dead attempt's picking by its reference and completed it: not booked twice.
      ['done', `WH2/Stock: already booked earlier (reference ${base}:in): not applied twice`],
    ]);

    // Each step's ERP effect exactly once.
    expect(movesOf(`${base}:out`).map((m) => [m.from, m.to, m.qty])).toEqual([['WH1/Stock', TRANSIT, 2]]);
    expect(movesOf(`${base}:in`).map((m) => [m.from, m.to, m.qty])).toEqual([[TRANSIT, 'WH2/Stock', 2]]);
    expect(await pickings(`${base}:out`)).toEqual([expect.objectContaining({ state: 'done' })]);
    expect(await pickings(`${base}:in`)).toEqual([{ id: orphan[0]?.id, state: 'done' }]);
    expect(onHand('WH1/Stock')).toBe(wh1 - 2);
    expect(onHand('WH2/Stock')).toBe(wh2 + 2);
    expect(onHand(TRANSIT)).toBe(0);
    expect(totalOnHand()).toBe(total);

    // The history: step 2's first attempt died with the first worker (start-to-close timeout); the second
    // attempt ran on the replacement. Workflow tasks ran on both processes.
    const history = await h.fetchHistory();
    const writes = activities(history).filter((a) => a.type === 'erpTransfer');
    expect(writes.map((w) => [w.input?.reference, w.attempt])).toEqual([
      [`${base}:out`, 1],
      [`${base}:in`, 2],
    ]);
    expect(byPid(first)(writes[0]?.identity ?? '')).toBe(true);
    expect(byPid(second)(writes[1]?.identity ?? '')).toBe(true);
    expect(writes[1]?.lastFailure?.timeoutFailureInfo).toBeTruthy();
    const wfWorkers = workflowTaskWorkers(history);
    expect(wfWorkers.some(byPid(first))).toBe(true);
    expect(wfWorkers.some(byPid(second))).toBe(true);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: e.temporal.bundlePath } },
      history,
      h.workflowId,
    );
  });
});

describe('an order saga whose worker is killed while it waits for the ERP', () => {
  const LAG_MS = 15_000;
  let e: Engine;
  let spawn: () => Promise<WorkerProcess>;
  beforeAll(async () => {
    ({ e, spawn } = await engineWithoutWorkers(smallSeed(LAG_MS), (raw) => {
      // Checks 3 s apart: the saga spends most of its wait in a timer (no activity on the wire when killed).
      (raw.engine as { orders: unknown }).orders = { firstCheck: 300, checkEvery: 3000 };
    }));
  });
  afterAll(async () => {
    await killWorkerProcesses();
    await e?.stop();
  });

  test('the replacement worker resumes the wait and releases the ledger once: channels equal a fresh resync', async () => {
    const ops = engineOps(e);
    const sku = 'TSHIRT-RED-M';
    const first = await spawn();
    await resync(ops, sku, 'test: before the sale');
    const shown = () => ({
      amazon: e.shows('amazon', sku) as number,
      mercadolibre: e.shows('mercadolibre', sku) as number,
    });
    const before = shown();

    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku,
      qty: 3,
      location: 'gid://shopify/Location/1',
    });
    if (!r.accepted) throw new Error(r.reason);
    const placedAt = Date.now();
    const held = await waitFor('Amazon and Mercado Libre to drop by the 3 units in the ledger', () => {
      const now = shown();
      return now.amazon <= before.amazon - 3 && now.mercadolibre <= before.mercadolibre - 3 ? now : undefined;
    });
    const saga = e.temporal.client.workflow.getHandle(`${e.deps.idPrefix}order:shopify:${r.orderId}`);
    await waitFor('the saga waiting for the ERP between two checks', async () => {
      if ((await saga.query(sagaQuery)).status !== 'waiting-erp') return false;
      const checks = activities(await saga.fetchHistory()).filter((a) => a.type === 'erpOrderPresence');
      const { raw } = await saga.describe();
      return checks.length >= 1 && (raw.pendingActivities ?? []).length === 0;
    });
    await first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Killed mid-wait: the ERP has not ingested the order yet; the ledger holds the units.
    expect(Date.now() - placedAt).toBeLessThan(LAG_MS);
    expect(e.sandbox.world.erpOrder(`shopify:${r.orderId}`)?.status).toBe('pending-ingest');

    const second = await spawn();
    const done = (await saga.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(e.sandbox.world.erpOrder(`shopify:${r.orderId}`)?.status).toBe('reserved');
    const wfWorkers = workflowTaskWorkers(await saga.fetchHistory());
    expect(wfWorkers.some(byPid(first))).toBe(true);
    expect(wfWorkers.some(byPid(second))).toBe(true);

    // Released exactly once: the ledger is empty, and once the SKU has recomputed the channels show what they
    // showed while the ledger held the units (the ERP's own reservation now counts instead, once).
    await waitFor('the ledger to be empty', async () => (await e.state(sku))?.ledger.length === 0);
    await waitFor(
      `the channels back at ${JSON.stringify(held)}`,
      () => JSON.stringify(shown()) === JSON.stringify(held),
      20_000,
    );
    const state = await e.state(sku);
    expect(state?.attention).toEqual([]);
    expect(state?.rows.flatMap((row) => row.lines.map((l) => l.text))).not.toContainEqual(
      expect.stringMatching(/pending orders/),
    );

    // A fresh resync (re-reads the ERP and every channel) computes the same numbers: no double subtraction.
    const fresh = await resync(ops, sku, 'test: after the restart');
    expect(fresh.ledger).toEqual([]);
    const computed = Object.fromEntries(
      fresh.rows
        .filter((row) => row.channel === 'amazon' || row.channel === 'mercadolibre')
        .map((row) => [row.channel, row.qty]),
    );
    expect(computed).toEqual(held);
    await sleep(1000);
    expect(shown()).toEqual(held);
  });
});
