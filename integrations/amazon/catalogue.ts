/**
 * The SKU catalogue `readAll` reads FBM quantities for (see AmazonAdapterOptions.catalogue), taken from the ERP:
 * every product SKU, paged through `ErpAdapter.products`. Cached for `ttlMs` because readAll asks once per FBM page
 * and a full pass would otherwise page the ERP catalogue again for every 10 SKUs.
 */
import type { ErpAdapter } from '../types';

export function erpCatalogue(
  erp: Pick<ErpAdapter, 'products'>,
  ttlMs = 5 * 60_000,
  now: () => number = Date.now,
): () => Promise<readonly string[]> {
  let cached: { at: number; skus: Promise<readonly string[]> } | undefined;
  const load = async (): Promise<readonly string[]> => {
    const skus = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await erp.products(cursor);
      for (const p of page.items) if (p.sku.trim() !== '') skus.add(p.sku);
      cursor = page.next;
    } while (cursor !== undefined);
    return [...skus];
  };
  return () => {
    if (!cached || now() - cached.at > ttlMs) {
      const skus = load();
      cached = { at: now(), skus };
      // A failed load is not cached: the next page asks again.
      skus.catch(() => (cached = undefined));
    }
    return cached.skus;
  };
}
