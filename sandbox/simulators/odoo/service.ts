/**
 * The RPC services behind both transports: `common` (version, login, authenticate) and `object` (execute_kw,
 * execute), and the model call itself, checked in Odoo's order: credentials, private method, model, method,
 * arguments, record existence.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ErpCredentials } from '../../context';
import { SandboxError, type World } from '../../world';
import { Env, type MethodDef, type ModelDef } from './env';
import { OdooError, accessDenied, accessError, pyError, userError } from './errors';
import { registry } from './models';
import { bindPython, findMethod, invoke, qualname, toIdList } from './orm';
import type { OdooState } from './state';
import { privateMethodMessage, unknownMethodMessage, versionInfo } from './version';
import { pyRepr } from './values';

export interface OdooRuntime {
  world: World;
  state: OdooState;
  creds: ErpCredentials['odoo'];
}

const PRIVATE = /^(_.*|init)$/;

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The password or an API key (14+) authenticate the integration user. */
export function validSecret(rt: OdooRuntime, secret: unknown): boolean {
  return (
    typeof secret === 'string' &&
    secret !== '' &&
    (same(secret, rt.creds.password) || same(secret, rt.creds.apiKey))
  );
}

function checkDatabase(rt: OdooRuntime, db: unknown): void {
  if (db !== rt.creds.database)
    throw pyError(
      'psycopg2.OperationalError',
      `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database ${JSON.stringify(String(db))} does not exist\n`,
    );
}

/** A Python function's arity, as `fn(*params)` checks it. */
function arity(fn: string, names: string[], params: unknown[]): void {
  if (params.length > names.length)
    throw pyError(
      'TypeError',
      `${fn}() takes ${names.length} positional argument${names.length === 1 ? '' : 's'} but ${params.length} were given`,
    );
  const missing = names.slice(params.length).map((n) => `'${n}'`);
  if (missing.length > 0)
    throw pyError(
      'TypeError',
      `${fn}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`}`,
    );
}

/** `/xmlrpc/2/common`: authenticate answers the uid or False (AccessDenied is caught there). */
export function commonService(rt: OdooRuntime, method: string, params: unknown[]): unknown {
  try {
    return common(rt, method, params);
  } catch (e) {
    if (e instanceof OdooError) e.service = 'common';
    throw e;
  }
}

function common(rt: OdooRuntime, method: string, params: unknown[]): unknown {
  switch (method) {
    case 'version':
      arity('exp_version', [], params);
      return versionInfo(rt.state.version);
    case 'login':
    case 'authenticate': {
      arity(
        `exp_${method}`,
        method === 'login' ? ['db', 'login', 'password'] : ['db', 'login', 'password', 'user_agent_env'],
        params,
      );
      const [db, login, password] = params;
      checkDatabase(rt, db);
      return login === rt.creds.username && validSecret(rt, password) ? rt.creds.uid : false;
    }
    default:
      throw pyError('KeyError', pyRepr(`exp_${method}`));
  }
}

/** `security.check(db, uid, passwd)`: a wrong uid, password or key is fault 3 "Access Denied". */
function checkUser(rt: OdooRuntime, db: unknown, uid: unknown, secret: unknown): number {
  checkDatabase(rt, db);
  const n =
    typeof uid === 'number'
      ? Math.trunc(uid)
      : typeof uid === 'string' && /^-?\d+$/.test(uid.trim())
        ? Number(uid)
        : uid === false
          ? 0
          : NaN;
  if (Number.isNaN(n)) throw pyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(uid)}`);
  if (n !== rt.creds.uid || !validSecret(rt, secret)) throw accessDenied();
  return n;
}

/** Finds the model and method the way XML-RPC does (16/17 reject private names before looking the model up). */
export function resolveXmlrpc(
  rt: OdooRuntime,
  modelName: string,
  methodName: string,
): { model: ModelDef; method: MethodDef } {
  const v = rt.state.version;
  const isPrivate = PRIVATE.test(methodName);
  if (isPrivate && v <= 17) throw accessError(privateMethodMessage(v, modelName, methodName));
  const model = registry.get(modelName);
  if (!model) throw userError(`Object ${modelName} doesn't exist`);
  if (isPrivate) throw accessError(privateMethodMessage(v, modelName, methodName));
  const method = findMethod(model, methodName);
  if (!method) throw pyError('AttributeError', unknownMethodMessage(v, modelName, methodName));
  return { model, method };
}

const isDict = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** `/xmlrpc/2/object`: execute_kw(db, uid, password, model, method, args, kwargs) and execute(...*args). */
export function objectService(rt: OdooRuntime, method: string, params: unknown[], drop: boolean): unknown {
  if (method !== 'execute' && method !== 'execute_kw')
    throw pyError('NameError', `Method not available ${method}`);
  if (params.length < 5) throw pyError('IndexError', 'tuple index out of range');
  const [db, uid, secret, modelName, methodName] = params;
  const user = checkUser(rt, db, uid, secret);
  if (typeof modelName !== 'string' || typeof methodName !== 'string')
    throw pyError('TypeError', 'model and method must be strings');
  let positional: unknown[];
  let kwargs: Record<string, unknown> = {};
  if (method === 'execute_kw') {
    const [args, kw] = params.slice(5);
    if (!Array.isArray(args))
      throw pyError('TypeError', `execute() argument after * must be an iterable, not ${typeof args}`);
    if (kw !== undefined && kw !== null && !isDict(kw))
      throw pyError('TypeError', `execute() argument after ** must be a mapping, not ${typeof kw}`);
    positional = args;
    kwargs = { ...(kw ?? {}) };
  } else positional = params.slice(5);
  const { model, method: m } = resolveXmlrpc(rt, modelName, methodName);
  const context = isDict(kwargs.context) ? kwargs.context : {};
  delete kwargs.context;
  const env = new Env(rt.world, rt.state, registry, user, context, drop);
  let ids: number[] = [];
  if (m.api === 'records') {
    if (positional.length === 0) throw pyError('IndexError', 'list index out of range');
    ids = toIdList(positional[0]);
    positional = positional.slice(1);
  }
  const bound = bindPython(env, qualname(model, methodName), m, positional, kwargs);
  return runInWorld(() => invoke(env, model, m, ids, bound));
}

/** The world's own refusals (not enough stock, unknown SKU) are business errors: UserError. */
export function runInWorld<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OdooError) throw e;
    if (e instanceof SandboxError) throw userError(e.message);
    const err = e instanceof Error ? e : new Error(String(e));
    throw pyError(err.name === 'Error' ? 'Exception' : err.name, err.message);
  }
}
