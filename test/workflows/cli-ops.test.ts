/**
 * The operator surfaces on the real dev server: invsync's schedules (created idempotently, updated from the config,
 * paused/resumed/triggered, described) and the CLI commands as an operator runs them (exit codes, messages).
 * Every schedule and workflow id carries a unique prefix, so runs sharing the server never meet.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { scheduleCommand } from '../../cli/commands/schedule';
import {
  attentionCommand,
  explainCommand,
  overrideCommand,
  reconcileCommand,
  resumeCommand,
  retryCommand,
  statusCommand,
} from '../../cli/commands/ops';
import * as ops from '../../client/ops';
import { createDispatcher } from '../../activities/dispatch';
import { sagaQuery } from '../../workflows/definitions';
import { connectTemporal, temporalTarget } from '../../client/connect';
import {
  ensureSchedules,
  pauseSchedules,
  resumeSchedules,
  scheduleId,
  scheduleStatus,
  triggerSchedule,
} from '../../client/schedules';
import { parseConfigText } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import type { Output } from '../../cli/io';
import { InvStatus } from '../../workflows/search-attributes';
import { skuTimings, startEngine, waitFor, type Engine } from '../support/engine';
import { connectTestTemporal, testEnv, unique, type TemporalTestContext } from '../support/temporal';

jest.setTimeout(120_000);

const exampleConfig = join(__dirname, '..', '..', 'docs', 'examples', 'invsync.config.yaml');
let t: TemporalTestContext;
let configPath: string;
let config: Config;
const cleanups: (() => Promise<unknown>)[] = [];

function loadConfig(text: string): Config {
  const r = parseConfigText(text, {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

beforeAll(async () => {
  t = await connectTestTemporal();
  const env = testEnv();
  const dir = mkdtempSync(join(env.tmp, 'cli-ops-'));
  configPath = join(dir, 'invsync.config.yaml');
  const text = readFileSync(exampleConfig, 'utf8').replace(
    'address: ${TEMPORAL_ADDRESS:-127.0.0.1:7233}',
    `address: ${env.address}`,
  );
  writeFileSync(configPath, text);
  config = loadConfig(text);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await t?.close();
});

function capture(json = false): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { json, stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s) };
}

function deleteSchedulesLater(idPrefix: string) {
  cleanups.push(async () => {
    for (const name of ['reconcile', 'poll', 'nightly'] as const)
      await t.client.schedule
        .getHandle(scheduleId({ idPrefix }, name))
        .delete()
        .catch(() => undefined);
  });
}

describe('schedules', () => {
  test('ensureSchedules creates each schedule once, matching the config, and a second run updates instead', async () => {
    const idPrefix = `${unique('sched')}-`;
    const taskQueue = unique('sched-q');
    deleteSchedulesLater(idPrefix);
    const ctx = { client: t.client, taskQueue, idPrefix };

    const first = await ensureSchedules({ ...ctx, config });
    expect(first.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    const second = await ensureSchedules({ ...ctx, config });
    expect(second).toEqual([
      { scheduleId: `${idPrefix}invsync-reconcile`, outcome: 'updated' },
      { scheduleId: `${idPrefix}invsync-poll`, outcome: 'updated' },
      { scheduleId: `${idPrefix}invsync-nightly`, outcome: 'updated' },
    ]);

    // One schedule of each, no duplicates.
    const ids: string[] = [];
    for await (const s of t.client.schedule.list())
      if (s.scheduleId.startsWith(idPrefix)) ids.push(s.scheduleId);
    expect(ids.sort()).toEqual(
      [`${idPrefix}invsync-nightly`, `${idPrefix}invsync-poll`, `${idPrefix}invsync-reconcile`].sort(),
    );

    const rec = await t.client.schedule.getHandle(`${idPrefix}invsync-reconcile`).describe();
    expect(rec.spec.intervals).toEqual([{ every: 15 * 60_000, offset: undefined }]);
    expect(rec.action).toMatchObject({
      workflowType: 'reconcileWorkflow',
      workflowId: `${idPrefix}reconcile-scheduled`,
      taskQueue,
      args: [{ scope: 'tiered' }],
    });
    expect(rec.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 60_000 });
    expect(rec.memo?.description).toMatch(/velocity tiers/);
    const poll = await t.client.schedule.getHandle(`${idPrefix}invsync-poll`).describe();
    expect(poll.spec.intervals).toEqual([{ every: 60_000, offset: undefined }]);
    expect(poll.action).toMatchObject({ workflowType: 'pollWorkflow', args: [{}], taskQueue });
    const nightly = await t.client.schedule.getHandle(`${idPrefix}invsync-nightly`).describe();
    expect(nightly.action).toMatchObject({ workflowType: 'nightlyWorkflow', args: [{}] });
    const [n] = await scheduleStatus(ctx, ['nightly']);
    expect(n?.spec).toMatch(/0 3 \* \* \*/);
    // The next nightly run is at 03:00 UTC.
    expect(n?.nextRuns[0]).toMatch(/T03:00:00\.000Z$/);

    // The operator changes the config: the next ensure brings the schedules in line.
    const changed = loadConfig(
      readFileSync(configPath, 'utf8')
        .replace('reconcile: { every: 15m }', 'reconcile: { every: 5m }')
        .replace("nightly: { cron: '0 3 * * *' }", "nightly: { cron: '30 2 * * *' }"),
    );
    await ensureSchedules({ ...ctx, config: changed });
    const rec2 = await t.client.schedule.getHandle(`${idPrefix}invsync-reconcile`).describe();
    expect(rec2.spec.intervals).toEqual([{ every: 5 * 60_000, offset: undefined }]);
    const [n2] = await scheduleStatus(ctx, ['nightly']);
    expect(n2?.nextRuns[0]).toMatch(/T02:30:00\.000Z$/);
  });

  test('pause, status, resume, trigger; a pause survives ensureSchedules', async () => {
    const idPrefix = `${unique('sched')}-`;
    const taskQueue = unique('sched-q');
    deleteSchedulesLater(idPrefix);
    const ctx = { client: t.client, taskQueue, idPrefix };
    await ensureSchedules({ ...ctx, config });

    const paused = await pauseSchedules(ctx, 'ERP maintenance window');
    expect(paused).toHaveLength(3);
    let status = await scheduleStatus(ctx);
    expect(status.map((s) => [s.name, s.exists, s.paused, s.note])).toEqual([
      ['reconcile', true, true, 'ERP maintenance window'],
      ['poll', true, true, 'ERP maintenance window'],
      ['nightly', true, true, 'ERP maintenance window'],
    ]);
    expect(status[0]?.spec).toBe('every 15m');

    // A worker restart (ensureSchedules) does not undo the operator's pause.
    await ensureSchedules({ ...ctx, config });
    status = await scheduleStatus(ctx);
    expect(status.every((s) => s.paused)).toBe(true);

    await resumeSchedules(ctx, 'maintenance over', ['reconcile']);
    status = await scheduleStatus(ctx);
    expect(status.map((s) => s.paused)).toEqual([false, true, true]);
    expect(status[0]?.note).toBe('maintenance over');
    expect(status[0]?.nextRuns.length).toBeGreaterThan(0);

    // Trigger: the reconcile schedule starts its workflow now (no worker polls this queue: it stays running).
    const trig = await triggerSchedule(ctx, 'reconcile');
    expect(trig).toEqual({ scheduleId: `${idPrefix}invsync-reconcile`, triggered: true, running: [] });
    let running: string[] = [];
    for (let i = 0; i < 50 && !running.length; i++) {
      running = (await scheduleStatus(ctx, ['reconcile']))[0]?.running ?? [];
      if (!running.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(running).toHaveLength(1);
    expect(running[0]).toMatch(new RegExp(`^${idPrefix}reconcile-scheduled-`));
    cleanups.push(() => t.client.workflow.getHandle(running[0] as string).terminate('test over'));
    const wf = await t.client.workflow.getHandle(running[0] as string).describe();
    expect(wf.type).toBe('reconcileWorkflow');
    expect(wf.taskQueue).toBe(taskQueue);
    // A second trigger while it runs does not start another.
    const again = await triggerSchedule(ctx, 'reconcile');
    expect(again).toEqual({ scheduleId: `${idPrefix}invsync-reconcile`, triggered: false, running });
  });

  test('the schedule command: missing schedules exit 1 with the fix; ensure, pause and status as an operator sees them', async () => {
    const idPrefix = `${unique('sched')}-`;
    const target = { idPrefix, taskQueue: unique('sched-q') };
    deleteSchedulesLater(idPrefix);

    let o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'status' }, o)).toBe(1);
    expect(o.stderr.join('\n')).toContain(
      `${idPrefix}invsync-reconcile does not exist: the worker creates it when it starts (or run \`invsync schedule ensure\`)`,
    );
    o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'trigger', name: 'reconcile' }, o)).toBe(1);
    expect(o.stderr.join('\n')).toMatch(/invsync-reconcile does not exist/);

    o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'ensure' }, o)).toBe(0);
    expect(o.stdout).toEqual([
      `created: ${idPrefix}invsync-reconcile`,
      `created: ${idPrefix}invsync-poll`,
      `created: ${idPrefix}invsync-nightly`,
    ]);
    o = capture();
    expect(
      await scheduleCommand({ configPath, target, action: 'pause', name: 'invsync-poll', note: 'noisy' }, o),
    ).toBe(0);
    expect(o.stdout[0]).toBe(`paused: ${idPrefix}invsync-poll (noisy)`);

    o = capture(true);
    expect(await scheduleCommand({ configPath, target, action: 'status' }, o)).toBe(0);
    const list = JSON.parse(o.stdout.join('\n')) as { name: string; paused: boolean; spec: string }[];
    expect(list.map((s) => [s.name, s.paused, s.spec])).toEqual([
      ['reconcile', false, 'every 15m'],
      ['poll', true, 'every 1m'],
      ['nightly', false, expect.stringMatching(/0 3 \* \* \*/)],
    ]);
    o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'status' }, o)).toBe(0);
    expect(o.stdout.join('\n')).toMatch(/PAUSED/);
    expect(o.stderr.join('\n')).toContain(
      `${idPrefix}invsync-poll is paused: \`invsync schedule resume poll\``,
    );

    o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'pause', name: 'weekly' }, o)).toBe(1);
    expect(o.stderr[0]).toMatch(/unknown schedule "weekly": use one of reconcile \(invsync-reconcile\)/);
    o = capture();
    expect(await scheduleCommand({ configPath, target, action: 'frobnicate' }, o)).toBe(2);

    // `reconcile` without --now triggers the reconcile schedule.
    o = capture();
    expect(await reconcileCommand({ configPath, target }, o)).toBe(0);
    expect(o.stdout[0]).toMatch(new RegExp(`^triggered ${idPrefix}invsync-reconcile`));
    const [rec] = await scheduleStatus({ client: t.client, idPrefix }, ['reconcile']);
    for (const id of rec?.running ?? [])
      cleanups.push(() => t.client.workflow.getHandle(id).terminate('test over'));
  });
});

describe('connection and workflows that do not exist', () => {
  test('an unreachable server is a usage error that says how to fix it', async () => {
    const err = await connectTemporal(
      { address: '127.0.0.1:1', namespace: 'default' },
      { connectTimeoutMs: 1500 },
    ).then(
      () => undefined,
      (e: unknown) => e as { message: string; exitCode: number },
    );
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(/cannot reach the Temporal server at 127\.0\.0\.1:1: .*npx invsync dev/);
  });

  test('a namespace the server does not have is named, with the command that creates it', async () => {
    const env = testEnv();
    const err = await connectTemporal({ address: env.address, namespace: 'no-such-ns' }).then(
      () => undefined,
      (e: unknown) => e as { message: string; exitCode: number },
    );
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toContain('has no namespace "no-such-ns"');
    expect(err?.message).toContain('temporal operator namespace create -n no-such-ns');
  });

  test('the environment overrides the config', () => {
    expect(temporalTarget(config, { TEMPORAL_ADDRESS: 'h:1', TEMPORAL_NAMESPACE: 'ns' })).toEqual({
      address: 'h:1',
      namespace: 'ns',
    });
    expect(temporalTarget(config, {})).toEqual({ address: testEnv().address, namespace: 'default' });
  });

  test('status, retry and approve on workflows that do not exist say so (exit 1)', async () => {
    const target = { idPrefix: `${unique('none')}-`, taskQueue: unique('none-q') };
    let o = capture();
    expect(await statusCommand({ configPath, target, sku: 'NOPE-SKU' }, o)).toBe(1);
    expect(o.stderr[0]).toBe(
      `SKU NOPE-SKU has no workflow (${target.idPrefix}sku:NOPE-SKU): invsync has not seen an event for it yet. Check the SKU is spelled as in the ERP (\`invsync snapshot --sku NOPE-SKU\`), or start it with \`invsync resync NOPE-SKU\`.`,
    );
    o = capture(true);
    expect(await retryCommand({ configPath, target, workflowId: 'order:shopify:1' }, o)).toBe(1);
    expect(JSON.parse(o.stdout.join('\n'))).toEqual({
      ok: false,
      error: `workflow ${target.idPrefix}order:shopify:1 does not exist (retry)`,
      reason: 'not-found',
    });
    o = capture();
    expect(await retryCommand({ configPath, target, workflowId: 'x', data: '{bad' }, o)).toBe(2);
    expect(o.stderr[0]).toMatch(/^--data is not valid JSON/);
    o = capture();
    expect(await attentionCommand({ configPath, target }, o)).toBe(0);
    expect(o.stdout).toEqual(['nothing needs attention']);
  });

  test('override: usage errors need no server; with no worker the update times out with the reason', async () => {
    const target = { idPrefix: `${unique('nowk')}-`, taskQueue: unique('nowk-q'), timeoutMs: 3000 };
    let o = capture();
    expect(
      await overrideCommand({ configPath, target, sku: 'TSHIRT-RED-M', channel: 'shopify', qty: '2.5' }, o),
    ).toBe(2);
    expect(o.stderr[0]).toBe('--qty 2.5: use a whole number of units');
    o = capture();
    expect(
      await overrideCommand(
        { configPath, target, sku: 'TSHIRT-RED-M', channel: 'shopify', qty: '3', until: 'yesterday' },
        o,
      ),
    ).toBe(2);
    expect(o.stderr[0]).toMatch(/^--until yesterday: use an ISO time/);

    // No worker polls this queue: update-with-start starts the workflow, nobody accepts the update.
    o = capture();
    expect(
      await overrideCommand({ configPath, target, sku: 'TSHIRT-RED-M', channel: 'shopify', qty: '3' }, o),
    ).toBe(1);
    expect(o.stderr[0]).toBe(
      `no worker answered override TSHIRT-RED-M on ${target.idPrefix}sku:TSHIRT-RED-M within 3 s: is \`invsync worker\` running on task queue ${target.taskQueue}?`,
    );
    const handle = t.client.workflow.getHandle(`${target.idPrefix}sku:TSHIRT-RED-M`);
    cleanups.push(() => handle.terminate('test over'));
    const d = await handle.describe();
    expect(d.type).toBe('skuWorkflow');
    expect(d.taskQueue).toBe(target.taskQueue);
  });
});

describe('operator actions on the SKU workflows of a running engine', () => {
  let e: Engine;
  let ctx: ops.OpsContext;
  let engineConfigPath: string;
  let target: { taskQueue: string; idPrefix: string };
  beforeAll(async () => {
    e = await startEngine({ preset: 'small' });
    ctx = {
      client: e.temporal.client,
      taskQueue: e.deps.taskQueue,
      idPrefix: e.deps.idPrefix,
      skuTimings: skuTimings(e.config),
    };
    target = { taskQueue: e.deps.taskQueue, idPrefix: e.deps.idPrefix };
    // The engine's config as a file, as the CLI reads it (the sandbox's systems, the test server).
    engineConfigPath = join(mkdtempSync(join(testEnv().tmp, 'cli-ops-engine-')), 'invsync.config.yaml');
    writeFileSync(
      engineConfigPath,
      YAML.stringify({ ...e.config, temporal: { address: testEnv().address, namespace: t.namespace } }),
    );
  });
  afterAll(async () => {
    await e?.stop();
  });

  test('override: the state and the channel show it; a bad quantity or channel is refused with the reason; clear-override', async () => {
    const sku = 'TSHIRT-RED-M';
    const loc1 = 'gid://shopify/Location/1';
    // No workflow yet: the override starts it (update-with-start) and returns once pushed.
    const view = await ops.override(ctx, sku, { channel: 'shopify', qty: 3, reason: 'launch allocation' });
    expect(view.overrides).toEqual([{ sku, channel: 'shopify', qty: 3, reason: 'launch allocation' }]);
    const shopifyRows = view.rows.filter((r) => r.channel === 'shopify');
    expect(shopifyRows.length).toBe(2);
    for (const r of shopifyRows) expect([r.qty, r.status]).toEqual([3, 'override']);
    expect(e.shows('shopify', sku, loc1)).toBe(3);
    expect((await e.state(sku))?.overrides.map((o) => o.qty)).toEqual([3]);

    const refused = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: unknown) => err as ops.OpsError,
      );
    const bad = await refused(ops.override(ctx, sku, { channel: 'shopify', qty: -2 }));
    expect(bad).toBeInstanceOf(ops.OpsError);
    expect(bad?.reason).toBe('rejected');
    expect(bad?.exitCode).toBe(1);
    expect(bad?.message).toBe(
      `override ${sku} rejected: qty must be a whole number of units, 0 or more (got -2)`,
    );
    const unknown = await refused(ops.override(ctx, sku, { channel: 'ebay', qty: 1 }));
    expect(unknown?.message).toMatch(
      /^override TSHIRT-RED-M rejected: unknown channel "ebay" \(configured: shopify/,
    );
    const past = await refused(
      ops.override(ctx, sku, { channel: 'shopify', qty: 1, until: '2020-01-01T00:00:00Z' }),
    );
    expect(past?.message).toMatch(/until 2020-01-01T00:00:00.000Z is in the past/);
    // A refused update changed nothing.
    expect((await e.state(sku))?.overrides.map((o) => o.qty)).toEqual([3]);

    // The CLI as an operator runs it: an override with a duration, the status table, the JSON of a refusal.
    let o = capture();
    expect(
      await overrideCommand(
        {
          configPath: engineConfigPath,
          target,
          sku,
          channel: 'shopify',
          qty: '4',
          until: '2h',
          reason: 'promo',
        },
        o,
      ),
    ).toBe(0);
    expect(o.stdout[0]).toMatch(/^override set: TSHIRT-RED-M on shopify = 4 until \d{4}-\d\d-\d\dT/);
    expect(e.shows('shopify', sku, loc1)).toBe(4);
    o = capture();
    expect(await statusCommand({ configPath: engineConfigPath, target, sku }, o)).toBe(0);
    const text = o.stdout.join('\n');
    expect(text).toMatch(/^TSHIRT-RED-M: ok/);
    expect(text).toMatch(/override\s*│\s*location\s*│\s*qty/);
    expect(text).toMatch(/shopify\s*│\s*all\s*│\s*4\s*│\s*\d{4}-.*│\s*promo/);
    o = capture(true);
    expect(
      await overrideCommand(
        { configPath: engineConfigPath, target, sku, channel: 'shopify', location: 'nowhere', qty: '1' },
        o,
      ),
    ).toBe(1);
    expect(JSON.parse(o.stdout.join('\n'))).toMatchObject({
      ok: false,
      reason: 'rejected',
      error: expect.stringMatching(/channel shopify has no location "nowhere"/),
    });

    const cleared = await ops.clearOverride(ctx, sku, { channel: 'shopify' });
    expect(cleared.overrides).toEqual([]);
    const computed = cleared.rows.find((r) => r.channel === 'shopify' && r.location === loc1);
    expect(computed?.status).toBe('live');
    expect(e.shows('shopify', sku, loc1)).toBe(computed?.qty);
    const again = await refused(ops.clearOverride(ctx, sku, { channel: 'shopify' }));
    expect(again?.message).toBe(`clearOverride ${sku} rejected: no override on shopify for ${sku}`);
  });

  test('halt sends 0 and marks the workflow halted; resume pushes the number again; explain prints every line', async () => {
    const sku = 'TSHIRT-RED-L';
    const settled = await ops.resync(ctx, sku);
    const amazonQty = settled.rows.find((r) => r.channel === 'amazon')?.qty ?? 0;
    expect(amazonQty).toBeGreaterThan(0);
    expect(e.shows('amazon', sku)).toBe(amazonQty);

    const noReason = await ops.halt(ctx, sku, { channel: 'amazon', reason: ' ' }).catch((err: Error) => err);
    expect((noReason as Error).message).toBe(`halt ${sku} rejected: a halt needs a reason`);

    const halted = await ops.halt(ctx, sku, { channel: 'amazon', reason: 'listing under review' });
    expect(halted.status).toBe('halted');
    expect(halted.halts.map((h) => [h.channel, h.reason])).toEqual([['amazon', 'listing under review']]);
    expect(e.shows('amazon', sku)).toBe(0);
    const d = await e.sku(sku).describe();
    expect(d.typedSearchAttributes.get(InvStatus)).toBe('halted');

    let o = capture();
    expect(await explainCommand({ configPath: engineConfigPath, target, sku, channel: 'amazon' }, o)).toBe(0);
    const text = o.stdout.join('\n');
    expect(text).toContain('TSHIRT-RED-L: why each channel shows what it shows');
    expect(text).toMatch(/listing under review/);
    expect(text).toMatch(/-> 0/);
    expect(text).not.toMatch(/shopify/);

    const resumed = await ops.resume(ctx, sku, { channel: 'amazon' });
    expect(resumed.halts).toEqual([]);
    expect(resumed.status).toBe('ok');
    expect(e.shows('amazon', sku)).toBe(amazonQty);
    o = capture();
    expect(await resumeCommand({ configPath: engineConfigPath, target, sku, channel: 'amazon' }, o)).toBe(1);
    expect(o.stderr[0]).toBe(`resume ${sku} rejected: ${sku} is not halted on amazon`);
  });

  test('retry reaches a workflow that needs attention: fix the cause, retry, and it goes on', async () => {
    const sku = 'NEW-SKU-1';
    // A SKU the ERP does not have: its workflow stops in needs-attention (link the SKU).
    const first = await ops.resync(ctx, sku);
    expect(first.status).toBe('needs-attention');
    expect(first.attention.map((a) => a.step)).toEqual(['link the SKU']);
    expect(first.attention[0]?.message).toMatch(/SKU NEW-SKU-1 has no linked Odoo product/);

    const rows = await waitFor('the SKU in the attention list', async () => {
      const list = await ops.attention(ctx);
      return list.some((r) => r.sku === sku) ? list : undefined;
    });
    const row = rows.find((r) => r.workflowId === `${e.deps.idPrefix}sku:${sku}`);
    expect(row).toMatchObject({
      type: 'skuWorkflow',
      status: 'needs-attention',
      step: 'link the SKU',
      errorType: 'UNLINKED_SKU',
    });
    let o = capture();
    expect(await attentionCommand({ configPath: engineConfigPath, target }, o)).toBe(1);
    expect(o.stdout.join('\n')).toMatch(/sku:NEW-SKU-1\s*│\s*needs-attention\s*│\s*link the SKU/);

    // The operator creates the product in the ERP, then retries (by the id the attention list shows).
    e.sandbox.world.products.push({ id: 999_001, sku, name: sku, writeDate: Date.now() });
    o = capture();
    expect(await retryCommand({ configPath: engineConfigPath, target, workflowId: `sku:${sku}` }, o)).toBe(0);
    expect(o.stdout[0]).toBe(`retry sent to ${e.deps.idPrefix}sku:${sku}`);
    // The link step is done: the workflow went on (to reading the channels, where the new SKU is not listed yet).
    const moved = await waitFor('the SKU to get past the link step after the retry', async () => {
      const s = await e.state(sku);
      const status = (await e.sku(sku).describe()).typedSearchAttributes.get(InvStatus);
      const linkStopped = s?.attention.some((a) => a.step === 'link the SKU');
      return s && !linkStopped && (status === 'ok' || s.attention.length > 0) ? s : undefined;
    });
    expect(moved.attention.map((a) => a.step)).not.toContain('link the SKU');

    // A workflow that waits for nothing: retry is refused, and says why.
    const healthy = 'TSHIRT-RED-XL';
    await ops.resync(ctx, healthy);
    await waitFor(
      'InvStatus ok',
      async () => (await e.sku(healthy).describe()).typedSearchAttributes.get(InvStatus) === 'ok',
    );
    const again = await ops.retry(ctx, `sku:${healthy}`).catch((err: ops.OpsError) => err);
    expect(again).toMatchObject({
      reason: 'not-waiting',
      message: `${e.deps.idPrefix}sku:${healthy} is not waiting for an operator (status ok): nothing to retry`,
    });
  });

  test("skip reaches a workflow: a channel's stopped step is given up", async () => {
    const sku = 'TSHIRT-BLUE-S';
    e.sandbox.world.setFaults({ system: 'shopify', errorRate: 1, status: 403 });
    try {
      const stopped = await ops.resync(ctx, sku);
      expect(stopped.status).toBe('needs-attention');
      expect(stopped.attention.map((a) => [a.channel, a.type])).toEqual([['shopify', 'PERMISSION_DENIED']]);
      expect(stopped.attention[0]?.message).toMatch(/Shopify denied .* \(403\)/);
    } finally {
      e.sandbox.world.clearFaults();
    }
    await waitFor(
      'InvStatus needs-attention',
      async () => (await e.sku(sku).describe()).typedSearchAttributes.get(InvStatus) === 'needs-attention',
    );
    await ops.skip(ctx, `sku:${sku}`, { channel: 'shopify', reason: 'app being reinstalled' });
    const after = await waitFor('the stopped step to be skipped', async () => {
      const s = await e.state(sku);
      return s && s.attention.length === 0 ? s : undefined;
    });
    expect(after.status).not.toBe('needs-attention');
  });

  test('reconcile --now: progress while it runs, then the report paths and the summary', async () => {
    const sku = 'TSHIRT-RED-S';
    await ops.resync(ctx, sku);
    const listing = e.sandbox.world.listing('mercadolibre', sku, 'selling_address');
    if (!listing) throw new Error('no Mercado Libre listing');
    const expected = listing.shows;
    e.sandbox.world.setShows('mercadolibre', listing, expected + 3, 'person');

    const seen: ops.ReconcileProgress[] = [];
    let startedId = '';
    const { workflowId, result } = await ops.reconcileNow(ctx, {
      skus: [sku],
      pollMs: 25,
      onStart: (id) => (startedId = id),
      onProgress: (p) => seen.push(p),
    });
    expect(workflowId).toBe(startedId);
    expect(workflowId).toMatch(
      new RegExp(`^${e.deps.idPrefix.replace(/[-/]/g, '\\$&')}reconcile:\\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) expect(['reading', 'reconciling', 'reporting', 'done']).toContain(p.phase);
    expect(result.summary).toMatchObject({ skus: 1 });
    expect(result.summary.driftUnits).toBeGreaterThanOrEqual(3);
    for (const f of [result.reportPaths.json, result.reportPaths.csv, result.reportPaths.html])
      expect(existsSync(f)).toBe(true);
    expect(e.shows('mercadolibre', sku)).toBe(expected);

    // The command as an operator runs it: report paths and the summary table on stdout.
    const o = capture();
    expect(await reconcileCommand({ configPath: engineConfigPath, target, now: true, skus: [sku] }, o)).toBe(
      0,
    );
    const text = o.stdout.join('\n');
    expect(text).toMatch(/^reconciliation .*reconcile:.* done/);
    expect(text).toMatch(/report: .*\.html/);
    expect(text).toMatch(/driftUnits\s*│\s*0/);
    expect(o.stderr[0]).toMatch(/^started .*reconcile:/);
  });

  test('a stopped order saga: attention shows its step and data; retry --data goes on with the edited lines; skip gives up another', async () => {
    const dispatcher = createDispatcher({
      client: e.temporal.client,
      config: e.config,
      taskQueue: e.deps.taskQueue,
      idPrefix: e.deps.idPrefix,
    });
    const order = (orderId: string) => ({
      type: 'order' as const,
      order: {
        channel: 'shopify',
        orderId,
        location: 'gid://shopify/Location/1',
        fulfillment: 'merchant' as const,
        status: 'open' as const,
        lines: [{ sku: 'GHOST-1', qty: 1 }],
        at: Date.now(),
      },
    });
    const [fixId, skipId] = [unique('o'), unique('o')];
    await dispatcher.dispatch(order(fixId), `d-${fixId}`);
    await dispatcher.dispatch(order(skipId), `d-${skipId}`);
    const fixWf = `${e.deps.idPrefix}order:shopify:${fixId}`;
    const skipWf = `${e.deps.idPrefix}order:shopify:${skipId}`;

    const rows = await waitFor('both orders in the attention list', async () => {
      const list = await ops.attention(ctx);
      return list.filter((r) => r.workflowId === fixWf || r.workflowId === skipWf).length === 2
        ? list
        : undefined;
    });
    expect(rows.find((r) => r.workflowId === fixWf)).toMatchObject({
      type: 'orderSaga',
      status: 'needs-attention',
      step: 'resolve order lines',
      message: expect.stringMatching(/GHOST-1/),
      data: [{ sku: 'GHOST-1', qty: 1 }],
    });

    // The operator corrects the line (the shopper bought TSHIRT-RED-XL) and retries with the edited data.
    const o = capture();
    expect(
      await retryCommand(
        {
          configPath: engineConfigPath,
          target,
          workflowId: `order:shopify:${fixId}`,
          data: '[{"sku":"TSHIRT-RED-XL","qty":1}]',
        },
        o,
      ),
    ).toBe(0);
    expect(o.stdout[0]).toBe(`retry sent to ${fixWf} with edited data`);
    await waitFor('the corrected order in the TSHIRT-RED-XL ledger', async () =>
      (await e.state('TSHIRT-RED-XL'))?.ledger.some((l) => l.orderId === fixId),
    );
    const saga = await e.temporal.client.workflow.getHandle(fixWf).query(sagaQuery);
    expect(saga.status).toBe('waiting-erp');

    await ops.skip(ctx, `order:shopify:${skipId}`, { reason: 'test order' });
    const skipped = await e.temporal.client.workflow.getHandle(skipWf).result();
    expect(skipped).toMatchObject({
      status: 'skipped',
      summary: expect.stringMatching(/skipped by the operator \(test order\)/),
    });
    // Approve is for proposals only: an order saga waiting for the ERP is not waiting for an approval.
    const notApproval = await ops.approve(ctx, fixWf).catch((err: ops.OpsError) => err);
    expect(notApproval).toMatchObject({
      reason: 'not-waiting',
      message: `${fixWf} is not waiting for an approval (status waiting-erp): nothing to approve`,
    });
    // Retrying a finished saga is refused.
    const done = await ops.retry(ctx, skipWf).catch((err: ops.OpsError) => err);
    expect(done).toMatchObject({
      reason: 'not-waiting',
      message: `${skipWf} is not running (completed): nothing to retry`,
    });
  });

  test('resync --all reaches every running SKU workflow of this engine', async () => {
    const running = (
      await ops.listWorkflows(ctx, 'WorkflowType = "skuWorkflow" AND ExecutionStatus = "Running"')
    ).map((w) => w.workflowId);
    expect(running.length).toBeGreaterThanOrEqual(3);
    const before = await e.state('TSHIRT-RED-L');
    const r = await ops.resyncAll(ctx);
    expect(r.skus.sort()).toEqual(running.map((id) => id.slice(`${e.deps.idPrefix}sku:`.length)).sort());
    expect(r.failed).toEqual([]);
    const after = await e.state('TSHIRT-RED-L');
    expect(after?.counters.events).toBe((before?.counters.events ?? 0) + 1);
  });
});
