/**
 * JSON-2 transport (Odoo 19): `POST /json/2/<model>/<method>` with the API key as a bearer token and named
 * arguments only; errors are HTTP statuses with Odoo's `{name, message}`. Each call is its own transaction.
 */
import { z } from 'zod';
import { fromNetworkError } from '../errors';
import { badResponse, fromJson2Response, networkError, type LoginInfo } from './faults';
import { callContext, type CallSpec, type OdooRpc } from './rpc';
import { majorVersion } from './xmlrpc';

export interface Json2Options extends LoginInfo {
  apiKey: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

const contextSchema = z.object({ uid: z.number().int().positive() });
const webVersionSchema = z.object({ version_info: z.array(z.unknown()).min(1) });

export function createJson2Transport(o: Json2Options): OdooRpc {
  const base = o.url.replace(/\/+$/, '');
  const login: LoginInfo = { url: o.url, database: o.database, username: o.username };
  let uid: Promise<number> | undefined;
  let version: Promise<number> | undefined;

  const send = async (url: string, init: RequestInit, model: string, method: string, spec: CallSpec) => {
    const ctx = callContext(model, method, spec);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await o.fetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      throw fromNetworkError(networkError(err), {
        system: 'odoo',
        sku: spec.sku,
        location: spec.location,
        operation: `${model}.${method}`,
      });
    }
    if (status !== 200) throw fromJson2Response(status, text, retryAfter, ctx, login);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw badResponse(ctx, 'the body is not JSON');
    }
  };

  const rpc: OdooRpc = {
    transport: 'json2',
    uid() {
      uid ??= rpc
        .call('res.users', 'context_get')
        .then((ctx) => {
          const parsed = contextSchema.safeParse(ctx);
          if (!parsed.success)
            throw badResponse(callContext('res.users', 'context_get'), parsed.error.message);
          return parsed.data.uid;
        })
        .catch((e: unknown) => {
          uid = undefined;
          throw e;
        });
      return uid;
    },
    serverVersion() {
      version ??= send(`${base}/web/version`, { method: 'GET' }, 'ir.http', 'web_version', {})
        .then((v) => {
          const parsed = webVersionSchema.safeParse(v);
          const major = parsed.success ? majorVersion(parsed.data.version_info[0]) : undefined;
          if (major === undefined)
            throw badResponse(callContext('ir.http', 'web_version'), 'no version_info');
          return major;
        })
        .catch((e: unknown) => {
          version = undefined;
          throw e;
        });
      return version;
    },
    call(model: string, method: string, spec: CallSpec = {}) {
      const body: Record<string, unknown> = { ...spec.kw };
      if (spec.ids) body.ids = [...spec.ids];
      if (spec.arg) body[spec.arg[0]] = spec.arg[1];
      if (spec.context) body.context = spec.context;
      return send(
        `${base}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`,
        {
          method: 'POST',
          headers: {
            Authorization: `bearer ${o.apiKey}`,
            'Content-Type': 'application/json; charset=utf-8',
            'X-Odoo-Database': o.database,
          },
          body: JSON.stringify(body),
        },
        model,
        method,
        spec,
      );
    },
  };
  return rpc;
}
