/**
 * NetSuite SuiteTalk REST simulator: SuiteQL (`/services/rest/query/v1/suiteql`) and the records the connector
 * writes and reads (`/services/rest/record/v1/...`), every request signed with OAuth 1.0 TBA (HMAC-SHA256) and
 * verified. Served over HTTPS with a self-signed certificate by default, because netsuite-rest-api-client's
 * `suiteqlSearch()` always starts with `https://`. With production rate limits on, the account's concurrency limit
 * applies: requests beyond it get 429 CONCURRENCY_LIMIT_EXCEEDED (NetSuite sends no Retry-After).
 */
import type { SandboxContext, SimulatorOptions } from '../../context';
import {
  createApp,
  gate,
  listen,
  selfSignedCert,
  sleep,
  type FastifyReply,
  type FastifyRequest,
  type GateResult,
  type Served,
} from '../../http';
import { Concurrency } from '../../limits';
import type { WorldEvent } from '../../world';
import {
  ERROR_CONTENT_TYPE,
  NsError,
  concurrencyExceeded,
  errorBody,
  injectedError,
  invalidLogin,
  unexpectedError,
  wwwAuthenticate,
} from './errors';
import { OAuthVerifier } from './oauth';
import { WRITABLE, checkRecordType, readRecord, writeRecord } from './records';
import { RecordStore, type WritableType } from './store';
import { COLLECTION_CONTENT_TYPE, runSuiteQL } from './suiteql';

export interface NetSuiteOptions extends SimulatorOptions {
  /**
   * Serve HTTPS with a generated self-signed certificate (default true), with the given key pair, or (false) plain
   * HTTP (`testEnv`).
   */
  tls?: boolean | { key: string; cert: string };
  /** The account's concurrent request limit, applied with production rate limits (default 5: a base tier). */
  concurrency?: number;
  /** How long each request holds its concurrency slot under production limits, in ms (default 100). */
  holdMs?: number;
  /** Accepted difference between oauth_timestamp and the server clock, in seconds (default 300). */
  timestampSkewSeconds?: number;
}

export interface NetSuiteServed extends Served {
  /** The PEM certificate the server presents (empty over plain HTTP): trust it to talk HTTPS to the simulator. */
  ca: string;
  /** Record types the integration role lacks permission for (403 INSUFFICIENT_PERMISSION); editable at run time. */
  denied: Set<string>;
}

type Answer = { status: 200; body: unknown; contentType: string } | { status: 204; location: string };

const SYSTEM = 'netsuite';
const REST = '/services/rest';

// Bodies are sent as Buffers: fastify rewrites the content type of a string body (quotes `type=`, adds a charset),
// and NetSuite's `application/vnd.oracle.resource+json; type=…` must reach the client unchanged.
function sendError(reply: FastifyReply, e: NsError, realm: string): FastifyReply {
  reply.code(e.status).header('content-type', ERROR_CONTENT_TYPE);
  if (e.status === 401) reply.header('www-authenticate', wwwAuthenticate(realm));
  return reply.send(Buffer.from(JSON.stringify(errorBody(e))));
}

/** JSON bodies are parsed here, after authentication, so a malformed body gets NetSuite's 400 and not a crash. */
function jsonBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new NsError(
      400,
      'INVALID_CONTENT',
      'Invalid content in the request body. The body is not valid JSON.',
    );
  }
}

export async function startNetSuite(
  ctx: SandboxContext,
  opts: NetSuiteOptions = {},
): Promise<NetSuiteServed> {
  const { world } = ctx;
  const useTls = opts.tls ?? true;
  // A given key pair (the sandbox's persistent one, so clients can trust it across restarts) or a fresh one.
  const cert = typeof opts.tls === 'object' ? opts.tls : useTls ? await selfSignedCert() : undefined;
  const scheme = useTls ? 'https' : 'http';
  const realm = () => ctx.credentials.erp.netsuite.accountId;
  const verifier = new OAuthVerifier(() => ctx.credentials.erp.netsuite, opts.timestampSkewSeconds ?? 300);
  const concurrency = new Concurrency(opts.concurrency ?? 5);
  const holdMs = opts.holdMs ?? 100;
  const store = new RecordStore();
  const denied = new Set<string>();

  const onEvent = (e: WorldEvent) => {
    if (e.type === 'reset') store.clear();
  };
  world.on('event', onEvent);

  const app = createApp(cert ? { tls: cert } : {});
  // Keep JSON bodies as text: parsed by the handler so that bad JSON is answered in NetSuite's shape.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const origin = (req: FastifyRequest) => `${scheme}://${req.headers.host ?? ''}`;

  /** Every request: fault gate, TBA signature, account concurrency, then the operation. */
  const handle =
    (endpoint: (req: FastifyRequest) => string, op: (req: FastifyRequest, g: GateResult) => Answer) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const name = endpoint(req);
      const g = await gate(world, SYSTEM, name);
      if (g.fail !== undefined) return sendError(reply, injectedError(g.fail), realm());
      let entered = false;
      try {
        // NetSuite signs the URL the client addressed: scheme, Host header as sent, path and query.
        const auth = verifier.verify({
          method: req.method,
          url: `${origin(req)}${req.url}`,
          authorization: req.headers.authorization,
        });
        if (!auth.ok) throw invalidLogin();
        if (g.rateLimits === 'production') {
          if (!concurrency.tryEnter()) {
            world.recordCall(SYSTEM, name, 'throttled');
            return sendError(reply, concurrencyExceeded(), realm());
          }
          entered = true;
          // Real requests take a while; holding the slot lets concurrent callers actually overlap.
          await sleep(holdMs);
        }
        const answer = op(req, g);
        world.recordCall(SYSTEM, name, 'ok');
        if (answer.status === 204) return reply.code(204).header('location', answer.location).send();
        return reply
          .code(200)
          .header('content-type', answer.contentType)
          .send(Buffer.from(JSON.stringify(answer.body)));
      } catch (e) {
        world.recordCall(SYSTEM, name, 'error');
        return sendError(reply, e instanceof NsError ? e : unexpectedError(), realm());
      } finally {
        if (entered) concurrency.leave();
      }
    };

  const params = (req: FastifyRequest) => req.params as { type?: string; id?: string };
  const query = (req: FastifyRequest) => (req.query ?? {}) as Record<string, unknown>;

  app.post(
    `${REST}/query/v1/suiteql`,
    handle(
      () => 'suiteql',
      (req) => {
        const prefer = String(req.headers.prefer ?? '');
        if (!/(^|[\s,;])transient($|[\s,;])/i.test(prefer))
          throw new NsError(
            400,
            'INVALID_HEADER',
            "The 'Prefer: transient' header is required for SuiteQL queries.",
            { errorHeader: 'Prefer' },
          );
        const body = runSuiteQL(world, store, {
          body: jsonBody(req.body),
          query: query(req),
          selfUrl: `${origin(req)}${REST}/query/v1/suiteql`,
        });
        return { status: 200, body, contentType: COLLECTION_CONTENT_TYPE };
      },
    ),
  );

  const recordBase = (req: FastifyRequest) => `${origin(req)}${REST}/record/v1`;
  const asWritable = (type: string): WritableType => {
    checkRecordType(type, 'write', denied);
    return WRITABLE.find((t) => t === type) as WritableType;
  };

  app.post(
    `${REST}/record/v1/:type`,
    handle(
      (req) => `${params(req).type ?? ''}.create`,
      (req, g) => {
        const type = asWritable(params(req).type ?? '');
        const id = writeRecord({ world, store }, type, jsonBody(req.body), { drop: g.drop });
        return { status: 204, location: `${recordBase(req)}/${type}/${id}` };
      },
    ),
  );

  app.put(
    `${REST}/record/v1/:type/:id`,
    handle(
      (req) => `${params(req).type ?? ''}.upsert`,
      (req, g) => {
        const type = asWritable(params(req).type ?? '');
        const idText = params(req).id ?? '';
        if (!idText.startsWith('eid:') || idText.length <= 4)
          throw new NsError(
            400,
            'INVALID_PARAMETER',
            'Upsert (PUT) requires an external ID in the URL: /record/v1/<type>/eid:<externalId>.',
          );
        const id = writeRecord({ world, store }, type, jsonBody(req.body), {
          drop: g.drop,
          urlExternalId: idText.slice(4),
        });
        return { status: 204, location: `${recordBase(req)}/${type}/${id}` };
      },
    ),
  );

  app.get(
    `${REST}/record/v1/:type/:id`,
    handle(
      (req) => `${params(req).type ?? ''}.get`,
      (req) => {
        const type = params(req).type ?? '';
        checkRecordType(type, 'read', denied);
        const expand = String(query(req).expandSubResources ?? '') === 'true';
        const body = readRecord({ world, store }, recordBase(req), type, params(req).id ?? '', expand);
        return {
          status: 200,
          body,
          contentType: 'application/vnd.oracle.resource+json; type=singular-resource',
        };
      },
    ),
  );

  app.setNotFoundHandler(
    handle(
      () => 'unknown',
      (req) => {
        throw new NsError(
          404,
          'NONEXISTENT_ID',
          `The requested resource ${req.url.split('?')[0] ?? ''} does not exist.`,
        );
      },
    ),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    world.recordCall(SYSTEM, 'unknown', 'error');
    const status = err.statusCode ?? 500;
    return sendError(
      reply,
      status >= 500 ? unexpectedError(status) : new NsError(status, 'INVALID_REQUEST', err.message),
      realm(),
    );
  });

  const served = await listen(app, {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    ...(cert ? { tls: cert } : {}),
  });
  return {
    ...served,
    ca: cert?.cert ?? '',
    denied,
    close: async () => {
      world.off('event', onEvent);
      await served.close();
    },
  };
}
