/**
 * The Odoo ErpAdapter: XML-RPC through the `xmlrpc` client on 16-18, JSON-2 over fetch on 19 (or when
 * `transport: json2`). Each method is one module's function over the shared transport and location index.
 */
import type { Config } from '../../domain/config/schema';
import type { AdapterDeps } from '../deps';
import { IntegrationError } from '../errors';
import type { ErpAdapter } from '../types';
import { kitDefs, productsPage } from './catalog';
import { createJson2Transport } from './json2';
import { LocationIndex } from './locations';
import { orderPresence } from './orders';
import type { OdooRpc } from './rpc';
import { availability, availabilityPage, changesSince } from './stock';
import { adjust, transfer } from './writes';
import { createXmlrpcTransport } from './xmlrpc';

export type OdooConfig = Extract<Config['erp'], { kind: 'odoo' }>;

export interface OdooDeps extends Partial<AdapterDeps> {
  /** Per-call timeout (default 60 s). */
  timeoutMs?: number;
  /** Records per page of products() and availabilityPage() (default 500). */
  pageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 500;

export function createTransport(cfg: OdooConfig, deps: OdooDeps = {}): OdooRpc {
  const options = {
    url: cfg.url,
    database: cfg.database,
    username: cfg.username,
    apiKey: cfg.apiKey,
    timeoutMs: deps.timeoutMs ?? 60_000,
  };
  const transport = cfg.transport ?? (cfg.version === 19 ? 'json2' : 'xmlrpc');
  return transport === 'json2'
    ? createJson2Transport({ ...options, fetch: deps.fetch ?? fetch })
    : createXmlrpcTransport(options);
}

export function createOdooAdapter(cfg: OdooConfig, deps: OdooDeps = {}): ErpAdapter {
  const rpc = createTransport(cfg, deps);
  const index = new LocationIndex(rpc);
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  return {
    kind: 'odoo',

    async checkAccess() {
      try {
        await rpc.uid();
      } catch (e) {
        // 19's JSON-2 answers 404 on an older server: the version in the config is wrong.
        if (e instanceof IntegrationError && e.code === 'NOT_FOUND' && rpc.transport === 'json2')
          throw new IntegrationError({
            system: 'odoo',
            operation: 'checkAccess',
            code: 'INVALID_REQUEST',
            message: `Odoo at ${cfg.url} has no JSON-2 API (Odoo 19+): set erp.version to the server's version or erp.transport: xmlrpc`,
            cause: e,
          });
        throw e;
      }
      try {
        await rpc.call('stock.quant', 'search_read', {
          arg: ['domain', []],
          kw: { fields: ['id'], limit: 1 },
        });
      } catch (e) {
        if (e instanceof IntegrationError && e.code === 'PERMISSION_DENIED')
          throw new IntegrationError({
            system: 'odoo',
            operation: 'stock.quant.search_read',
            code: 'PERMISSION_DENIED',
            message: `Odoo user ${cfg.username} may not read stock.quant (${e.message}): give the integration user the Inventory access rights on stock.quant`,
            cause: e,
          });
        throw e;
      }
    },

    products: (cursor) => productsPage(rpc, cursor, pageSize),
    locations: () => index.refs(),
    availability: (sku, locations) => availability(rpc, index, sku, locations),
    availabilityPage: (locations, cursor) => availabilityPage(rpc, index, locations, cursor, pageSize),
    changesSince: (cursor) => changesSince(rpc, cursor),
    orderPresence: (reference) => orderPresence(rpc, reference),
    adjust: (a) => adjust(rpc, index, a),
    transfer: (t) => transfer(rpc, index, t),
    kits: () => kitDefs(rpc),
  };
}
