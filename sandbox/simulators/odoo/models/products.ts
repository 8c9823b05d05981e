/**
 * product.product / product.template over the world's catalogue (plus the kit products its BoMs name), the small
 * records every Odoo has (uom.uom, res.company, res.users), and the computed quantities: qty_available,
 * free_qty, incoming/outgoing and virtual_available within the context's location scope, kits from their
 * components (mrp's `_compute_quantities_dict`).
 */
import type { Env, FieldDef, ModelDef, RawValue, Row } from '../env';
import { hasIsStorable, type OdooVersion } from '../version';
import { quantityScope } from './locations';

export interface CatalogItem {
  id: number;
  sku: string;
  name: string;
  barcode: string | false;
  writeDate: number;
  kit?: { sku: string; qty: number }[];
}

/** The world's products, then each kit SKU the catalogue lacks (Odoo has a product for every BoM). */
export function catalog(env: Env): CatalogItem[] {
  return env.memoize('catalog', () => {
    const items: CatalogItem[] = env.world.products.map((p) => ({
      id: p.id,
      sku: p.sku,
      name: p.name,
      barcode: p.barcode ?? false,
      writeDate: p.writeDate,
    }));
    let next = items.reduce((m, i) => Math.max(m, i.id), 0) + 1;
    for (const k of env.world.kits) {
      const existing = items.find((i) => i.sku === k.sku);
      if (existing) existing.kit = k.components;
      else
        items.push({
          id: next++,
          sku: k.sku,
          name: k.sku,
          barcode: false,
          writeDate: env.state.epoch,
          kit: k.components,
        });
    }
    return items;
  });
}

export const productBySku = (env: Env, sku: string): CatalogItem | undefined =>
  catalog(env).find((i) => i.sku === sku);
export const productById = (env: Env, id: number): CatalogItem | undefined =>
  catalog(env).find((i) => i.id === id);

/** Odoo's quant quantity: on hand minus damaged (Odoo would have scrapped damaged units out of the location). */
export function cell(env: Env, sku: string, location: string): { quantity: number; reserved: number } {
  const q = env.world.stock.get(sku)?.get(location);
  return q ? { quantity: q.onHand - q.damaged, reserved: q.reserved } : { quantity: 0, reserved: 0 };
}

export interface Quantities {
  qty_available: number;
  free_qty: number;
  incoming_qty: number;
  outgoing_qty: number;
  virtual_available: number;
}

/**
 * Units on their way, per SKU: confirmed transfer moves (from -> to) and reserved sale orders' deliveries
 * (from where they reserved -> out of the company).
 */
function openDemand(env: Env): Map<string, { from: string; to: string | null; qty: number }[]> {
  return env.memoize('open-demand', () => {
    const out = new Map<string, { from: string; to: string | null; qty: number }[]>();
    const add = (sku: string, d: { from: string; to: string | null; qty: number }) => {
      const list = out.get(sku);
      if (list) list.push(d);
      else out.set(sku, [d]);
    };
    for (const p of env.state.pickings.values())
      for (const m of p.moves)
        if (['confirmed', 'partially_available', 'assigned'].includes(m.state))
          add(m.sku, { from: m.from, to: m.to, qty: m.qty });
    for (const o of env.world.erpOrders)
      if (o.status === 'reserved')
        for (const line of o.lines)
          for (const a of line.allocations) add(line.sku, { from: a.location, to: null, qty: a.qty });
    return out;
  });
}

/** A storable SKU's quantities over the scope: quants, plus confirmed moves that cross the scope's border. */
function storableQuantities(env: Env, sku: string, scope: Set<string>): Quantities {
  let onHand = 0;
  let reserved = 0;
  for (const loc of scope) {
    const c = cell(env, sku, loc);
    onHand += c.quantity;
    reserved += c.reserved;
  }
  let incoming = 0;
  let outgoing = 0;
  for (const d of openDemand(env).get(sku) ?? []) {
    if (scope.has(d.from) && (d.to === null || !scope.has(d.to))) outgoing += d.qty;
    if (d.to !== null && scope.has(d.to) && !scope.has(d.from)) incoming += d.qty;
  }
  return {
    qty_available: onHand,
    free_qty: onHand - reserved,
    incoming_qty: incoming,
    outgoing_qty: outgoing,
    virtual_available: onHand + incoming - outgoing,
  };
}

export function quantities(env: Env, item: CatalogItem): Quantities {
  return env.memoize(`qty:${item.id}`, () => {
    const scope = quantityScope(env);
    if (!item.kit) return storableQuantities(env, item.sku, scope);
    // A kit is as available as its scarcest component allows, per quantity.
    const parts = item.kit.map((c) => ({ per: c.qty, q: storableQuantities(env, c.sku, scope) }));
    const kit = (k: keyof Quantities) => Math.min(...parts.map(({ per, q }) => Math.floor(q[k] / per)));
    return {
      qty_available: kit('qty_available'),
      free_qty: kit('free_qty'),
      incoming_qty: kit('incoming_qty'),
      outgoing_qty: kit('outgoing_qty'),
      virtual_available: kit('virtual_available'),
    };
  });
}

const qtyField = (string: string, k: keyof Quantities): FieldDef => ({
  type: 'float',
  string,
  readonly: true,
  compute: (row, env) => {
    const item = productById(env, row.id);
    return item ? quantities(env, item)[k] : 0;
  },
});

function typeSelection(v: OdooVersion): [string, string][] {
  return hasIsStorable(v)
    ? [
        ['consu', 'Goods'],
        ['service', 'Service'],
        ['combo', 'Combo'],
      ]
    : [
        ['consu', 'Consumable'],
        ['service', 'Service'],
        ['product', 'Storable Product'],
      ];
}

function productFields(v: OdooVersion, template: boolean): Record<string, FieldDef> {
  const storable = hasIsStorable(v);
  const fields: Record<string, FieldDef> = {
    name: { type: 'char', string: 'Name', required: true },
    default_code: { type: 'char', string: 'Internal Reference' },
    barcode: { type: 'char', string: 'Barcode' },
    active: { type: 'boolean', string: 'Active' },
    type: { type: 'selection', string: 'Product Type', selection: typeSelection(v) },
    ...(storable
      ? { is_storable: { type: 'boolean', string: 'Track Inventory' } as FieldDef }
      : {
          detailed_type: {
            type: 'selection',
            string: 'Product Type',
            selection: typeSelection(v),
          } as FieldDef,
        }),
    is_kits: { type: 'boolean', string: 'Is Kits' },
    uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    qty_available: qtyField('Quantity On Hand', 'qty_available'),
    free_qty: qtyField('Free To Use Quantity ', 'free_qty'),
    incoming_qty: qtyField('Incoming', 'incoming_qty'),
    outgoing_qty: qtyField('Outgoing', 'outgoing_qty'),
    virtual_available: qtyField('Forecasted Quantity', 'virtual_available'),
    bom_ids: { type: 'one2many', string: 'Bill of Materials', relation: 'mrp.bom' },
  };
  if (template) {
    fields.product_variant_id = { type: 'many2one', string: 'Product', relation: 'product.product' };
    fields.product_variant_ids = { type: 'one2many', string: 'Products', relation: 'product.product' };
  } else
    fields.product_tmpl_id = { type: 'many2one', string: 'Product Template', relation: 'product.template' };
  return fields;
}

function productRows(env: Env, template: boolean): Row[] {
  const storable = hasIsStorable(env.version);
  return catalog(env).map((p) => {
    const kit = p.kit !== undefined;
    const values: Record<string, RawValue> = {
      name: p.name,
      default_code: p.sku === '' ? false : p.sku,
      barcode: p.barcode,
      active: true,
      // Kits are consumables; storable goods are 'product' (16/17) or 'consu' + is_storable (18+).
      type: storable || kit ? 'consu' : 'product',
      is_kits: kit,
      uom_id: 1,
      company_id: false,
      bom_ids: kit ? [env.world.kits.findIndex((k) => k.sku === p.sku) + 1] : [],
      write_date: p.writeDate,
      create_date: p.writeDate,
    };
    if (storable) values.is_storable = !kit;
    else values.detailed_type = values.type as string;
    if (template) {
      values.product_variant_id = p.id;
      values.product_variant_ids = [p.id];
    } else values.product_tmpl_id = p.id;
    return { id: p.id, values, key: p.sku };
  });
}

export const productProduct: ModelDef = {
  name: 'product.product',
  description: 'Product Variant',
  order: 'default_code, name, id',
  fields: (v) => productFields(v, false),
  rows: (env) => productRows(env, false),
  // "[SKU] Name", as Odoo shows a product with an internal reference.
  displayName: (row) =>
    row.values.default_code
      ? `[${row.values.default_code as string}] ${row.values.name as string}`
      : (row.values.name as string),
};

export const productTemplate: ModelDef = {
  name: 'product.template',
  description: 'Product',
  order: 'name, id',
  fields: (v) => productFields(v, true),
  rows: (env) => productRows(env, true),
  displayName: (row) =>
    row.values.default_code
      ? `[${row.values.default_code as string}] ${row.values.name as string}`
      : (row.values.name as string),
};

const fixed = (name: string, description: string, rows: { id: number; name: string }[]): ModelDef => ({
  name,
  description,
  order: 'id',
  fields: () => ({ name: { type: 'char', string: 'Name', required: true } }),
  rows: () => rows.map((r) => ({ id: r.id, values: { name: r.name } })),
  displayName: (row) => row.values.name as string,
});

export const uomUom = fixed('uom.uom', 'Product Unit of Measure', [{ id: 1, name: 'Units' }]);
export const resCompany = fixed('res.company', 'Companies', [{ id: 1, name: 'My Company' }]);

export const resUsers: ModelDef = {
  name: 'res.users',
  description: 'User',
  order: 'name, login',
  fields: () => ({
    name: { type: 'char', string: 'Name' },
    login: { type: 'char', string: 'Login' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    tz: { type: 'char', string: 'Timezone' },
    lang: { type: 'char', string: 'Language' },
  }),
  rows: (env) => [
    { id: 1, values: { name: 'OdooBot', login: '__system__', company_id: 1, tz: 'UTC', lang: 'en_US' } },
    {
      id: env.uid,
      values: { name: 'Mitchell Admin', login: env.state.login, company_id: 1, tz: 'UTC', lang: 'en_US' },
    },
  ],
  displayName: (row) => row.values.name as string,
  methods: {
    context_get: {
      api: 'model',
      params: [],
      write: false,
      call: (env) => ({ lang: 'en_US', tz: 'UTC', uid: env.uid }),
    },
  },
};
