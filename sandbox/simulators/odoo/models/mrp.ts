/**
 * mrp.bom / mrp.bom.line: the world's kits as phantom BoMs (one unit of the kit per BoM), as the connector reads
 * kit definitions.
 */
import type { Env, ModelDef, Row } from '../env';
import { productBySku } from './products';

interface BomLine {
  id: number;
  bomId: number;
  sku: string;
  qty: number;
}

function boms(env: Env): { id: number; sku: string; lines: BomLine[] }[] {
  return env.memoize('boms', () => {
    let lineId = 1;
    return env.world.kits.map((k, i) => ({
      id: i + 1,
      sku: k.sku,
      lines: k.components.map((c) => ({ id: lineId++, bomId: i + 1, sku: c.sku, qty: c.qty })),
    }));
  });
}

export const mrpBom: ModelDef = {
  name: 'mrp.bom',
  description: 'Bill of Material',
  order: 'sequence, id',
  fields: () => ({
    code: { type: 'char', string: 'Reference' },
    active: { type: 'boolean', string: 'Active' },
    type: {
      type: 'selection',
      string: 'BoM Type',
      selection: [
        ['normal', 'Manufacture this product'],
        ['phantom', 'Kit'],
        ['subcontract', 'Subcontracting'],
      ],
    },
    product_tmpl_id: { type: 'many2one', string: 'Product', relation: 'product.template', required: true },
    product_id: { type: 'many2one', string: 'Product Variant', relation: 'product.product' },
    product_qty: { type: 'float', string: 'Quantity', required: true },
    product_uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom', required: true },
    bom_line_ids: { type: 'one2many', string: 'BoM Lines', relation: 'mrp.bom.line' },
    sequence: { type: 'integer', string: 'Sequence' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
  }),
  rows: (env) =>
    boms(env).map((b): Row => {
      const product = productBySku(env, b.sku);
      return {
        id: b.id,
        values: {
          code: false,
          active: true,
          type: 'phantom',
          product_tmpl_id: product?.id ?? false,
          product_id: product?.id ?? false,
          product_qty: 1,
          product_uom_id: 1,
          bom_line_ids: b.lines.map((l) => l.id),
          sequence: b.id,
          company_id: 1,
        },
      };
    }),
  displayName: (row, env) =>
    `${row.values.code ? `${row.values.code as string}: ` : ''}${typeof row.values.product_tmpl_id === 'number' ? env.displayNameOf('product.template', row.values.product_tmpl_id) : ''}`,
};

export const mrpBomLine: ModelDef = {
  name: 'mrp.bom.line',
  description: 'Bill of Material Line',
  order: 'sequence, id',
  fields: () => ({
    bom_id: { type: 'many2one', string: 'Parent BoM', relation: 'mrp.bom', required: true },
    product_id: { type: 'many2one', string: 'Component', relation: 'product.product', required: true },
    product_tmpl_id: { type: 'many2one', string: 'Product Template', relation: 'product.template' },
    product_qty: { type: 'float', string: 'Quantity', required: true },
    product_uom_id: {
      type: 'many2one',
      string: 'Product Unit of Measure',
      relation: 'uom.uom',
      required: true,
    },
    sequence: { type: 'integer', string: 'Sequence' },
  }),
  rows: (env) =>
    boms(env).flatMap((b) =>
      b.lines.map((l): Row => {
        const product = productBySku(env, l.sku);
        return {
          id: l.id,
          values: {
            bom_id: b.id,
            product_id: product?.id ?? false,
            product_tmpl_id: product?.id ?? false,
            product_qty: l.qty,
            product_uom_id: 1,
            sequence: 1,
          },
        };
      }),
    ),
  displayName: (row, env) =>
    typeof row.values.product_id === 'number'
      ? env.displayNameOf('product.product', row.values.product_id)
      : '',
};
