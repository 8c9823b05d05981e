/**
 * The NetSuite ERP adapter (SuiteTalk REST + SuiteQL over netsuite-rest-api-client, OAuth 1.0 TBA). Locations are
 * named as NetSuite names them (`location.name`); items are found by Name/ID (`itemid`) = SKU.
 */
import { z } from 'zod';
import type { AdapterDeps } from '../deps';
import type { ErpAdapter } from '../types';
import { Catalog } from './catalog';
import { NetSuiteClient, type NetSuiteClientOptions, type NetSuiteErpConfig } from './client';
import { StockReader } from './stock';
import { Transactions } from './transactions';

export interface NetSuiteAdapterOptions extends NetSuiteClientOptions {
  /**
   * Internal id of the GL account inventory adjustments post to (NetSuite requires one). Overrides
   * `erp.adjustmentAccount`.
   */
  adjustmentAccountId?: string | undefined;
}

export function createNetSuiteAdapter(
  cfg: NetSuiteErpConfig,
  deps: Partial<AdapterDeps> & NetSuiteAdapterOptions = {},
): ErpAdapter {
  const client = new NetSuiteClient(cfg, deps);
  const catalog = new Catalog(client, cfg, deps.now ?? Date.now);
  const stock = new StockReader(client, catalog);
  const tx = new Transactions(client, catalog, {
    adjustmentAccountId: deps.adjustmentAccountId ?? cfg.adjustmentAccount,
  });

  return {
    kind: 'netsuite',
    async checkAccess() {
      // One query over the table every read depends on: INVALID_LOGIN -> AUTH_FAILED, INSUFFICIENT_PERMISSION ->
      // PERMISSION_DENIED, both with what to fix (errors.ts).
      await client.suiteql(
        'SELECT iil.item FROM inventoryitemlocations iil WHERE ROWNUM <= 1',
        z.object({ item: z.string().optional() }),
        { operation: 'checkAccess' },
        { limit: 1 },
      );
    },
    products: (cursor) => catalog.products(cursor),
    locations: () => catalog.locations(),
    availability: (sku, locations) => stock.availability(sku, locations),
    availabilityPage: (locations, cursor) => stock.availabilityPage(locations, cursor),
    changesSince: (cursor) => stock.changesSince(cursor),
    orderPresence: (reference) => tx.orderPresence(reference),
    adjust: (a) => tx.adjust(a),
    transfer: (t) => tx.transfer(t),
    kits: () => catalog.kits(),
  };
}
