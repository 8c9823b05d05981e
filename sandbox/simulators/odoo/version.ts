/**
 * The Odoo major versions the simulator can impersonate, and every place where they differ on the wire
 * (apis.md 1.4): field names, context keys, state values and the texts of two exceptions.
 */
import { z } from 'zod';

export const odooVersionSchema = z.union([z.literal(16), z.literal(17), z.literal(18), z.literal(19)]);
export type OdooVersion = z.infer<typeof odooVersionSchema>;

/** `common.version()` (odoo/service/common.py, RPC_VERSION_1). */
export function versionInfo(v: OdooVersion) {
  return {
    server_version: `${v}.0`,
    server_version_info: [v, 0, 0, 'final', 0, ''],
    server_serie: `${v}.0`,
    protocol_version: 1,
  };
}

/** The product context key that scopes quantities to a warehouse: 16 reads `warehouse`, 17+ only `warehouse_id`. */
export const warehouseContextKey = (v: OdooVersion): 'warehouse' | 'warehouse_id' =>
  v === 16 ? 'warehouse' : 'warehouse_id';

/** 18 replaced the storable `type = 'product'` by `type = 'consu'` plus the boolean `is_storable`. */
export const hasIsStorable = (v: OdooVersion): boolean => v >= 18;

/** 17 renamed `stock.move.quantity_done` / `stock.move.line.qty_done` to `quantity`. */
export const moveQtyField = (v: OdooVersion): 'quantity_done' | 'quantity' =>
  v === 16 ? 'quantity_done' : 'quantity';
export const moveLineQtyField = (v: OdooVersion): 'qty_done' | 'quantity' =>
  v === 16 ? 'qty_done' : 'quantity';

/** 17 dropped the sale order state `done` (a shipped order stays `sale`, with `locked`). */
export const shippedOrderState = (v: OdooVersion): 'done' | 'sale' => (v === 16 ? 'done' : 'sale');

/**
 * `check_method_name` (16/17, odoo/models.py) names only the method; `get_public_method` (18+) names the model
 * too. Both are AccessErrors (fault 4).
 */
export function privateMethodMessage(v: OdooVersion, model: string, method: string): string {
  return v <= 17
    ? `Private methods (such as ${method}) cannot be called remotely.`
    : `Private methods (such as '${model}.${method}') cannot be called remotely.`;
}

/** The AttributeError an unknown method raises (odoo/api.py `call_kw`; 18+ `get_public_method`). */
export function unknownMethodMessage(v: OdooVersion, model: string, method: string): string {
  if (v === 16) return `type object '${model}' has no attribute '${method}'`;
  if (v === 17) return `The method '${method}' does not exist on the model '${model}'`;
  return `The method '${model}.${method}' does not exist`;
}
