/**
 * The Odoo simulator: XML-RPC (`/xmlrpc/2/common`, `/xmlrpc/2/object`, and the legacy `/xmlrpc/<service>` with
 * string fault codes) and, when impersonating 19, the JSON-2 API (`/json/2/<model>/<method>`), all on one port.
 * It impersonates Odoo 16, 17 (default), 18 or 19: `opts.version`, changeable at run time with `setVersion`.
 * Odoo has no rate limits; injected latency and errors still apply to every call.
 *
 * Sandbox extensions (real Odoo has neither):
 * - `context.invsync_reference` on stock.quant create/write/action_apply_inventory: the adjustment is applied once
 *   per reference (`world.once`); a call that applies several quants uses `<ref>/1`, `<ref>/2`, ...
 * - stock.picking `origin` is an idempotency reference: creating a picking with an origin already used returns
 *   that picking, so a retried transfer moves nothing twice.
 * What the simulator does not model answers with a UserError whose text starts with "[sandbox]".
 */
import { z } from 'zod';
import type { SandboxContext, SimulatorOptions } from '../../context';
import {
  createApp,
  gate,
  listen,
  rawBody,
  type FastifyReply,
  type FastifyRequest,
  type Served,
} from '../../http';
import type { WorldEvent } from '../../world';
import {
  OdooError,
  cannotMarshalNone,
  htmlErrorPage,
  intFault,
  json2HttpError,
  pyError,
  reasonPhrase,
  stringFault,
} from './errors';
import { json2Call } from './json2';
import { commonService, objectService, runInWorld, type OdooRuntime } from './service';
import { OdooState } from './state';
import { odooVersionSchema, type OdooVersion } from './version';
import { faultResponse, methodResponse, parseMethodCall } from './wire';

export { odooVersionSchema, type OdooVersion } from './version';

export interface OdooOptions extends SimulatorOptions {
  /** The Odoo major version to impersonate (default 17). */
  version?: OdooVersion;
}

export interface OdooServed extends Served {
  readonly version: OdooVersion;
  /** Switches the impersonated version (field names, context keys, messages); the data stays. */
  setVersion(version: OdooVersion): void;
}

/** For the admin API: validates and applies a version change. */
export function setOdooVersion(served: OdooServed, version: unknown): OdooVersion {
  const v = odooVersionSchema.parse(version);
  served.setVersion(v);
  return v;
}

const methodCallSchema = z.object({ method: z.string().min(1), params: z.array(z.unknown()) });
const json2BodySchema = z.record(z.string(), z.unknown());

/** An injected failure as the client would meet it: the proxy's page for gateway errors, werkzeug's otherwise. */
function sendInjected(reply: FastifyReply, status: number, json: boolean): FastifyReply {
  if (json && !(status >= 502 && status <= 504))
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(json2HttpError(status, reasonPhrase(status))));
  return reply.code(status).type('text/html; charset=utf-8').send(htmlErrorPage(status));
}

export async function startOdoo(ctx: SandboxContext, opts: OdooOptions = {}): Promise<OdooServed> {
  const { world } = ctx;
  const creds = ctx.credentials.erp.odoo;
  const state = new OdooState(opts.version ?? 17, creds.username);
  state.reset(world.now());
  const rt: OdooRuntime = { world, state, creds };
  const onEvent = (e: WorldEvent) => {
    if (e.type === 'reset') state.reset(world.now());
  };
  world.on('event', onEvent);

  const app = createApp();

  const xmlrpc = async (req: FastifyRequest<{ Params: { service: string } }>, reply: FastifyReply) => {
    const legacy = !req.url.startsWith('/xmlrpc/2/');
    const service = req.params.service;
    const body = typeof req.body === 'string' ? req.body : rawBody(req);
    let call: { method: string; params: unknown[] } | undefined;
    try {
      call = methodCallSchema.parse(await parseMethodCall(body));
    } catch {
      call = undefined;
    }
    const [, , , model, method] = call?.params ?? [];
    const endpoint =
      service === 'object' && typeof model === 'string' && typeof method === 'string'
        ? `${model}.${method}`
        : `${service}.${call?.method ?? 'unparsable'}`;
    const g = await gate(world, 'odoo', endpoint);
    if (g.fail) return sendInjected(reply, g.fail, false);
    reply.type('text/xml; charset=utf-8');
    try {
      if (!call)
        throw new OdooError('xml.parsers.expat.ExpatError', 'syntax error: line 1, column 0', 'loads');
      const parsed = call;
      const result = runInWorld(() => {
        if (service === 'common') return commonService(rt, parsed.method, parsed.params);
        if (service === 'object') return objectService(rt, parsed.method, parsed.params, g.drop);
        throw pyError('KeyError', `'${service}'`);
      });
      // Odoo marshals with allow_none=False: a method returning None faults, after its transaction committed.
      if (result === undefined) throw cannotMarshalNone();
      const xml = methodResponse(result);
      world.recordCall('odoo', endpoint, 'ok');
      return reply.send(xml);
    } catch (e) {
      const err = e instanceof OdooError ? e : pyError('Exception', String(e));
      world.recordCall('odoo', endpoint, 'error');
      return reply.send(faultResponse(legacy ? stringFault(err) : intFault(err)));
    }
  };
  app.post('/xmlrpc/2/:service', xmlrpc);
  app.post('/xmlrpc/:service', xmlrpc);

  app.post(
    '/json/2/:model/:method',
    async (req: FastifyRequest<{ Params: { model: string; method: string } }>, reply) => {
      const { model, method } = req.params;
      const endpoint = `${model}.${method}`;
      const g = await gate(world, 'odoo', endpoint);
      if (g.fail) return sendInjected(reply, g.fail, state.version >= 19);
      if (state.version < 19) {
        world.recordCall('odoo', endpoint, 'error');
        return reply.code(404).type('text/html; charset=utf-8').send(htmlErrorPage(404));
      }
      const parsed = json2BodySchema.safeParse(req.body);
      const r = json2Call(
        rt,
        { model, method, authorization: req.headers.authorization, body: parsed.success ? parsed.data : {} },
        g.drop,
      );
      world.recordCall('odoo', endpoint, r.status === 200 ? 'ok' : 'error');
      return reply
        .code(r.status)
        .headers(r.headers ?? {})
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(r.body));
    },
  );

  app.get('/web/version', async (_req, reply) => {
    const g = await gate(world, 'odoo', 'web.version');
    if (g.fail) return sendInjected(reply, g.fail, true);
    world.recordCall('odoo', 'web.version', 'ok');
    const v = state.version;
    return reply
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ version_info: [v, 0, 0, 'final', 0, ''], version: `${v}.0` }));
  });

  app.setNotFoundHandler(async (req, reply) => {
    const g = await gate(world, 'odoo', 'not-found');
    if (g.fail) return sendInjected(reply, g.fail, false);
    world.recordCall('odoo', 'not-found', 'error');
    // JSON-2 takes over /json/2/* with a hint (19); XML-RPC services answer other verbs with 405.
    if (state.version >= 19 && /^\/json\/2(\/|$|\?)/.test(req.url))
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(json2HttpError(404, 'Did you mean POST /json/2/<model>/<method>?')));
    if (/^\/xmlrpc\/(2\/)?[^/]+$/.test(req.url.split('?')[0] as string))
      return reply
        .code(405)
        .type('text/html; charset=utf-8')
        .send(htmlErrorPage(405, 'The method is not allowed for the requested URL.'));
    return reply.code(404).type('text/html; charset=utf-8').send(htmlErrorPage(404));
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (req.url.startsWith('/json/2/'))
      return reply
        .code(status)
        .type('application/json; charset=utf-8')
        .send(
          JSON.stringify(
            json2HttpError(
              status,
              status === 400 ? `could not parse the body as json: ${err.message}` : err.message,
            ),
          ),
        );
    return reply.code(status).type('text/html; charset=utf-8').send(htmlErrorPage(status));
  });

  const served = await listen(app, { host: opts.host, port: opts.port });
  return {
    url: served.url,
    port: served.port,
    get version() {
      return state.version;
    },
    setVersion(v: OdooVersion) {
      state.version = odooVersionSchema.parse(v);
    },
    close: async () => {
      world.off('event', onEvent);
      await served.close();
    },
  };
}
