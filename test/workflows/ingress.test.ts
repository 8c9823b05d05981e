/**
 * The webhook ingress against the real pieces: the Temporal dev server (a real Client; what the dispatcher did is
 * read back from Temporal itself: the started workflow, its signals), the sandbox simulators sending their real
 * webhooks to the ingress on an ephemeral port, and invsync's real adapters for the re-fetches. No worker runs the
 * started workflows: these tests are about what reaches Temporal, not what the engine does with it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  Client,
  Connection,
  WorkflowNotFoundError,
  defaultPayloadConverter,
  type WorkflowHandle,
} from '@temporalio/client';
import { parseConfigObject } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import type { SkuEvent } from '../../domain/events';
import { createAdapters } from '../../integrations';
import { MemoryTokenStore } from '../../integrations/token-store';
import type { ChannelAdapter } from '../../integrations/types';
import { runIngressCommand, startIngress } from '../../ingress/server';
import { invsyncSignature } from '../../ingress/verify';
import { createMetrics, type InvsyncMetrics } from '../../ops/metrics';
import { presetSeed } from '../../sandbox/presets';
import { startSandbox, type Sandbox } from '../../sandbox';
import { connectTestTemporal, testEnv, unique, type TemporalTestContext } from '../support/temporal';

jest.setTimeout(120_000);

const ADMIN_TOKEN = 'test-admin-token-0123456789';
let t: TemporalTestContext;
let sb: Sandbox;
let config: Config;
let adapters: Map<string, ChannelAdapter>;

beforeAll(async () => {
  t = await connectTestTemporal();
  // The ERP ingests channel orders only after 10 minutes: no ERP webhooks arrive unless a test makes one.
  sb = await startSandbox({ seed: presetSeed('small', { ingestLagMs: 600_000 }) });
  config = parse({
    ...sb.config(),
    ingress: { ...(sb.config().ingress as object), adminToken: ADMIN_TOKEN },
  });
  adapters = createAdapters(config, { tokens: new MemoryTokenStore() }).channels;
});

afterAll(async () => {
  await sb?.ctx.webhooks.drain();
  await sb?.close();
  await t?.close();
});

function parse(raw: unknown): Config {
  const r = parseConfigObject(raw, {});
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.config;
}

interface TestIngress {
  url: string;
  prefix: string;
  metrics: InvsyncMetrics;
  close(): Promise<void>;
}

const running: TestIngress[] = [];

async function ingress(
  o: { config?: Config; client?: Client; dispatchTimeoutMs?: number; replayWindowMs?: number } = {},
): Promise<TestIngress> {
  const prefix = `${unique('ingress')}/`;
  const metrics = createMetrics();
  const server = await startIngress({
    config: o.config ?? config,
    client: o.client ?? t.client,
    adapters,
    metrics,
    taskQueue: unique('ingress-q'),
    idPrefix: prefix,
    host: '127.0.0.1',
    port: 0,
    dispatchTimeoutMs: o.dispatchTimeoutMs,
    amazonReplayWindowMs: o.replayWindowMs,
  });
  const ing = { url: server.url, prefix, metrics, close: () => server.close() };
  running.push(ing);
  return ing;
}

afterEach(async () => {
  await sb.ctx.webhooks.drain();
  for (const ing of running.splice(0)) {
    await ing.close();
    await terminateAll(ing.prefix);
  }
});

/** Workflows a test started stay on a queue no worker polls: end them. */
async function terminateAll(prefix: string): Promise<void> {
  const query = `WorkflowId STARTS_WITH "${prefix}" AND ExecutionStatus = "Running"`;
  for await (const wf of t.client.workflow.list({ query }))
    await t.client.workflow
      .getHandle(wf.workflowId)
      .terminate('ingress test done')
      .catch(() => undefined);
}

async function admin(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.urls.admin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Points the sandbox's webhooks at an ingress. */
const target = (ing: TestIngress | null) => admin('/_sandbox/webhooks', { baseUrl: ing?.url ?? null });

async function exists(workflowId: string): Promise<boolean> {
  try {
    await t.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The `notify` signals a SKU workflow received, decoded. */
async function notifications(handle: WorkflowHandle): Promise<SkuEvent[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.workflowExecutionSignaledEventAttributes;
    if (a?.signalName !== 'notify') return [];
    return (a.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload<SkuEvent>(p));
  });
}

/** Deliveries the sandbox made since `mark` (its list only grows). */
const deliveriesSince = (mark: number) => sb.ctx.webhooks.deliveries.slice(mark);

async function count(m: InvsyncMetrics, source: string, result: string): Promise<number> {
  const v = (await m.webhooks.get()).values.find(
    (x) => x.labels.source === source && x.labels.result === result,
  );
  return v?.value ?? 0;
}

const channel = <K extends Config['channels'][number]['kind']>(kind: K) =>
  config.channels.find((c) => c.kind === kind) as Extract<Config['channels'][number], { kind: K }>;

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

function shopifyOrderBody(id: number, sku = 'TSHIRT-RED-S'): string {
  return JSON.stringify({
    id,
    created_at: new Date().toISOString(),
    cancelled_at: null,
    location_id: 1,
    line_items: [{ id: id * 100 + 1, sku, quantity: 2 }],
  });
}

function postShopify(
  ing: TestIngress,
  topic: string,
  raw: string,
  o: { secret?: string; webhookId?: string; hmac?: string | null } = {},
) {
  const ch = channel('shopify');
  const hmac = createHmac('sha256', o.secret ?? ch.credentials.webhookSecret)
    .update(raw)
    .digest('base64');
  return post(`${ing.url}/webhooks/shopify/${ch.id}`, raw, {
    'x-shopify-topic': topic,
    'x-shopify-webhook-id': o.webhookId ?? randomUUID(),
    ...(o.hmac === null ? {} : { 'x-shopify-hmac-sha256': o.hmac ?? hmac }),
  });
}

function amazonNotification(o: { type?: string; payload?: unknown; publishedAt?: Date; id?: string } = {}) {
  const ch = channel('amazon');
  const at = (o.publishedAt ?? new Date()).toISOString();
  return JSON.stringify({
    NotificationVersion: '1.0',
    NotificationType: o.type ?? 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
    PayloadVersion: '1.0',
    EventTime: at,
    Payload: o.payload ?? {
      SellerId: ch.credentials.sellerId,
      FulfillmentChannelCode: 'DEFAULT',
      Sku: 'TSHIRT-BLUE-S',
      Quantity: 7,
    },
    NotificationMetadata: {
      ApplicationId: 'amzn1.sellerapps.app.test',
      SubscriptionId: randomUUID(),
      PublishTime: at,
      NotificationId: o.id ?? randomUUID(),
    },
  });
}

const postAmazon = (ing: TestIngress, raw: string, secret?: string) =>
  post(`${ing.url}/webhooks/amazon/${channel('amazon').id}`, raw, {
    'x-invsync-signature': invsyncSignature(
      secret ?? channel('amazon').credentials.notificationSecret ?? '',
      raw,
    ),
  });

function erpBody(skus: string[], id = randomUUID()): string {
  return JSON.stringify({ id, skus, reason: 'stock adjusted', at: new Date().toISOString() });
}
const postErp = (ing: TestIngress, raw: string, secret?: string) =>
  post(`${ing.url}/webhooks/erp`, raw, {
    'x-invsync-signature': invsyncSignature(secret ?? config.ingress.erpSecret ?? '', raw),
  });

async function unusedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

// ---- Shopify ---------------------------------------------------------------------------------------------------

test('a Shopify order placed in the sandbox reaches the ingress and starts order:<channel>:<id> once, even delivered twice', async () => {
  const ing = await ingress();
  await target(ing);
  // Every Shopify webhook is delivered twice with the same X-Shopify-Webhook-Id.
  await admin('/_sandbox/faults', { system: 'shopify', webhookDuplicateRate: 1 });
  const mark = sb.ctx.webhooks.deliveries.length;
  let placed: Record<string, unknown>;
  try {
    placed = await admin('/_sandbox/orders', {
      channel: 'shopify',
      sku: 'TSHIRT-RED-M',
      qty: 1,
      location: 'gid://shopify/Location/1',
    });
    expect(placed.accepted).toBe(true);
    await sb.ctx.webhooks.drain();
  } finally {
    await admin('/_sandbox/faults', { clear: true });
  }
  const orderHook = deliveriesSince(mark).find((d) => d.system === 'shopify' && d.topic === 'orders/create');
  expect(orderHook).toMatchObject({ status: 'delivered', duplicated: true });

  const workflowId = `${ing.prefix}order:shopify:${String(placed.orderId)}`;
  const desc = await t.client.workflow.getHandle(workflowId).describe();
  expect(desc.type).toBe('orderSaga');
  expect(desc.status.name).toBe('RUNNING');
  // One run, one start: the copy was answered as a duplicate.
  const runs = await t.client.workflow.count(`WorkflowId = "${workflowId}"`);
  expect(runs.count).toBe(1);
  const [input] =
    (await t.client.workflow.getHandle(workflowId).fetchHistory()).events?.[0]
      ?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  expect(input && defaultPayloadConverter.fromPayload(input)).toMatchObject({
    order: {
      channel: 'shopify',
      location: 'gid://shopify/Location/1',
      fulfillment: 'merchant',
      status: 'open',
      lines: [{ sku: 'TSHIRT-RED-M', qty: 1 }],
    },
  });
  // The sale lowered Shopify's count: inventory_levels/update, resolved to SKU and location by the adapter,
  // notifies the SKU workflow with what Shopify showed (once, although delivered twice).
  const shows = sb.world
    .channel('shopify')
    .listings.find((l) => l.sku === 'TSHIRT-RED-M' && l.location === 'gid://shopify/Location/1')?.shows;
  const levels = await notifications(t.client.workflow.getHandle(`${ing.prefix}sku:TSHIRT-RED-M`));
  expect(levels).toEqual([
    expect.objectContaining({
      kind: 'level',
      channel: 'shopify',
      location: 'gid://shopify/Location/1',
      shows,
    }),
  ]);
  expect(await count(ing.metrics, 'shopify', 'accepted')).toBe(2);
  // orders/create and inventory_levels/update were each delivered twice: each copy was recognised.
  expect(await count(ing.metrics, 'shopify', 'duplicate')).toBe(2);
});

test('Shopify: bad or missing HMAC is 401 and starts nothing; the same delivery id twice starts once', async () => {
  const ing = await ingress();
  const orderId = 900_000 + Math.floor(Math.random() * 99_999);
  const workflowId = `${ing.prefix}order:shopify:${orderId}`;
  const raw = shopifyOrderBody(orderId);

  const forged = await postShopify(ing, 'orders/create', raw, { secret: 'not-the-secret' });
  expect(forged.status).toBe(401);
  const missing = await postShopify(ing, 'orders/create', raw, { hmac: null });
  expect(missing.status).toBe(401);
  // A valid HMAC of another body does not verify this one.
  const other = createHmac('sha256', channel('shopify').credentials.webhookSecret)
    .update(`${raw} `)
    .digest('base64');
  expect((await postShopify(ing, 'orders/create', raw, { hmac: other })).status).toBe(401);
  expect(await exists(workflowId)).toBe(false);
  expect(await count(ing.metrics, 'shopify', 'unauthorized')).toBe(3);

  const webhookId = randomUUID();
  const first = await postShopify(ing, 'orders/create', raw, { webhookId });
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({ ok: true, started: [workflowId] });
  const again = await postShopify(ing, 'orders/create', raw, { webhookId });
  expect(again.status).toBe(200);
  expect(again.json).toEqual({ ok: true, duplicate: true });
  expect((await t.client.workflow.count(`WorkflowId = "${workflowId}"`)).count).toBe(1);
  expect(await count(ing.metrics, 'shopify', 'accepted')).toBe(1);
  expect(await count(ing.metrics, 'shopify', 'duplicate')).toBe(1);

  // A cancellation of the same order signals the saga (`cancel`) instead of starting another.
  const cancelled = JSON.stringify({ ...JSON.parse(raw), cancelled_at: new Date().toISOString() });
  const cancel = await postShopify(ing, 'orders/cancelled', cancelled);
  expect(cancel.status).toBe(200);
  expect(cancel.json).toMatchObject({ signalled: [workflowId] });
  const signals = (await t.client.workflow.getHandle(workflowId).fetchHistory()).events?.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cancel',
  );
  expect(signals).toHaveLength(1);
});

test('Shopify: a refund starts return:<channel>:<refund id>; a level for an inventory item invsync does not know is ignored', async () => {
  const ing = await ingress();
  await target(ing);
  const placed = await admin('/_sandbox/orders', { channel: 'shopify', sku: 'TSHIRT-RED-L', qty: 2 });
  expect(placed.accepted).toBe(true);
  await admin('/_sandbox/return', { channel: 'shopify', orderId: placed.orderId, qty: 1 });
  await sb.ctx.webhooks.drain();
  const returns: string[] = [];
  for (let i = 0; i < 50 && !returns.length; i++) {
    for await (const wf of t.client.workflow.list({
      query: `WorkflowId STARTS_WITH "${ing.prefix}return:shopify:"`,
    }))
      returns.push(wf.workflowId);
    if (!returns.length) await new Promise((r) => setTimeout(r, 200));
  }
  expect(returns).toHaveLength(1);
  const [started] =
    (await t.client.workflow.getHandle(returns[0] ?? '').fetchHistory()).events?.[0]
      ?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  expect(started && defaultPayloadConverter.fromPayload(started)).toMatchObject({
    channel: 'shopify',
    orderId: String(placed.orderId),
    fulfillment: 'merchant',
    lines: [{ sku: 'TSHIRT-RED-L', qty: 1 }],
  });

  const unknownItem = await postShopify(
    ing,
    'inventory_levels/update',
    JSON.stringify({ inventory_item_id: 987654321, location_id: 1, available: 3 }),
  );
  expect(unknownItem.status).toBe(200);
  expect(unknownItem.json).toMatchObject({ ok: true, ignored: expect.stringMatching(/987654321/) });
  expect(await count(ing.metrics, 'shopify', 'ignored')).toBe(1);
});

test('Shopify: invalid JSON is 400, a body of the wrong shape 422, an unknown channel 404; nothing started', async () => {
  const ing = await ingress();
  const bad = await postShopify(ing, 'orders/create', '{"id": 12, "line_items": [');
  expect(bad.status).toBe(400);
  expect(String(bad.json.error)).toMatch(/JSON/);

  const shape = await postShopify(ing, 'orders/create', JSON.stringify({ id: 'abc', line_items: 'none' }));
  expect(shape.status).toBe(422);
  expect(String(shape.json.error)).toMatch(/line_items|id/);

  const res = await post(`${ing.url}/webhooks/shopify/no-such-shop`, shopifyOrderBody(5), {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': randomUUID(),
    'x-shopify-hmac-sha256': 'AAAA',
  });
  expect(res.status).toBe(404);
  expect(await count(ing.metrics, 'shopify', 'rejected')).toBe(3);
  expect(await count(ing.metrics, 'shopify', 'accepted')).toBe(0);

  const big = await postShopify(ing, 'orders/create', JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
  expect(big.status).toBe(413);
});

// ---- Mercado Libre ---------------------------------------------------------------------------------------------

test('Mercado Libre: a notification for an order the seller does not have is 404 and starts nothing; a foreign user 401', async () => {
  const ing = await ingress();
  const ml = channel('mercadolibre');
  const note = (over: Record<string, unknown>) =>
    JSON.stringify({
      _id: randomUUID(),
      resource: '/orders/2000009999999',
      user_id: Number(ml.credentials.userId),
      topic: 'orders_v2',
      application_id: Number(ml.credentials.clientId),
      attempts: 1,
      sent: new Date().toISOString(),
      received: new Date().toISOString(),
      ...over,
    });
  const url = `${ing.url}/webhooks/mercadolibre/${ml.id}`;
  const unknown = await post(url, note({}), {});
  expect(unknown.status).toBe(404);
  expect(await exists(`${ing.prefix}order:${ml.id}:2000009999999`)).toBe(false);

  const foreign = await post(url, note({ user_id: 12345 }), {});
  expect(foreign.status).toBe(401);
  const shapeless = await post(url, JSON.stringify({ resource: '/orders/1' }), {});
  expect(shapeless.status).toBe(422);
  expect(await count(ing.metrics, 'mercadolibre', 'rejected')).toBe(2);
  expect(await count(ing.metrics, 'mercadolibre', 'unauthorized')).toBe(1);
});

test('Mercado Libre: a real order notification is verified by re-fetching the order and starts its saga', async () => {
  const ing = await ingress();
  await target(ing);
  const mark = sb.ctx.webhooks.deliveries.length;
  const placed = await admin('/_sandbox/orders', { channel: 'mercadolibre', sku: 'TSHIRT-RED-L', qty: 1 });
  expect(placed.accepted).toBe(true);
  await sb.ctx.webhooks.drain();
  const hook = deliveriesSince(mark).find((d) => d.system === 'mercadolibre' && d.topic === 'orders_v2');
  expect(hook?.status).toBe('delivered');
  const workflowId = `${ing.prefix}order:mercadolibre:${String(placed.orderId)}`;
  const desc = await t.client.workflow.getHandle(workflowId).describe();
  expect(desc.type).toBe('orderSaga');
  // The sale also changed the item's stock: the `items` notification, resolved through the adapter, is a level.
  const shows = sb.world.channel('mercadolibre').listings.find((l) => l.sku === 'TSHIRT-RED-L')?.shows;
  const levels = await notifications(t.client.workflow.getHandle(`${ing.prefix}sku:TSHIRT-RED-L`));
  expect(levels).toEqual([
    expect.objectContaining({ kind: 'level', channel: 'mercadolibre', location: 'selling_address', shows }),
  ]);
  expect(await count(ing.metrics, 'mercadolibre', 'accepted')).toBe(2);
});

// ---- Amazon ----------------------------------------------------------------------------------------------------

test('Amazon: a signed MFN quantity notification notifies sku:<sku>; a bad signature and a replay are 401', async () => {
  const ing = await ingress({ replayWindowMs: 10 * 60_000 });
  const skuId = `${ing.prefix}sku:TSHIRT-BLUE-S`;

  const forged = await postAmazon(ing, amazonNotification(), 'wrong-secret');
  expect(forged.status).toBe(401);
  const replay = await postAmazon(
    ing,
    amazonNotification({ publishedAt: new Date(Date.now() - 11 * 60_000) }),
  );
  expect(replay.status).toBe(401);
  expect(String(replay.json.error)).toMatch(/replay window/);
  expect(await exists(skuId)).toBe(false);
  expect(await count(ing.metrics, 'amazon', 'unauthorized')).toBe(2);

  const id = randomUUID();
  const ok = await postAmazon(ing, amazonNotification({ id }));
  expect(ok.status).toBe(200);
  expect(ok.json).toMatchObject({ signalled: [skuId] });
  const events = await notifications(t.client.workflow.getHandle(skuId));
  expect(events).toEqual([{ kind: 'level', id, channel: 'amazon', location: 'DEFAULT', shows: 7 }]);
  // The same NotificationId again: a duplicate.
  expect((await postAmazon(ing, amazonNotification({ id }))).json).toEqual({ ok: true, duplicate: true });
  expect(await notifications(t.client.workflow.getHandle(skuId))).toHaveLength(1);
});

test('Amazon: an order placed in the sandbox arrives as signed notifications (ORDER_CHANGE re-fetched, MFN level)', async () => {
  const ing = await ingress();
  await target(ing);
  const mark = sb.ctx.webhooks.deliveries.length;
  const placed = await admin('/_sandbox/orders', { channel: 'amazon', sku: 'TSHIRT-RED-S', qty: 1 });
  expect(placed.accepted).toBe(true);
  await sb.ctx.webhooks.drain();
  const amazonHooks = deliveriesSince(mark).filter((d) => d.system === 'amazon');
  expect(amazonHooks.map((d) => d.topic).sort()).toEqual([
    'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
    'ORDER_CHANGE',
  ]);
  expect(amazonHooks.every((d) => d.status === 'delivered')).toBe(true);

  const level = await notifications(t.client.workflow.getHandle(`${ing.prefix}sku:TSHIRT-RED-S`));
  expect(level).toEqual([expect.objectContaining({ kind: 'level', channel: 'amazon', location: 'DEFAULT' })]);
  const orders = await t.client.workflow
    .list({ query: `WorkflowId STARTS_WITH "${ing.prefix}order:amazon:"` })
    [Symbol.asyncIterator]()
    .next();
  expect(orders.done).toBe(false);
  expect(await count(ing.metrics, 'amazon', 'accepted')).toBe(2);
});

// ---- ERP -------------------------------------------------------------------------------------------------------

test('ERP: a stock change forwarded by the sandbox notifies the SKU; a bad secret is 401; no erpSecret configured is 401', async () => {
  const ing = await ingress();
  await target(ing);
  await admin('/_sandbox/erp/adjust', { sku: 'TSHIRT-BLUE-S', location: 'WH1/Stock', delta: 3 });
  await sb.ctx.webhooks.drain();
  const skuId = `${ing.prefix}sku:TSHIRT-BLUE-S`;
  const events = await notifications(t.client.workflow.getHandle(skuId));
  expect(events).toEqual([expect.objectContaining({ kind: 'erp' })]);
  expect(await count(ing.metrics, 'erp', 'accepted')).toBe(1);

  const forged = await postErp(ing, erpBody(['TSHIRT-RED-XL']), 'not-the-erp-secret');
  expect(forged.status).toBe(401);
  expect(await exists(`${ing.prefix}sku:TSHIRT-RED-XL`)).toBe(false);
  const invalid = await postErp(ing, '{not json');
  expect(invalid.status).toBe(400);
  const shape = await postErp(ing, JSON.stringify({ id: 'x', skus: 'TSHIRT-RED-XL' }));
  expect(shape.status).toBe(422);

  const { erpSecret: _dropped, ...ingressCfg } = config.ingress;
  const open = await ingress({ config: { ...config, ingress: ingressCfg } });
  const res = await postErp(open, erpBody(['TSHIRT-RED-XL']), config.ingress.erpSecret);
  expect(res.status).toBe(401);
  expect(String(res.json.error)).toMatch(/erpSecret/);
  expect(await exists(`${open.prefix}sku:TSHIRT-RED-XL`)).toBe(false);
});

// ---- Temporal down, health, metrics, admin -----------------------------------------------------------------------

test('Temporal unreachable: webhooks answer 503 with Retry-After and /healthz is down; with Temporal /healthz is up', async () => {
  const up = await ingress();
  const healthy = await fetch(`${up.url}/healthz`);
  expect(healthy.status).toBe(200);
  expect(await healthy.json()).toEqual({ ok: true, temporal: 'up' });

  const connection = Connection.lazy({ address: `127.0.0.1:${await unusedPort()}` });
  try {
    const down = await ingress({
      client: new Client({ connection, namespace: t.namespace }),
      dispatchTimeoutMs: 1_500,
    });
    const raw = erpBody(['TSHIRT-RED-S']);
    const res = await postErp(down, raw);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await count(down.metrics, 'erp', 'unavailable')).toBe(1);
    // Not remembered: the sender's retry is processed again (and is unavailable again), not a duplicate.
    const retried = await postErp(down, raw);
    expect(retried.status).toBe(503);

    const health = await fetch(`${down.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, temporal: 'down' });
  } finally {
    await connection.close();
  }
});

test('a 503 delivery retried once Temporal answers is accepted (the delivery id was not remembered)', async () => {
  const connection = Connection.lazy({ address: `127.0.0.1:${await unusedPort()}` });
  const raw = erpBody(['TSHIRT-RED-S']);
  try {
    const down = await ingress({
      client: new Client({ connection, namespace: t.namespace }),
      dispatchTimeoutMs: 1_000,
    });
    expect((await postErp(down, raw)).status).toBe(503);
  } finally {
    await connection.close();
  }
  const up = await ingress();
  const res = await postErp(up, raw);
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ signalled: [`${up.prefix}sku:TSHIRT-RED-S`] });
});

test('/metrics exposes invsync_webhooks_total by source and result', async () => {
  const ing = await ingress();
  await postErp(ing, erpBody(['TSHIRT-RED-S']), 'bad');
  await postErp(ing, erpBody(['TSHIRT-RED-S']));
  const res = await fetch(`${ing.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  const text = await res.text();
  expect(text).toContain('# TYPE invsync_webhooks_total counter');
  expect(text).toMatch(/invsync_webhooks_total\{source="erp",result="unauthorized"\} 1/);
  expect(text).toMatch(/invsync_webhooks_total\{source="erp",result="accepted"\} 1/);
});

test('admin API: 404 without a configured token, 401 without or with a wrong bearer, the needs-attention list with it', async () => {
  const { adminToken: _none, ...noToken } = config.ingress;
  const off = await ingress({ config: { ...config, ingress: noToken } });
  const offRes = await fetch(`${off.url}/api/status`);
  expect(offRes.status).toBe(404);
  expect(((await offRes.json()) as { error: string }).error).toMatch(/adminToken/);

  const ing = await ingress();
  expect((await fetch(`${ing.url}/api/status`)).status).toBe(401);
  expect((await fetch(`${ing.url}/api/attention`)).status).toBe(401);
  const wrong = await fetch(`${ing.url}/api/attention`, {
    headers: { authorization: 'Bearer nope-nope-nope-nope' },
  });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('www-authenticate')).toMatch(/Bearer/);
  // The page itself is an empty shell (it asks for the token); a wrong token on it is 401 too.
  const page = await fetch(`${ing.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<title>invsync status<\/title>/);
  expect((await fetch(`${ing.url}/`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

  // A workflow waiting for an operator under this ingress's prefix, and one under another prefix.
  const mine = `${ing.prefix}order:shopify:attention-1`;
  const theirs = `${unique('other')}/order:shopify:attention-2`;
  for (const workflowId of [mine, theirs])
    await t.client.workflow.start('orderSaga', {
      workflowId,
      taskQueue: unique('no-worker'),
      args: [],
      searchAttributes: {
        InvStatus: ['needs-attention'],
        InvSku: ['TSHIRT-RED-M'],
        InvChannels: ['shopify'],
      },
    });
  const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
  let attention: { workflowId: string; id: string; sku?: string; channels: string[] }[] = [];
  for (let i = 0; i < 50 && !attention.length; i++) {
    const res = await fetch(`${ing.url}/api/attention`, auth);
    expect(res.status).toBe(200);
    attention = ((await res.json()) as { attention: typeof attention }).attention;
    if (!attention.length) await new Promise((r) => setTimeout(r, 200));
  }
  expect(attention).toEqual([
    expect.objectContaining({
      workflowId: mine,
      id: 'order:shopify:attention-1',
      sku: 'TSHIRT-RED-M',
      channels: ['shopify'],
    }),
  ]);

  const status = await fetch(`${ing.url}/api/status`, auth);
  expect(status.status).toBe(200);
  const s = (await status.json()) as {
    temporal: string;
    workflows: Record<string, number>;
    channels: { id: string; needsAttention: number }[];
  };
  expect(s.temporal).toBe('up');
  expect(s.workflows['needs-attention']).toBe(1);
  expect(s.channels.find((c) => c.id === 'shopify')?.needsAttention).toBe(1);
  await terminateAll(theirs.slice(0, theirs.indexOf('/') + 1));
});

test('`invsync ingress` starts while Temporal is down, answers 503, and stops cleanly', async () => {
  const dir = mkdtempSync(join(testEnv().tmp, 'ingress-cmd-'));
  const configPath = join(dir, 'invsync.config.yaml');
  const temporalAddress = `127.0.0.1:${await unusedPort()}`;
  writeFileSync(
    configPath,
    stringify({ ...sb.config(), temporal: { address: temporalAddress, namespace: 'default' } }),
  );
  const saved = { address: process.env.TEMPORAL_ADDRESS, level: process.env.INVSYNC_LOG_LEVEL };
  delete process.env.TEMPORAL_ADDRESS;
  process.env.INVSYNC_LOG_LEVEL = 'silent';
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const run = runIngressCommand({
    configPath,
    host: '127.0.0.1',
    port: 0,
    stop: stopped,
    onListening: listening,
  });
  try {
    const base = await Promise.race([url, run.then(() => Promise.reject(new Error('ended early')))]);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    const raw = erpBody(['TSHIRT-RED-S']);
    const signed = await post(`${base}/webhooks/erp`, raw, {
      'x-invsync-signature': invsyncSignature(config.ingress.erpSecret ?? '', raw),
    });
    expect(signed.status).toBe(503);
  } finally {
    stop();
    if (saved.level === undefined) delete process.env.INVSYNC_LOG_LEVEL;
    else process.env.INVSYNC_LOG_LEVEL = saved.level;
    if (saved.address === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved.address;
  }
  expect(await run).toBe(0);
});
