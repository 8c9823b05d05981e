/**
 * Named seeds. `demo`: two warehouses, 200 SKUs (a few fast movers, a long tail), 3 kits, Shopify at two locations,
 * Amazon FBM from both warehouses plus FBA stock, Mercado Libre with some Full items; every channel mapped, and
 * every channel starting out showing what the ERP has. `small`: five SKUs for quick tests. `broken-catalogue`:
 * the demo world with one unlinked channel SKU, one duplicate ERP SKU and one unmapped channel location.
 */
import { prng } from './world';
import type { SeedInput } from './seed';

type Channels = NonNullable<SeedInput['channels']>;
type Stock = NonNullable<SeedInput['erp']['stock']>;

export const PRESETS = ['demo', 'small', 'broken-catalogue'] as const;
export type PresetName = (typeof PRESETS)[number];

const COLORS = ['RED', 'BLUE', 'GREEN', 'BLACK', 'WHITE'];
const SIZES = ['S', 'M', 'L', 'XL'];
const TYPES = ['TSHIRT', 'HOODIE', 'CAP', 'MUG', 'SOCKS', 'TOTE', 'POSTER', 'BOTTLE', 'SCARF', 'BEANIE'];

/** 200 SKUs in catalogue order: TSHIRT-RED-S, TSHIRT-RED-M, ... (the first ones are the fast movers). */
export function demoSkus(count = 200): string[] {
  const out: string[] = [];
  for (const t of TYPES)
    for (const c of COLORS) for (const s of SIZES) if (out.length < count) out.push(`${t}-${c}-${s}`);
  return out;
}

const available = (stock: Stock, sku: string, locations: string[]): number =>
  stock
    .filter((s) => s.sku === sku && locations.includes(s.location))
    .reduce((sum, s) => sum + Math.max(0, s.onHand - (s.reserved ?? 0) - (s.damaged ?? 0)), 0);

export function demoSeed(opts: { skus?: number; ingestLagMs?: number; seed?: number } = {}): SeedInput {
  const rand = prng(opts.seed ?? 7);
  const skus = demoSkus(opts.skus ?? 200);
  const kits = [
    {
      sku: 'TSHIRT-3PACK',
      components: [
        { sku: 'TSHIRT-RED-M', qty: 1 },
        { sku: 'TSHIRT-BLUE-M', qty: 1 },
        { sku: 'TSHIRT-GREEN-M', qty: 1 },
      ],
    },
    { sku: 'MUG-PAIR-BLUE', components: [{ sku: 'MUG-BLUE-S', qty: 2 }] },
    {
      sku: 'WINTER-SET',
      components: [
        { sku: 'SCARF-RED-M', qty: 1 },
        { sku: 'BEANIE-RED-M', qty: 1 },
      ],
    },
  ].filter((k) => k.components.every((c) => skus.includes(c.sku)));
  const stock: Stock = [];
  skus.forEach((sku, i) => {
    // Fast movers are stocked deeper but not deep enough for a flash sale; the tail holds a handful each.
    const depth = i < 10 ? 40 : i < 40 ? 20 : 8;
    stock.push({
      sku,
      location: 'WH1/Stock',
      onHand: Math.floor(depth * (0.5 + rand())),
      reserved: 0,
      damaged: i % 17 === 0 ? 1 : 0,
    });
    stock.push({
      sku,
      location: 'WH2/Stock',
      onHand: Math.floor((depth / 2) * rand()),
      reserved: 0,
      damaged: 0,
    });
    if (i % 25 === 0) stock.push({ sku, location: 'WH1/Quarantine', onHand: 3, reserved: 0, damaged: 3 });
  });
  const fbaSkus = skus.filter((_, i) => i % 10 === 3);
  const fullSkus = skus.filter((_, i) => i % 20 === 5);
  const sellable = (sku: string, locs: string[]) => available(stock, sku, locs);
  const kitShows = (kitSku: string, locs: string[]) => {
    const k = kits.find((x) => x.sku === kitSku);
    return k ? Math.min(...k.components.map((c) => Math.floor(sellable(c.sku, locs) / c.qty))) : 0;
  };
  const all = [...skus, ...kits.map((k) => k.sku)];
  const shows = (sku: string, locs: string[]) =>
    kits.some((k) => k.sku === sku) ? kitShows(sku, locs) : sellable(sku, locs);
  const channels: Channels = [
    {
      id: 'shopify',
      kind: 'shopify',
      locations: [
        { id: 'gid://shopify/Location/1', erpLocations: ['WH1/Stock'] },
        { id: 'gid://shopify/Location/2', erpLocations: ['WH2/Stock'] },
      ],
      listings: all.flatMap((sku) => [
        { sku, location: 'gid://shopify/Location/1', shows: shows(sku, ['WH1/Stock']) },
        { sku, location: 'gid://shopify/Location/2', shows: shows(sku, ['WH2/Stock']) },
      ]),
    },
    {
      id: 'amazon',
      kind: 'amazon',
      fbmErpLocations: ['WH1/Stock', 'WH2/Stock'],
      listings: [
        ...all.map((sku) => ({
          sku,
          fulfillment: 'FBM' as const,
          shows: shows(sku, ['WH1/Stock', 'WH2/Stock']),
        })),
        ...fbaSkus.map((sku) => ({ sku: `${sku}-FBA`, fulfillment: 'FBA' as const, shows: 12 })),
      ],
      fba: fbaSkus.map((sku, i) => ({
        sku: `${sku}-FBA`,
        fulfillable: 12,
        inboundWorking: 0,
        inboundShipped: i % 2 ? 24 : 0,
        inboundReceiving: 0,
        reserved: 2,
        unfulfillable: i % 3,
        researching: i % 4 === 0 ? 1 : 0,
      })),
    },
    {
      id: 'mercadolibre',
      kind: 'mercadolibre',
      locations: [{ id: 'selling_address', erpLocations: ['WH1/Stock'] }],
      listings: [
        ...skus
          .filter((s) => !fullSkus.includes(s))
          .map((sku, i) => ({
            sku,
            itemId: `MLM${100000 + i}`,
            location: 'selling_address',
            shows: shows(sku, ['WH1/Stock']),
            full: false,
          })),
        ...fullSkus.map((sku, i) => ({
          sku,
          itemId: `MLM${200000 + i}`,
          location: 'selling_address',
          shows: 6,
          full: true,
        })),
      ],
    },
  ];
  return {
    erp: {
      kind: 'odoo',
      locations: [
        { id: 'WH1/Stock', warehouse: 'WH1', sellable: true },
        { id: 'WH2/Stock', warehouse: 'WH2', sellable: true },
        { id: 'WH1/Quarantine', warehouse: 'WH1', sellable: false },
      ],
      products: [
        ...skus.map((sku, i) => ({ sku, barcode: String(7500000000000 + i) })),
        ...kits.map((k, i) => ({ sku: k.sku, barcode: String(7600000000000 + i) })),
        ...fbaSkus.map((sku) => ({ sku: `${sku}-FBA` })),
      ],
      stock,
      kits,
      ingestLagMs: opts.ingestLagMs ?? 30_000,
    },
    channels,
  };
}

export function smallSeed(ingestLagMs = 1000): SeedInput {
  return demoSeed({ skus: 5, ingestLagMs });
}

/** The demo world with exactly three catalogue problems (for `invsync audit`). */
export function brokenCatalogueSeed(opts: { ingestLagMs?: number } = {}): SeedInput {
  const seed = demoSeed(opts);
  const channels = (seed.channels ?? []).map((c) => structuredClone(c));
  const shopify = channels.find((c) => c.id === 'shopify');
  if (shopify?.kind === 'shopify') {
    // 1. a channel SKU with no ERP product
    shopify.listings?.push({ sku: 'ABC-RED-M', location: 'gid://shopify/Location/1', shows: 5 });
    // 3. a listing at a Shopify location that is not mapped to any ERP location
    shopify.listings?.push({ sku: 'TSHIRT-RED-M', location: 'gid://shopify/Location/3', shows: 4 });
  }
  // 2. two ERP products carrying the same SKU
  const products = [...seed.erp.products, { sku: 'MUG-BLUE-M', barcode: '7699999999999' }];
  return { ...seed, erp: { ...seed.erp, products }, channels };
}

export function presetSeed(name: string, opts: { ingestLagMs?: number } = {}): SeedInput {
  switch (name) {
    case 'demo':
      return demoSeed(opts);
    case 'small':
      return smallSeed(opts.ingestLagMs);
    case 'broken-catalogue':
      return brokenCatalogueSeed(opts);
    default:
      throw new Error(`unknown preset "${name}" (presets: ${PRESETS.join(', ')})`);
  }
}
