/**
 * Products and kits: `product.product` (SKU = `default_code`, the Internal Reference) and `mrp.bom` of type
 * `phantom` (a kit: sold as one product, delivered as its components). A BoM names a variant, or only a template
 * and then holds for each of its variants.
 */
import type { KitDef } from '../../domain/model';
import type { ErpProductRef, Page } from '../types';
import { duplicateSku, invalidRequest, unlinkedSku } from './problems';
import type { OdooRpc } from './rpc';
import {
  bomKitRow,
  bomLineRow,
  bomRow,
  productCodeRow,
  productRow,
  productTemplateRow,
  productUomRow,
  searchRead,
} from './schemas';

export interface OdooProduct {
  id: number;
  sku: string;
  uomId: number;
}

/** An id cursor ("after this record id"); anything else is a caller's mistake. */
export function afterId(cursor: string | undefined, operation: string): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^\d+$/.test(cursor)) throw invalidRequest({ operation }, `invalid page cursor "${cursor}"`);
  return Number(cursor);
}

/** The one product whose Internal Reference is the SKU: none is UNLINKED_SKU, several DUPLICATE_SKU. */
export async function findProduct(rpc: OdooRpc, sku: string, operation: string): Promise<OdooProduct> {
  if (sku.trim() === '') throw unlinkedSku(sku, operation);
  const rows = await searchRead(
    rpc,
    'product.product',
    [['default_code', '=', sku]],
    ['default_code', 'uom_id'],
    productUomRow,
    { limit: 2, order: 'id', sku },
  );
  const [first] = rows;
  if (!first) throw unlinkedSku(sku, operation);
  if (rows.length > 1)
    throw duplicateSku(
      sku,
      rows.map((r) => r.id),
      operation,
    );
  return { id: first.id, sku, uomId: first.uom_id[0] };
}

/** SKUs of product ids (archived ones included: their moves still count). */
export async function skusOf(rpc: OdooRpc, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await searchRead(
    rpc,
    'product.product',
    [['id', 'in', [...ids]]],
    ['default_code'],
    productCodeRow,
    {
      context: { active_test: false },
    },
  );
  return new Map(rows.flatMap((r) => (r.default_code ? [[r.id, r.default_code] as const] : [])));
}

export async function productsPage(rpc: OdooRpc, cursor: string | undefined, pageSize: number) {
  const after = afterId(cursor, 'products');
  const rows = await searchRead(
    rpc,
    'product.product',
    [['id', '>', after]],
    ['default_code', 'barcode', 'name', 'product_tmpl_id'],
    productRow,
    { limit: pageSize, order: 'id' },
  );
  if (rows.length === 0) return { items: [] } satisfies Page<ErpProductRef>;
  const ids = rows.map((r) => r.id);
  const templates = [...new Set(rows.map((r) => r.product_tmpl_id[0]))];
  const boms = await searchRead(
    rpc,
    'mrp.bom',
    [
      ['type', '=', 'phantom'],
      '|',
      ['product_id', 'in', ids],
      '&',
      ['product_id', '=', false],
      ['product_tmpl_id', 'in', templates],
    ],
    ['product_id', 'product_tmpl_id'],
    bomKitRow,
  );
  const kitVariants = new Set(boms.flatMap((b) => (b.product_id ? [b.product_id[0]] : [])));
  const kitTemplates = new Set(boms.flatMap((b) => (b.product_id ? [] : [b.product_tmpl_id[0]])));
  const items = rows.map((r): ErpProductRef => ({
    sku: r.default_code || '',
    barcode: r.barcode || undefined,
    id: String(r.id),
    name: r.name,
    isKit: kitVariants.has(r.id) || kitTemplates.has(r.product_tmpl_id[0]),
  }));
  const last = rows[rows.length - 1];
  return { items, next: rows.length === pageSize && last ? String(last.id) : undefined };
}

/** Kits from phantom BoMs: components per one kit unit (line quantity / BoM quantity). */
export async function kitDefs(rpc: OdooRpc): Promise<KitDef[]> {
  const boms = await searchRead(
    rpc,
    'mrp.bom',
    [['type', '=', 'phantom']],
    ['product_id', 'product_tmpl_id', 'product_qty'],
    bomRow,
    { order: 'sequence, id' },
  );
  if (boms.length === 0) return [];
  const lines = await searchRead(
    rpc,
    'mrp.bom.line',
    [['bom_id', 'in', boms.map((b) => b.id)]],
    ['bom_id', 'product_id', 'product_qty'],
    bomLineRow,
    { order: 'sequence, id' },
  );
  const productIds = [
    ...new Set([
      ...boms.flatMap((b) => (b.product_id ? [b.product_id[0]] : [])),
      ...lines.map((l) => l.product_id[0]),
    ]),
  ];
  const templateOnly = [...new Set(boms.flatMap((b) => (b.product_id ? [] : [b.product_tmpl_id[0]])))];
  const products = await searchRead(
    rpc,
    'product.product',
    ['|', ['id', 'in', productIds], ['product_tmpl_id', 'in', templateOnly]],
    ['default_code', 'product_tmpl_id'],
    productTemplateRow,
    { context: { active_test: false } },
  );
  const skuOf = new Map(products.map((p) => [p.id, p.default_code || '']));
  const kits = new Map<number, KitDef>();
  for (const bom of boms) {
    const components = lines
      .filter((l) => l.bom_id[0] === bom.id)
      .map((l) => ({ sku: skuOf.get(l.product_id[0]) ?? '', qty: l.product_qty / bom.product_qty }));
    const variants = bom.product_id
      ? [bom.product_id[0]]
      : products.filter((p) => p.product_tmpl_id[0] === bom.product_tmpl_id[0]).map((p) => p.id);
    for (const v of variants) {
      // Odoo explodes a kit with its first BoM (by sequence); later ones do not apply.
      if (!kits.has(v)) kits.set(v, { sku: skuOf.get(v) ?? '', components });
    }
  }
  return [...kits.values()];
}
