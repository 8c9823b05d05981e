/**
 * stock.quant: one record per (product, internal location) with stock, reservations or a pending count. Quants
 * at zero vanish (Odoo's `_unlink_zero_quants`), and a quant that comes back gets a new id. Counts go through
 * inventory mode: `create`/`write` with `inventory_quantity_auto_apply` apply at once through `world.adjust`;
 * `inventory_quantity` + `action_apply_inventory` apply later, and that method returns None, which XML-RPC
 * turns into a fault after the commit (apis.md finding 4).
 */
import { z } from 'zod';
import type { Env, FieldDef, MethodDef, ModelDef, Row } from '../env';
import { userError, validationError } from '../errors';
import { cellKey } from '../state';
import { locationTree } from './locations';
import { catalog, cell, productById } from './products';
import { checkFieldNames, inventoryMode, parseVals, references, valsList } from './vals';

/** Every visible quant; zero quants are dropped and forget their id, as Odoo garbage-collects them. */
function quantRows(env: Env): Row[] {
  const tree = locationTree(env);
  const productOf = new Map(
    catalog(env)
      .filter((p) => !p.kit)
      .map((p) => [p.sku, p]),
  );
  const rows: Row[] = [];
  for (const [sku, byLoc] of env.world.stock) {
    const product = productOf.get(sku);
    for (const [location] of byLoc) {
      const loc = tree.byWorld.get(location);
      const key = cellKey(sku, location);
      const { quantity, reserved } = cell(env, sku, location);
      const pending = env.state.pendingCounts.get(key);
      if (!product || !loc || (quantity === 0 && reserved === 0 && !pending)) {
        env.state.quantIds.delete(key);
        continue;
      }
      const written = env.world.stockWriteDate.get(key) ?? env.state.epoch;
      rows.push({
        id: env.state.quantId(key),
        key,
        values: {
          product_id: product.id,
          location_id: loc.id,
          warehouse_id: loc.warehouse,
          company_id: 1,
          lot_id: false,
          package_id: false,
          owner_id: false,
          user_id: false,
          product_uom_id: 1,
          quantity,
          reserved_quantity: reserved,
          available_quantity: quantity - reserved,
          inventory_quantity: pending ? pending.qty : 0,
          inventory_quantity_set: pending !== undefined,
          inventory_diff_quantity: pending ? pending.qty - quantity : 0,
          inventory_quantity_auto_apply: quantity,
          is_outdated: pending !== undefined && pending.baseline !== quantity,
          in_date: written,
          write_date: written,
          create_date: written,
        },
      });
    }
  }
  return rows.sort((a, b) => a.id - b.id);
}

const fields = (): Record<string, FieldDef> => {
  const qty = (string: string): FieldDef => ({ type: 'float', string, readonly: true });
  return {
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product', required: true },
    location_id: { type: 'many2one', string: 'Location', relation: 'stock.location', required: true },
    warehouse_id: { type: 'many2one', string: 'Warehouse', relation: 'stock.warehouse', readonly: true },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company', readonly: true },
    lot_id: { type: 'many2one', string: 'Lot/Serial Number', relation: 'stock.lot' },
    package_id: { type: 'many2one', string: 'Package', relation: 'stock.quant.package' },
    owner_id: { type: 'many2one', string: 'Owner', relation: 'res.partner' },
    user_id: { type: 'many2one', string: 'Assigned To', relation: 'res.users' },
    product_uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom', readonly: true },
    quantity: qty('Quantity'),
    reserved_quantity: qty('Reserved Quantity'),
    available_quantity: qty('Available Quantity'),
    inventory_quantity: { type: 'float', string: 'Counted Quantity' },
    inventory_diff_quantity: qty('Difference'),
    inventory_quantity_set: { type: 'boolean', string: 'Inventory Quantity Set' },
    inventory_quantity_auto_apply: { type: 'float', string: 'Inventoried Quantity' },
    is_outdated: { type: 'boolean', string: 'Quantity has been moved since last count', readonly: true },
    in_date: { type: 'datetime', string: 'Incoming Date', readonly: true },
  };
};

/** Where a quant lives in the world. */
function split(key: string): { sku: string; location: string } {
  const [sku, location] = key.split('\u0000') as [string, string];
  return { sku, location };
}

/** Sets a quant's quantity to the counted one (an inventory adjustment), once per reference. */
function applyCount(env: Env, key: string, counted: number, reference: string | undefined): void {
  env.state.pendingCounts.delete(key);
  const { sku, location } = split(key);
  const damaged = env.world.stock.get(sku)?.get(location)?.damaged ?? 0;
  const { quantity } = cell(env, sku, location);
  // No difference, no move; the reference is still spent so a replay later changes nothing.
  if (counted === quantity) env.world.once(reference, () => ({ moveId: 0 }));
  else
    env.world.adjust({
      sku,
      location,
      set: counted + damaged,
      reference,
      reason: 'odoo inventory adjustment',
    });
}

const many2oneId = z.number().int().positive();
const emptyRef = z.union([z.literal(false), z.null()]).optional();
const quantCreate = z.object({
  product_id: many2oneId,
  location_id: many2oneId,
  inventory_quantity: z.number().optional(),
  inventory_quantity_auto_apply: z.number().optional(),
  lot_id: emptyRef,
  package_id: emptyRef,
  owner_id: emptyRef,
  user_id: z.unknown().optional(),
  inventory_date: z.unknown().optional(),
});
const CREATE_ALLOWED = new Set(Object.keys(quantCreate.shape));
const quantWrite = z.object({
  inventory_quantity: z.number().optional(),
  inventory_quantity_auto_apply: z.number().optional(),
  user_id: z.unknown().optional(),
  inventory_date: z.unknown().optional(),
});
const WRITE_ALLOWED = new Set(Object.keys(quantWrite.shape));

const create: MethodDef = {
  api: 'model',
  params: [{ name: 'vals_list', required: true }],
  write: true,
  call: (env, model, _ids, a) => {
    const { list, single } = valsList(a.vals_list);
    const refs = references(env, list.length);
    const tree = locationTree(env);
    const ids = list.map((raw, i) => {
      checkFieldNames(env, model, raw);
      const counting = 'inventory_quantity' in raw || 'inventory_quantity_auto_apply' in raw;
      if (!inventoryMode(env) || !counting || Object.keys(raw).some((k) => !CREATE_ALLOWED.has(k)))
        throw userError("Quant's creation is restricted, you can't do this operation.");
      const vals = parseVals(model.name, quantCreate, raw);
      const product = productById(env, vals.product_id);
      if (!product) throw foreignKey('product_id');
      if (product.kit) throw validationError('Quants cannot be created for consumables or services.');
      const loc = tree.byId.get(vals.location_id);
      if (!loc) throw foreignKey('location_id');
      if (!loc.world)
        throw userError(`[sandbox] inventory counts apply to internal locations only, not ${loc.complete}`);
      const key = cellKey(product.sku, loc.world);
      if (!env.drop) {
        if (vals.inventory_quantity_auto_apply !== undefined)
          applyCount(env, key, vals.inventory_quantity_auto_apply, refs[i]);
        else
          env.state.pendingCounts.set(key, {
            qty: vals.inventory_quantity ?? 0,
            baseline: cell(env, product.sku, loc.world).quantity,
          });
      }
      return env.state.quantId(key);
    });
    env.invalidate();
    return single ? ids[0] : ids;
  },
};

const write: MethodDef = {
  api: 'records',
  params: [{ name: 'vals', required: true }],
  write: true,
  call: (env, model, ids, a) => {
    const raw = (typeof a.vals === 'object' && a.vals !== null ? a.vals : {}) as Record<string, unknown>;
    checkFieldNames(env, model, raw);
    if (Object.keys(raw).some((k) => !WRITE_ALLOWED.has(k)))
      throw userError("Quant's editing is restricted, you can't do this operation.");
    const vals = parseVals(model.name, quantWrite, raw);
    const refs = references(env, ids.length);
    if (!env.drop)
      ids.forEach((id, i) => {
        const row = env.byId(model, id) as Row;
        const key = row.key as string;
        if (vals.inventory_quantity_auto_apply !== undefined)
          applyCount(env, key, vals.inventory_quantity_auto_apply, refs[i]);
        else if (vals.inventory_quantity !== undefined)
          env.state.pendingCounts.set(key, {
            qty: vals.inventory_quantity,
            baseline: row.values.quantity as number,
          });
      });
    env.invalidate();
    return true;
  },
};

const actionApplyInventory: MethodDef = {
  api: 'records',
  params: [],
  write: true,
  call: (env, model, ids) => {
    const rows = ids.map((id) => env.byId(model, id) as Row);
    const outdated = rows.filter((r) => r.values.is_outdated === true).map((r) => r.id);
    // A quant that moved since it was counted: Odoo asks which count to keep instead of applying.
    if (outdated.length > 0)
      return {
        name: 'Conflict in Inventory Adjustment',
        type: 'ir.actions.act_window',
        view_mode: 'form',
        views: [[false, 'form']],
        res_model: 'stock.inventory.conflict',
        target: 'new',
        context: { default_quant_ids: ids, default_quant_to_fix_ids: outdated },
      };
    const counted = rows.filter((r) => r.values.inventory_quantity_set === true);
    const refs = references(env, counted.length);
    if (!env.drop)
      counted.forEach((r, i) =>
        applyCount(env, r.key as string, r.values.inventory_quantity as number, refs[i]),
      );
    env.invalidate();
    return undefined;
  },
};

/** A many2one to a record that does not exist: PostgreSQL's foreign-key violation, as Odoo words it. */
export function foreignKey(field: string, model = 'stock.quant', description = 'Quants'): Error {
  return validationError(
    `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${description} (${model})\nConstraint: ${model.replace(/\./g, '_')}_${field}_fkey\n`,
  );
}

export const stockQuant: ModelDef = {
  name: 'stock.quant',
  description: 'Quants',
  order: 'id',
  fields,
  rows: quantRows,
  displayName: (row, env) => {
    const loc = locationTree(env).byId.get(row.values.location_id as number);
    return `${loc?.complete ?? ''} - ${env.displayNameOf('product.product', row.values.product_id as number)}`;
  },
  methods: { create, write, action_apply_inventory: actionApplyInventory },
};
