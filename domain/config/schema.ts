/**
 * The one schema of `invsync.config.yaml` (design section 5). Parsing is pure: the caller reads the file.
 * Cross-field rules (unknown locations, partition overlaps, kit cycles) are checked here too, so that
 * every problem is reported with its path in one pass.
 */
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../duration';
import { DEFAULT_VELOCITY_TIERS } from '../buffers';

const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(DURATION_PATTERN, 'use a duration such as 30s, 15m, 2h'),
  ])
  .transform((v) => parseDuration(v));

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const channelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes (it names the task queue)');
const units = z.number().int().nonnegative();
const percent = z.number().min(0).max(100);

const erpLocation = z.strictObject({
  id: nonEmpty,
  warehouse: z.string().optional(),
  sellable: z.boolean().default(true),
});

const odoo = z.strictObject({
  kind: z.literal('odoo'),
  url: z.url(),
  database: nonEmpty,
  username: nonEmpty,
  apiKey: nonEmpty,
  version: z.union([z.literal(16), z.literal(17), z.literal(18), z.literal(19)]).default(17),
  transport: z.enum(['xmlrpc', 'json2']).optional(),
  locations: z.array(erpLocation).min(1, 'declare at least one ERP location'),
});

const netsuite = z.strictObject({
  kind: z.literal('netsuite'),
  accountId: nonEmpty,
  apiHost: z.string().optional(),
  consumerKey: nonEmpty,
  consumerSecret: nonEmpty,
  tokenId: nonEmpty,
  tokenSecret: nonEmpty,
  /** Internal id of the GL account NetSuite books inventory adjustments to (required by NetSuite for adjustments). */
  adjustmentAccount: z.string().optional(),
  locations: z.array(erpLocation).min(1, 'declare at least one ERP location'),
});

const tierBuffer = z.strictObject({ units: units, percent: percent });

const buffer = z
  .strictObject({
    policy: z.enum(['tiered', 'fixed', 'percent', 'none']).default('tiered'),
    units: units.optional(),
    percent: percent.optional(),
    tiers: z
      .strictObject({ slow: tierBuffer, medium: tierBuffer, fast: tierBuffer })
      .default(DEFAULT_VELOCITY_TIERS),
  })
  .superRefine((b, ctx) => {
    if (b.policy === 'fixed' && b.units === undefined)
      ctx.addIssue({ code: 'custom', path: ['units'], message: 'a fixed buffer needs units' });
    if (b.policy === 'percent' && b.percent === undefined)
      ctx.addIssue({ code: 'custom', path: ['percent'], message: 'a percent buffer needs percent' });
  });

const allocation = z
  .strictObject({
    share: z
      .strictObject({
        mode: z.enum(['shared', 'partitioned']).default('shared'),
        percent: percent.default(100),
        priority: z.number().int().default(100),
      })
      .prefault({}),
    reserve: units.default(0),
    buffer: buffer.prefault({}),
    min: units.default(0),
    max: units.nullable().default(null),
  })
  .superRefine((a, ctx) => {
    if (a.max !== null && a.min > a.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${a.min} is above max ${a.max}` });
  });

const channelLocation = z.strictObject({
  id: nonEmpty,
  erpLocations: z.array(nonEmpty).min(1, 'map at least one ERP location'),
});

const channelCommon = {
  id: channelId,
  mode: z.enum(['live', 'shadow']).default('live'),
  locations: z.array(channelLocation).min(1, 'map at least one channel location'),
  rateLimit: z.strictObject({ activitiesPerSecond: z.number().positive() }).optional(),
  syncCadence: z.enum(['realtime', 'hourly']).default('realtime'),
  allocation: allocation.prefault({}),
};

const shopify = z.strictObject({
  kind: z.literal('shopify'),
  ...channelCommon,
  credentials: z.strictObject({
    storeDomain: nonEmpty,
    accessToken: nonEmpty,
    apiVersion: z.string().default('2026-04'),
    webhookSecret: nonEmpty,
  }),
});

const amazon = z.strictObject({
  kind: z.literal('amazon'),
  ...channelCommon,
  credentials: z.strictObject({
    sellerId: nonEmpty,
    marketplaceId: nonEmpty,
    clientId: nonEmpty,
    clientSecret: nonEmpty,
    refreshToken: nonEmpty,
    region: z.enum(['na', 'eu', 'fe']).default('na'),
    endpoint: z.url().optional(),
    lwaEndpoint: z.url().optional(),
    notificationSecret: z.string().optional(),
  }),
  fba: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The ERP location that mirrors FBA stock: where an operator-approved FBA return adjustment is booked. */
      erpLocation: z.string().optional(),
    })
    .prefault({}),
});

const mercadolibre = z.strictObject({
  kind: z.literal('mercadolibre'),
  ...channelCommon,
  credentials: z.strictObject({
    clientId: nonEmpty,
    clientSecret: nonEmpty,
    refreshToken: nonEmpty,
    userId: z.union([nonEmpty, z.number().int()]).transform(String),
    endpoint: z.url().optional(),
  }),
});

const channel = z.discriminatedUnion('kind', [shopify, amazon, mercadolibre]);

const kitDef = z.strictObject({
  sku: nonEmpty,
  components: z.array(z.strictObject({ sku: nonEmpty, qty: z.number().int().positive() })).min(1),
});

export const configSchema = z
  .strictObject({
    temporal: z
      .strictObject({
        address: z.string().default('127.0.0.1:7233'),
        namespace: z.string().default('default'),
      })
      .prefault({}),
    erp: z.discriminatedUnion('kind', [odoo, netsuite]),
    channels: z.array(channel).min(1, 'configure at least one channel'),
    skuLinks: z
      .strictObject({
        match: z
          .array(z.enum(['sku', 'barcode']))
          .min(1)
          .default(['sku', 'barcode']),
        overrides: z
          .array(
            z.strictObject({
              sku: nonEmpty,
              erpSku: z.string().optional(),
              erpBarcode: z.string().optional(),
              channels: z.record(z.string(), nonEmpty).default({}),
            }),
          )
          .default([]),
      })
      .prefault({}),
    kits: z
      .strictObject({
        source: z.enum(['erp', 'declared', 'both']).default('erp'),
        declared: z.array(kitDef).default([]),
      })
      .prefault({}),
    reservations: z
      .array(
        z.strictObject({
          program: nonEmpty,
          sku: nonEmpty,
          location: nonEmpty,
          qty: units,
          until: z.iso.datetime({ offset: true }).optional(),
        }),
      )
      .default([]),
    thresholds: z
      .strictObject({
        drift: z
          .strictObject({
            toleranceUnits: units.default(0),
            tolerancePercent: percent.default(0),
            haltUnits: units.default(10),
            haltPercent: percent.default(50),
          })
          .prefault({}),
        velocityWindow: duration.default(14 * 86_400_000),
        pendingOrderTimeout: duration.default(2 * 3_600_000),
        queueDepth: units.default(100),
        channelStale: duration.default(10 * 60_000),
        pushFailures: z
          .strictObject({ count: units.default(3), window: duration.default(30 * 60_000) })
          .prefault({}),
        lowStockDaysOfCover: z.number().positive().default(2),
      })
      .prefault({}),
    schedules: z
      .strictObject({
        reconcile: z
          .strictObject({
            every: duration.default(15 * 60_000),
            tiers: z
              .strictObject({
                fast: duration.default(15 * 60_000),
                medium: duration.default(60 * 60_000),
                slow: duration.default(4 * 60 * 60_000),
              })
              .prefault({}),
          })
          .prefault({}),
        poll: z.strictObject({ every: duration.default(60_000) }).prefault({}),
        nightly: z.strictObject({ cron: z.string().default('0 3 * * *') }).prefault({}),
      })
      .prefault({}),
    alerts: z.strictObject({ slackWebhookUrl: z.url().optional() }).prefault({}),
    ingress: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        // A number, or a string of digits (what `${INGRESS_PORT}` interpolates to).
        port: z
          .union([z.number(), z.string().regex(/^\d+$/, 'use a port number').transform(Number)])
          .pipe(z.number().int().min(0).max(65535))
          .default(8080),
        adminToken: z.string().min(16, 'use at least 16 characters').optional(),
        erpSecret: z.string().optional(),
      })
      .prefault({}),
    pilot: z.strictObject({ skuAllowlist: z.array(nonEmpty).optional() }).prefault({}),
    reports: z.strictObject({ dir: z.string().default('reports') }).prefault({}),
    transfers: z
      .strictObject({
        /** ERP location holding stock between a transfer's two steps (visible instead of vanishing). */
        inTransitLocation: z.string().optional(),
      })
      .prefault({}),
    /** The sync engine's timers and sizes. Every one is an input, so tests run them in seconds. */
    engine: z
      .strictObject({
        /** How long a SKU workflow gathers a burst of events before it recomputes once. */
        coalesce: duration.default(200),
        /** A SKU workflow continues as new after this many events (or when the server suggests it). */
        continueAsNewAfter: z.number().int().positive().default(500),
        orders: z
          .strictObject({
            /** First look for the order in the ERP (about the ERP's ingestion lag). */
            firstCheck: duration.default(30_000),
            /** Then every ... */
            checkEvery: duration.default(60_000),
          })
          .prefault({}),
        returns: z.strictObject({ checkEvery: duration.default(60_000) }).prefault({}),
        reconcile: z
          .strictObject({
            /** SKUs per child workflow. */
            batchSize: z.number().int().positive().default(100),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });

    const erpIds = new Map<string, boolean>();
    cfg.erp.locations.forEach((l, i) => {
      if (erpIds.has(l.id)) issue(['erp', 'locations', i, 'id'], `duplicate location "${l.id}"`);
      else erpIds.set(l.id, l.sellable);
    });

    const channelIds = new Set<string>();
    cfg.channels.forEach((ch, ci) => {
      if (channelIds.has(ch.id)) issue(['channels', ci, 'id'], `duplicate channel id "${ch.id}"`);
      channelIds.add(ch.id);
      const locIds = new Set<string>();
      ch.locations.forEach((loc, li) => {
        if (locIds.has(loc.id))
          issue(['channels', ci, 'locations', li, 'id'], `duplicate location "${loc.id}"`);
        locIds.add(loc.id);
        for (const erpLoc of loc.erpLocations) {
          const sellable = erpIds.get(erpLoc);
          if (sellable === undefined)
            issue(['channels', ci, 'locations', li, 'erpLocations'], `unknown location "${erpLoc}"`);
          else if (!sellable)
            issue(
              ['channels', ci, 'locations', li, 'erpLocations'],
              `location "${erpLoc}" is not sellable (quarantine/returns stock is never offered)`,
            );
        }
        if (ch.kind === 'amazon' && loc.id !== 'DEFAULT')
          issue(
            ['channels', ci, 'locations', li, 'id'],
            `Amazon FBM quantity has one location, "DEFAULT" (fulfillment_channel_code); FBA stock is read, never mapped`,
          );
        if (ch.kind === 'mercadolibre' && loc.id === 'meli_facility')
          issue(
            ['channels', ci, 'locations', li, 'id'],
            'Mercado Libre Full stock (meli_facility) belongs to Mercado Libre and is never written',
          );
      });
    });

    // Partitions and ring-fenced reserves split one pool: a channel location that has either must map an ERP
    // location set that every other channel location maps identically or not at all.
    const slots = cfg.channels.flatMap((ch, ci) =>
      ch.locations.map((loc, li) => ({
        ci,
        li,
        ch: ch.id,
        loc: loc.id,
        set: [...new Set(loc.erpLocations)].sort(),
        split: ch.allocation.share.mode === 'partitioned' || ch.allocation.reserve > 0,
      })),
    );
    const pools = new Map<string, number>();
    for (const p of slots) {
      const key = p.set.join('\u0000');
      const ch = cfg.channels[p.ci];
      if (ch?.allocation.share.mode === 'partitioned')
        pools.set(key, (pools.get(key) ?? 0) + ch.allocation.share.percent);
      if (!p.split) continue;
      for (const q of slots) {
        if (q === p || q.set.join('\u0000') === key || !q.set.some((l) => p.set.includes(l))) continue;
        if (q.split && q.ci * 1000 + q.li < p.ci * 1000 + p.li) continue; // report each pair once
        issue(
          ['channels', p.ci, 'locations', p.li, 'erpLocations'],
          `${p.ch} location "${p.loc}" is partitioned or ring-fenced and overlaps ${q.ch} location "${q.loc}" without mapping the same ERP locations; map identical or disjoint location sets`,
        );
      }
    }
    for (const [key, total] of pools)
      if (total > 100)
        issue(
          ['channels'],
          `partitioned shares over ERP locations [${key.split('\u0000').join(', ')}] add up to ${total}%`,
        );

    cfg.skuLinks.overrides.forEach((o, i) => {
      for (const chId of Object.keys(o.channels))
        if (!channelIds.has(chId))
          issue(['skuLinks', 'overrides', i, 'channels', chId], `unknown channel "${chId}"`);
    });

    const kitSkus = new Map(cfg.kits.declared.map((k) => [k.sku, k]));
    cfg.kits.declared.forEach((k, i) => {
      k.components.forEach((c, j) => {
        if (c.sku === k.sku)
          issue(['kits', 'declared', i, 'components', j, 'sku'], `kit ${k.sku} contains itself`);
        else if (kitSkus.has(c.sku))
          issue(
            ['kits', 'declared', i, 'components', j, 'sku'],
            `kit ${k.sku} contains kit ${c.sku}; nest components directly`,
          );
      });
    });

    cfg.channels.forEach((ch, ci) => {
      if (ch.kind === 'amazon' && ch.fba.erpLocation !== undefined && !erpIds.has(ch.fba.erpLocation))
        issue(['channels', ci, 'fba', 'erpLocation'], `unknown location "${ch.fba.erpLocation}"`);
    });
    if (cfg.transfers.inTransitLocation !== undefined && !erpIds.has(cfg.transfers.inTransitLocation))
      issue(['transfers', 'inTransitLocation'], `unknown location "${cfg.transfers.inTransitLocation}"`);

    cfg.reservations.forEach((r, i) => {
      if (!erpIds.has(r.location)) issue(['reservations', i, 'location'], `unknown location "${r.location}"`);
    });
  });

export type Config = z.output<typeof configSchema>;
export type ChannelConfig = Config['channels'][number];
export type AllocationConfig = ChannelConfig['allocation'];
export type BufferConfig = AllocationConfig['buffer'];
