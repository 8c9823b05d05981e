/**
 * The sandbox admin API (design section 5): reset, state, orders, cancel, return, ERP adjust and transfer,
 * channel edit, FBA events, faults, market; plus webhook target and manifest. JSON in, JSON out; bad input is a
 * 4xx with a reason.
 */
import { z } from 'zod';
import { createApp, listen, type Served } from './http';
import { runMarket } from './market';
import { presetSeed, PRESETS } from './presets';
import { seedSchema } from './seed';
import { SandboxError, type SystemName } from './world';
import type { SandboxContext } from './context';

const systems = z.enum(['odoo', 'netsuite', 'shopify', 'amazon', 'mercadolibre'], {
  error: 'system must be one of odoo, netsuite, shopify, amazon, mercadolibre',
});
const rate = z.number().min(0).max(1);

const schemas = {
  preset: z.object({ preset: z.string(), ingestLagMs: z.number().int().nonnegative().optional() }),
  seed: z.object({ seed: seedSchema }),
  order: z.object({
    channel: z.string(),
    sku: z.string(),
    qty: z.number().int().positive(),
    location: z.string().optional(),
  }),
  cancel: z.object({ channel: z.string(), orderId: z.string() }),
  ret: z.object({
    channel: z.string(),
    orderId: z.string(),
    qty: z.number().int().positive().optional(),
    location: z.string().optional(),
    condition: z.enum(['sellable', 'damaged']).optional(),
  }),
  adjust: z
    .object({
      sku: z.string(),
      location: z.string(),
      delta: z.number().int().optional(),
      set: z.number().int().nonnegative().optional(),
      field: z.enum(['onHand', 'damaged']).optional(),
      reference: z.string().optional(),
    })
    .refine((a) => (a.delta === undefined) !== (a.set === undefined), 'give exactly one of delta and set'),
  transfer: z.object({
    sku: z.string(),
    qty: z.number().int().positive(),
    from: z.string(),
    to: z.string(),
    reference: z.string().optional(),
  }),
  edit: z.object({
    channel: z.string(),
    sku: z.string(),
    location: z.string().optional(),
    shows: z.number().int().nonnegative(),
  }),
  fba: z.object({
    channel: z.string(),
    sku: z.string(),
    type: z.enum([
      'inbound-shipped',
      'inbound-received',
      'receiving-complete',
      'customer-return',
      'inspection',
    ]),
    qty: z.number().int().positive(),
    result: z.enum(['sellable', 'unfulfillable']).optional(),
  }),
  faults: z.union([
    z.object({ clear: z.literal(true) }),
    z.object({
      system: systems,
      endpoint: z.string().optional(),
      latencyMs: z.number().int().nonnegative().optional(),
      errorRate: rate.optional(),
      status: z.number().int().min(400).max(599).optional(),
      rateLimits: z.enum(['off', 'production']).optional(),
      silentDropRate: rate.optional(),
      webhookLossRate: rate.optional(),
      webhookDuplicateRate: rate.optional(),
      webhookReorder: z.boolean().optional(),
    }),
  ]),
  market: z.object({
    ordersPerSecond: z.number().positive().max(1000),
    seconds: z.number().positive().max(3600),
    skus: z.array(z.string()).optional(),
    channelMix: z.record(z.string(), z.number().nonnegative()).optional(),
    skew: z.number().nonnegative().optional(),
    settle: z.enum(['flush', 'none']).optional(),
    seed: z.number().int().optional(),
  }),
  webhooks: z.object({ baseUrl: z.url().nullable() }),
};

/** Simulator hooks the admin API can reach (present when the whole sandbox runs). */
export interface AdminHooks {
  setOdooVersion?: (version: unknown) => number;
}

export async function startAdmin(
  ctx: SandboxContext,
  manifest: () => unknown,
  opts: { host?: string; port?: number } = {},
  hooks: AdminHooks = {},
): Promise<Served> {
  const app = createApp();
  const { world } = ctx;
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const r = schema.safeParse(body ?? {});
    if (!r.success)
      throw new SandboxError(
        r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        400,
      );
    return r.data;
  };
  app.setErrorHandler((err, _req, reply) => {
    const status =
      err instanceof SandboxError ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
    void reply.status(status).send({ error: err instanceof Error ? err.message : String(err) });
  });

  app.post('/_sandbox/reset', async (req) => {
    // A seed is checked field by field so the reason names the path (a union would only say "invalid input").
    const raw = req.body as Record<string, unknown> | undefined;
    const body = raw && 'seed' in raw ? parse(schemas.seed, raw) : parse(schemas.preset, raw);
    if ('preset' in body) {
      if (!(PRESETS as readonly string[]).includes(body.preset))
        throw new SandboxError(`unknown preset "${body.preset}" (presets: ${PRESETS.join(', ')})`, 400);
      world.reset(
        presetSeed(body.preset, body.ingestLagMs !== undefined ? { ingestLagMs: body.ingestLagMs } : {}),
      );
    } else world.reset(body.seed);
    ctx.webhooks.reset();
    return { ok: true, products: world.products.length, channels: [...world.channels.keys()] };
  });
  app.get('/_sandbox/state', async () => ({ ...world.state(), webhooks: summariseDeliveries(ctx) }));
  app.post('/_sandbox/orders', async (req) => world.placeOrder(parse(schemas.order, req.body)));
  app.post('/_sandbox/cancel', async (req) => ({ order: world.cancel(parse(schemas.cancel, req.body)) }));
  app.post('/_sandbox/return', async (req) => {
    const b = parse(schemas.ret, req.body);
    return { order: world.returnOrder(b) };
  });
  app.post('/_sandbox/erp/adjust', async (req) => {
    const b = parse(schemas.adjust, req.body);
    return world.adjust({
      sku: b.sku,
      location: b.location,
      ...(b.delta !== undefined ? { delta: b.delta } : {}),
      ...(b.set !== undefined ? { set: b.set } : {}),
      ...(b.field ? { field: b.field } : {}),
      ...(b.reference ? { reference: b.reference } : {}),
    });
  });
  app.post('/_sandbox/erp/transfer', async (req) => {
    const b = parse(schemas.transfer, req.body);
    return world.transfer({
      sku: b.sku,
      qty: b.qty,
      from: b.from,
      to: b.to,
      ...(b.reference ? { reference: b.reference } : {}),
    });
  });
  app.post('/_sandbox/erp/ingest', async () => {
    world.flushIngest();
    return { ok: true };
  });
  app.post('/_sandbox/channel/edit', async (req) => {
    const b = parse(schemas.edit, req.body);
    const listing = world.listing(b.channel, b.sku, b.location);
    if (!listing)
      throw new SandboxError(
        `${b.sku} is not listed on ${b.channel}${b.location ? ` at ${b.location}` : ''}`,
        404,
      );
    world.setShows(b.channel, listing, b.shows, 'person');
    return { sku: listing.sku, location: listing.location, shows: listing.shows };
  });
  app.post('/_sandbox/fba/event', async (req) => {
    const b = parse(schemas.fba, req.body);
    const { updatedAt: _u, ...fba } = world.fbaEvent(b);
    return fba;
  });
  app.post('/_sandbox/faults', async (req) => {
    const b = parse(schemas.faults, req.body);
    if ('clear' in b) world.clearFaults();
    else world.setFaults({ ...b, system: b.system as SystemName });
    return { faults: world.faults };
  });
  app.post('/_sandbox/market', async (req) => runMarket(world, parse(schemas.market, req.body)));
  app.post('/_sandbox/webhooks', async (req) => {
    const b = parse(schemas.webhooks, req.body);
    ctx.webhooks.settings.baseUrl = b.baseUrl ?? undefined;
    return { baseUrl: ctx.webhooks.settings.baseUrl ?? null };
  });
  app.get('/_sandbox/manifest', async () => manifest());
  app.post('/_sandbox/odoo/version', async (req) => {
    if (!hooks.setOdooVersion) throw new SandboxError('no Odoo simulator runs with this admin API', 404);
    const version = (req.body as { version?: unknown } | undefined)?.version;
    try {
      return { version: hooks.setOdooVersion(version) };
    } catch {
      throw new SandboxError('version must be one of 16, 17, 18, 19', 400);
    }
  });
  return listen(app, opts);
}

function summariseDeliveries(ctx: SandboxContext) {
  const by = new Map<
    string,
    {
      channel: string;
      topic: string;
      delivered: number;
      lost: number;
      failed: number;
      pending: number;
      duplicated: number;
      noTarget: number;
    }
  >();
  for (const d of ctx.webhooks.deliveries) {
    const key = `${d.channel}\u0000${d.topic}`;
    let s = by.get(key);
    if (!s)
      by.set(
        key,
        (s = {
          channel: d.channel,
          topic: d.topic,
          delivered: 0,
          lost: 0,
          failed: 0,
          pending: 0,
          duplicated: 0,
          noTarget: 0,
        }),
      );
    if (d.status === 'delivered') s.delivered += 1;
    else if (d.status === 'lost') s.lost += 1;
    else if (d.status === 'failed') s.failed += 1;
    else if (d.status === 'pending') s.pending += 1;
    else s.noTarget += 1;
    if (d.duplicated) s.duplicated += 1;
  }
  return [...by.values()];
}
