/**
 * End to end on the real dev server with the sandbox: the pending-order ledger across the ERP's ingestion lag,
 * overrides that expire, and an unlinked SKU that stops in needs-attention until the link is fixed and retried.
 */
import { override, resync } from '../../client/ops';
import { smallSeed } from '../../sandbox/presets';
import { sagaQuery, retrySignal, type SagaView } from '../../workflows/definitions';
import { engineOps, startEngine, waitFor, type Engine } from '../support/engine';

jest.setTimeout(120_000);

const opsOf = engineOps;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('with a 30 s ERP ingestion lag', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ seed: smallSeed(30_000), ingress: true });
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('the pending-order ledger prevents relisting until the ERP has the order, then releases it without double subtraction', async () => {
    const sku = 'TSHIRT-RED-M';
    await resync(opsOf(e), sku);
    const before = e.shows('amazon', sku) as number;
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku,
      qty: 3,
      location: 'gid://shopify/Location/1',
    });
    if (!r.accepted) throw new Error(r.reason);
    const held = await waitFor('Amazon to drop by the 3 units in the ledger', () => {
      const v = e.shows('amazon', sku) as number;
      return v <= before - 3 ? v : undefined;
    });
    // While the ERP has not ingested the order, ERP changes and resyncs recompute — and must not relist.
    for (const at of [8_000, 18_000]) {
      await sleep(at - (at === 8_000 ? 0 : 8_000));
      expect(e.sandbox.world.erpOrder(`shopify:${r.orderId}`)?.status).toBe('pending-ingest');
      await resync(opsOf(e), sku, 'test: recompute during the ingestion lag');
      expect(e.shows('amazon', sku)).toBe(held);
      expect((await e.state(sku))?.ledger.map((l) => l.qty)).toEqual([3]);
    }
    // The ERP ingests at 30 s; the saga sees it and releases; the ERP's own reservation now counts (once).
    const saga = e.temporal.client.workflow.getHandle(`${e.deps.idPrefix}order:shopify:${r.orderId}`);
    const done = (await saga.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(e.sandbox.world.erpOrder(`shopify:${r.orderId}`)?.status).toBe('reserved');
    await waitFor('the ledger to be empty', async () => (await e.state(sku))?.ledger.length === 0);
    await resync(opsOf(e), sku, 'test: after release');
    expect(e.shows('amazon', sku)).toBe(held);
  });
});

describe('operators', () => {
  let e: Engine;
  beforeAll(async () => {
    const seed = smallSeed(500);
    const shopify = seed.channels?.find((c) => c.id === 'shopify');
    if (shopify?.kind === 'shopify')
      shopify.listings?.push({ sku: 'ABC-RED-M', location: 'gid://shopify/Location/1', shows: 5 });
    e = await startEngine({ seed, ingress: true });
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('an override holds until it expires', async () => {
    const sku = 'TSHIRT-RED-L';
    const normal = (await resync(opsOf(e), sku)).rows.find((row) => row.channel === 'amazon')?.qty as number;
    expect(e.shows('amazon', sku)).toBe(normal);
    const until = Date.now() + 6_000;
    const v = await override(opsOf(e), sku, { channel: 'amazon', qty: 2, until, reason: 'test promo cap' });
    expect(v.overrides).toHaveLength(1);
    expect(e.shows('amazon', sku)).toBe(2);
    // ERP changes while the override holds change nothing on Amazon.
    e.sandbox.world.adjust({ sku, location: 'WH1/Stock', delta: 4, reason: 'receipt' });
    await resync(opsOf(e), sku, 'test: during the override');
    expect(e.shows('amazon', sku)).toBe(2);
    expect(e.shows('mercadolibre', sku)).toBeGreaterThan(2);
    // After `until`, the computed number comes back by itself.
    await waitFor('the override to expire', () => (e.shows('amazon', sku) as number) > 2, 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect((await e.state(sku))?.overrides).toEqual([]);
  });

  it('an override is rejected with a reason when its input is bad', async () => {
    await expect(override(opsOf(e), 'TSHIRT-RED-L', { channel: 'amazon', qty: -1 })).rejects.toThrow(
      /qty must be a whole number/,
    );
    await expect(override(opsOf(e), 'TSHIRT-RED-L', { channel: 'nowhere', qty: 1 })).rejects.toThrow(
      /unknown channel "nowhere"/,
    );
  });

  it('an unlinked SKU ends in needs-attention with the actionable message, and completes after the link is fixed and retry is sent', async () => {
    const r = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku: 'ABC-RED-M',
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    if (!r.accepted) throw new Error(r.reason);
    const saga = e.temporal.client.workflow.getHandle(`${e.deps.idPrefix}order:shopify:${r.orderId}`);
    const stuck = await waitFor('the saga to stop in needs-attention', async () => {
      const v = await saga.query(sagaQuery).catch(() => undefined);
      return v?.status === 'needs-attention' ? v : undefined;
    });
    expect(stuck.attention?.message).toMatch(
      /SKU ABC-RED-M sold on Shopify \(shopify, order \d+\) has no linked Odoo product: link it/,
    );
    const described = await saga.describe();
    expect(described.searchAttributes.InvStatus).toEqual(['needs-attention']);
    // Retrying before the fix changes nothing: it stops again with the same message.
    await saga.signal(retrySignal, {});
    await sleep(1500);
    expect((await saga.query(sagaQuery)).status).toBe('needs-attention');
    // Fix the link in the ERP (the product now exists with that SKU), then retry.
    const w = e.sandbox.world;
    w.products.push({
      id: w.products.length + 1,
      sku: 'ABC-RED-M',
      name: 'ABC red M',
      writeDate: Date.now(),
    });
    w.adjust({ sku: 'ABC-RED-M', location: 'WH1/Stock', delta: 10, reason: 'receipt' });
    await saga.signal(retrySignal, {});
    const done = (await saga.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.steps[0]?.status).toBe('done');
  });
});
