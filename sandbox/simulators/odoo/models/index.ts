/** The models the simulated database has: what the connector reads and writes, and what they refer to. */
import type { ModelDef, Registry } from '../env';
import { stockLocation, stockPickingType, stockWarehouse } from './locations';
import { stockMove, stockMoveLine } from './moves';
import { mrpBom, mrpBomLine } from './mrp';
import { stockPicking } from './pickings';
import { productProduct, productTemplate, resCompany, resUsers, uomUom } from './products';
import { stockQuant } from './quants';
import { saleOrder, saleOrderLine } from './sales';

const resPartner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  order: 'complete_name ASC, id DESC',
  fields: () => ({
    name: { type: 'char', string: 'Name' },
    complete_name: { type: 'char', string: 'Complete Name' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
  }),
  rows: () => [
    { id: 1, values: { name: 'My Company', complete_name: 'My Company', company_id: 1 } },
    {
      id: 3,
      values: { name: 'Marketplace Customer', complete_name: 'Marketplace Customer', company_id: false },
    },
  ],
  displayName: (row) => row.values.name as string,
};

const MODELS: ModelDef[] = [
  productProduct,
  productTemplate,
  stockQuant,
  stockLocation,
  stockWarehouse,
  stockPickingType,
  stockPicking,
  stockMove,
  stockMoveLine,
  mrpBom,
  mrpBomLine,
  saleOrder,
  saleOrderLine,
  uomUom,
  resCompany,
  resUsers,
  resPartner,
];

const byName = new Map(MODELS.map((m) => [m.name, m]));

export const registry: Registry = { get: (name) => byName.get(name) };
