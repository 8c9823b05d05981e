/**
 * The HTTP face of the simulator: `POST /admin/api/<version>/graphql.json` authenticated by
 * `X-Shopify-Access-Token` (one token per channel), the bulk-operation result files, and Shopify's error bodies.
 * The simulator's own state (idempotency keys, bulk operations, cost buckets) lives here and is cleared when the
 * world is reset.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { executeSync, type GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { channelsOfKind, type SandboxContext } from '../../context';
import { createApp, gate, type FastifyInstance, type FastifyReply } from '../../http';
import type { ChannelState, WorldEvent } from '../../world';
import { BulkOperations } from './bulk';
import type { GqlContext } from './context';
import { CostBucket, STANDARD_PLAN, type Plan } from './cost';
import { httpError, INVALID_TOKEN } from './errors';
import { IdempotencyStore } from './idempotency';
import { endpointName, runGraphql, type GraphqlRequest } from './pipeline';
import { attachResolvers } from './resolvers';
import { buildAdminSchema } from './schema';
import { sendWebhook, webhookFor } from './webhooks';

export interface ShopifySimulatorOptions {
  /** Bucket size and restore rate; the Standard plan (2000 points, 100/s) by default. */
  plan?: Plan | undefined;
  /** How long a bulk query takes to complete, in milliseconds. */
  bulkDelayMs?: number | undefined;
}

const VERSION = /^(\d{4}-\d{2}|unstable)$/;

const bodySchema = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

/** The JSON body (`{query, variables, operationName}`) or, with `Content-Type: application/graphql`, the bare query. */
function readBody(body: unknown): GraphqlRequest | undefined {
  if (typeof body === 'string') return body.trim() ? { query: body, variables: {} } : undefined;
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return {
    query: parsed.data.query,
    variables: parsed.data.variables ?? {},
    operationName: parsed.data.operationName ?? undefined,
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ShopifySimulator {
  readonly schema: GraphQLSchema = attachResolvers(buildAdminSchema());
  readonly app: FastifyInstance = createApp();
  baseUrl = '';
  private readonly plan: Plan;
  private readonly idempotency = new IdempotencyStore();
  private readonly bulk: BulkOperations;
  private readonly buckets = new Map<string, CostBucket>();
  private groupSeq = 1;
  private readonly onEvent = (e: WorldEvent) => this.handleEvent(e);

  constructor(
    private readonly ctx: SandboxContext,
    opts: ShopifySimulatorOptions = {},
  ) {
    this.plan = opts.plan ?? STANDARD_PLAN;
    this.bulk = new BulkOperations({
      now: () => ctx.world.now(),
      delayMs: opts.bulkDelayMs ?? 50,
      baseUrl: () => this.baseUrl,
      schema: this.schema,
      execute: (shop, document) => {
        const channel = ctx.world.channels.get(shop);
        if (!channel) return undefined;
        const result = executeSync({
          schema: this.schema,
          document,
          contextValue: this.context(channel, 'unstable', false, true),
        });
        return { data: result.data, failed: Boolean(result.errors?.length) };
      },
    });
    this.routes();
    ctx.world.on('event', this.onEvent);
  }

  /** Stops webhooks and pending bulk operations (the server itself is closed by its `Served`). */
  dispose(): void {
    this.ctx.world.off('event', this.onEvent);
    this.bulk.clear();
  }

  private handleEvent(e: WorldEvent): void {
    if (e.type === 'reset') {
      this.idempotency.clear();
      this.bulk.clear();
      this.buckets.clear();
      return;
    }
    const hook = webhookFor(this.ctx.world, e);
    if (hook) sendWebhook(this.ctx, hook);
  }

  private context(channel: ChannelState, apiVersion: string, drop: boolean, bulk: boolean): GqlContext {
    return {
      world: this.ctx.world,
      channel,
      apiVersion,
      drop,
      bulk,
      idempotency: this.idempotency,
      bulkOperations: this.bulk,
      nextId: () => this.groupSeq++,
    };
  }

  private bucket(channelId: string): CostBucket {
    let b = this.buckets.get(channelId);
    if (!b) this.buckets.set(channelId, (b = new CostBucket(this.plan, () => this.ctx.world.now())));
    return b;
  }

  private channelFor(token: unknown): ChannelState | undefined {
    if (typeof token !== 'string' || !token) return undefined;
    return channelsOfKind(this.ctx.world, 'shopify').find((ch) =>
      sameSecret(this.ctx.credentials.shopify(ch.id).accessToken, token),
    );
  }

  private sendError(reply: FastifyReply, status: number): FastifyReply {
    const e = httpError(status);
    return reply
      .code(e.status)
      .headers({ ...e.headers, 'x-request-id': randomUUID() })
      .send(e.body);
  }

  private routes(): void {
    const { app, ctx } = this;
    app.post('/admin/api/:version/graphql.json', async (req, reply) => {
      const { version } = req.params as { version: string };
      const body = readBody(req.body);
      const endpoint = body ? endpointName(body.query, body.operationName) : 'graphql';
      const g = await gate(ctx.world, 'shopify', endpoint);
      if (g.fail) return this.sendError(reply, g.fail);
      const channel = this.channelFor(req.headers['x-shopify-access-token']);
      if (!channel) {
        ctx.world.recordCall('shopify', endpoint, 'error');
        return reply.code(401).header('x-request-id', randomUUID()).send(INVALID_TOKEN);
      }
      if (!VERSION.test(version) || !body) {
        ctx.world.recordCall('shopify', endpoint, 'error');
        return this.sendError(reply, body ? 404 : 400);
      }
      const answer = runGraphql(
        {
          schema: this.schema,
          plan: this.plan,
          bucket: g.rateLimits === 'production' ? this.bucket(channel.id) : undefined,
          ctx: this.context(channel, version, g.drop, false),
        },
        body,
      );
      ctx.world.recordCall('shopify', endpoint, answer.outcome);
      return reply
        .code(200)
        .headers({
          'content-type': 'application/json; charset=utf-8',
          'x-request-id': randomUUID(),
          'x-shopify-api-version': version,
        })
        .send(answer.body);
    });

    // Bulk results: Shopify hands out a signed storage URL that needs no token; so does this one.
    app.get('/bulk-operation-outputs/:file', async (req, reply) => {
      const g = await gate(ctx.world, 'shopify', 'bulkOperationOutput');
      if (g.fail) return this.sendError(reply, g.fail);
      const token = (req.params as { file: string }).file.replace(/\.jsonl$/, '');
      const file = this.bulk.file(token);
      ctx.world.recordCall('shopify', 'bulkOperationOutput', file === undefined ? 'error' : 'ok');
      if (file === undefined) return this.sendError(reply, 404);
      return reply.code(200).header('content-type', 'application/jsonl').send(file);
    });

    app.setNotFoundHandler(async (_req, reply) => {
      const g = await gate(ctx.world, 'shopify', 'notFound');
      if (g.fail) return this.sendError(reply, g.fail);
      ctx.world.recordCall('shopify', 'notFound', 'error');
      return this.sendError(reply, 404);
    });

    // Malformed JSON and oversized bodies fail before a route runs: Shopify answers 400 (413 for size).
    app.setErrorHandler(async (err: { statusCode?: number }, _req, reply) => {
      const g = await gate(ctx.world, 'shopify', 'graphql');
      if (g.fail) return this.sendError(reply, g.fail);
      ctx.world.recordCall('shopify', 'graphql', 'error');
      const status = err.statusCode ?? 500;
      return this.sendError(reply, status === 413 ? 413 : status >= 400 && status < 500 ? 400 : 500);
    });
  }
}
