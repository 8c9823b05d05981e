/**
 * Shopify Admin GraphQL simulator (design C12, apis.md §3). Serves every Shopify channel of the world on one
 * port; the `X-Shopify-Access-Token` tells the shops apart. `@shopify/admin-api-client` talks to it unchanged
 * except for `customFetchApi`, which rewrites the https:// URL the client forces to http:// (apis.md finding 0.2).
 *
 * What it reproduces, module by module:
 * - `schema.ts` / `resolvers.ts`: Shopify's type and field names, executed by graphql-js;
 * - `inventory.ts` / `idempotency.ts`: inventorySetQuantities / inventoryAdjustQuantities with 2026-04 rules
 *   (`@idempotent` and `changeFromQuantity` mandatory, CHANGE_FROM_QUANTITY_STALE, all-or-nothing batches);
 * - `pipeline.ts` / `cost.ts`: the 250-item input cap, calculated query cost, MAX_COST_EXCEEDED, THROTTLED;
 * - `bulk.ts`: bulk queries with JSONL results;
 * - `webhooks.ts`: signed webhooks for orders, refunds and inventory levels.
 */
import type { SandboxContext, SimulatorOptions } from '../../context';
import { listen, type Served } from '../../http';
import { ShopifySimulator, type ShopifySimulatorOptions } from './server';

export type ShopifyOptions = SimulatorOptions & ShopifySimulatorOptions;
export type { Plan } from './cost';
export { STANDARD_PLAN } from './cost';

export async function startShopify(ctx: SandboxContext, opts: ShopifyOptions = {}): Promise<Served> {
  const sim = new ShopifySimulator(ctx, opts);
  let served: Served;
  try {
    served = await listen(sim.app, { host: opts.host, port: opts.port });
  } catch (e) {
    sim.dispose();
    throw e;
  }
  sim.baseUrl = served.url;
  return {
    ...served,
    close: async () => {
      sim.dispose();
      await served.close();
    },
  };
}
