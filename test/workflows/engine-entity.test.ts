/**
 * The per-SKU entity itself: continue-as-new carries its state and the ids of the events it applied, its search
 * attributes and summary stay current, and its history replays deterministically.
 */
import { Worker } from '@temporalio/worker';
import { createDispatcher } from '../../activities/dispatch';
import { resync } from '../../client/ops';
import { engineOps, startEngine, waitFor, type Engine } from '../support/engine';

jest.setTimeout(120_000);

describe('the SKU workflow', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({
      preset: 'small',
      patchConfig: (raw) => {
        (raw.engine as Record<string, unknown>).continueAsNewAfter = 3;
      },
    });
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('continues as new carrying its state and the ids of events already seen', async () => {
    const sku = 'TSHIRT-RED-XL';
    const d = createDispatcher({
      client: e.temporal.client,
      config: e.config,
      taskQueue: e.deps.taskQueue,
      idPrefix: e.deps.idPrefix,
    });
    await d.notifySku(sku, { kind: 'erp', id: 'evt-1', reason: 'test' });
    const first = (await e.sku(sku).describe()).runId;
    await waitFor('the first event to be applied', async () => (await e.state(sku))?.counters.events === 1);
    for (const id of ['evt-2', 'evt-3', 'evt-4']) await d.notifySku(sku, { kind: 'erp', id, reason: 'test' });
    await waitFor('a new run', async () => (await e.sku(sku).describe()).runId !== first, 20_000);
    await waitFor('every event applied', async () => (await e.state(sku))?.counters.events === 4, 20_000);
    // A duplicate of an event applied in the first run is recognised in the new run.
    await d.notifySku(sku, { kind: 'erp', id: 'evt-1', reason: 'test (duplicate)' });
    const st = await waitFor('the duplicate to be counted', async () => {
      const s = await e.state(sku);
      return s && s.counters.duplicates >= 1 && s.rows.length ? s : undefined;
    });
    expect(st.counters.events).toBe(4);
    // Its rows were recomputed in the new run, and its numbers are still on the channels.
    const amazon = st.rows.find((r) => r.channel === 'amazon');
    expect(amazon?.qty).toBe(e.shows('amazon', sku));
  });

  it('keeps its search attributes and summary current, and its history replays', async () => {
    const sku = 'TSHIRT-BLUE-S';
    const v = await resync(engineOps(e), sku);
    expect(v.summary).toMatch(new RegExp(`^\\*\\*${sku}\\*\\*: .*amazon \\d+`));
    const desc = await waitFor('search attributes', async () => {
      const x = await e.sku(sku).describe();
      return (x.searchAttributes.InvChannels as string[] | undefined)?.length ? x : undefined;
    });
    expect(desc.searchAttributes.InvSku).toEqual([sku]);
    expect(desc.searchAttributes.InvStatus).toEqual(['ok']);
    expect([...(desc.searchAttributes.InvChannels as string[])].sort()).toEqual([
      'amazon',
      'mercadolibre',
      'shopify',
    ]);
    const history = await e.sku(sku).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: e.temporal.bundlePath } },
      history,
      desc.workflowId,
    );
  });
});
