/**
 * The return saga (design C5) on the real dev server, the real worker (test/support/engine.ts) and the sandbox behind
 * the real adapters. FBA: the saga waits for Amazon's inspection (the `inspected` signal, or detected on the FBA
 * levels), proposes the ERP adjustment, waits for the operator, and books it exactly once; an edited approval books
 * the edit; skip books nothing; an unfulfillable return proposes nothing; a missing fba.erpLocation stops in
 * needs-attention naming the config path. Merchant: invsync adds nothing itself; the saga waits for the ERP restock.
 */
import { Worker } from '@temporalio/worker';
import { returnWorkflowId } from '../../domain/events';
import { smallSeed } from '../../sandbox/presets';
import type { SeedInput } from '../../sandbox/seed';
import {
  approveSignal,
  inspectedSignal,
  retrySignal,
  sagaQuery,
  skipSignal,
  type SagaView,
} from '../../workflows/definitions';
import type { ReturnSagaRequest } from '../../workflows/return';
import { startEngine, waitFor, type Engine } from '../support/engine';
import { unique } from '../support/temporal';

jest.setTimeout(120_000);

const FBA_SKU = 'TSHIRT-RED-XL-FBA';
const FBA_LOCATION = 'FBA/Amazon';
const SKU = 'TSHIRT-RED-M';

/** The small preset plus the ERP location mirroring Amazon FBA (not sellable, mapped to no channel). */
function seed(): SeedInput {
  const s = smallSeed(60_000);
  return {
    ...s,
    erp: {
      ...s.erp,
      locations: [...(s.erp.locations ?? []), { id: FBA_LOCATION, warehouse: 'FBA', sellable: false }],
    },
  };
}

function withFbaLocation(location: string | undefined) {
  return (raw: Record<string, unknown>) => {
    for (const ch of raw.channels as Record<string, unknown>[])
      if (ch.kind === 'amazon') ch.fba = { enabled: true, ...(location ? { erpLocation: location } : {}) };
  };
}

const onHand = (e: Engine, sku: string, location: string): number =>
  e.sandbox.world.state().erp.stock.find((r) => r.sku === sku && r.location === location)?.onHand ?? 0;
const available = (e: Engine, sku: string, location: string): number =>
  e.sandbox.world.available(sku, location);

/** A shopper buys from FBA and returns it: the units wait for Amazon's inspection. */
function fbaReturn(e: Engine, qty: number): string {
  const placed = e.sandbox.world.placeOrder({ channel: 'amazon', sku: FBA_SKU, qty });
  if (!placed.accepted) throw new Error(placed.reason);
  e.sandbox.world.returnOrder({ channel: 'amazon', orderId: placed.orderId });
  return placed.orderId;
}

function start(
  e: Engine,
  r: { orderId: string; channel: string; fulfillment: 'merchant' | 'marketplace'; sku: string; qty: number },
  timings: Partial<ReturnSagaRequest['timings']> = {},
) {
  const returnId = unique('ret');
  const input: ReturnSagaRequest = {
    channel: r.channel,
    orderId: r.orderId,
    returnId,
    fulfillment: r.fulfillment,
    lines: [{ sku: r.sku, qty: r.qty }],
    timings: { checkEveryMs: 300, maxCheckEveryMs: 600, ...timings },
    sku: { coalesceMs: 50, continueAsNewAfter: 500 },
  };
  return e.temporal.client.workflow
    .start('returnSaga', {
      taskQueue: e.deps.taskQueue,
      workflowId: e.deps.idPrefix + returnWorkflowId(r.channel, returnId),
      args: [input],
    })
    .then((handle) => ({ handle, returnId }));
}

type Handle = Awaited<ReturnType<typeof start>>['handle'];
const view = (h: Handle) => h.query(sagaQuery);
const until = (h: Handle, what: string, ok: (v: SagaView) => boolean) =>
  waitFor(what, async () => {
    const v = await view(h);
    return ok(v) ? v : undefined;
  });
const invStatus = async (h: Handle) => (await h.describe()).searchAttributes.InvStatus;

describe('FBA returns', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ seed: seed(), patchConfig: withFbaLocation(FBA_LOCATION) });
  });
  afterAll(async () => e?.stop());

  test('waits for the inspection, then for approval, then books the ERP adjustment exactly once', async () => {
    const orderId = fbaReturn(e, 2);
    const before = onHand(e, FBA_SKU, FBA_LOCATION);
    const { handle: h, returnId } = await start(e, {
      orderId,
      channel: 'amazon',
      fulfillment: 'marketplace',
      sku: FBA_SKU,
      qty: 2,
    });
    const waiting = await until(h, "waiting for Amazon's inspection", (v) => v.status === 'waiting-erp');
    expect(waiting.summary).toMatch(/waiting for Amazon's inspection of 2 × TSHIRT-RED-XL-FBA/);
    expect(await invStatus(h)).toEqual(['waiting-erp']);

    // An approval before there is a proposal approves nothing.
    await h.signal(approveSignal, {});
    await h.signal(inspectedSignal, { result: 'sellable' });
    const proposed = await until(h, 'waiting-approval', (v) => v.status === 'waiting-approval');
    const reference = `return:amazon:${returnId}`;
    expect(proposed.summary).toContain(
      `Proposed ERP adjustment: +2 ${FBA_SKU} at ${FBA_LOCATION} (reference ${reference})`,
    );
    expect(proposed.summary).toContain(`npx invsync approve ${h.workflowId}`);
    expect(await invStatus(h)).toEqual(['waiting-approval']);
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(before);

    await h.signal(approveSignal, {});
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.summary).toContain(`booked +2 ${FBA_SKU} at ${FBA_LOCATION} (reference ${reference})`);
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['read the channel config', 'done'],
      ["wait for Amazon's inspection", 'done'],
      ['propose the ERP adjustment', 'done'],
      ["wait for the operator's approval", 'done'],
      ['book the approved adjustment in the ERP', 'done'],
    ]);
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(before + 2);
    expect(await invStatus(h)).toEqual(['ok']);
    // The reference makes the adjustment once: the ERP refuses to apply it again.
    await expect(
      e.deps.erp.adjust({ sku: FBA_SKU, location: FBA_LOCATION, delta: 2, reference }),
    ).resolves.toMatchObject({ applied: false });
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(before + 2);
    // The SKU workflow was told to re-read the ERP.
    await waitFor('the SKU workflow', () => e.state(FBA_SKU));
    // Signals, queries, timers and polls replay deterministically.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: e.temporal.bundlePath } },
      await h.fetchHistory(),
      h.workflowId,
    );
  });

  test('detects the inspection on the FBA levels; an approval with edited data books the edit', async () => {
    const orderId = fbaReturn(e, 2);
    const wh2 = onHand(e, FBA_SKU, 'WH2/Stock');
    const fba = onHand(e, FBA_SKU, FBA_LOCATION);
    const { handle: h } = await start(e, {
      orderId,
      channel: 'amazon',
      fulfillment: 'marketplace',
      sku: FBA_SKU,
      qty: 2,
    });
    await until(h, 'waiting for the inspection', (v) => v.status === 'waiting-erp');
    await new Promise((r) => setTimeout(r, 500)); // the saga has read its baseline
    expect((await view(h)).status).toBe('waiting-erp');
    // Amazon inspects: the units leave fc-processing (inside reserved) for fulfillable.
    e.sandbox.world.fbaEvent({
      channel: 'amazon',
      sku: FBA_SKU,
      type: 'inspection',
      qty: 2,
      result: 'sellable',
    });
    const proposed = await until(h, 'waiting-approval', (v) => v.status === 'waiting-approval');
    expect(proposed.summary).toMatch(/detected on the FBA levels: TSHIRT-RED-XL-FBA reserved \d+ -> \d+/);
    expect(proposed.summary).toContain(`+2 ${FBA_SKU} at ${FBA_LOCATION}`);

    await h.signal(approveSignal, { data: { location: 'WH2/Stock', qty: 1 } });
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.steps.find((s) => s.name === "wait for the operator's approval")?.detail).toMatch(
      /approved with edits: \+1 TSHIRT-RED-XL-FBA at WH2\/Stock/,
    );
    expect(onHand(e, FBA_SKU, 'WH2/Stock')).toBe(wh2 + 1);
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(fba);
  });

  test('skip while waiting for approval ends without an adjustment', async () => {
    const orderId = fbaReturn(e, 1);
    const fba = onHand(e, FBA_SKU, FBA_LOCATION);
    const { handle: h } = await start(e, {
      orderId,
      channel: 'amazon',
      fulfillment: 'marketplace',
      sku: FBA_SKU,
      qty: 1,
    });
    await h.signal(inspectedSignal, { result: 'sellable' });
    await until(h, 'waiting-approval', (v) => v.status === 'waiting-approval');
    await h.signal(skipSignal, { reason: 'counted by hand' });
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('skipped');
    expect(done.summary).toMatch(/declined \(skipped by the operator \(counted by hand\)\); nothing booked/);
    expect(done.steps.find((s) => s.name.startsWith('book'))).toBeUndefined();
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(fba);
    expect(await invStatus(h)).toEqual(['ok']);
  });

  test('an unfulfillable return proposes nothing', async () => {
    const orderId = fbaReturn(e, 1);
    const fba = onHand(e, FBA_SKU, FBA_LOCATION);
    const { handle: h } = await start(e, {
      orderId,
      channel: 'amazon',
      fulfillment: 'marketplace',
      sku: FBA_SKU,
      qty: 1,
    });
    await h.signal(inspectedSignal, { result: 'unfulfillable' });
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.summary).toMatch(
      /Amazon found 1 × TSHIRT-RED-XL-FBA unfulfillable .*no ERP adjustment is proposed/,
    );
    expect(done.steps.map((s) => s.name)).not.toContain('propose the ERP adjustment');
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(fba);
  });
});

describe('FBA returns without fba.erpLocation', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ seed: seed(), patchConfig: withFbaLocation(undefined) });
  });
  afterAll(async () => e?.stop());

  test('stop in needs-attention naming the config path; retry with a location proposes it', async () => {
    const orderId = fbaReturn(e, 1);
    const { handle: h } = await start(e, {
      orderId,
      channel: 'amazon',
      fulfillment: 'marketplace',
      sku: FBA_SKU,
      qty: 1,
    });
    await h.signal(inspectedSignal, { result: 'sellable' });
    const stopped = await until(h, 'needs-attention', (v) => v.status === 'needs-attention');
    expect(stopped.attention?.step).toBe('propose the ERP adjustment');
    expect(stopped.attention?.message).toMatch(/^channels\[1\]\.fba\.erpLocation is not set/);
    expect(await invStatus(h)).toEqual(['needs-attention']);

    await h.signal(retrySignal, { data: { location: FBA_LOCATION } });
    const proposed = await until(h, 'waiting-approval', (v) => v.status === 'waiting-approval');
    expect(proposed.summary).toContain(`+1 ${FBA_SKU} at ${FBA_LOCATION}`);
    const before = onHand(e, FBA_SKU, FBA_LOCATION);
    await h.signal(approveSignal, {});
    expect(((await h.result()) as SagaView).status).toBe('done');
    expect(onHand(e, FBA_SKU, FBA_LOCATION)).toBe(before + 1);
  });
});

describe('merchant returns', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ seed: seed(), patchConfig: withFbaLocation(FBA_LOCATION) });
  });
  afterAll(async () => e?.stop());

  /** A Shopify order the ERP has ingested (reserved). */
  function shopifyOrder(): string {
    const placed = e.sandbox.world.placeOrder({
      channel: 'shopify',
      sku: SKU,
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    if (!placed.accepted) throw new Error(placed.reason);
    e.sandbox.world.flushIngest();
    return placed.orderId;
  }
  const returnMoves = (returnId: string) =>
    e.sandbox.world.moves.filter((m) => m.reference?.includes(returnId));

  test('waits for the ERP to show the restock; invsync adds nothing itself', async () => {
    const orderId = shopifyOrder();
    const availableBefore = available(e, SKU, 'WH1/Stock');
    const { handle: h, returnId } = await start(e, {
      orderId,
      channel: 'shopify',
      fulfillment: 'merchant',
      sku: SKU,
      qty: 1,
    });
    const waiting = await until(h, 'waiting-erp', (v) => v.status === 'waiting-erp');
    expect(waiting.summary).toMatch(
      /waiting for the ERP to show 1 × TSHIRT-RED-M restocked at WH1\/Stock \+ WH2\/Stock .*the order is reserved in the ERP\). invsync never adds returned units itself/,
    );
    expect(await invStatus(h)).toEqual(['waiting-erp']);
    await new Promise((r) => setTimeout(r, 700));
    expect((await view(h)).status).toBe('waiting-erp');

    // The warehouse receives the parcel: the ERP ships the order and books the unit back.
    e.sandbox.world.returnOrder({ channel: 'shopify', orderId });
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.summary).toMatch(
      /the ERP shows the return restocked at WH1\/Stock \+ WH2\/Stock \(TSHIRT-RED-M \d+ -> \d+ available\)/,
    );
    expect(available(e, SKU, 'WH1/Stock')).toBe(availableBefore + 1);
    expect(returnMoves(returnId)).toEqual([]); // no ERP write by invsync
    await waitFor('the SKU workflow', () => e.state(SKU));
  });

  test('a damaged restock makes nothing sellable: the saga keeps waiting until skipped', async () => {
    const orderId = shopifyOrder();
    const { handle: h, returnId } = await start(e, {
      orderId,
      channel: 'shopify',
      fulfillment: 'merchant',
      sku: SKU,
      qty: 1,
    });
    await until(h, 'waiting-erp', (v) => v.status === 'waiting-erp');
    e.sandbox.world.returnOrder({ channel: 'shopify', orderId, condition: 'damaged' });
    await until(h, 'the ERP shows the order shipped', (v) =>
      /the order is shipped in the ERP/.test(v.summary),
    );
    expect((await view(h)).status).toBe('waiting-erp');
    await h.signal(skipSignal, {});
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('skipped');
    expect(done.summary).toMatch(/watching the ERP was skipped by the operator. invsync added nothing/);
    expect(returnMoves(returnId)).toEqual([]);
  });

  test('a restock booked before the return is noticed: the saga says so after its watch', async () => {
    const orderId = shopifyOrder();
    e.sandbox.world.returnOrder({ channel: 'shopify', orderId });
    const { handle: h } = await start(
      e,
      { orderId, channel: 'shopify', fulfillment: 'merchant', sku: SKU, qty: 1 },
      { watchMs: 1500 },
    );
    const done = (await h.result()) as SagaView;
    expect(done.status).toBe('done');
    expect(done.summary).toMatch(
      /no restock of 1 × TSHIRT-RED-M booked in the ERP in 1500ms of watching \(it shows TSHIRT-RED-M \d+ available at WH1\/Stock \+ WH2\/Stock, order shipped\)\. It may have been booked before the return was noticed/,
    );
    // The SKU workflow re-read the ERP: what Shopify shows never exceeds what the ERP has there.
    await waitFor('the SKU workflow', () => e.state(SKU));
    expect(e.shows('shopify', SKU, 'gid://shopify/Location/1') ?? 0).toBeLessThanOrEqual(
      available(e, SKU, 'WH1/Stock'),
    );
  });
});
