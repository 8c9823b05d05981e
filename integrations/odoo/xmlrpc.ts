/**
 * XML-RPC transport (Odoo 16-18, and 19 until it drops `/xmlrpc/2`) over the `xmlrpc` npm client:
 * `common.authenticate` once for the uid, then `object.execute_kw(db, uid, apiKey, model, method, args, kwargs)`.
 * The client is callback-only and has no retries of its own; it is wrapped in a Promise and a timeout.
 */
import xmlrpc from 'xmlrpc';
import { z } from 'zod';
import { badResponse, fromXmlrpcError, isCommittedNone, loginRejected, type LoginInfo } from './faults';
import { callContext, withTimeout, type CallSpec, type OdooRpc } from './rpc';

export interface XmlrpcOptions extends LoginInfo {
  apiKey: string;
  timeoutMs: number;
}

function client(base: URL, service: 'common' | 'object'): xmlrpc.Client {
  const secure = base.protocol === 'https:';
  const options = {
    // URL keeps IPv6 hosts in brackets; http.request wants them bare.
    host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port ? Number(base.port) : secure ? 443 : 80,
    path: `${base.pathname.replace(/\/+$/, '')}/xmlrpc/2/${service}`,
  };
  return secure ? xmlrpc.createSecureClient(options) : xmlrpc.createClient(options);
}

const uidSchema = z.union([z.number().int().positive(), z.literal(false)]);
const versionSchema = z.object({ server_version_info: z.array(z.unknown()).min(1) });

/** `server_version_info[0]` is 17 on-premise and 'saas~17' on Odoo Online. */
export function majorVersion(first: unknown): number | undefined {
  if (typeof first === 'number') return first;
  const m = typeof first === 'string' ? /(\d+)/.exec(first) : null;
  return m ? Number(m[1]) : undefined;
}

export function createXmlrpcTransport(o: XmlrpcOptions): OdooRpc {
  const base = new URL(o.url);
  const common = client(base, 'common');
  const object = client(base, 'object');
  const login: LoginInfo = { url: o.url, database: o.database, username: o.username };

  const raw = (c: xmlrpc.Client, method: string, params: unknown[]) =>
    withTimeout(
      new Promise<unknown>((resolve, reject) =>
        c.methodCall(method, params, (err: unknown, value: unknown) => (err ? reject(err) : resolve(value))),
      ),
      o.timeoutMs,
      () => new Error(`timed out after ${o.timeoutMs} ms`),
    );

  /** A call on the `common` service, its errors mapped as a call on res.users. */
  const commonCall = async (method: string, params: unknown[]): Promise<unknown> => {
    const ctx = callContext('res.users', method);
    try {
      return await raw(common, method, params);
    } catch (err) {
      throw fromXmlrpcError(err, ctx, login);
    }
  };

  let uid: Promise<number> | undefined;
  let version: Promise<number> | undefined;

  const authenticate = async (): Promise<number> => {
    const answer = await commonCall('authenticate', [o.database, o.username, o.apiKey, {}]);
    const parsed = uidSchema.safeParse(answer);
    if (!parsed.success) throw badResponse(callContext('res.users', 'authenticate'), parsed.error.message);
    // Odoo answers False (not a fault) for a wrong login or key.
    if (parsed.data === false)
      throw loginRejected(login, callContext('res.users', 'authenticate'), 'authenticate answered false');
    return parsed.data;
  };

  const askVersion = async (): Promise<number> => {
    const parsed = versionSchema.safeParse(await commonCall('version', []));
    const major = parsed.success ? majorVersion(parsed.data.server_version_info[0]) : undefined;
    if (major === undefined)
      throw badResponse(callContext('ir.module.module', 'version'), 'no server_version_info');
    return major;
  };

  const rpc: OdooRpc = {
    transport: 'xmlrpc',
    uid() {
      uid ??= authenticate().catch((e: unknown) => {
        uid = undefined;
        throw e;
      });
      return uid;
    },
    serverVersion() {
      version ??= askVersion().catch((e: unknown) => {
        version = undefined;
        throw e;
      });
      return version;
    },
    async call(model: string, method: string, spec: CallSpec = {}) {
      const id = await rpc.uid();
      const args: unknown[] = [];
      if (spec.ids) args.push([...spec.ids]);
      if (spec.arg) args.push(spec.arg[1]);
      const kwargs = { ...spec.kw, ...(spec.context ? { context: spec.context } : {}) };
      try {
        return await raw(object, 'execute_kw', [o.database, id, o.apiKey, model, method, args, kwargs]);
      } catch (err) {
        if (isCommittedNone(err)) return null;
        const mapped = fromXmlrpcError(err, callContext(model, method, spec), login);
        // A key revoked since we authenticated: log in again next time.
        if (mapped.code === 'AUTH_FAILED') uid = undefined;
        throw mapped;
      }
    },
  };
  return rpc;
}
