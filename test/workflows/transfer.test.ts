/**
 * The transfer saga (design C5) on the real dev server, the real worker (test/support/engine.ts) and the Odoo
 * simulator behind the real adapter: stock moves in two idempotent steps with the units visible in transit, a replay
 * books nothing twice, a destination that fails for good is compensated (total stock conserved), a compensation that
 * fails stops in needs-attention, and `invsync transfer` checks its locations and starts the saga.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { transferCommand } from '../../cli/commands/transfer';
import type { Output } from '../../cli/io';
import { transferWorkflowId } from '../../domain/events';
import { smallSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';
import { retrySignal, sagaQuery, skipSignal, type SagaView } from '../../workflows/definitions';
import type { TransferSagaRequest } from '../../workflows/transfer';
import { startEngine, waitFor, type Engine } from '../support/engine';
import { testEnv, unique } from '../support/temporal';

jest.setTimeout(120_000);

const SKU = 'TSHIRT-RED-M';
const TRANSIT = 'WH1/Transit';

/** The small preset plus an in-transit location (not sellable, mapped to no channel). */
function seed(): SeedInput {
  const s = smallSeed(60_000);
  return {
    ...s,
    erp: {
      ...s.erp,
      locations: [...(s.erp.locations ?? []), { id: TRANSIT, warehouse: 'WH1', sellable: false }],
    },
  };
}

const onHand = (e: Engine, location: string, sku = SKU): number =>
  e.sandbox.world.state().erp.stock.find((r) => r.sku === sku && r.location === location)?.onHand ?? 0;
const totalOnHand = (e: Engine, sku = SKU): number =>
  e.sandbox.world
    .state()
    .erp.stock.filter((r) => r.sku === sku)
    .reduce((s, r) => s + r.onHand, 0);

function start(e: Engine, input: Omit<TransferSagaRequest, 'timings'>) {
  return e.temporal.client.workflow.start('transferSaga', {
    taskQueue: e.deps.taskQueue,
    workflowId: e.deps.idPrefix + transferWorkflowId(input.transferId),
    args: [{ ...input, timings: { coalesceMs: 50, continueAsNewAfter: 500 } }],
  });
}

const query = (h: { query: (q: typeof sagaQuery) => Promise<SagaView> }) => h.query(sagaQuery);

describe('with an in-transit location', () => {
  let e: Engine;
  let rawConfig: Record<string, unknown> = {};
  beforeAll(async () => {
    e = await startEngine({
      seed: seed(),
      patchConfig: (raw) => {
        raw.transfers = { inTransitLocation: TRANSIT };
        rawConfig = structuredClone(raw);
      },
    });
  });
  afterAll(async () => e?.stop());

  test('units wait visibly in transit while the destination fails, then reach an edited destination', async () => {
    const wh1 = onHand(e, 'WH1/Stock');
    const wh2 = onHand(e, 'WH2/Stock');
    const total = totalOnHand(e);
    const transferId = unique('tr-edit');
    const h = await start(e, {
      transferId,
      sku: SKU,
      qty: 2,
      from: 'WH1/Stock',
      to: 'WH9/Nowhere',
      inTransit: TRANSIT,
    });

    // Step 2 fails for good (Odoo has no WH9/Nowhere): the saga stops, the units are in transit at WH1/Transit.
    const stopped = await waitFor('needs-attention', async () => {
      const v = await query(h);
      return v.status === 'needs-attention' ? v : undefined;
    });
    expect(stopped.steps.map((s) => [s.name, s.status])).toEqual([
      ['take out of the source', 'done'],
      ['put into the destination', 'failed'],
    ]);
    expect(stopped.attention?.type).toBe('UNMAPPED_LOCATION');
    expect(stopped.attention?.message).toMatch(/WH9\/Nowhere/);
    expect(stopped.summary).toMatch(/2 units of TSHIRT-RED-M are in transit at WH1\/Transit/);
    expect(onHand(e, TRANSIT)).toBe(2);
    expect(onHand(e, 'WH1/Stock')).toBe(wh1 - 2);
    expect(totalOnHand(e)).toBe(total);
    const desc = await h.describe();
    expect(desc.searchAttributes.InvStatus).toEqual(['needs-attention']);
    expect(desc.searchAttributes.InvSku).toEqual([SKU]);
    expect(
      e.deps.alerts.recent().some((a) => a.kind === 'needs-attention' && a.text.includes(transferId)),
    ).toBe(true);

    // The operator retries with another destination.
    await h.signal(retrySignal, { data: { to: 'WH2/Stock' } });
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect(done.summary).toMatch(
      /moved 2 units of TSHIRT-RED-M from WH1\/Stock to WH2\/Stock via WH1\/Transit/,
    );
    expect(onHand(e, TRANSIT)).toBe(0);
    expect(onHand(e, 'WH1/Stock')).toBe(wh1 - 2);
    expect(onHand(e, 'WH2/Stock')).toBe(wh2 + 2);
    expect(totalOnHand(e)).toBe(total);
    expect((await h.describe()).searchAttributes.InvStatus).toEqual(['ok']);
    // The SKU workflow was told to re-read the ERP (signal-with-start): it exists and answers.
    await waitFor('the SKU workflow', () => e.state(SKU));
  });

  test('a straight transfer moves the stock; running it again with the same id books nothing twice', async () => {
    const wh1 = onHand(e, 'WH1/Stock');
    const wh2 = onHand(e, 'WH2/Stock');
    const total = totalOnHand(e);
    const transferId = unique('tr-happy');
    const input = { transferId, sku: SKU, qty: 3, from: 'WH1/Stock', to: 'WH2/Stock', inTransit: TRANSIT };
    const first = (await (await start(e, input)).result()) as SagaView;
    expect(first.status).toBe('done');
    expect(first.steps.map((s) => s.detail)).toEqual([
      expect.stringMatching(/^WH1\/Stock: booked \(reference transfer:tr-happy-\w+:out/),
      expect.stringMatching(/^WH2\/Stock: booked \(reference transfer:tr-happy-\w+:in/),
    ]);
    expect(onHand(e, 'WH1/Stock')).toBe(wh1 - 3);
    expect(onHand(e, 'WH2/Stock')).toBe(wh2 + 3);

    // The same transfer again (the workflow id is free once the first run closed): the references are known.
    const again = (await (await start(e, input)).result()) as SagaView;
    expect(again.status).toBe('done');
    expect(again.steps.map((s) => s.detail)).toEqual([
      expect.stringMatching(/already booked earlier .*not applied twice/),
      expect.stringMatching(/already booked earlier .*not applied twice/),
    ]);
    expect(again.summary).toMatch(/nothing was moved twice/);
    expect(onHand(e, 'WH1/Stock')).toBe(wh1 - 3);
    expect(onHand(e, 'WH2/Stock')).toBe(wh2 + 3);
    expect(totalOnHand(e)).toBe(total);
  });

  test('a compensation that fails stops in needs-attention (compensation-failed); retry completes it', async () => {
    const wh1 = onHand(e, 'WH1/Stock');
    const total = totalOnHand(e);
    const transferId = unique('tr-comp-fail');
    const h = await start(e, {
      transferId,
      sku: SKU,
      qty: 1,
      from: 'WH1/Stock',
      to: 'WH9/Nowhere',
      inTransit: TRANSIT,
    });
    await waitFor('needs-attention', async () => (await query(h)).status === 'needs-attention');

    // Odoo now refuses to create pickings (403): skipping the destination starts a compensation that fails.
    e.sandbox.world.setFaults({
      system: 'odoo',
      endpoint: 'stock.picking.create',
      errorRate: 1,
      status: 403,
    });
    try {
      await h.signal(skipSignal, { reason: 'no such destination' });
      const stuck = await waitFor('compensation-failed', async () => {
        const v = await query(h);
        return v.steps.some((s) => s.status === 'compensation-failed') && v.status === 'needs-attention'
          ? v
          : undefined;
      });
      expect(stuck.steps.map((s) => [s.name, s.status])).toEqual([
        ['take out of the source', 'done'],
        ['put into the destination', 'skipped'],
        ['compensate: back to the source', 'compensation-failed'],
      ]);
      expect(stuck.attention?.type).toBe('PERMISSION_DENIED');
      expect(stuck.attention?.message).toMatch(
        /the compensation failed: .*1 unit of TSHIRT-RED-M are still in transit at WH1\/Transit/,
      );
      expect(onHand(e, TRANSIT)).toBe(1);
      expect(totalOnHand(e)).toBe(total);
    } finally {
      e.sandbox.world.clearFaults();
    }
    await h.signal(retrySignal, {});
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('compensated');
    expect(done.steps.map((s) => s.status)).toEqual(['compensated', 'skipped', 'done']);
    expect(onHand(e, TRANSIT)).toBe(0);
    expect(onHand(e, 'WH1/Stock')).toBe(wh1);
    expect(totalOnHand(e)).toBe(total);
    expect(
      e.deps.alerts.recent().some((a) => a.kind === 'transfer-compensated' && a.text.includes(transferId)),
    ).toBe(true);
    // Its history (needs-attention twice, a failed compensation, a retry) replays deterministically.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: e.temporal.bundlePath } },
      await h.fetchHistory(),
      h.workflowId,
    );
  });

  test('`invsync transfer` refuses unknown locations, then starts the saga and waits for its outcome', async () => {
    const dir = testEnv().tmp;
    const configPath = join(dir, `${unique('transfer-config')}.yaml`);
    writeFileSync(
      configPath,
      stringify({ ...rawConfig, temporal: { address: testEnv().address, namespace: 'default' } }),
    );
    const lines: string[] = [];
    const out: Output = { json: false, out: (t) => lines.push(t), err: (t) => lines.push(t) };
    const target = { taskQueue: e.deps.taskQueue, idPrefix: e.deps.idPrefix };

    const refused = await transferCommand(
      { configPath, sku: SKU, qty: 1, from: 'WH1/Stock', to: 'WH7/Stock', target },
      out,
    );
    expect(refused).toBe(1);
    expect(lines.join('\n')).toMatch(
      /--to "WH7\/Stock" is not an ERP location of the config \(erp.locations: WH1\/Stock, WH2\/Stock, WH1\/Quarantine, WH1\/Transit\)/,
    );

    const wh2 = onHand(e, 'WH2/Stock');
    lines.length = 0;
    const id = unique('cli');
    const code = await transferCommand(
      {
        configPath,
        sku: SKU,
        qty: 1,
        from: 'WH2/Stock',
        to: 'WH1/Stock',
        id,
        wait: true,
        target,
        pollMs: 200,
      },
      out,
    );
    expect(lines.join('\n')).toMatch(
      new RegExp(
        `^DONE: Transfer ${id}: moved 1 unit of TSHIRT-RED-M from WH2/Stock to WH1/Stock via WH1/Transit`,
      ),
    );
    expect(code).toBe(0);
    expect(onHand(e, 'WH2/Stock')).toBe(wh2 - 1);

    // The same id again is refused: one id moves stock once.
    lines.length = 0;
    const dup = await transferCommand(
      { configPath, sku: SKU, qty: 1, from: 'WH2/Stock', to: 'WH1/Stock', id, target },
      out,
    );
    expect(dup).toBe(1);
    expect(lines.join('\n')).toMatch(new RegExp(`transfer ${id} was started before`));
    expect(onHand(e, 'WH2/Stock')).toBe(wh2 - 1);
  });
});

describe('without an in-transit location', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ seed: seed() });
  });
  afterAll(async () => e?.stop());

  test('a transfer whose destination step fails permanently is compensated, total stock conserved', async () => {
    const wh1 = onHand(e, 'WH1/Stock');
    const total = totalOnHand(e);
    const transferId = unique('tr-comp');
    const h = await start(e, {
      transferId,
      sku: SKU,
      qty: 2,
      from: 'WH1/Stock',
      to: 'WH9/Nowhere',
      onFailure: 'compensate',
    });
    const view = (await h.result()) as SagaView;
    expect(view.status).toBe('compensated');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['take out of the source', 'compensated'],
      ['put into the destination', 'failed'],
      ['compensate: back to the source', 'done'],
    ]);
    expect(view.steps[1]?.detail).toMatch(/WH9\/Nowhere/);
    expect(view.summary).toMatch(
      /Compensated: the units are back at WH1\/Stock \(reference transfer:tr-comp-\w+:out:undo\); total stock unchanged/,
    );
    expect(onHand(e, 'WH1/Stock')).toBe(wh1);
    expect(totalOnHand(e)).toBe(total);
    const alerts = e.deps.alerts.recent().filter((a) => a.kind === 'transfer-compensated');
    expect(alerts.map((a) => a.text)).toEqual([expect.stringContaining(transferId)]);
    expect((await h.describe()).searchAttributes.InvStatus).toEqual(['ok']);
  });

  test('between the steps the saga says the units are in transit in the saga itself', async () => {
    const total = totalOnHand(e);
    const transferId = unique('tr-saga-transit');
    const h = await start(e, { transferId, sku: SKU, qty: 1, from: 'WH2/Stock', to: 'WH9/Nowhere' });
    const stopped = await waitFor('needs-attention', async () => {
      const v = await query(h);
      return v.status === 'needs-attention' ? v : undefined;
    });
    expect(stopped.summary).toMatch(
      /1 unit of TSHIRT-RED-M are in transit in this saga \(taken out of WH2\/Stock/,
    );
    // Taken out of the ERP, held by the saga: the ERP total is short by exactly the units in transit.
    expect(totalOnHand(e)).toBe(total - 1);
    await h.signal(skipSignal, {});
    const view = (await h.result()) as SagaView;
    expect(view.status).toBe('compensated');
    expect(totalOnHand(e)).toBe(total);
  });
});
