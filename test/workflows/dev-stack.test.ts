/**
 * `npm run dev` end to end: runDev in-process on ephemeral ports, with its own Temporal dev server (a database file
 * in a temp dir, the Web UI on), the demo sandbox, the run files in a temp run dir, the worker and the ingress. Every
 * part must answer, the schedules must exist, and a sale placed through the sandbox admin API must travel webhook ->
 * ingress -> order saga -> SKU workflow -> the other channels. Then the stack stops on its `stop` promise.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../cli/io';
import { resync } from '../../client/ops';
import { orderWorkflowId, SCHEDULE_IDS, skuWorkflowId } from '../../domain/events';
import { WORKFLOW_TASK_QUEUE } from '../../domain/search-attributes';
import { runDev, type DevUrls } from '../../scripts/dev';
import { stateQuery } from '../../workflows/definitions';
import { waitFor } from '../support/engine';
import { testEnv } from '../support/temporal';

jest.setTimeout(180_000);

const SKU = 'TSHIRT-RED-M';
const SHOPIFY_1 = 'gid://shopify/Location/1';

interface SandboxState {
  channels: Record<string, { listings: { sku: string; location: string; shows: number }[] }>;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as T };
}

describe('npm run dev (runDev)', () => {
  const tmp = mkdtempSync(join(testEnv().tmp, 'dev-stack-'));
  let urls: DevUrls;
  let printed = '';
  let stop: () => void = () => undefined;
  let running: Promise<number>;
  let connection: Connection | undefined;
  let client: Client;

  const shows = async (channel: string, location: string): Promise<number> => {
    const { body } = await getJson<SandboxState>(`${urls.sandboxAdmin}/_sandbox/state`);
    const l = body.channels[channel]?.listings.find((x) => x.sku === SKU && x.location === location);
    if (!l) throw new Error(`${SKU} is not listed on ${channel} at ${location}`);
    return l.shows;
  };

  beforeAll(async () => {
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let ready: (u: DevUrls) => void = () => undefined;
    const readyP = new Promise<DevUrls>((resolve) => {
      ready = resolve;
    });
    running = runDev({
      port: 0,
      uiPort: 0,
      portBase: 0,
      ingressPort: 0,
      metricsBind: '127.0.0.1:0',
      runtimeMetricsBind: '127.0.0.1:0',
      dbFile: join(tmp, 'temporal', 'dev.db'),
      fresh: true,
      runDir: join(tmp, 'run'),
      workflowBundle: { codePath: testEnv().bundlePath },
      monitorEveryMs: 2_000,
      logLevel: 'silent',
      print: (t) => {
        printed += t;
      },
      onReady: ready,
      stop: stopped,
    });
    // A start that fails rejects `running` before onReady: surface it instead of waiting for the timeout.
    urls = await Promise.race([
      readyP,
      running.then((code) => {
        throw new Error(`runDev ended with ${code} before it was ready`);
      }),
    ]);
    connection = await Connection.connect({ address: urls.temporal });
    client = new Client({ connection, namespace: urls.namespace });
  });

  afterAll(async () => {
    await connection?.close();
    stop();
    await running?.catch(() => undefined);
  });

  it('writes the run files pointing at its dev server and ingress, and prints the URLs', async () => {
    const cfg = await loadConfig(urls.configPath);
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.problems));
    expect(cfg.config.temporal.address).toBe(urls.temporal);
    expect(`http://127.0.0.1:${cfg.config.ingress.port}`).toBe(urls.ingress);
    expect(cfg.config.reports.dir).toBe(urls.reportsDir);
    expect(cfg.config.channels.map((c) => c.id)).toEqual(['shopify', 'amazon', 'mercadolibre']);
    const manifest = JSON.parse(readFileSync(urls.manifestPath, 'utf8')) as {
      admin: string;
      webhooks: { baseUrl: string | null };
    };
    expect(manifest.admin).toBe(urls.sandboxAdmin);
    expect(manifest.webhooks.baseUrl).toBe(urls.ingress);
    expect(existsSync(join(tmp, 'temporal', 'dev.db'))).toBe(true);
    for (const u of [urls.temporal, urls.webUi, urls.sandboxAdmin, urls.ingress, urls.workerMetrics])
      expect(printed).toContain(u);
    expect(printed).toContain(`npx invsync status ${SKU} --config`);
    expect(printed).toContain('/_sandbox/orders');
  });

  it('every part answers: ingress (Temporal up), sandbox admin, Web UI, worker metrics', async () => {
    const health = await getJson<{ ok: boolean; temporal: string }>(`${urls.ingress}/healthz`);
    expect(health).toEqual({ status: 200, body: { ok: true, temporal: 'up' } });
    const state = await getJson<SandboxState>(`${urls.sandboxAdmin}/_sandbox/state`);
    expect(state.status).toBe(200);
    expect(Object.keys(state.body.channels).sort()).toEqual(['amazon', 'mercadolibre', 'shopify']);
    expect(urls.webUi).toBeDefined();
    await waitFor('the Web UI to answer 200', async () => {
      const res = await fetch(urls.webUi as string, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return res.status === 200;
    });
    const metrics = await fetch(urls.workerMetrics).then((r) => r.text());
    expect(metrics).toContain('invsync_pushes_total');
    expect(metrics).toContain('invsync_process_');
    // The Temporal SDK runtime's own metrics, merged into the same scrape.
    expect(metrics).toMatch(/^temporal_/m);
  });

  it('the three schedules exist and start their workflows on the invsync queue', async () => {
    const want = {
      [SCHEDULE_IDS.reconcile]: 'reconcileWorkflow',
      [SCHEDULE_IDS.poll]: 'pollWorkflow',
      [SCHEDULE_IDS.nightly]: 'nightlyWorkflow',
    };
    for (const [id, type] of Object.entries(want)) {
      const d = await client.schedule.getHandle(id).describe();
      expect(d.action.type).toBe('startWorkflow');
      if (d.action.type !== 'startWorkflow') continue;
      expect(d.action.workflowType).toBe(type);
      expect(d.action.taskQueue).toBe(WORKFLOW_TASK_QUEUE);
    }
    expect(urls.schedules.sort()).toEqual(Object.keys(want).sort());
  });

  it('a sale placed through the sandbox admin API reaches the SKU workflow and lowers the other channels', async () => {
    // invsync takes the SKU over first (its buffers lower every channel once); then only the sale moves them.
    await resync(
      {
        client,
        taskQueue: WORKFLOW_TASK_QUEUE,
        idPrefix: '',
        skuTimings: { coalesceMs: 200, continueAsNewAfter: 500 },
      },
      SKU,
    );
    const amazonBefore = await shows('amazon', 'DEFAULT');
    const meliBefore = await shows('mercadolibre', 'selling_address');
    expect(amazonBefore).toBeGreaterThan(2);
    expect(meliBefore).toBeGreaterThan(2);

    const placed = await getJson<{ accepted: boolean; orderId?: string; reason?: string }>(
      `${urls.sandboxAdmin}/_sandbox/orders`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'shopify', sku: SKU, qty: 2, location: SHOPIFY_1 }),
      },
    );
    expect(placed.body).toMatchObject({ accepted: true });
    const orderId = placed.body.orderId as string;

    await waitFor(
      'Amazon FBM and Mercado Libre to drop by the 2 units sold on Shopify',
      async () =>
        (await shows('amazon', 'DEFAULT')) <= amazonBefore - 2 &&
        (await shows('mercadolibre', 'selling_address')) <= meliBefore - 2,
      30_000,
      200,
    );
    const view = await client.workflow.getHandle(skuWorkflowId(SKU)).query(stateQuery);
    expect(view.ledger.map((l) => [l.channel, l.orderId, l.qty])).toEqual([['shopify', orderId, 2]]);
    const saga = await client.workflow.getHandle(orderWorkflowId('shopify', orderId)).describe();
    expect(saga.type).toBe('orderSaga');
    // It came through the ingress (the sandbox's webhook), not the poll.
    const metrics = await fetch(urls.workerMetrics).then((r) => r.text());
    expect(metrics).toMatch(/invsync_webhooks_total\{source="shopify",result="accepted"\} [1-9]/);
  });

  it('stops everything on its stop promise', async () => {
    await connection?.close();
    connection = undefined;
    const t0 = Date.now();
    stop();
    await expect(running).resolves.toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await expect(fetch(`${urls.ingress}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    await expect(
      fetch(`${urls.sandboxAdmin}/_sandbox/state`, { signal: AbortSignal.timeout(2_000) }),
    ).rejects.toThrow();
    await expect(Connection.connect({ address: urls.temporal, connectTimeout: 1_000 })).rejects.toThrow();
  });
});
