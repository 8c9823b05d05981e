/**
 * The Amazon SP-API simulator: Login with Amazon, FBA inventory summaries, Listings Items 2021-08-01, Feeds
 * 2021-06-30 (JSON_LISTINGS_FEED) with S3-like document URLs, Orders v0, per-operation token buckets, and
 * notifications. One server answers every Amazon channel of the world; the LWA access token says which.
 *
 * The `@sp-api-sdk` clients hard-code their hosts (apis.md finding 0.5), so a client reaches this server through
 * its `basePath` and an `auth` whose token request goes to `<url>/auth/o2/token`.
 */
import { createApp, listen, type Served } from '../../http';
import type { SandboxContext, SimulatorOptions } from '../../context';
import type { WorldEvent } from '../../world';
import { registerDocuments } from './documents';
import { SpError } from './errors';
import { registerFeeds } from './feeds';
import { registerInventory } from './inventory';
import { registerListings } from './listings';
import { registerLwa } from './lwa';
import { notificationListener } from './notifications';
import { registerOrders } from './orders';
import { AmazonState, type AmazonSettings } from './state';

export { signNotification, SIGNATURE_HEADER } from './notifications';
export { OPERATIONS } from './pipeline';

export interface AmazonOptions extends SimulatorOptions, Partial<AmazonSettings> {}

export interface AmazonServed extends Served {
  /** `POST` here for LWA tokens (Amazon: https://api.amazon.com/auth/o2/token). */
  lwaUrl: string;
  /**
   * Expires every access token issued so far (or only a channel's): the next call with one gets 403 Unauthorized
   * "The access token you provided has expired.", as when Amazon's clock runs out before the client's. Returns how
   * many tokens it expired.
   */
  expireAccessTokens(channelId?: string): number;
}

const DEFAULTS: AmazonSettings = {
  tokenTtlSeconds: 3600,
  feedQueueMs: 500,
  feedProcessingMs: 1500,
  documentUrlTtlSeconds: 300,
  notifications: true,
};

export async function startAmazon(ctx: SandboxContext, opts: AmazonOptions = {}): Promise<AmazonServed> {
  const settings: AmazonSettings = {
    tokenTtlSeconds: opts.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds,
    feedQueueMs: opts.feedQueueMs ?? DEFAULTS.feedQueueMs,
    feedProcessingMs: opts.feedProcessingMs ?? DEFAULTS.feedProcessingMs,
    documentUrlTtlSeconds: opts.documentUrlTtlSeconds ?? DEFAULTS.documentUrlTtlSeconds,
    notifications: opts.notifications ?? DEFAULTS.notifications,
  };
  const state = new AmazonState(ctx, settings);
  const app = createApp();
  // JSON bodies stay text until an operation parses them, so a malformed body passes the fault gate and the
  // token check first and is answered in the SP-API error shape like every other bad input.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  registerLwa(app, state);
  registerInventory(app, state);
  registerListings(app, state);
  registerDocuments(app, state);
  registerFeeds(app, state);
  registerOrders(app, state);
  app.setNotFoundHandler((_req, reply) =>
    reply
      .code(404)
      .type('application/json')
      .send(new SpError(404, 'NotFound', 'Resource not found.').body()),
  );

  const notify = notificationListener(state);
  const onEvent = (e: WorldEvent) => {
    if (e.type === 'reset') state.onReset();
    notify(e);
  };
  ctx.world.on('event', onEvent);

  let served: Served;
  try {
    served = await listen(app, { host: opts.host, port: opts.port });
  } catch (err) {
    ctx.world.off('event', onEvent);
    throw err;
  }
  return {
    ...served,
    lwaUrl: `${served.url}/auth/o2/token`,
    expireAccessTokens(channelId) {
      let n = 0;
      const now = state.now();
      for (const t of state.tokens.values())
        if ((channelId === undefined || t.channelId === channelId) && t.expiresAt > now) {
          t.expiresAt = now;
          n += 1;
        }
      return n;
    },
    async close() {
      ctx.world.off('event', onEvent);
      state.clearTimers();
      await served.close();
    },
  };
}
