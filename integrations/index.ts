/**
 * The composition of adapters from the config: one ERP adapter and one adapter per channel, sharing the token store.
 * Workers, `invsync audit` and `invsync snapshot` build their adapters here.
 */
import { join, resolve } from 'node:path';
import type { Config, ChannelConfig } from '../domain/config/schema';
import { createAmazonAdapter, erpCatalogue } from './amazon';
import { createMercadoLibreAdapter } from './mercadolibre';
import { createNetSuiteAdapter } from './netsuite';
import { createOdooAdapter } from './odoo';
import { createShopifyAdapter } from './shopify';
import { FileTokenStore } from './token-store';
import type { AdapterDeps } from './deps';
import type { ChannelAdapter, ErpAdapter } from './types';

/** Where invsync keeps local state (OAuth tokens): $INVSYNC_STATE_DIR or ./.invsync. */
export function stateDir(): string {
  return resolve(process.env.INVSYNC_STATE_DIR ?? '.invsync');
}

export function defaultDeps(): AdapterDeps {
  return { tokens: new FileTokenStore(join(stateDir(), 'tokens')) };
}

export function createErpAdapter(erp: Config['erp'], deps: AdapterDeps = defaultDeps()): ErpAdapter {
  return erp.kind === 'odoo' ? createOdooAdapter(erp, deps) : createNetSuiteAdapter(erp, deps);
}

/**
 * A channel adapter. `mode` overrides the config's (the audit builds shadow adapters for its sample write). `erp`
 * gives Amazon its SKU catalogue: SP-API has no bulk read of FBM quantities, so `readAll` reads the linked SKUs.
 */
export function createChannelAdapter(
  ch: ChannelConfig,
  deps: AdapterDeps,
  opts: { mode?: 'live' | 'shadow'; erp?: ErpAdapter } = {},
): ChannelAdapter {
  const cfg = opts.mode ? { ...ch, mode: opts.mode } : ch;
  switch (cfg.kind) {
    case 'shopify':
      return createShopifyAdapter(cfg, deps);
    case 'amazon':
      return createAmazonAdapter(cfg, deps, opts.erp ? { catalogue: erpCatalogue(opts.erp) } : {});
    case 'mercadolibre':
      return createMercadoLibreAdapter(cfg, deps);
  }
}

export function createAdapters(
  cfg: Config,
  deps: AdapterDeps = defaultDeps(),
): { erp: ErpAdapter; channels: Map<string, ChannelAdapter> } {
  const erp = createErpAdapter(cfg.erp, deps);
  return { erp, channels: new Map(cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { erp })])) };
}
