/**
 * The operator commands over Temporal (design section 5): `status`, `explain`, `override`, `clear-override`, `halt`,
 * `resume`, `resync`, `reconcile`, `attention`, `retry`, `skip`, `approve`, `cancel`. Each connects to the Temporal
 * server of the config, calls client/ops, prints a table (or JSON with --json) and returns the exit code: 0 done,
 * 1 problems (rejected, not found, not waiting, something needs attention), 2 usage.
 */
import Table from 'cli-table3';
import { Presets, SingleBar } from 'cli-progress';
import { z } from 'zod';
import { connectTemporal, temporalTarget } from '../../client/connect';
import * as ops from '../../client/ops';
import { triggerSchedule } from '../../client/schedules';
import { DURATION_PATTERN, parseDuration } from '../../domain/duration';
import { WORKFLOW_TASK_QUEUE } from '../../domain/search-attributes';
import { CliError, EXIT, printJson, requireConfig, type Output } from '../io';
import type { Config } from '../../domain/config/schema';
import type { SkuRowView, SkuView } from '../../workflows/definitions';
import type { BreakdownLine } from '../../domain/atp';

/** Where the operations go; production: queue `invsync`, no prefix. Tests (and a second invsync) set their own. */
export interface OpsTarget {
  taskQueue?: string | undefined;
  idPrefix?: string | undefined;
  /** How long a worker may take to answer (ms). */
  timeoutMs?: number | undefined;
}

export interface CommonOptions {
  configPath: string;
  target?: OpsTarget | undefined;
}

/** Loads the config, connects, runs `fn`; a CliError (OpsError included) is printed and becomes its exit code. */
export async function withOps(
  opts: CommonOptions,
  o: Output,
  fn: (ctx: ops.OpsContext, config: Config) => Promise<number>,
): Promise<number> {
  try {
    const config = await requireConfig(opts.configPath);
    const conn = await connectTemporal(temporalTarget(config));
    try {
      return await fn(
        {
          client: conn.client,
          taskQueue: opts.target?.taskQueue ?? WORKFLOW_TASK_QUEUE,
          idPrefix: opts.target?.idPrefix ?? '',
          skuTimings: ops.skuTimingsFromConfig(config),
          timeoutMs: opts.target?.timeoutMs,
        },
        config,
      );
    } finally {
      await conn.close();
    }
  } catch (err) {
    return fail(o, err);
  }
}

/** Prints a CliError (OpsError included) and returns its exit code; anything else is rethrown. */
export function fail(o: Output, err: unknown): number {
  if (!(err instanceof CliError)) throw err;
  if (o.json)
    printJson(o, {
      ok: false,
      error: err.message,
      ...(err instanceof ops.OpsError ? { reason: err.reason } : {}),
    });
  else o.err(err.message);
  return err.exitCode;
}

/** Checks the command line before connecting: a usage error needs no server. */
function checked<T>(o: Output, parse: () => T, run: (parsed: T) => Promise<number>): Promise<number> {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    return Promise.resolve(fail(o, err));
  }
  return run(parsed);
}

// ---- input parsing (zod at the boundary) -----------------------------------------------------------------------

const qtySchema = z.coerce
  .number({ error: 'use a whole number of units' })
  .int('use a whole number of units')
  .min(0, 'use 0 or more units');

export function parseQty(raw: string | number): number {
  const r = qtySchema.safeParse(typeof raw === 'string' && raw.trim() === '' ? Number.NaN : raw);
  if (!r.success)
    throw new CliError(`--qty ${String(raw)}: ${r.error.issues[0]?.message ?? 'invalid'}`, EXIT.usage);
  return r.data;
}

/** `--until`: an ISO time, or a duration from now (`2h`, `30m`, `1d`); returns ISO. */
export function parseUntil(raw: string, now: number = Date.now()): string {
  const v = raw.trim();
  const at = DURATION_PATTERN.test(v) ? now + parseDuration(v) : Date.parse(v);
  if (!Number.isFinite(at))
    throw new CliError(
      `--until ${raw}: use an ISO time (2026-12-01T00:00:00Z) or a duration from now (30m, 2h, 1d)`,
      EXIT.usage,
    );
  if (at <= now) throw new CliError(`--until ${raw} is in the past`, EXIT.usage);
  return new Date(at).toISOString();
}

export function parseJsonOption(raw: string, flag: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new CliError(`${flag} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
}

const approveDataSchema = z.strictObject({
  location: z.string().min(1).optional(),
  qty: z.number().int().min(0).optional(),
});

// ---- printing --------------------------------------------------------------------------------------------------

const table = (head: string[], wide?: number) =>
  new Table({
    head,
    style: { head: [], border: [] },
    wordWrap: true,
    ...(wide ? { colWidths: [...head.slice(1).map(() => null), wide] as unknown as number[] } : {}),
  });

/** One breakdown line as `invsync plan --explain` prints it. */
export const formatLine = (l: BreakdownLine): string =>
  `${l.delta > 0 ? '+' : ''}${l.delta === 0 ? '' : l.delta} ${l.text} -> ${l.value}`.trim();

const time = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

export function printRows(rows: SkuRowView[], o: Output, explain: boolean): void {
  const t = table(['channel', 'location', 'should show', 'shows', 'status', 'why'], 70);
  for (const r of rows) {
    const why = explain
      ? r.lines.map(formatLine).join('\n')
      : (r.lines.filter((l) => l.delta !== 0 || r.status === 'refused' || r.status === 'read-only').at(-1)
          ?.text ?? '');
    t.push([r.channel, r.location, r.qty, r.shows ?? '', r.status, why]);
  }
  o.out(t.toString());
}

export function printView(v: SkuView, o: Output): void {
  o.out(`${v.sku}: ${v.status}`);
  o.out(v.summary.replace(/\*\*|`/g, ''));
  if (v.rows.length) printRows(v.rows, o, false);
  if (v.ledger.length) {
    const t = table(['pending order', 'units', 'ERP locations', 'since']);
    for (const e of v.ledger)
      t.push([`${e.channel}:${e.orderId}`, e.qty, e.erpLocations.join(', '), time(e.at)]);
    o.out(t.toString());
  }
  if (v.overrides.length) {
    const t = table(['override', 'location', 'qty', 'until', 'reason']);
    for (const x of v.overrides)
      t.push([x.channel, x.location ?? 'all', x.qty, time(x.until), x.reason ?? '']);
    o.out(t.toString());
  }
  if (v.halts.length) {
    const t = table(['halted on', 'location', 'since', 'reason']);
    for (const h of v.halts) t.push([h.channel, h.location ?? 'all', time(h.at), h.reason]);
    o.out(t.toString());
  }
  for (const a of v.attention)
    o.out(`NEEDS ATTENTION: ${a.step}${a.channel ? ` (${a.channel})` : ''}: ${a.message}`);
  o.out(
    `${v.unitsPerDay.toFixed(1)} units/day; last push ${time(v.lastPushAt) || 'never'}; ${v.counters.events} events, ${v.counters.pushes} pushes, ${v.counters.duplicates} duplicates, ${v.counters.echoes} echoes`,
  );
}

/** A reconciliation summary of unknown shape: scalars as key/value, arrays of records as tables. */
export function printSummary(summary: unknown, o: Output): void {
  if (summary === null || summary === undefined) return;
  if (Array.isArray(summary)) {
    const records = summary.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
    if (!records.length) {
      o.out(summary.map(String).join(', '));
      return;
    }
    const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const t = table(keys);
    for (const r of records) t.push(keys.map((k) => cell(r[k])));
    o.out(t.toString());
    return;
  }
  if (typeof summary !== 'object') {
    o.out(String(summary));
    return;
  }
  const scalars = table(['', '']);
  const nested: [string, unknown][] = [];
  for (const [k, v] of Object.entries(summary as Record<string, unknown>)) {
    if (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)) nested.push([k, v]);
    else scalars.push([k, cell(v)]);
  }
  if (scalars.length) o.out(scalars.toString());
  for (const [k, v] of nested) {
    o.out(k);
    printSummary(v, o);
  }
}

const cell = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

const finish = (o: Output, view: SkuView, done: string): number => {
  if (o.json) printJson(o, view);
  else {
    o.out(done);
    printView(view, o);
  }
  return EXIT.ok;
};

// ---- the commands ----------------------------------------------------------------------------------------------

export function statusCommand(opts: CommonOptions & { sku: string }, o: Output): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const view = await ops.status(ctx, opts.sku);
    if (o.json) printJson(o, view);
    else printView(view, o);
    return EXIT.ok;
  });
}

export function explainCommand(
  opts: CommonOptions & { sku: string; channel?: string | undefined; location?: string | undefined },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const rows = await ops.explain(ctx, opts.sku, {
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.location ? { location: opts.location } : {}),
    });
    if (o.json) {
      printJson(o, rows);
      return EXIT.ok;
    }
    if (!rows.length) {
      o.err(
        `${opts.sku} has no rows${opts.channel ? ` on ${opts.channel}` : ''} (not loaded yet, or not listed there)`,
      );
      return EXIT.problems;
    }
    o.out(`${opts.sku}: why each channel shows what it shows`);
    printRows(rows, o, true);
    return EXIT.ok;
  });
}

export function overrideCommand(
  opts: CommonOptions & {
    sku: string;
    channel: string;
    location?: string | undefined;
    qty: string | number;
    until?: string | undefined;
    reason?: string | undefined;
  },
  o: Output,
): Promise<number> {
  return checked(
    o,
    () => ({ qty: parseQty(opts.qty), until: opts.until ? parseUntil(opts.until) : undefined }),
    ({ qty, until }) =>
      withOps(opts, o, async (ctx) => {
        const view = await ops.override(ctx, opts.sku, {
          channel: opts.channel,
          ...(opts.location ? { location: opts.location } : {}),
          qty,
          ...(until ? { until } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        return finish(
          o,
          view,
          `override set: ${opts.sku} on ${opts.channel}${opts.location ? ` ${opts.location}` : ''} = ${qty}${until ? ` until ${until}` : ' until cleared'}`,
        );
      }),
  );
}

export function clearOverrideCommand(
  opts: CommonOptions & { sku: string; channel?: string | undefined; location?: string | undefined },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const view = await ops.clearOverride(ctx, opts.sku, {
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.location ? { location: opts.location } : {}),
    });
    return finish(o, view, `override cleared: ${opts.sku}${opts.channel ? ` on ${opts.channel}` : ''}`);
  });
}

export function haltCommand(
  opts: CommonOptions & {
    sku: string;
    channel?: string | undefined;
    location?: string | undefined;
    reason: string;
  },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const view = await ops.halt(ctx, opts.sku, {
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.location ? { location: opts.location } : {}),
      reason: opts.reason,
    });
    return finish(
      o,
      view,
      `halted: ${opts.sku} on ${opts.channel ?? 'every channel'} (invsync sends 0 there until resumed)`,
    );
  });
}

export function resumeCommand(
  opts: CommonOptions & { sku: string; channel?: string | undefined; location?: string | undefined },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const view = await ops.resume(ctx, opts.sku, {
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.location ? { location: opts.location } : {}),
    });
    return finish(o, view, `resumed: ${opts.sku} on ${opts.channel ?? 'every channel'}`);
  });
}

export function resyncCommand(
  opts: CommonOptions & { sku?: string | undefined; all?: boolean },
  o: Output,
): Promise<number> {
  return checked(
    o,
    () => {
      if (Boolean(opts.all) === Boolean(opts.sku))
        throw new CliError('resync takes a SKU or --all (one of them)', EXIT.usage);
    },
    () =>
      withOps(opts, o, async (ctx) => {
        if (opts.sku) {
          const view = await ops.resync(ctx, opts.sku);
          return finish(o, view, `resynced: ${opts.sku} (ERP re-read, every channel read back and pushed)`);
        }
        const r = await ops.resyncAll(ctx);
        if (o.json) printJson(o, r);
        else {
          o.out(`resynced ${r.ok.length} of ${r.skus.length} SKU workflows`);
          for (const f of r.failed) o.err(`${f.sku}: ${f.message}`);
        }
        return r.failed.length ? EXIT.problems : EXIT.ok;
      }),
  );
}

export function reconcileCommand(
  opts: CommonOptions & { now?: boolean; skus?: string[] | undefined; progress?: NodeJS.WritableStream },
  o: Output,
): Promise<number> {
  return checked(
    o,
    () => {
      if (!opts.now && opts.skus?.length)
        throw new CliError(
          '--sku needs --now (the schedule reconciles the velocity tiers that are due)',
          EXIT.usage,
        );
    },
    () =>
      withOps(opts, o, async (ctx) => {
        if (!opts.now) {
          const r = await triggerSchedule(ctx, 'reconcile');
          if (o.json) printJson(o, r);
          else if (r.triggered)
            o.out(
              `triggered ${r.scheduleId}: its run starts as ${ctx.idPrefix}reconcile-scheduled-<time>; follow it with \`invsync schedule status\` or the Web UI`,
            );
          else o.out(`a reconciliation from ${r.scheduleId} is already running: ${r.running.join(', ')}`);
          return EXIT.ok;
        }
        const stream = opts.progress ?? process.stderr;
        const bar = o.json
          ? undefined
          : new SingleBar(
              {
                stream,
                format: 'reconcile [{bar}] {percentage}% | {value}/{total} | {phase}',
                hideCursor: true,
                clearOnComplete: false,
              },
              Presets.shades_classic,
            );
        let started = false;
        try {
          const { workflowId, result } = await ops.reconcileNow(ctx, {
            skus: opts.skus,
            onStart: (id) => {
              if (!o.json) o.err(`started ${id}`);
            },
            onProgress: (p) => {
              if (!bar) return;
              if (!started) {
                bar.start(Math.max(p.total, 1), p.done, { phase: p.phase });
                started = true;
              } else {
                bar.setTotal(Math.max(p.total, 1));
                bar.update(p.done, { phase: p.phase });
              }
            },
          });
          if (bar && started) {
            bar.update(bar.getTotal(), { phase: 'done' });
            bar.stop();
            started = false;
          }
          if (o.json) {
            printJson(o, { workflowId, ...result });
            return EXIT.ok;
          }
          o.out(`reconciliation ${workflowId} done`);
          o.out(`report: ${result.reportPaths.html}`);
          o.out(`        ${result.reportPaths.json}`);
          o.out(`        ${result.reportPaths.csv}`);
          printSummary(result.summary, o);
          return EXIT.ok;
        } finally {
          if (bar && started) bar.stop();
        }
      }),
  );
}

export function attentionCommand(opts: CommonOptions, o: Output): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const rows = await ops.attention(ctx);
    if (o.json) {
      printJson(o, rows);
      return rows.length ? EXIT.problems : EXIT.ok;
    }
    if (!rows.length) {
      o.out('nothing needs attention');
      return EXIT.ok;
    }
    const t = table(['workflow id', 'status', 'step', 'message'], 70);
    for (const r of rows)
      t.push([r.workflowId, r.status, `${r.step ?? ''}${r.channel ? ` (${r.channel})` : ''}`, r.message]);
    o.out(t.toString());
    o.out(
      `${rows.length} waiting: fix the cause, then \`invsync retry <workflow id> [--data JSON]\`, \`invsync skip <workflow id>\` or \`invsync approve <workflow id>\``,
    );
    return EXIT.problems;
  });
}

const signalled = (o: Output, workflowId: string, what: string, text: string): number => {
  if (o.json) printJson(o, { ok: true, workflowId, signal: what });
  else o.out(text);
  return EXIT.ok;
};

export function retryCommand(
  opts: CommonOptions & { workflowId: string; data?: string | undefined; channel?: string | undefined },
  o: Output,
): Promise<number> {
  return checked(
    o,
    () => (opts.data !== undefined ? parseJsonOption(opts.data, '--data') : undefined),
    (data) =>
      withOps(opts, o, async (ctx) => {
        const id = ops.fullWorkflowId(ctx, opts.workflowId);
        await ops.retry(ctx, id, {
          ...(opts.channel ? { channel: opts.channel } : {}),
          ...(data !== undefined ? { data } : {}),
        });
        return signalled(
          o,
          id,
          'retry',
          `retry sent to ${id}${data !== undefined ? ' with edited data' : ''}`,
        );
      }),
  );
}

export function skipCommand(
  opts: CommonOptions & { workflowId: string; reason?: string | undefined; channel?: string | undefined },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const id = ops.fullWorkflowId(ctx, opts.workflowId);
    await ops.skip(ctx, id, {
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    return signalled(o, id, 'skip', `skip sent to ${id}`);
  });
}

export function approveCommand(
  opts: CommonOptions & { workflowId: string; data?: string | undefined; note?: string | undefined },
  o: Output,
): Promise<number> {
  return checked(
    o,
    () => {
      if (opts.data === undefined) return undefined;
      const parsed = approveDataSchema.safeParse(parseJsonOption(opts.data, '--data'));
      if (!parsed.success)
        throw new CliError(
          `--data: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')} (expected {"location"?: string, "qty"?: whole number})`,
          EXIT.usage,
        );
      return parsed.data;
    },
    (data) =>
      withOps(opts, o, async (ctx) => {
        const id = ops.fullWorkflowId(ctx, opts.workflowId);
        await ops.approve(ctx, id, { ...(data ? { data } : {}), ...(opts.note ? { note: opts.note } : {}) });
        return signalled(o, id, 'approve', `approval sent to ${id}${data ? ' with edited data' : ''}`);
      }),
  );
}

export function cancelCommand(
  opts: CommonOptions & { workflowId: string; restocked?: boolean },
  o: Output,
): Promise<number> {
  return withOps(opts, o, async (ctx) => {
    const id = ops.fullWorkflowId(ctx, opts.workflowId);
    await ops.cancel(ctx, id, { restocked: Boolean(opts.restocked) });
    return signalled(o, id, 'cancel', `cancellation sent to ${id}`);
  });
}
