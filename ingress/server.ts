/**
 * The webhook ingress (design C3, section 5 "HTTP ingress"): verifies each delivery on its raw body, dedupes it by
 * delivery id, turns it into InboundEvents and hands them to Temporal through the dispatcher before answering 2xx.
 * Temporal unavailable: 503 with Retry-After, so the sender retries. Also /healthz, /metrics and the operator's
 * status page and API behind the admin token.
 *
 * Never logs bodies or secrets: only source, channel, delivery id, result and reasons.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { createDispatcher } from '../activities/dispatch';
import type { Config, ChannelConfig } from '../domain/config/schema';
import { createAdapters } from '../integrations';
import { isIntegrationError } from '../integrations/errors';
import type { ChannelAdapter } from '../integrations/types';
import { createMetrics, type InvsyncMetrics } from '../ops/metrics';
import { CliError, configPath, EXIT, requireConfig } from '../cli/io';
import { WORKFLOW_TASK_QUEUE } from '../domain/search-attributes';
import { attentionList, statusPage, statusReport, temporalUp, type AdminDeps } from './admin';
import { DEFAULT_DEDUPE, DeliveryDedupe, type DedupeOptions } from './dedupe';
import { amazonEnvelopeSchema, amazonOutcome, replayReason } from './sources/amazon';
import { erpOutcome, erpWebhookSchema } from './sources/erp';
import { mercadoLibreOutcome, mlNotificationSchema } from './sources/mercadolibre';
import { shopifyOutcome } from './sources/shopify';
import type { Dispatcher, Outcome, TaggedEvent, WebhookResult, WebhookSource } from './types';
import { validate } from './validate';
import { verifyInvsyncSignature, verifyShopifyHmac } from './verify';

export const BODY_LIMIT = 1024 * 1024;
export const DEFAULT_AMAZON_REPLAY_WINDOW_MS = 10 * 60_000;
/** Senders time out (Shopify after 5 s): hand a delivery to Temporal within this or answer 503. */
export const DEFAULT_DISPATCH_TIMEOUT_MS = 4_000;
export const RETRY_AFTER_SECONDS = 5;

export interface IngressOptions {
  config: Config;
  client: Client;
  /** channel id -> adapter (Mercado Libre and Amazon re-fetches, Shopify/Mercado Libre listing lookups). */
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics: InvsyncMetrics;
  taskQueue: string;
  idPrefix: string;
  log?: FastifyBaseLogger | undefined;
  /** Amazon notifications published longer ago than this are replays (401). Default 10 minutes. */
  amazonReplayWindowMs?: number | undefined;
  /** Deadline for handing one delivery to Temporal (ms). Default 4 s. */
  dispatchTimeoutMs?: number | undefined;
  /** Deadline of health and visibility calls (ms). Default 2 s. */
  healthTimeoutMs?: number | undefined;
  dedupe?: DedupeOptions | undefined;
  now?: (() => number) | undefined;
}

/** The dispatcher failed (Temporal unreachable, or any client error): the delivery is answered 503. */
class DispatchFailed extends Error {
  override readonly name = 'DispatchFailed';
}

interface Handled {
  status: number;
  result: WebhookResult;
  body: Record<string, unknown>;
  retryAfter?: number | undefined;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const rawBody = (req: FastifyRequest): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

const sameSecret = (given: string, expected: string): boolean => {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
};

export function createIngress(opts: IngressOptions): FastifyInstance {
  const app = Fastify({
    ...(opts.log ? { loggerInstance: opts.log } : { logger: false }),
    bodyLimit: BODY_LIMIT,
  });
  const now = opts.now ?? Date.now;
  const dispatchTimeoutMs = opts.dispatchTimeoutMs ?? DEFAULT_DISPATCH_TIMEOUT_MS;
  const healthTimeoutMs = opts.healthTimeoutMs ?? 2_000;
  const replayWindowMs = opts.amazonReplayWindowMs ?? DEFAULT_AMAZON_REPLAY_WINDOW_MS;
  const dedupe = new DeliveryDedupe(opts.dedupe ?? DEFAULT_DEDUPE);
  const dispatcher: Dispatcher = createDispatcher({
    client: opts.client,
    config: opts.config,
    taskQueue: opts.taskQueue,
    idPrefix: opts.idPrefix,
  });
  const channels = new Map(opts.config.channels.map((c) => [c.id, c]));
  const admin: AdminDeps = {
    config: opts.config,
    client: opts.client,
    metrics: opts.metrics,
    idPrefix: opts.idPrefix,
    timeoutMs: healthTimeoutMs,
  };

  const channelOf = <K extends ChannelConfig['kind']>(
    kind: K,
    id: string,
  ): Extract<ChannelConfig, { kind: K }> | undefined => {
    const c = channels.get(id);
    return c?.kind === kind ? (c as Extract<ChannelConfig, { kind: K }>) : undefined;
  };

  /** Hands the events to Temporal one by one; any failure is a DispatchFailed (503). */
  async function handOver(
    events: TaggedEvent[],
  ): Promise<{ started: string[]; signalled: string[]; ignored?: string }> {
    const started: string[] = [];
    const signalled: string[] = [];
    const ignoredReasons: string[] = [];
    for (const e of events) {
      let r: Awaited<ReturnType<Dispatcher['dispatch']>>;
      try {
        r = await opts.client.connection.withDeadline(Date.now() + dispatchTimeoutMs, () =>
          dispatcher.dispatch(e.event, e.deliveryId),
        );
      } catch (err) {
        throw new DispatchFailed((err as Error).message?.split('\n')[0] ?? String(err), { cause: err });
      }
      started.push(...r.started);
      signalled.push(...r.signalled);
      if (r.ignored) ignoredReasons.push(r.ignored);
    }
    const nothing = !started.length && !signalled.length && ignoredReasons.length > 0;
    return { started, signalled, ...(nothing ? { ignored: ignoredReasons.join('; ') } : {}) };
  }

  /** Runs one verified delivery: dedupe, produce the events, hand them over; maps every outcome to an answer. */
  async function deliver(
    source: WebhookSource,
    key: string,
    produce: () => Promise<Outcome>,
  ): Promise<Handled> {
    try {
      const r = await dedupe.once(key, async () => {
        const outcome = await produce();
        if (outcome.kind === 'reject') return { remember: false, value: answerReject(outcome) };
        if (outcome.kind === 'ignored')
          return {
            remember: true,
            value: { status: 200, result: 'ignored' as const, body: { ok: true, ignored: outcome.reason } },
          };
        const done = await handOver(outcome.events);
        return {
          remember: true,
          value: done.ignored
            ? { status: 200, result: 'ignored' as const, body: { ok: true, ignored: done.ignored } }
            : {
                status: 200,
                result: 'accepted' as const,
                body: { ok: true, started: done.started, signalled: done.signalled },
              },
        };
      });
      if (r.duplicate) return { status: 200, result: 'duplicate', body: { ok: true, duplicate: true } };
      return r.value;
    } catch (err) {
      if (err instanceof DispatchFailed) {
        app.log.warn(
          { source, key, err: err.message },
          'Temporal could not take the delivery: answering 503',
        );
        return {
          status: 503,
          result: 'unavailable',
          body: { error: `Temporal is unavailable: ${err.message}` },
          retryAfter: RETRY_AFTER_SECONDS,
        };
      }
      if (isIntegrationError(err)) {
        if (err.code === 'NOT_FOUND')
          return answerReject({ kind: 'reject', status: 404, reason: err.message });
        if (err.code === 'INVALID_REQUEST')
          return answerReject({ kind: 'reject', status: 400, reason: err.message });
        app.log.warn(
          { source, key, code: err.code, err: err.message },
          'channel re-fetch failed: answering 503',
        );
        return {
          status: 503,
          result: 'unavailable',
          body: { error: `the channel could not be read to verify the delivery: ${err.message}` },
          retryAfter: Math.max(1, Math.ceil((err.retryAfterMs ?? RETRY_AFTER_SECONDS * 1000) / 1000)),
        };
      }
      app.log.error({ source, key, err: (err as Error).message }, 'webhook failed');
      return { status: 500, result: 'unavailable', body: { error: 'internal error' } };
    }
  }

  function answerReject(o: Extract<Outcome, { kind: 'reject' }>): Handled {
    return {
      status: o.status,
      result: o.status === 401 ? 'unauthorized' : 'rejected',
      body: { error: o.reason },
    };
  }

  async function send(reply: FastifyReply, source: WebhookSource, h: Handled): Promise<FastifyReply> {
    opts.metrics.webhooks.inc({ source, result: h.result });
    if (h.result !== 'accepted' && h.result !== 'duplicate')
      reply.log.info(
        { source, result: h.result, status: h.status, reason: h.body.error ?? h.body.ignored },
        'webhook',
      );
    if (h.retryAfter !== undefined) void reply.header('retry-after', String(h.retryAfter));
    return reply.code(h.status).send(h.body);
  }

  const fail = (status: 400 | 401 | 404 | 422, reason: string): Handled =>
    answerReject({ kind: 'reject', status, reason });

  // ---- webhooks: raw bodies, verified before parsing ------------------------------------------------------------
  void app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
      done(null, body);
    });
    // Errors fastify raises before a handler runs (body over 1 MB, a broken request): counted and answered.
    hooks.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      const source = /^\/webhooks\/(shopify|mercadolibre|amazon|erp)\b/.exec(req.url)?.[1] as WebhookSource;
      if (status >= 500) req.log.error({ source, err: err.message }, 'webhook failed');
      return send(reply, source ?? 'erp', {
        status,
        result: status < 500 ? 'rejected' : 'unavailable',
        body: { error: status < 500 ? err.message : 'internal error' },
      });
    });

    hooks.post<{ Params: { channelId: string } }>('/webhooks/shopify/:channelId', async (req, reply) => {
      const ch = channelOf('shopify', req.params.channelId);
      if (!ch)
        return send(
          reply,
          'shopify',
          fail(404, `no Shopify channel "${req.params.channelId}" in the config`),
        );
      const raw = rawBody(req);
      if (!verifyShopifyHmac(raw, header(req, 'x-shopify-hmac-sha256'), ch.credentials.webhookSecret))
        return send(
          reply,
          'shopify',
          fail(401, 'X-Shopify-Hmac-Sha256 is missing or does not match the body'),
        );
      const topic = header(req, 'x-shopify-topic');
      const webhookId = header(req, 'x-shopify-webhook-id');
      if (!topic || !webhookId)
        return send(reply, 'shopify', fail(400, 'X-Shopify-Topic and X-Shopify-Webhook-Id are required'));
      const body = parseJson(raw);
      if (!body.ok) return send(reply, 'shopify', fail(400, 'the body is not valid JSON'));
      return send(
        reply,
        'shopify',
        await deliver('shopify', `shopify:${ch.id}:${webhookId}`, () =>
          shopifyOutcome({
            channel: ch.id,
            adapter: opts.adapters.get(ch.id),
            topic,
            webhookId,
            body: body.value,
          }),
        ),
      );
    });

    hooks.post<{ Params: { channelId: string } }>('/webhooks/mercadolibre/:channelId', async (req, reply) => {
      const ch = channelOf('mercadolibre', req.params.channelId);
      const adapter = ch ? opts.adapters.get(ch.id) : undefined;
      if (!ch || !adapter)
        return send(
          reply,
          'mercadolibre',
          fail(404, `no Mercado Libre channel "${req.params.channelId}" in the config`),
        );
      const body = parseJson(rawBody(req));
      if (!body.ok) return send(reply, 'mercadolibre', fail(400, 'the body is not valid JSON'));
      const v = validate(mlNotificationSchema, body.value, 'Mercado Libre notification');
      if (!v.ok) return send(reply, 'mercadolibre', answerReject(v.outcome));
      const n = v.data;
      return send(
        reply,
        'mercadolibre',
        await deliver('mercadolibre', `mercadolibre:${ch.id}:${n._id}`, () =>
          mercadoLibreOutcome({ channel: ch.id, adapter, userId: ch.credentials.userId, n }),
        ),
      );
    });

    hooks.post<{ Params: { channelId: string } }>('/webhooks/amazon/:channelId', async (req, reply) => {
      const ch = channelOf('amazon', req.params.channelId);
      const adapter = ch ? opts.adapters.get(ch.id) : undefined;
      if (!ch || !adapter)
        return send(reply, 'amazon', fail(404, `no Amazon channel "${req.params.channelId}" in the config`));
      const secret = ch.credentials.notificationSecret;
      if (!secret)
        return send(
          reply,
          'amazon',
          fail(
            401,
            `channel ${ch.id} has no credentials.notificationSecret: notifications cannot be verified`,
          ),
        );
      const raw = rawBody(req);
      if (!verifyInvsyncSignature(raw, header(req, 'x-invsync-signature'), secret))
        return send(reply, 'amazon', fail(401, 'X-Invsync-Signature is missing or does not match the body'));
      const body = parseJson(raw);
      if (!body.ok) return send(reply, 'amazon', fail(400, 'the body is not valid JSON'));
      const v = validate(amazonEnvelopeSchema, body.value, 'SP-API notification');
      if (!v.ok) return send(reply, 'amazon', answerReject(v.outcome));
      const n = v.data;
      const replay = replayReason(n.NotificationMetadata.PublishTime, now(), replayWindowMs);
      if (replay) return send(reply, 'amazon', fail(401, replay));
      return send(
        reply,
        'amazon',
        await deliver('amazon', `amazon:${ch.id}:${n.NotificationMetadata.NotificationId}`, () =>
          amazonOutcome({
            channel: ch.id,
            adapter,
            sellerId: ch.credentials.sellerId,
            marketplaceId: ch.credentials.marketplaceId,
            n,
          }),
        ),
      );
    });

    hooks.post('/webhooks/erp', async (req, reply) => {
      const secret = opts.config.ingress.erpSecret;
      if (!secret)
        return send(
          reply,
          'erp',
          fail(401, 'ingress.erpSecret is not configured: ERP webhooks cannot be verified'),
        );
      const raw = rawBody(req);
      if (!verifyInvsyncSignature(raw, header(req, 'x-invsync-signature'), secret))
        return send(reply, 'erp', fail(401, 'X-Invsync-Signature is missing or does not match the body'));
      const body = parseJson(raw);
      if (!body.ok) return send(reply, 'erp', fail(400, 'the body is not valid JSON'));
      const v = validate(erpWebhookSchema, body.value, 'ERP webhook');
      if (!v.ok) return send(reply, 'erp', answerReject(v.outcome));
      const w = v.data;
      return send(reply, 'erp', await deliver('erp', `erp::${w.id}`, () => Promise.resolve(erpOutcome(w))));
    });
  });

  // ---- health and metrics ----------------------------------------------------------------------------------------
  app.get('/healthz', async (_req, reply) => {
    const up = await temporalUp(opts.client, healthTimeoutMs);
    return reply.code(up ? 200 : 503).send({ ok: up, temporal: up ? 'up' : 'down' });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await opts.metrics.registry.metrics();
    return reply.type(opts.metrics.registry.contentType).send(text);
  });

  // ---- operator surfaces behind the admin token ------------------------------------------------------------------
  const token = opts.config.ingress.adminToken;
  /** undefined: authorised; otherwise the answer already sent. */
  const guard = (req: FastifyRequest, reply: FastifyReply, allowShell: boolean): FastifyReply | undefined => {
    if (!token)
      return reply.code(404).send({
        error:
          'the status page and API are off: set ingress.adminToken (16+ characters) in the config to enable them',
      });
    const auth = header(req, 'authorization');
    if (auth === undefined && allowShell) return undefined;
    const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
    if (!m?.[1] || !sameSecret(m[1], token))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="invsync"')
        .send({ error: 'send Authorization: Bearer <ingress.adminToken>' });
    return undefined;
  };

  app.get('/', async (req, reply) => {
    const denied = guard(req, reply, true);
    if (denied) return denied;
    return reply.type('text/html; charset=utf-8').send(statusPage());
  });
  app.get('/api/status', async (req, reply) => {
    const denied = guard(req, reply, false);
    if (denied) return denied;
    return reply.send(await statusReport(admin));
  });
  app.get('/api/attention', async (req, reply) => {
    const denied = guard(req, reply, false);
    if (denied) return denied;
    if (!(await temporalUp(opts.client, healthTimeoutMs)))
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ error: 'Temporal is unreachable' });
    return reply.send({ attention: await attentionList(admin) });
  });

  return app;
}

/** Listens on host:port (0: ephemeral). */
export async function startIngress(
  opts: IngressOptions & { host?: string | undefined; port?: number | undefined },
): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const app = createIngress(opts);
  const host = opts.host ?? opts.config.ingress.host;
  await app.listen({ host, port: opts.port ?? opts.config.ingress.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? opts.config.ingress.port);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shown}:${port}`, app, close: () => app.close() };
}

/** `invsync ingress [--host] [--port]`: config, adapters, a lazy Temporal client; runs until SIGINT/SIGTERM. */
export async function runIngressCommand(o: {
  configPath?: string | undefined;
  host?: string | undefined;
  port?: number | string | undefined;
  /** Resolves when the process should stop (default: SIGINT or SIGTERM). */
  stop?: Promise<void> | undefined;
  /** Called once listening (tests read the ephemeral port). */
  onListening?: ((url: string) => void) | undefined;
}): Promise<number> {
  const path = configPath(o.configPath);
  const config = await requireConfig(path);
  const portText = o.port ?? process.env.INVSYNC_INGRESS_PORT;
  const port = portText === undefined || portText === '' ? config.ingress.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(
      `--port / INVSYNC_INGRESS_PORT: "${String(portText)}" is not a port number`,
      EXIT.usage,
    );
  const host = o.host ?? (process.env.INVSYNC_INGRESS_HOST || undefined) ?? config.ingress.host;
  const address = process.env.TEMPORAL_ADDRESS || config.temporal.address;
  const namespace = process.env.TEMPORAL_NAMESPACE || config.temporal.namespace;

  const log = pino({ level: process.env.INVSYNC_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const { channels } = createAdapters(config);
  // Lazy: a Temporal server that is down at start does not stop the ingress; it answers 503 until Temporal is back.
  const connection = Connection.lazy({ address });
  const client = new Client({ connection, namespace });
  const metrics = createMetrics({ defaultMetrics: true });
  let server: Awaited<ReturnType<typeof startIngress>>;
  try {
    server = await startIngress({
      config,
      client,
      adapters: channels,
      metrics,
      taskQueue: WORKFLOW_TASK_QUEUE,
      idPrefix: '',
      log: log as unknown as FastifyBaseLogger,
      host,
      port,
    });
  } catch (err) {
    await connection.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL')
      throw new CliError(`cannot listen on ${host}:${port}: ${e.code}`, EXIT.usage);
    throw err;
  }
  o.onListening?.(server.url);
  const up = await temporalUp(client, 2_000);
  log.info(
    { url: server.url, temporal: address, namespace, temporalUp: up },
    up
      ? `invsync ingress on ${server.url}`
      : `invsync ingress on ${server.url}; Temporal at ${address} is not reachable yet (webhooks answer 503 until it is)`,
  );
  await (o.stop ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  log.info('invsync ingress stopping: finishing requests in flight');
  await server.close();
  await connection.close();
  return EXIT.ok;
}
