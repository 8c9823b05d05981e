/**
 * The Mercado Libre simulator: OAuth with single-use refresh tokens, items and variations, distributed stock per
 * user product with `x-version`, items search by SKU, orders, notifications and production rate limits.
 * It serves every `mercadolibre` channel of the world and tells them apart by their tokens.
 *
 * Endpoint names for faults and call statistics: `POST /oauth/token`, `GET /items/{id}`, `GET /items`,
 * `PUT /items/{id}`, `GET /user-products/{id}/stock`, `PUT /user-products/{id}/stock/type/{type}`,
 * `GET /users/me`, `GET /users/{id}/items/search`, `GET /orders/search`, `GET /orders/{id}`, `GET /shipments/{id}`.
 */
import type { SandboxContext, SimulatorOptions } from '../../context';
import { createApp, listen, type FastifyInstance, type Served } from '../../http';
import { statusError } from './errors';
import { registerItems } from './items';
import { notifier } from './notifications';
import { registerOAuth } from './oauth';
import { registerOrders } from './orders';
import type { Deps } from './route';
import { registerStock } from './stock';
import { PRODUCTION_LIMITS, Throttle, type MlLimits } from './throttle';
import { TokenStore } from './tokens';
import { registerUsers } from './users';

export interface MercadoLibreOptions extends SimulatorOptions {
  /** Access token lifetime in seconds; Mercado Libre's is 21600 (6 hours). */
  accessTokenTtlSec?: number;
  /** Overrides of the production limits (per seller, per minute). */
  limits?: Partial<MlLimits>;
}

export interface MercadoLibreServed extends Served {
  /** Test hooks on the OAuth state. */
  tokens: {
    /** The access token expires now (the next call with it gets 401). */
    expire(accessToken: string): boolean;
    /** Every live access token of the channel expires now; returns how many there were. */
    expireChannel(channelId: string): number;
  };
}

/** Fastify-level failures (malformed JSON, oversized body) and unknown paths, in the vendor's shape. */
function vendorShapedFallbacks(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    const code = (err as { statusCode?: unknown }).statusCode;
    const status = typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
    const message = status === 400 ? 'Malformed request body' : undefined;
    return reply.status(status).send(statusError(status, message).reply.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(statusError(404, `Resource ${req.url.split('?')[0] ?? ''} not found.`).reply.body),
  );
}

export async function startMercadoLibre(
  ctx: SandboxContext,
  opts: MercadoLibreOptions = {},
): Promise<MercadoLibreServed> {
  const now = () => ctx.world.now();
  const tokens = new TokenStore(ctx.credentials, now, opts.accessTokenTtlSec ?? 21_600);
  const deps: Deps = { ctx, tokens, throttle: new Throttle(now, { ...PRODUCTION_LIMITS, ...opts.limits }) };
  const app = createApp();
  vendorShapedFallbacks(app);
  registerOAuth(app, deps);
  registerItems(app, deps);
  registerStock(app, deps);
  registerUsers(app, deps);
  registerOrders(app, deps);

  const onEvent = notifier(ctx);
  ctx.world.on('event', onEvent);
  let served: Served;
  try {
    served = await listen(app, { host: opts.host, port: opts.port });
  } catch (e) {
    ctx.world.off('event', onEvent);
    throw e;
  }
  return {
    url: served.url,
    port: served.port,
    close: async () => {
      ctx.world.off('event', onEvent);
      await served.close();
    },
    tokens: { expire: (t) => tokens.expire(t), expireChannel: (c) => tokens.expireChannel(c) },
  };
}
