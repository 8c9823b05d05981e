/**
 * Every endpoint goes through one wrapper, so each call is gated (latency, injected errors), throttled under
 * production limits, authenticated and counted exactly once, whatever the handler does.
 */
import type { ChannelCredentials, SandboxContext } from '../../context';
import {
  gate,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type GateResult,
} from '../../http';
import type { ChannelState } from '../../world';
import { edgeRateLimited, statusError, toReply, tooManyRequests, unauthorized, type MlReply } from './errors';
import type { Throttle } from './throttle';
import type { TokenStore } from './tokens';

export interface Deps {
  ctx: SandboxContext;
  tokens: TokenStore;
  throttle: Throttle;
}

/** The seller (channel) a call acts for. */
export interface Seller {
  channel: ChannelState;
  credentials: ChannelCredentials['mercadolibre'];
  userId: number;
}

export interface Call {
  req: FastifyRequest;
  gate: GateResult;
  seller: Seller;
}

interface Common {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  /** The name faults and call statistics use, e.g. `PUT /items/{id}`. */
  endpoint: string;
  /** A resource with its own API limit on top of the edge's. */
  resource?: 'user-products';
}

export function sellerOf(deps: Deps, channelId: string): Seller | undefined {
  const channel = deps.ctx.world.channels.get(channelId);
  if (channel?.kind !== 'mercadolibre') return undefined;
  const credentials = deps.ctx.credentials.mercadolibre(channelId);
  return { channel, credentials, userId: Number(credentials.userId) };
}

/** The seller whose live access token the request carries (`Authorization: Bearer <token>`). */
function bearerSeller(deps: Deps, req: FastifyRequest): Seller | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const channelId = m?.[1] === undefined ? undefined : deps.tokens.resolve(m[1]);
  return channelId === undefined ? undefined : sellerOf(deps, channelId);
}

function send(reply: FastifyReply, out: MlReply): FastifyReply {
  reply.status(out.status);
  for (const [k, v] of Object.entries(out.headers ?? {})) reply.header(k, v);
  if (out.body === undefined) return reply.send();
  if (typeof out.body === 'string')
    return reply.type(out.headers?.['content-type'] ?? 'text/plain').send(out.body);
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(out.body));
}

function register(
  app: FastifyInstance,
  deps: Deps,
  spec: Common,
  identify: (req: FastifyRequest) => Seller | undefined,
  run: (req: FastifyRequest, g: GateResult, seller: Seller | undefined) => MlReply | Promise<MlReply>,
): void {
  const { world } = deps.ctx;
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (req, reply) => {
      const g = await gate(world, 'mercadolibre', spec.endpoint);
      // gate already counted an injected failure
      if (g.fail !== undefined) return send(reply, statusError(g.fail).reply);
      const seller = identify(req);
      let out: MlReply;
      try {
        if (g.rateLimits === 'production') {
          const limited = deps.throttle.check(seller?.channel.id ?? 'anonymous', spec.resource);
          if (limited) throw limited === 'edge' ? edgeRateLimited() : tooManyRequests();
        }
        out = await run(req, g, seller);
      } catch (e) {
        out = toReply(e);
      }
      world.recordCall(
        'mercadolibre',
        spec.endpoint,
        out.status === 429 ? 'throttled' : out.status >= 400 ? 'error' : 'ok',
      );
      return send(reply, out);
    },
  });
}

/** An endpoint that needs a live access token. */
export function authed(
  app: FastifyInstance,
  deps: Deps,
  spec: Common & { handler(call: Call): MlReply | Promise<MlReply> },
): void {
  register(
    app,
    deps,
    spec,
    (req) => bearerSeller(deps, req),
    (req, g, seller) => {
      if (!seller) throw unauthorized();
      return spec.handler({ req, gate: g, seller });
    },
  );
}

/** An endpoint without a bearer token (OAuth): `identify` names the seller for the rate limiter. */
export function open(
  app: FastifyInstance,
  deps: Deps,
  spec: Common & {
    identify(req: FastifyRequest): Seller | undefined;
    handler(req: FastifyRequest, g: GateResult): MlReply | Promise<MlReply>;
  },
): void {
  register(app, deps, spec, spec.identify, (req, g) => spec.handler(req, g));
}

export const ok = (body: unknown, headers?: Record<string, string>): MlReply => ({
  status: 200,
  body,
  ...(headers ? { headers } : {}),
});
