/**
 * End to end on the real dev server with the sandbox: sales flow from a channel's webhook through the ingress, the
 * order saga and the per-SKU workflows to every other channel.
 */
import { resync } from '../../client/ops';
import { engineOps, startEngine, waitFor, type Engine } from '../support/engine';

jest.setTimeout(120_000);

describe('a sale', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ preset: 'small', ingress: true });
  });
  afterAll(async () => {
    await e?.stop();
  });

  const ops = () => engineOps(e);

  it('on Shopify lowers Amazon FBM and Mercado Libre within 5 s', async () => {
    const sku = 'TSHIRT-RED-S';
    // Settle the SKU first: its workflow reads every channel and pushes the engine's numbers.
    const settled = await resync(ops(), sku);
    expect(settled.sku).toBe(sku);
    const amazonBefore = e.shows('amazon', sku) as number;
    const meliBefore = e.shows('mercadolibre', sku) as number;
    expect(amazonBefore).toBeGreaterThan(2);
    expect(meliBefore).toBeGreaterThan(2);

    const t0 = Date.now();
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku,
      qty: 2,
      location: 'gid://shopify/Location/1',
    });
    expect(r.accepted).toBe(true);
    await waitFor(
      'Amazon FBM and Mercado Libre to drop by the 2 units sold on Shopify',
      () =>
        (e.shows('amazon', sku) as number) <= amazonBefore - 2 &&
        (e.shows('mercadolibre', sku) as number) <= meliBefore - 2,
      5_000,
      50,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    const state = await e.state(sku);
    expect(state?.ledger.map((l) => [l.channel, l.qty])).toEqual([['shopify', 2]]);
  });
});

describe('bundles, duplicates, echoes and lost webhooks', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ preset: 'demo', ingress: true });
  });
  afterAll(async () => {
    await e?.stop();
  });
  const ops = () => engineOps(e);

  it('a bundle sale lowers its components’ listings', async () => {
    const kit = 'TSHIRT-3PACK';
    const components = ['TSHIRT-RED-M', 'TSHIRT-BLUE-M', 'TSHIRT-GREEN-M'];
    for (const s of [...components, kit]) await resync(ops(), s);
    // Amazon FBM lists every component (on Mercado Libre TSHIRT-BLUE-M is a Full item: Mercado Libre's stock).
    const before = Object.fromEntries(components.map((c) => [c, e.shows('amazon', c) as number]));
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku: kit,
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    expect(r.accepted).toBe(true);
    await waitFor(
      'every component of the 3-pack to drop by one on Amazon',
      () => components.every((c) => (e.shows('amazon', c) as number) <= (before[c] as number) - 1),
      10_000,
    );
    // The components hold the units in their ledgers; the kit itself holds nothing.
    for (const c of components) {
      const st = await e.state(c);
      expect(st?.ledger.map((l) => [l.orderId, l.qty])).toEqual([[r.accepted ? r.orderId : '', 1]]);
    }
    expect((await e.state(kit))?.ledger).toEqual([]);
  });

  it('duplicate and reordered webhooks change nothing twice; our own echoes change nothing', async () => {
    const sku = 'HOODIE-RED-S';
    await resync(ops(), sku);
    await e.sandbox.ctx.webhooks.drain();
    e.sandbox.world.setFaults({ system: 'shopify', webhookDuplicateRate: 1, webhookReorder: true });
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku,
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    if (!r.accepted) throw new Error(r.reason);
    await e.sandbox.ctx.webhooks.drain();
    e.sandbox.world.clearFaults();
    const dupes = e.sandbox.ctx.webhooks.deliveries.filter((d) => d.system === 'shopify' && d.duplicated);
    expect(dupes.length).toBeGreaterThanOrEqual(2); // the order and the level webhook, each delivered twice
    // Settled: every channel shows what the SKU workflow expects, the sale is in the ledger once.
    const settled = await waitFor('the SKU to settle', async () => {
      const s = await e.state(sku);
      if (!s || s.status !== 'ok' || s.ledger.length !== 1) return undefined;
      const written = s.rows.filter((row) => row.status === 'live');
      return written.every((row) => e.shows(row.channel, sku, row.location) === row.qty) ? s : undefined;
    });
    expect(settled.ledger.map((l) => [l.orderId, l.qty])).toEqual([[r.orderId, 1]]);
    // The copies were recognised by their delivery ids at the ingress and started nothing.
    const hooks = await e.deps.metrics.webhooks.get();
    const dup = hooks.values.filter((v) => v.labels.source === 'shopify' && v.labels.result === 'duplicate');
    expect(dup.reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(2);
    // One order saga run: the duplicate order webhook started nothing.
    const runs = await waitFor('the saga in visibility', async () => {
      const n = await e.temporal.client.workflow.count(
        `WorkflowId = "${e.deps.idPrefix}order:shopify:${r.orderId}"`,
      );
      return n.count || undefined;
    });
    expect(runs).toBe(1);
    // Our own push echoed back (Amazon notifies every quantity change, ours included): recognised, nothing pushed.
    const amazon = e.sandbox.world.listing('amazon', sku);
    if (!amazon) throw new Error('not listed on Amazon');
    const before = settled.counters;
    e.sandbox.world.setShows('amazon', amazon, amazon.shows, 'api');
    await e.sandbox.ctx.webhooks.drain();
    const after = await waitFor('the echo to be recognised', async () => {
      const s = await e.state(sku);
      return s && s.counters.echoes > before.echoes ? s : undefined;
    });
    await new Promise((r2) => setTimeout(r2, 1000));
    expect((await e.state(sku))?.counters.pushes).toBe(before.pushes);
    expect(after.counters.echoes).toBeGreaterThan(before.echoes);
  });

  it('a lost webhook is recovered by the poll', async () => {
    const sku = 'HOODIE-BLUE-S';
    await resync(ops(), sku);
    // Prime the poll's cursors, then lose every Shopify webhook.
    const poll = () =>
      e.temporal.client.workflow.execute('pollWorkflow', {
        taskQueue: e.deps.taskQueue,
        workflowId: `${e.deps.idPrefix}poll-${Date.now()}`,
        args: [{}],
      });
    await poll();
    e.sandbox.world.setFaults({ system: 'shopify', webhookLossRate: 1 });
    const meliBefore = e.shows('mercadolibre', sku) as number;
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku,
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    expect(r.accepted).toBe(true);
    await new Promise((r2) => setTimeout(r2, 500));
    expect((await e.state(sku))?.ledger).toEqual([]);
    const found = (await poll()) as { orders: number; started: number };
    e.sandbox.world.clearFaults();
    expect(found.started).toBeGreaterThanOrEqual(1);
    // The first poll after a start also hands over the ERP's recent changes (its cursor overlaps): give it time.
    await waitFor(
      'Mercado Libre to drop after the poll found the order',
      () => (e.shows('mercadolibre', sku) as number) <= meliBefore - 1,
      40_000,
    );
  });
});
