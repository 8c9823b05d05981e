/**
 * Shared plumbing for the simulators: the fault gate (latency, injected errors), call accounting, listening on
 * 127.0.0.1 with an ephemeral or chosen port, optionally over HTTPS with a generated self-signed certificate.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SystemName, World } from './world';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface GateResult {
  /** An injected failure: answer with this status (the simulator renders its vendor's error body). */
  fail?: number;
  /** A write that must be acknowledged but not applied (silent drop). */
  drop: boolean;
  rateLimits: 'off' | 'production';
}

/** Applies the faults in force for a system endpoint and counts the call (the caller reports throttles/errors). */
export async function gate(world: World, system: SystemName, endpoint: string): Promise<GateResult> {
  const f = world.fault(system, endpoint);
  if (f.latencyMs) await sleep(f.latencyMs);
  if (world.chance(f.errorRate)) {
    world.recordCall(system, endpoint, 'error');
    return { fail: f.status ?? 500, drop: false, rateLimits: f.rateLimits ?? 'off' };
  }
  return { drop: world.chance(f.silentDropRate), rateLimits: f.rateLimits ?? 'off' };
}

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  port?: number;
  tls?: { key: string; cert: string };
}

/** A fastify app that keeps the raw body (signatures, XML) and never logs request bodies (secrets). */
export function createApp(opts: ListenOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 50 * 1024 * 1024,
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const err = new Error('malformed JSON') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  return app;
}

export async function listen(app: FastifyInstance, opts: ListenOptions = {}): Promise<Served> {
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`, port, close: () => app.close() };
}

export function rawBody(req: FastifyRequest): string {
  const r = (req as FastifyRequest & { rawBody?: string }).rawBody;
  if (typeof r === 'string') return r;
  return typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? '');
}

export type { FastifyInstance, FastifyReply, FastifyRequest };

/** A self-signed certificate for 127.0.0.1/localhost, for clients that insist on https. */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const selfsigned = (await import('selfsigned')) as unknown as {
    generate(
      attrs: { name: string; value: string }[],
      opts: Record<string, unknown>,
    ): Promise<{ private: string; cert: string }>;
  };
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    days: 3650,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export { once };
