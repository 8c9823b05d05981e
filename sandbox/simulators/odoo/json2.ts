/**
 * Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>` and named
 * arguments (`ids`, `context`, the method's parameters). Errors are HTTP statuses with
 * `{name, message, arguments, context, debug}` (addons/rpc/controllers/json2.py, `Json2Dispatcher.handle_error`).
 */
import { timingSafeEqual } from 'node:crypto';
import { Env } from './env';
import {
  type OdooError,
  accessError,
  json2Body,
  json2HttpError,
  json2Status,
  type Json2ErrorBody,
} from './errors';
import { registry } from './models';
import { bindNamed, findMethod, invoke, toIdList } from './orm';
import { runInWorld, type OdooRuntime } from './service';
import { privateMethodMessage, unknownMethodMessage } from './version';
import { pyRepr } from './values';

export interface Json2Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const fail = (status: number, description: string, headers?: Record<string, string>): Json2Reply => ({
  status,
  body: json2HttpError(status, description),
  ...(headers ? { headers } : {}),
});

/** The bearer token must be an API key (the password does not authenticate JSON-2). */
function bearer(rt: OdooRuntime, authorization: string | undefined): number | Json2Reply {
  const m = authorization ? /^bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  if (!m)
    return fail(401, 'User not authenticated, use the "Authorization" header', {
      'www-authenticate': 'Bearer',
    });
  const token = Buffer.from(m[1] as string);
  const key = Buffer.from(rt.creds.apiKey);
  if (token.length !== key.length || !timingSafeEqual(token, key))
    return fail(401, 'Invalid apikey', { 'www-authenticate': 'Bearer' });
  return rt.creds.uid;
}

const isDict = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function json2Call(
  rt: OdooRuntime,
  req: { model: string; method: string; authorization: string | undefined; body: unknown },
  drop: boolean,
): Json2Reply {
  const uid = bearer(rt, req.authorization);
  if (typeof uid !== 'number') return uid;
  const params = isDict(req.body) ? { ...req.body } : {};
  const context = isDict(params.context) ? params.context : {};
  const rawIds = params.ids ?? [];
  delete params.ids;
  delete params.context;
  const model = registry.get(req.model);
  if (!model) return fail(404, `the model ${pyRepr(req.model)} does not exist`);
  const error = (e: OdooError): Json2Reply => ({
    status: json2Status(e),
    body: json2Body(e, context) satisfies Json2ErrorBody,
  });
  if (/^(_.*|init)$/.test(req.method))
    return error(accessError(privateMethodMessage(19, req.model, req.method)));
  const method = findMethod(model, req.method);
  if (!method) return fail(404, unknownMethodMessage(19, req.model, req.method));
  let ids: number[];
  try {
    ids = toIdList(rawIds);
  } catch (e) {
    return fail(422, (e as Error).message);
  }
  if (method.api === 'model' && ids.length > 0)
    return fail(422, `cannot call ${req.model}.${req.method} with ids`);
  const env = new Env(rt.world, rt.state, registry, uid, context, drop);
  let args: Record<string, unknown>;
  try {
    args = bindNamed(env, method, params);
  } catch (e) {
    return fail(422, (e as Error).message);
  }
  try {
    const result = runInWorld(() => invoke(env, model, method, ids, args));
    // None is JSON null here: JSON-2 has no marshalling fault.
    return { status: 200, body: result === undefined ? null : result };
  } catch (e) {
    return error(e as OdooError);
  }
}
