/**
 * One way to call Odoo's ORM whatever the transport: XML-RPC (`execute_kw`, positional arguments) on 16-18, and
 * JSON-2 (named arguments only) on 19. A call names its record ids, its first parameter (positional on XML-RPC,
 * by name on JSON-2), its keyword arguments and its context; the transport puts them where it expects them.
 */
import type { CallContext } from './faults';

export interface CallSpec {
  /** Record ids, for record methods (read, action_confirm, ...). */
  ids?: readonly number[] | undefined;
  /** The method's first parameter by name (`domain`, `vals_list`). */
  arg?: readonly [name: string, value: unknown] | undefined;
  kw?: Record<string, unknown> | undefined;
  context?: Record<string, unknown> | undefined;
  /** The SKU and location the call is about, for error messages. */
  sku?: string | undefined;
  location?: string | undefined;
}

export interface OdooRpc {
  readonly transport: 'xmlrpc' | 'json2';
  /** The integration user's uid; authenticates once and caches it (XML-RPC) or asks `res.users` (JSON-2). */
  uid(): Promise<number>;
  /** The server's major version (16-19), asked once. */
  serverVersion(): Promise<number>;
  /**
   * Calls `model.method`. A method that returned None answers `null` (on XML-RPC the marshalling fault Odoo
   * raises after committing is that success). Throws IntegrationError only.
   */
  call(model: string, method: string, spec?: CallSpec): Promise<unknown>;
}

export const callContext = (model: string, method: string, spec: CallSpec = {}): CallContext => ({
  model,
  method,
  sku: spec.sku,
  location: spec.location,
});

/** Rejects with `onTimeout()` when `p` takes longer than `ms` (the xmlrpc client has no timeout of its own). */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
