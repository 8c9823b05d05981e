/**
 * Product links (design rule 6): which ERP product a channel SKU means. Never guessed: a blank SKU, a SKU
 * carried by two ERP products, or a channel SKU that matches nothing is refused with an actionable message.
 */
import type { ErpKind } from './model';

export interface CatalogProduct {
  sku: string;
  barcode?: string | undefined;
}

export interface LinkRules {
  match: readonly ('sku' | 'barcode')[];
  overrides: readonly {
    sku: string;
    erpSku?: string | undefined;
    erpBarcode?: string | undefined;
    channels: Readonly<Record<string, string>>;
  }[];
}

export type CatalogProblemKind = 'blank-sku' | 'duplicate-sku' | 'unlinked-sku';

export interface CatalogProblem {
  kind: CatalogProblemKind;
  sku: string;
  channel?: string;
  message: string;
}

export const ERP_NAME: Record<ErpKind, string> = { odoo: 'Odoo', netsuite: 'NetSuite' };

export interface Catalog {
  /** SKUs that are safe to sync: present once, not blank. */
  skus: Set<string>;
  /** SKUs refused because more than one ERP product carries them. */
  duplicates: Set<string>;
  problems: CatalogProblem[];
  /** Resolves a SKU as a channel shows it to the invsync (ERP) SKU, or undefined when nothing links it. */
  resolve(channel: string, channelSku: string): string | undefined;
}

export function buildCatalog(erp: ErpKind, products: readonly CatalogProduct[], rules: LinkRules): Catalog {
  const name = ERP_NAME[erp];
  const problems: CatalogProblem[] = [];
  const count = new Map<string, number>();
  const byBarcode = new Map<string, string>();
  for (const p of products) {
    const sku = p.sku.trim();
    if (sku === '') {
      problems.push({
        kind: 'blank-sku',
        sku: '',
        message: `${name === 'Odoo' ? 'An' : 'A'} ${name} product${p.barcode ? ` (barcode ${p.barcode})` : ''} has a blank SKU: give it an internal reference so it can be linked`,
      });
      continue;
    }
    count.set(sku, (count.get(sku) ?? 0) + 1);
    if (p.barcode) byBarcode.set(p.barcode, sku);
  }
  const skus = new Set<string>();
  const duplicates = new Set<string>();
  for (const [sku, n] of count) {
    if (n > 1) {
      duplicates.add(sku);
      problems.push({
        kind: 'duplicate-sku',
        sku,
        message: `SKU ${sku} is carried by ${n} ${name} products: make it unique in ${name}; nothing is pushed for it until then`,
      });
    } else skus.add(sku);
  }

  const overrideByChannelSku = new Map<string, string>();
  for (const o of rules.overrides) {
    // An explicit barcode that matches no product links nothing (''): never fall back to a guess.
    const target = o.erpSku ?? (o.erpBarcode !== undefined ? (byBarcode.get(o.erpBarcode) ?? '') : o.sku);
    for (const [channel, channelSku] of Object.entries(o.channels))
      overrideByChannelSku.set(`${channel}\u0000${channelSku}`, target);
    overrideByChannelSku.set(`*\u0000${o.sku}`, target);
  }

  const resolve = (channel: string, channelSku: string): string | undefined => {
    const explicit =
      overrideByChannelSku.get(`${channel}\u0000${channelSku}`) ??
      overrideByChannelSku.get(`*\u0000${channelSku}`);
    if (explicit !== undefined) return count.has(explicit) ? explicit : undefined;
    if (rules.match.includes('sku') && count.has(channelSku)) return channelSku;
    if (rules.match.includes('barcode')) return byBarcode.get(channelSku);
    return undefined;
  };

  return { skus, duplicates, problems, resolve };
}
