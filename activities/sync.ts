/**
 * The engine's own activities (workflow task queue): what a SKU workflow needs to know about its SKU (links, kits,
 * the secret-free policy, activity options per channel), ERP reads for a SKU and its components, order-line
 * resolution for the order saga, signal-with-start of SKU workflows, alerts, and the poll's cursor and hand-off.
 * Channel reads and writes run on the channels' own task queues (activities/channel.ts).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  channelActivityOptions,
  erpActivityOptions,
  type ActivityOptionsData,
} from '../domain/activity-options';
import type { ChannelOrder, InboundEvent, SkuEvent } from '../domain/events';
import { buildCatalog, ERP_NAME, type Catalog } from '../domain/links';
import { policyFromConfig, type AllocationPolicy } from '../domain/policy';
import type { ErpKind, KitDef } from '../domain/model';
import { IntegrationError } from '../integrations/errors';
import type { ErpProductRef, ErpStock } from '../integrations/types';
import type { AlertKind } from '../ops/alerts';
import { createDispatcher } from './dispatch';
import type { EngineDeps } from './deps';
import { typedFailures } from './errors';

const CHANNEL_NAME: Record<string, string> = {
  shopify: 'Shopify',
  amazon: 'Amazon',
  mercadolibre: 'Mercado Libre',
};

/** Everything a SKU workflow needs besides stock and what channels show: secret-free, small, serialisable. */
export interface SkuContext {
  sku: string;
  erpKind: ErpKind;
  /** False: refused (unlinked, duplicate or blank); `problem` says what to fix. */
  linked: boolean;
  problem?: string | undefined;
  kit?: KitDef | undefined;
  /** Kits this SKU is a component of (recomputed when it changes). */
  parents: string[];
  policy: AllocationPolicy;
  velocityWindowMs: number;
  reservations: { program: string; sku: string; location: string; qty: number; until?: number }[];
  /** Declared ERP locations (where stock is read). */
  erpLocations: string[];
  /** Activity options per channel (its task queue and bounded retries), and for the ERP. */
  channelOptions: Record<string, ActivityOptionsData>;
  erpOptions: ActivityOptionsData;
  /** Not in the pilot allowlist: computed and explained, never pushed. */
  outsidePilot: boolean;
  /** Alert when what can be sold covers fewer days of sales than this (thresholds.lowStockDaysOfCover). */
  lowStockDaysOfCover: number;
}

/** An order line resolved to ERP SKUs: what each SKU workflow is told. */
export interface OrderHold {
  sku: string;
  qty: number;
  listed: boolean;
  hold: boolean;
  erpLocations: string[];
  /** The line as the channel sold it. */
  channelSku: string;
}

export interface ResolvedOrder {
  holds: OrderHold[];
  /** Human summary of the lines (kits exploded). */
  summary: string;
}

interface CatalogCache {
  at: number;
  products: ErpProductRef[];
  kits: KitDef[];
}

export function createSyncActivities(deps: EngineDeps, opts: { catalogTtlMs?: number } = {}) {
  const { config } = deps;
  const ttl = opts.catalogTtlMs ?? 60_000;
  const policy = policyFromConfig(config);
  const erpName = ERP_NAME[config.erp.kind];
  const links = { match: config.skuLinks.match, overrides: config.skuLinks.overrides };
  const dispatcher = createDispatcher(deps);
  let cache: CatalogCache | undefined;
  let loading: Promise<CatalogCache> | undefined;

  async function loadCatalog(fresh: boolean): Promise<CatalogCache> {
    if (!fresh && cache && Date.now() - cache.at < ttl) return cache;
    loading ??= (async () => {
      const products: ErpProductRef[] = [];
      let cursor: string | undefined;
      do {
        const page = await deps.erp.products(cursor);
        products.push(...page.items);
        cursor = page.next;
      } while (cursor);
      const kits = new Map<string, KitDef>();
      if (config.kits.source !== 'declared') for (const k of await deps.erp.kits()) kits.set(k.sku, k);
      if (config.kits.source !== 'erp') for (const k of config.kits.declared) kits.set(k.sku, k);
      cache = { at: Date.now(), products, kits: [...kits.values()] };
      return cache;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  function catalogOf(c: CatalogCache): Catalog {
    return buildCatalog(config.erp.kind, c.products, links);
  }

  const channelOptions = Object.fromEntries(
    config.channels.map((ch) => [
      ch.id,
      channelActivityOptions(ch.id, { scheduleToCloseMs: 10 * 60_000, maximumAttempts: 10 }, deps.taskQueue),
    ]),
  );
  const erpOptions = erpActivityOptions(
    { scheduleToCloseMs: 10 * 60_000, maximumAttempts: 10 },
    deps.taskQueue,
  );

  const pollFile = join(
    deps.stateDir,
    `poll-cursors${deps.idPrefix ? `-${deps.idPrefix.replace(/\W/g, '')}` : ''}.json`,
  );

  return {
    /** What the SKU workflow needs to compute and push this SKU; `fresh` re-reads the ERP catalogue (after a fix). */
    loadSkuContext: typedFailures(async (req: { sku: string; fresh?: boolean }): Promise<SkuContext> => {
      const c = await loadCatalog(req.fresh ?? false);
      const catalog = catalogOf(c);
      const kit = c.kits.find((k) => k.sku === req.sku);
      const parents = c.kits.filter((k) => k.components.some((x) => x.sku === req.sku)).map((k) => k.sku);
      let problem: string | undefined;
      if (req.sku.trim() === '') problem = `a blank SKU cannot be synced: give the ${erpName} product a SKU`;
      else if (catalog.duplicates.has(req.sku))
        problem = `SKU ${req.sku} is carried by more than one ${erpName} product: make it unique in ${erpName}; nothing is pushed for it until then`;
      else if (!kit && !catalog.skus.has(req.sku))
        problem = `SKU ${req.sku} has no linked ${erpName} product: link it (skuLinks.overrides) or create it in ${erpName}, then retry`;
      const allow = config.pilot.skuAllowlist;
      return {
        sku: req.sku,
        erpKind: config.erp.kind,
        linked: problem === undefined,
        ...(problem ? { problem } : {}),
        ...(kit ? { kit } : {}),
        parents,
        policy,
        velocityWindowMs: config.thresholds.velocityWindow,
        reservations: config.reservations
          .filter((r) => r.sku === req.sku || kit?.components.some((x) => x.sku === r.sku))
          .map((r) => ({
            program: r.program,
            sku: r.sku,
            location: r.location,
            qty: r.qty,
            ...(r.until ? { until: Date.parse(r.until) } : {}),
          })),
        erpLocations: config.erp.locations.map((l) => l.id),
        channelOptions,
        erpOptions,
        outsidePilot: allow !== undefined && !allow.includes(req.sku),
        lowStockDaysOfCover: config.thresholds.lowStockDaysOfCover,
      };
    }),

    /** The channels the poll reads, with their activity options (task queue, bounded retries). */
    engineInfo: async (): Promise<{
      channels: string[];
      channelOptions: Record<string, ActivityOptionsData>;
    }> => ({
      channels: config.channels.map((c) => c.id),
      channelOptions,
    }),

    /** ERP stock of some SKUs at the declared locations (a kit's components, or one SKU). */
    skuStock: typedFailures(async (req: { skus: string[]; locations: string[] }): Promise<ErpStock[]> => {
      const rows: ErpStock[] = [];
      for (const sku of req.skus) rows.push(...(await deps.erp.availability(sku, req.locations)));
      return rows;
    }),

    /**
     * Resolves an order's lines to ERP SKUs (links, kits exploded into components) and the ERP locations that fulfil
     * its channel location. An unlinked or duplicate SKU, or an unmapped location, is a permanent failure with the
     * message that says what to fix (the saga stops in needs-attention until `retry`).
     */
    resolveOrder: typedFailures(
      async (req: { order: ChannelOrder; fresh?: boolean }): Promise<ResolvedOrder> => {
        const o = req.order;
        const ch = config.channels.find((c) => c.id === o.channel);
        if (!ch)
          throw new IntegrationError({
            system: 'invsync',
            channel: o.channel,
            code: 'INVALID_REQUEST',
            message: `channel ${o.channel} is not in the config: add it or stop its webhooks`,
          });
        const chName = CHANNEL_NAME[ch.kind] ?? ch.kind;
        const c = await loadCatalog(req.fresh ?? false);
        const catalog = catalogOf(c);
        const holds: OrderHold[] = [];
        const parts: string[] = [];
        const marketplace = o.fulfillment === 'marketplace';
        const erpLocations = marketplace
          ? []
          : (ch.locations.find((l) => l.id === o.location)?.erpLocations ?? []);
        if (!marketplace && erpLocations.length === 0)
          throw new IntegrationError({
            system: 'invsync',
            channel: o.channel,
            location: o.location,
            code: 'UNMAPPED_LOCATION',
            message: `${chName} location ${o.location} (channel ${o.channel}, order ${o.orderId}) is not mapped to any ${erpName} location: map it in channels[].locations, then retry`,
          });
        for (const line of o.lines) {
          const sku = catalog.resolve(o.channel, line.sku);
          if (sku === undefined)
            throw new IntegrationError({
              system: 'invsync',
              channel: o.channel,
              sku: line.sku,
              code: 'UNLINKED_SKU',
              message: `SKU ${line.sku || '(blank)'} sold on ${chName} (${o.channel}, order ${o.orderId}) has no linked ${erpName} product: link it (skuLinks.overrides) or fix the SKU in ${erpName}, then retry (or retry with --data '{"lines":[{"sku":"<ERP SKU>","qty":${line.qty}}]}')`,
            });
          if (catalog.duplicates.has(sku))
            throw new IntegrationError({
              system: 'invsync',
              channel: o.channel,
              sku,
              code: 'DUPLICATE_SKU',
              message: `SKU ${sku} (order ${o.orderId} on ${o.channel}) is carried by more than one ${erpName} product: make it unique, then retry`,
            });
          const kit = c.kits.find((k) => k.sku === sku);
          holds.push({
            sku,
            qty: line.qty,
            listed: true,
            hold: !kit && !marketplace,
            erpLocations,
            channelSku: line.sku,
          });
          if (kit) {
            for (const comp of kit.components)
              holds.push({
                sku: comp.sku,
                qty: line.qty * comp.qty,
                listed: false,
                hold: !marketplace,
                erpLocations,
                channelSku: line.sku,
              });
            parts.push(
              `${line.qty} × ${sku} (kit: ${kit.components.map((x) => `${line.qty * x.qty} × ${x.sku}`).join(', ')})`,
            );
          } else parts.push(`${line.qty} × ${sku}`);
        }
        return { holds, summary: parts.join(', ') };
      },
    ),

    /** Signal-with-start of SKU workflows (idempotent: each event has an id the workflow remembers). */
    notifySkus: typedFailures(async (req: { events: { sku: string; event: SkuEvent }[] }): Promise<void> => {
      await Promise.all(req.events.map((e) => dispatcher.notifySku(e.sku, e.event)));
    }),

    /** Hands found events to Temporal exactly as the ingress does (the poll's findings). */
    dispatchInbound: typedFailures(
      async (req: {
        events: { event: InboundEvent; deliveryId: string }[];
      }): Promise<{ started: number; signalled: number }> => {
        let started = 0;
        let signalled = 0;
        for (const e of req.events) {
          const r = await dispatcher.dispatch(e.event, e.deliveryId);
          started += r.started.length;
          signalled += r.signalled.length;
        }
        return { started, signalled };
      },
    ),

    sendAlert: async (req: {
      kind: AlertKind;
      text: string;
      sku?: string;
      channel?: string;
      workflowId?: string;
    }): Promise<void> => {
      await deps.alerts.send(req); // counted in invsync_alerts_total by the alerter's onSent
    },

    /** The poll's cursors (ERP change feed and each channel's orders), kept in the state directory. */
    loadPollCursors: async (): Promise<Record<string, string>> => {
      try {
        return JSON.parse(await readFile(pollFile, 'utf8')) as Record<string, string>;
      } catch {
        return {};
      }
    },
    savePollCursors: async (cursors: Record<string, string>): Promise<void> => {
      await mkdir(deps.stateDir, { recursive: true });
      const tmp = `${pollFile}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(cursors));
      await rename(tmp, pollFile);
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
