/**
 * Reconciliation activities (design rule 4, C8). The reads stay out of workflow history: `reconcileRead` pages the
 * ERP and every channel through their bulk read paths into a read cache file, `reconcileBatch` hands each SKU's
 * observation to its SKU workflow (update-with-start `reconcile`: the SKU workflow classifies drift against its own
 * pending-order ledger, resyncs or halts) and keeps the rows it returns, `reconcileReport` merges the rows into the
 * JSON/CSV/HTML report and the drift metrics. Workflows get counts, never the data.
 *
 * Files under `<stateDir>/reconcile/`:
 * - `<runId>.parts/<step>-<page>.json` while reading (a retried read resumes from its heartbeat cursor);
 * - `<runId>.json` the read cache (SKU list, one observation per SKU, problems, settings);
 * - `<runId>.batch-<n>.partial.jsonl` one line per SKU done, so a retried batch never re-applies a SKU;
 * - `<runId>.batch-<n>.json` a finished batch (a retry returns its counts and does nothing else).
 * Files older than two days are pruned when a new read starts.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Workflow } from '@temporalio/client';
import { z } from 'zod';
import { skuWorkflowId, type ReconcileObservation, type SkuDriftRow } from '../domain/events';
import { buildCatalog, ERP_NAME } from '../domain/links';
import { plan } from '../domain/plan';
import { planSettingsFromConfig, policyFromConfig } from '../domain/policy';
import { velocityTier, type VelocityTier } from '../domain/velocity';
import type { KitDef } from '../domain/model';
import type { Snapshot } from '../domain/snapshot';
import { IntegrationError } from '../integrations/errors';
import type { ChannelLevel, ErpProductRef, ErpStock, Page } from '../integrations/types';
import {
  channelDrift,
  reportBaseName,
  reportDir,
  sortDriftRows,
  summarise,
  writeReport,
  type ReconcileReport,
  type ReportFailure,
  type ReportPaths,
  type ReportProblem,
  type ReportSummary,
} from '../ops/report';
import {
  reconcileUpdate,
  stateQuery,
  type ReconcileInput,
  type SkuWorkflowInput,
} from '../workflows/definitions';
import { InvSku } from '../workflows/search-attributes';
import type { EngineDeps } from './deps';
import { skuTimings } from './dispatch';
import { typedFailures } from './errors';

// ---- contracts with workflows/reconcile.ts ---------------------------------------------------------------------

export interface ReconcileSettings {
  /** schedules.reconcile.every (ms). */
  every: number;
  /** schedules.reconcile.tiers (ms per velocity tier). */
  tiers: Record<VelocityTier, number>;
  /** engine.reconcile.batchSize. */
  batchSize: number;
  channels: string[];
}

export interface ReadCounts {
  erpProducts: number;
  erpStockRows: number;
  kits: number;
  /** Levels each channel's bulk read returned (read-only FBA/Full included). */
  channelRows: Record<string, number>;
}

export interface ReconcileReadRequest {
  /** File-safe id of the run (the workflow derives it from its id). */
  runId: string;
  /** Only these SKUs (`invsync reconcile --sku`). */
  skus?: string[] | undefined;
}

export interface ReconcileReadResult {
  /** SKUs to reconcile, in the cache file's order (batches are slices of it). */
  skuCount: number;
  problems: { total: number; blocking: number };
  counts: ReadCounts;
  settings: ReconcileSettings;
}

/** Which slower velocity tiers are due in this run (fast is always due). */
export interface TierGate {
  medium: boolean;
  slow: boolean;
}

export interface ReconcileBatchRequest {
  runId: string;
  batch: number;
  /** Slice [from, to) of the cache file's SKU list. */
  from: number;
  to: number;
  /** Omitted: every SKU in the slice is due (full pass). */
  gate?: TierGate | undefined;
  /** Updates in flight at once (default 10). */
  concurrency?: number | undefined;
}

export interface BatchCounts {
  batch: number;
  skus: number;
  reconciled: number;
  skipped: number;
  failed: number;
  rows: number;
  inTolerance: number;
  resync: number;
  halt: number;
  driftUnits: number;
}

export interface FailedBatch {
  batch: number;
  from: number;
  to: number;
  message: string;
}

export interface ReconcileReportRequest {
  runId: string;
  workflowId: string;
  scope: 'tiered' | 'full';
  /** Epoch ms the run started (report name and duration). */
  startedAt: number;
  /** How many batches ran, and their size (batch n is the slice [n * batchSize, (n + 1) * batchSize)). */
  batches: number;
  batchSize: number;
  failedBatches: FailedBatch[];
}

export interface ReconcileResult {
  reportPaths: ReportPaths;
  summary: ReportSummary;
}

// ---- files -------------------------------------------------------------------------------------------------------

const runIdSchema = z
  .string()
  .regex(/^[\w.-]{1,200}$/, 'a run id is letters, digits, dots, dashes, underscores');

const stockRow = z.object({
  location: z.string(),
  onHand: z.number(),
  reserved: z.number(),
  damaged: z.number(),
});
const showsRow = z.object({ channel: z.string(), location: z.string(), shows: z.number() });
const problemSchema = z.object({
  kind: z.string(),
  blocking: z.boolean(),
  sku: z.string().optional(),
  channel: z.string().optional(),
  location: z.string().optional(),
  message: z.string(),
});
const settingsSchema = z.object({
  every: z.number(),
  tiers: z.object({ fast: z.number(), medium: z.number(), slow: z.number() }),
  batchSize: z.number().int().positive(),
  channels: z.array(z.string()),
});
const countsSchema = z.object({
  erpProducts: z.number(),
  erpStockRows: z.number(),
  kits: z.number(),
  channelRows: z.record(z.string(), z.number()),
});
const cacheSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  takenAt: z.number(),
  skus: z.array(z.string()),
  observations: z.record(z.string(), z.object({ shows: z.array(showsRow), stock: z.array(stockRow) })),
  problems: z.array(problemSchema),
  counts: countsSchema,
  settings: settingsSchema,
});
type ReadCache = z.infer<typeof cacheSchema>;

const driftRowSchema = z.object({
  sku: z.string(),
  channel: z.string(),
  location: z.string(),
  shown: z.number(),
  expected: z.number(),
  drift: z.number(),
  class: z.enum(['in-tolerance', 'resync', 'halt']),
  action: z.enum(['none', 'resynced', 'halted', 'shadow', 'blocked']),
});
const skuResultSchema = z.union([
  z.object({ sku: z.string(), rows: z.array(driftRowSchema) }),
  z.object({ sku: z.string(), skipped: z.enum(['fast', 'medium', 'slow']) }),
  z.object({ sku: z.string(), error: z.string() }),
]);
type SkuResult = z.infer<typeof skuResultSchema>;
const batchFileSchema = z.object({
  runId: z.string(),
  batch: z.number(),
  results: z.array(skuResultSchema),
});

const readCursorSchema = z.object({
  step: z.number().int().nonnegative(),
  page: z.number().int().nonnegative(),
  cursor: z.string().optional(),
});
type ReadCursor = z.infer<typeof readCursorSchema>;

const PRUNE_AFTER_MS = 2 * 86_400_000;

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new IntegrationError({
      system: 'invsync',
      code: 'NOT_FOUND',
      message: `the ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): start a new reconciliation`,
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new IntegrationError({
      system: 'invsync',
      code: 'BAD_RESPONSE',
      message: `the ${what} ${path} is not valid (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}): start a new reconciliation`,
    });
  return parsed.data;
}

// ---- activity context helpers ----------------------------------------------------------------------------------

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity
  }
}

/** Heartbeats `details()` every third of the heartbeat timeout while `fn` runs (long bulk calls, slow updates). */
async function heartbeating<T>(details: () => unknown, fn: () => Promise<T>): Promise<T> {
  const ctx = activityContext();
  if (!ctx?.info.heartbeatTimeoutMs) return fn();
  const timer = setInterval(
    () => ctx.heartbeat(details()),
    Math.max(500, Math.floor(ctx.info.heartbeatTimeoutMs / 3)),
  );
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; stops taking new items once `stop()` says so. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

const CHANNEL_NAME: Record<string, string> = {
  shopify: 'Shopify',
  amazon: 'Amazon',
  mercadolibre: 'Mercado Libre',
};

// ---- the activities ------------------------------------------------------------------------------------------------

export function createReconcileActivities(deps: EngineDeps) {
  const { config } = deps;
  const dir = join(deps.stateDir, 'reconcile');
  const cachePath = (runId: string) => join(dir, `${runId}.json`);
  const partsDir = (runId: string) => join(dir, `${runId}.parts`);
  const batchPath = (runId: string, n: number) => join(dir, `${runId}.batch-${n}.json`);
  const partialPath = (runId: string, n: number) => join(dir, `${runId}.batch-${n}.partial.jsonl`);
  const erpName = ERP_NAME[config.erp.kind];
  const erpLocations = config.erp.locations.map((l) => l.id);
  const timings = skuTimings(config);

  const settings: ReconcileSettings = {
    every: config.schedules.reconcile.every,
    tiers: { ...config.schedules.reconcile.tiers },
    batchSize: config.engine.reconcile.batchSize,
    channels: config.channels.map((c) => c.id),
  };

  // The read cache, parsed once per process while batches of the same run share it.
  let loaded: { runId: string; cache: Promise<ReadCache> } | undefined;
  const loadCache = (runId: string): Promise<ReadCache> => {
    if (loaded?.runId !== runId) {
      const cache = readJson(cachePath(runId), cacheSchema, 'reconciliation read cache');
      loaded = { runId, cache };
      cache.catch(() => {
        if (loaded?.cache === cache) loaded = undefined;
      });
    }
    return loaded.cache;
  };

  async function prune(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    const cutoff = Date.now() - PRUNE_AFTER_MS;
    for (const name of names) {
      const path = join(dir, name);
      try {
        if ((await stat(path)).mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
      } catch {
        // another worker pruned it first
      }
    }
  }

  /** The read steps, in order; each writes its pages as part files. */
  type Step =
    | { name: 'products'; read: (c?: string) => Promise<Page<ErpProductRef>> }
    | { name: 'stock'; read: (c?: string) => Promise<Page<ErpStock>> }
    | { name: 'kits'; read: (c?: string) => Promise<Page<KitDef>> }
    | { name: `channel:${string}`; channel: string; read: (c?: string) => Promise<Page<ChannelLevel>> };

  function steps(): Step[] {
    const out: Step[] = [
      { name: 'products', read: (c) => deps.erp.products(c) },
      { name: 'stock', read: (c) => deps.erp.availabilityPage(erpLocations, c) },
      {
        name: 'kits',
        read: async () => ({ items: config.kits.source === 'declared' ? [] : await deps.erp.kits() }),
      },
    ];
    for (const ch of config.channels) {
      const adapter = deps.channels.get(ch.id);
      if (!adapter)
        throw new IntegrationError({
          system: 'invsync',
          channel: ch.id,
          code: 'INVALID_REQUEST',
          message: `channel ${ch.id} is configured but has no adapter on this worker`,
        });
      out.push({ name: `channel:${ch.id}`, channel: ch.id, read: (c) => adapter.readAll(c) });
    }
    return out;
  }

  const partFile = (runId: string, step: number, page: number) =>
    join(partsDir(runId), `${String(step).padStart(3, '0')}-${String(page).padStart(6, '0')}.json`);
  const unmappedFile = (runId: string, step: number) =>
    join(partsDir(runId), `${String(step).padStart(3, '0')}-unmapped.json`);

  /** Part files from `from` on belong to an attempt that did not heartbeat them: they are read again. */
  async function dropPartsFrom(runId: string, from: ReadCursor): Promise<void> {
    let names: string[];
    try {
      names = await readdir(partsDir(runId));
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^(\d{3})-(\d{6}|unmapped)\.json$/.exec(name);
      if (!m) {
        await rm(join(partsDir(runId), name), { force: true });
        continue;
      }
      const step = Number(m[1]);
      const page = m[2] === 'unmapped' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
      if (step > from.step || (step === from.step && page >= from.page))
        await rm(join(partsDir(runId), name), { force: true });
    }
  }

  async function readParts<T>(runId: string, step: number): Promise<T[]> {
    const names = (await readdir(partsDir(runId)))
      .filter((n) => n.startsWith(`${String(step).padStart(3, '0')}-`) && !n.endsWith('-unmapped.json'))
      .sort();
    const out: T[] = [];
    for (const n of names) out.push(...(JSON.parse(await readFile(join(partsDir(runId), n), 'utf8')) as T[]));
    return out;
  }

  /** Pages every step into part files, resuming from the heartbeat cursor of a failed attempt. */
  async function readAllSteps(runId: string, list: Step[]): Promise<void> {
    const ctx = activityContext();
    const resumed = readCursorSchema.safeParse(ctx?.info.heartbeatDetails);
    let at: ReadCursor = resumed.success ? resumed.data : { step: 0, page: 0 };
    if (!resumed.success) await rm(partsDir(runId), { recursive: true, force: true });
    await mkdir(partsDir(runId), { recursive: true });
    await dropPartsFrom(runId, at);

    await heartbeating(
      () => at,
      async () => {
        for (let s = at.step; s < list.length; s++) {
          const step = list[s] as Step;
          let page = s === at.step ? at.page : 0;
          let cursor = s === at.step ? at.cursor : undefined;
          for (;;) {
            const got: Page<unknown> = await step.read(cursor);
            await writeAtomic(partFile(runId, s, page), JSON.stringify(got.items));
            page += 1;
            cursor = got.next;
            if (cursor === undefined) break;
            at = { step: s, page, cursor };
            ctx?.heartbeat(at);
          }
          if ('channel' in step) {
            const unmapped = (await deps.channels.get(step.channel)?.unmappedLocations?.()) ?? [];
            await writeAtomic(unmappedFile(runId, s), JSON.stringify(unmapped));
          }
          at = { step: s + 1, page: 0 };
          ctx?.heartbeat(at);
        }
      },
    );
  }

  /** Builds the read cache from the part files: SKUs, observations and problems (domain/links + domain/plan). */
  async function assemble(
    runId: string,
    list: Step[],
    wantedInput: string[] | undefined,
  ): Promise<ReadCache> {
    const products = await readParts<ErpProductRef>(runId, 0);
    const stock = await readParts<ErpStock>(runId, 1);
    const erpKits = await readParts<KitDef>(runId, 2);
    const levels = new Map<string, ChannelLevel[]>();
    const unmapped = new Map<string, { location: string; skus: number }[]>();
    for (let s = 3; s < list.length; s++) {
      const step = list[s] as Step;
      if (!('channel' in step)) continue;
      levels.set(step.channel, await readParts<ChannelLevel>(runId, s));
      unmapped.set(
        step.channel,
        (await exists(unmappedFile(runId, s)))
          ? (JSON.parse(await readFile(unmappedFile(runId, s), 'utf8')) as {
              location: string;
              skus: number;
            }[])
          : [],
      );
    }

    const kits = new Map<string, KitDef>();
    if (config.kits.source !== 'declared') for (const k of erpKits) kits.set(k.sku, k);
    if (config.kits.source !== 'erp') for (const k of config.kits.declared) kits.set(k.sku, k);

    const settingsOfPlan = planSettingsFromConfig(config);
    const allow = settingsOfPlan.skus ? new Set(settingsOfPlan.skus) : undefined;
    const asked = wantedInput?.length ? new Set(wantedInput) : undefined;
    const wanted =
      asked && allow ? new Set([...asked].filter((s) => allow.has(s))) : (asked ?? allow ?? undefined);

    const links = settingsOfPlan.links;
    const catalog = buildCatalog(config.erp.kind, products, links);
    const resolve = (channel: string, channelSku: string): string | undefined =>
      catalog.resolve(channel, channelSku) ?? (kits.has(channelSku) ? channelSku : undefined);

    // The SKUs: unique, non-blank ERP SKUs and the kits (refused duplicates never), limited to what was asked.
    const skuSet = new Set<string>(catalog.skus);
    for (const k of kits.keys()) if (k.trim() !== '' && !catalog.duplicates.has(k)) skuSet.add(k);
    const skus = [...skuSet].filter((s) => !wanted || wanted.has(s)).sort();

    // Observations: ERP stock per SKU; what every channel shows at its mapped locations (read-only rows excluded).
    const observations: Record<string, ReconcileObservation> = {};
    for (const s of skus) observations[s] = { shows: [], stock: [] };
    for (const r of stock)
      observations[r.sku]?.stock.push({
        location: r.location,
        onHand: r.onHand,
        reserved: r.reserved,
        damaged: r.damaged,
      });
    for (const ch of config.channels) {
      const mapped = new Set(ch.locations.map((l) => l.id));
      const seen = new Set<string>();
      for (const l of levels.get(ch.id) ?? []) {
        if (l.readOnly || !mapped.has(l.location)) continue;
        const sku = resolve(ch.id, l.sku);
        if (sku === undefined || catalog.duplicates.has(sku)) continue;
        const obs = observations[sku];
        const key = `${sku}\u0000${l.location}`;
        if (!obs || seen.has(key)) continue; // two listings linked to one SKU at one location: the first counts
        seen.add(key);
        obs.shows.push({ channel: ch.id, location: l.location, shows: l.shows });
      }
    }

    // Problems: exactly what `invsync plan` and `invsync audit` report, plus the locations the adapters saw unmapped.
    const snapshot: Snapshot = {
      takenAt: Date.now(),
      erp: {
        kind: config.erp.kind,
        products: products.map((p) => ({ sku: p.sku, ...(p.barcode ? { barcode: p.barcode } : {}) })),
        stock: [...stock], // ErpStock rows are already the snapshot's normalised rows
        kits: erpKits,
      },
      channels: Object.fromEntries(
        config.channels.map((ch) => {
          const ls = levels.get(ch.id) ?? [];
          return [
            ch.id,
            {
              listings: ls
                .filter((l) => l.readOnly !== 'fba')
                .map((l) =>
                  l.readOnly === 'full'
                    ? { sku: l.sku, location: l.location, shows: l.shows, full: true }
                    : ch.kind === 'amazon'
                      ? { sku: l.sku, location: l.location, shows: l.shows, fulfillment: 'FBM' as const }
                      : { sku: l.sku, location: l.location, shows: l.shows },
                ),
              fba: ls
                .filter((l) => l.readOnly === 'fba')
                .map((l) => ({
                  sku: l.sku,
                  fulfillable: l.fba?.fulfillable ?? l.shows,
                  inboundWorking: 0,
                  inboundShipped: l.fba?.inbound ?? 0,
                  inboundReceiving: 0,
                  reserved: l.fba?.reserved ?? 0,
                  unfulfillable: l.fba?.unfulfillable ?? 0,
                  researching: l.fba?.researching ?? 0,
                })),
            },
          ];
        }),
      ),
      ledger: [],
      reservations: [],
      overrides: [],
      halts: [],
      sales: [],
    };
    const planned = plan(policyFromConfig(config), snapshot, {
      ...settingsOfPlan,
      ...(wanted ? { skus: [...wanted] } : { skus: undefined }),
      now: Date.now(),
    });
    const problems: ReportProblem[] = planned.problems
      // A declared kit is linked by its own SKU (as the SKU workflow links it), not refused as unlinked.
      .filter((p) => !(p.kind === 'unlinked-sku' && p.sku !== undefined && kits.has(p.sku)))
      .map((p) => ({ ...p }));
    for (const ch of config.channels)
      for (const u of unmapped.get(ch.id) ?? []) {
        if (
          problems.some(
            (p) => p.kind === 'unmapped-location' && p.channel === ch.id && p.location === u.location,
          )
        )
          continue;
        const chName = CHANNEL_NAME[ch.kind] ?? ch.kind;
        problems.push({
          kind: 'unmapped-location',
          blocking: true,
          channel: ch.id,
          location: u.location,
          message: `${chName} location ${u.location} (${ch.id}, ${u.skus} SKU${u.skus === 1 ? '' : 's'}) is not mapped to any ${erpName} location: map it in channels[].locations or stop stocking it`,
        });
      }
    for (const s of asked ?? [])
      if (!skuSet.has(s))
        problems.push({
          kind: 'unknown-sku',
          blocking: true,
          sku: s,
          message: `SKU ${s} was asked for but is not a linked ${erpName} product or kit: nothing to reconcile`,
        });
      else if (allow && !allow.has(s))
        problems.push({
          kind: 'outside-pilot',
          blocking: false,
          sku: s,
          message: `SKU ${s} is not in pilot.skuAllowlist: it is not reconciled during the pilot`,
        });

    return {
      version: 1,
      runId,
      takenAt: Date.now(),
      skus,
      observations,
      problems,
      counts: {
        erpProducts: products.length,
        erpStockRows: stock.length,
        kits: kits.size,
        channelRows: Object.fromEntries(config.channels.map((c) => [c.id, levels.get(c.id)?.length ?? 0])),
      },
      settings,
    };
  }

  function readResult(cache: ReadCache): ReconcileReadResult {
    return {
      skuCount: cache.skus.length,
      problems: { total: cache.problems.length, blocking: cache.problems.filter((p) => p.blocking).length },
      counts: cache.counts,
      settings: cache.settings,
    };
  }

  /**
   * The SKU's velocity tier from its workflow's `state` (unitsPerDay). Unknown counts as fast: no workflow yet, or
   * a query that fails (the update that follows reports any real trouble).
   */
  async function tierOf(sku: string): Promise<VelocityTier> {
    try {
      const view = await deps.client.workflow.getHandle(deps.idPrefix + skuWorkflowId(sku)).query(stateQuery);
      return typeof view?.unitsPerDay === 'number' ? velocityTier(view.unitsPerDay) : 'fast';
    } catch {
      return 'fast';
    }
  }

  async function reconcileSku(
    runId: string,
    sku: string,
    observation: ReconcileObservation,
  ): Promise<SkuResult> {
    const input: SkuWorkflowInput = { sku, timings };
    const startWorkflowOperation = new WithStartWorkflowOperation<Workflow>('skuWorkflow', {
      workflowId: deps.idPrefix + skuWorkflowId(sku),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: InvSku, value: sku }],
    });
    const args: [ReconcileInput] = [{ runId, observation, thresholds: { ...config.thresholds.drift } }];
    try {
      const rows = await deps.client.workflow.executeUpdateWithStart(reconcileUpdate, {
        args,
        // Dedup of a retried batch within the workflow's run; the partial file covers the rest.
        updateId: `${runId}:${sku}`,
        startWorkflowOperation,
      });
      return { sku, rows: z.array(driftRowSchema).parse(rows) };
    } catch (err) {
      // The SKU workflow refused or failed the update (an operator problem for that SKU): reported, the batch goes on.
      if (err instanceof WorkflowUpdateFailedError)
        return { sku, error: (err.cause as Error | undefined)?.message ?? err.message };
      throw err;
    }
  }

  function countsOf(batch: number, results: readonly SkuResult[]): BatchCounts {
    const rows = results.flatMap((r) => ('rows' in r ? r.rows : []));
    return {
      batch,
      skus: results.length,
      reconciled: results.filter((r) => 'rows' in r).length,
      skipped: results.filter((r) => 'skipped' in r).length,
      failed: results.filter((r) => 'error' in r).length,
      rows: rows.length,
      inTolerance: rows.filter((r) => r.class === 'in-tolerance').length,
      resync: rows.filter((r) => r.class === 'resync').length,
      halt: rows.filter((r) => r.class === 'halt').length,
      driftUnits: rows.reduce((s, r) => s + Math.abs(r.drift), 0),
    };
  }

  return {
    /**
     * Bulk reads of the ERP (every declared location, all pages) and of every channel (readAll, all pages) into the
     * read cache `<stateDir>/reconcile/<runId>.json`. Returns counts only. A retry resumes from the heartbeat cursor;
     * a retry after the cache was written just returns it.
     */
    reconcileRead: typedFailures(async (req: ReconcileReadRequest): Promise<ReconcileReadResult> => {
      const runId = runIdSchema.parse(req.runId);
      await mkdir(dir, { recursive: true });
      if (await exists(cachePath(runId))) return readResult(await loadCache(runId));
      if (!activityContext()?.info.heartbeatDetails) await prune();
      const list = steps();
      await readAllSteps(runId, list);
      const cache = await assemble(runId, list, req.skus);
      await writeAtomic(cachePath(runId), JSON.stringify(cache));
      await rm(partsDir(runId), { recursive: true, force: true });
      loaded = { runId, cache: Promise.resolve(cache) };
      return readResult(cache);
    }),

    /**
     * One batch of SKUs: each SKU's observation goes to its SKU workflow (update-with-start `reconcile`), at most
     * `concurrency` at a time; skipped when its velocity tier is not due. Every SKU done is appended to a partial
     * file, so a retry never sends a SKU twice; the finished batch file makes the whole activity idempotent.
     */
    reconcileBatch: typedFailures(async (req: ReconcileBatchRequest): Promise<BatchCounts> => {
      const runId = runIdSchema.parse(req.runId);
      const done = batchPath(runId, req.batch);
      if (await exists(done)) {
        const file = await readJson(done, batchFileSchema, 'reconciliation batch');
        return countsOf(req.batch, file.results);
      }
      const cache = await loadCache(runId);
      const skus = cache.skus.slice(req.from, req.to);
      const results = new Map<string, SkuResult>();
      const partial = partialPath(runId, req.batch);
      if (await exists(partial))
        for (const line of (await readFile(partial, 'utf8')).split('\n')) {
          if (line.trim() === '') continue;
          const r = skuResultSchema.safeParse(JSON.parse(line));
          if (r.success) results.set(r.data.sku, r.data);
        }
      const ctx = activityContext();
      const gate = req.gate;
      const gated = gate !== undefined && !(gate.medium && gate.slow);
      await heartbeating(
        () => ({ done: results.size }),
        () =>
          pool(
            skus.filter((s) => !results.has(s)),
            req.concurrency ?? 10,
            async (sku) => {
              let result: SkuResult;
              const tier = gated ? await tierOf(sku) : 'fast';
              if (gated && ((tier === 'medium' && !gate.medium) || (tier === 'slow' && !gate.slow)))
                result = { sku, skipped: tier };
              else
                result = await reconcileSku(runId, sku, cache.observations[sku] ?? { shows: [], stock: [] });
              await appendFile(partial, `${JSON.stringify(result)}\n`);
              results.set(sku, result);
              ctx?.heartbeat({ done: results.size });
            },
            () => ctx?.cancellationSignal.aborted ?? false,
          ),
      );
      ctx?.cancellationSignal.throwIfAborted();
      const ordered = skus.flatMap((s) => {
        const r = results.get(s);
        return r ? [r] : [];
      });
      await writeAtomic(done, JSON.stringify({ runId, batch: req.batch, results: ordered }));
      await rm(partial, { force: true });
      return countsOf(req.batch, ordered);
    }),

    /**
     * Merges the batches into the report (rows by |drift|, problems, failures, summary), writes
     * `reconcile-<ISO time>.{json,csv,html}` to `reports.dir`, and sets the drift and duration metrics.
     */
    reconcileReport: typedFailures(async (req: ReconcileReportRequest): Promise<ReconcileResult> => {
      const runId = runIdSchema.parse(req.runId);
      const cache = await loadCache(runId);
      const results: SkuResult[] = [];
      const failures: ReportFailure[] = [];
      const failedBatches = new Map(req.failedBatches.map((b) => [b.batch, b]));
      for (let n = 0; n < req.batches; n++) {
        const failed = failedBatches.get(n);
        if (failed || !(await exists(batchPath(runId, n)))) {
          // A batch that never finished: its SKUs are listed as not reconciled, with why.
          const from = failed?.from ?? n * req.batchSize;
          const to = failed?.to ?? Math.min(cache.skus.length, from + req.batchSize);
          const partial = partialPath(runId, n);
          const doneInBatch = new Map<string, SkuResult>();
          if (await exists(partial))
            for (const line of (await readFile(partial, 'utf8')).split('\n')) {
              if (line.trim() === '') continue;
              const r = skuResultSchema.safeParse(JSON.parse(line));
              if (r.success) doneInBatch.set(r.data.sku, r.data);
            }
          for (const sku of cache.skus.slice(from, to)) {
            const r = doneInBatch.get(sku);
            if (r) results.push(r);
            else
              failures.push({ sku, message: `batch ${n} did not finish: ${failed?.message ?? 'no result'}` });
          }
          continue;
        }
        results.push(
          ...(await readJson(batchPath(runId, n), batchFileSchema, 'reconciliation batch')).results,
        );
      }
      for (const r of results) if ('error' in r) failures.push({ sku: r.sku, message: r.error });
      const rows = sortDriftRows(results.flatMap((r): SkuDriftRow[] => ('rows' in r ? r.rows : [])));
      const finishedAt = Date.now();
      const summary = summarise(rows, {
        skus: results.filter((r) => 'rows' in r).length,
        skipped: results.filter((r) => 'skipped' in r).length,
        failed: failures.length,
        problems: cache.problems.length,
      });
      const channels = channelDrift(rows, cache.settings.channels);
      const report: ReconcileReport = {
        runId,
        workflowId: req.workflowId,
        scope: req.scope,
        startedAt: new Date(req.startedAt).toISOString(),
        finishedAt: new Date(finishedAt).toISOString(),
        summary,
        channels,
        rows,
        problems: cache.problems,
        failures: failures.sort((a, b) => a.sku.localeCompare(b.sku)),
      };
      const reportPaths = await writeReport(
        reportDir(config.reports.dir),
        reportBaseName(req.startedAt),
        report,
      );
      for (const c of channels) {
        deps.metrics.driftUnits.set({ channel: c.channel }, c.driftUnits);
        deps.metrics.driftRate.set({ channel: c.channel }, c.driftRate);
      }
      deps.metrics.reconcileDuration.observe({ scope: req.scope }, (finishedAt - req.startedAt) / 1000);
      return { reportPaths, summary };
    }),
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
