/**
 * One request pipeline for every SP-API operation, in the order the real gateway applies it: injected faults, then
 * the `x-amz-access-token` check (403 Unauthorized), then the operation's token bucket (429 QuotaExceeded, only under
 * production limits), then the operation itself. It sets `x-amzn-RequestId` on every response and
 * `x-amzn-RateLimit-Limit` on every response except authorization failures (apis.md 4.3: "not on auth failures"),
 * and records each call exactly once.
 */
import { randomUUID } from 'node:crypto';
import {
  gate,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type GateResult,
} from '../../http';
import {
  faultError,
  internalFailure,
  quotaExceeded,
  SpError,
  TOKEN_EXPIRED,
  TOKEN_INVALID,
  unauthorized,
} from './errors';
import type { AmazonCredentials, AmazonState } from './state';

export interface Operation {
  name: string;
  /** Requests per second restored to the bucket. */
  rate: number;
  burst: number;
}

/**
 * Default usage plans (apis.md 4.1/4.2 and the "Usage Plan" tables in the official models, which the
 * `@sp-api-sdk` clients copy into their `clientRateLimits`).
 */
export const OPERATIONS = {
  getInventorySummaries: { name: 'getInventorySummaries', rate: 2, burst: 2 },
  getListingsItem: { name: 'getListingsItem', rate: 5, burst: 10 },
  patchListingsItem: { name: 'patchListingsItem', rate: 5, burst: 5 },
  createFeedDocument: { name: 'createFeedDocument', rate: 0.5, burst: 15 },
  createFeed: { name: 'createFeed', rate: 0.0083, burst: 15 },
  getFeed: { name: 'getFeed', rate: 2, burst: 15 },
  cancelFeed: { name: 'cancelFeed', rate: 2, burst: 15 },
  getFeedDocument: { name: 'getFeedDocument', rate: 0.0222, burst: 10 },
  getOrders: { name: 'getOrders', rate: 0.0167, burst: 20 },
  getOrder: { name: 'getOrder', rate: 0.5, burst: 30 },
  getOrderItems: { name: 'getOrderItems', rate: 0.5, burst: 30 },
} as const satisfies Record<string, Operation>;

export interface SpCall {
  req: FastifyRequest;
  channelId: string;
  seller: AmazonCredentials;
  gate: GateResult;
  now: number;
  /** Takes an extra token from another bucket (e.g. JSON_LISTINGS_FEED submissions); false means throttle. */
  takeExtra(key: string, rate: number, burst: number): boolean;
}

export interface SpReply {
  status?: number;
  body: unknown;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export function spRoute(
  app: FastifyInstance,
  state: AmazonState,
  method: Method,
  url: string,
  op: Operation,
  handler: (call: SpCall) => SpReply | Promise<SpReply>,
): void {
  const world = state.ctx.world;
  app.route({
    method,
    url,
    handler: async (req, reply) => {
      reply.header('x-amzn-RequestId', randomUUID());
      const g = await gate(world, 'amazon', op.name);
      if (g.fail !== undefined) return send(reply, faultError(g.fail), op);

      const auth = authenticate(state, req);
      if (auth instanceof SpError) {
        world.recordCall('amazon', op.name, 'error');
        return send(reply, auth);
      }
      const production = g.rateLimits === 'production';
      const bucketKey = (name: string) => `${auth}\u0000${name}`;
      if (production && !state.buckets.get(bucketKey(op.name), op.rate, op.burst).take()) {
        world.recordCall('amazon', op.name, 'throttled');
        return send(reply, quotaExceeded(), op);
      }

      let result: SpReply | SpError;
      try {
        result = await handler({
          req,
          channelId: auth,
          seller: state.credentials(auth),
          gate: g,
          now: state.now(),
          takeExtra: (key, rate, burst) =>
            !production || state.buckets.get(bucketKey(key), rate, burst).take(),
        });
      } catch (err) {
        result = err instanceof SpError ? err : internalFailure();
      }
      if (result instanceof SpError) {
        world.recordCall('amazon', op.name, result.status === 429 ? 'throttled' : 'error');
        return send(reply, result, result.status === 403 ? undefined : op);
      }
      world.recordCall('amazon', op.name, 'ok');
      reply.header('x-amzn-RateLimit-Limit', String(op.rate));
      return reply
        .code(result.status ?? 200)
        .type('application/json')
        .send(result.body);
    },
  });
}

function send(reply: FastifyReply, err: SpError, op?: Operation): FastifyReply {
  if (op) reply.header('x-amzn-RateLimit-Limit', String(op.rate));
  return reply.code(err.status).type('application/json').send(err.body());
}

/** Resolves the channel from the access token, or the 403 Amazon answers (unknown, expired, grantless). */
function authenticate(state: AmazonState, req: FastifyRequest): string | SpError {
  const header = req.headers['x-amz-access-token'];
  const token = Array.isArray(header) ? header[0] : header;
  const issued = token === undefined ? undefined : state.tokens.get(token);
  if (!issued || issued.grantless || !state.channelIds().includes(issued.channelId))
    return unauthorized(TOKEN_INVALID);
  if (state.now() >= issued.expiresAt) return unauthorized(TOKEN_EXPIRED);
  return issued.channelId;
}

/** The seller id in a path must be the token's seller; Amazon answers another seller's id with 403. */
export function assertSeller(call: SpCall, sellerId: string): void {
  if (sellerId !== call.seller.sellerId) throw unauthorized();
}

/** The request body parsed as JSON (the app keeps JSON bodies as text so that a malformed one is a 400 here). */
export function jsonBody(req: FastifyRequest): unknown {
  const body: unknown = req.body;
  if (typeof body !== 'string') return body;
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new SpError(400, 'InvalidInput', 'Request has missing or invalid parameters and cannot be parsed.');
  }
}
