/**
 * Stock writes, each made once per caller reference.
 * - adjust: an inventory count in inventory mode (`stock.quant.create` with `inventory_quantity_auto_apply`,
 *   which applies at once and returns an id, unlike `action_apply_inventory`). Odoo counts set an absolute
 *   quantity, so it is computed from the quant read just before. The reference goes in the context key
 *   `invsync_reference` (the sandbox's extension that applies a count once per reference); since the answer
 *   is the same for a replay, the moves carrying the reference are read first to tell one.
 * - transfer: an internal `stock.picking` whose `origin` is the reference: create, confirm, reserve, validate.
 *   A picking with that origin means the transfer was already made (it is validated if it was not).
 */
import type { ErpWriteResult } from '../types';
import { findProduct } from './catalog';
import type { LocationIndex, OdooLocation } from './locations';
import { insufficientStock, invalidRequest, rejected } from './problems';
import type { OdooRpc } from './rpc';
import { z } from 'zod';
import {
  callParsed,
  createdIds,
  idRow,
  pickingRow,
  quantQtyRow,
  quantRow,
  searchRead,
  warehouseRow,
} from './schemas';

export interface AdjustRequest {
  sku: string;
  location: string;
  delta: number;
  reference: string;
  reason?: string | undefined;
}

export interface TransferRequest {
  sku: string;
  qty: number;
  from: string;
  to: string;
  reference: string;
}

function checkReference(reference: string, at: { sku: string; location?: string; operation: string }) {
  if (reference.trim() === '') throw invalidRequest(at, 'a stock write needs an idempotency reference');
}

export async function adjust(rpc: OdooRpc, index: LocationIndex, a: AdjustRequest): Promise<ErpWriteResult> {
  const at = { sku: a.sku, location: a.location, operation: 'adjust' };
  checkReference(a.reference, at);
  if (!Number.isFinite(a.delta)) throw invalidRequest(at, `invalid adjustment ${a.delta}`);
  const [loc] = await index.resolve([a.location], a.sku, at.operation);
  const product = await findProduct(rpc, a.sku, at.operation);
  if (!loc) throw invalidRequest(at, 'no location');
  const prior = await searchRead(rpc, 'stock.move', [['reference', '=', a.reference]], ['id'], idRow, {
    limit: 1,
    sku: a.sku,
    location: a.location,
  });
  if (prior[0]) return { applied: false, id: String(prior[0].id) };
  if (a.delta === 0) return { applied: false };
  // The count is for this location itself (not its children): that is the quant it replaces.
  const quants = await searchRead(
    rpc,
    'stock.quant',
    [
      ['product_id', '=', product.id],
      ['location_id', '=', loc.id],
    ],
    ['quantity'],
    quantQtyRow,
    { sku: a.sku, location: a.location },
  );
  const current = quants.reduce((s, q) => s + q.quantity, 0);
  const counted = current + a.delta;
  if (counted < 0)
    throw insufficientStock(at, `Odoo has ${current} on hand, cannot remove ${-a.delta} (check the count)`);
  const ids = await callParsed(
    rpc,
    'stock.quant',
    'create',
    {
      arg: [
        'vals_list',
        [{ product_id: product.id, location_id: loc.id, inventory_quantity_auto_apply: counted }],
      ],
      context: { inventory_mode: true, invsync_reference: a.reference },
      sku: a.sku,
      location: a.location,
    },
    createdIds,
  );
  return { applied: true, id: ids[0] === undefined ? undefined : String(ids[0]) };
}

const validateAnswer = z.union([z.boolean(), z.null(), z.record(z.string(), z.unknown())]);

/** Confirms, reserves and validates a picking; a wizard instead of True means Odoo could not reserve it all. */
async function complete(
  rpc: OdooRpc,
  picking: { id: number; name: string },
  t: TransferRequest,
): Promise<void> {
  const spec = { ids: [picking.id], sku: t.sku, location: t.from };
  await rpc.call('stock.picking', 'action_confirm', spec);
  await rpc.call('stock.picking', 'action_assign', spec);
  const answer = await callParsed(rpc, 'stock.picking', 'button_validate', spec, validateAnswer);
  if (answer !== null && typeof answer === 'object')
    throw insufficientStock(
      { sku: t.sku, location: t.from, operation: 'transfer' },
      `Odoo could not reserve all ${t.qty} units for transfer ${picking.name} to ${t.to} (it asks for ${String(answer.res_model ?? 'a wizard')}); the transfer waits in Odoo and is validated when retried with reference ${t.reference}`,
    );
}

/** The internal-transfer operation type of the source's warehouse (or the destination's). */
async function internalType(rpc: OdooRpc, from: OdooLocation, to: OdooLocation, t: TransferRequest) {
  const warehouseId = from.warehouseId ?? to.warehouseId;
  if (warehouseId === undefined)
    throw rejected(
      { sku: t.sku, location: t.from, operation: 'transfer' },
      `neither ${t.from} nor ${t.to} belongs to an Odoo warehouse, so there is no internal transfer type`,
    );
  const [wh] = await callParsed(
    rpc,
    'stock.warehouse',
    'read',
    { ids: [warehouseId], kw: { fields: ['int_type_id'] }, sku: t.sku, location: t.from },
    z.array(warehouseRow),
  );
  if (!wh) throw rejected({ sku: t.sku, location: t.from, operation: 'transfer' }, 'warehouse not found');
  return wh.int_type_id[0];
}

export async function transfer(
  rpc: OdooRpc,
  index: LocationIndex,
  t: TransferRequest,
): Promise<ErpWriteResult> {
  const at = { sku: t.sku, location: t.from, operation: 'transfer' };
  checkReference(t.reference, at);
  if (!(t.qty > 0)) throw invalidRequest(at, `a transfer moves a positive quantity, not ${t.qty}`);
  if (t.from === t.to)
    throw invalidRequest(at, `a transfer needs two different locations, not ${t.from} twice`);
  const [existing] = await searchRead(
    rpc,
    'stock.picking',
    [['origin', '=', t.reference]],
    ['name', 'state'],
    pickingRow,
    { limit: 1, order: 'id', sku: t.sku, location: t.from },
  );
  if (existing) {
    if (existing.state === 'cancel')
      throw rejected(
        at,
        `transfer ${t.reference} was cancelled in Odoo (${existing.name}): start it again with a new reference`,
      );
    if (existing.state !== 'done') await complete(rpc, existing, t);
    return { applied: false, id: String(existing.id) };
  }
  const [from, to] = await index.resolve([t.from, t.to], t.sku, at.operation);
  if (!from || !to) throw invalidRequest(at, 'no location');
  const product = await findProduct(rpc, t.sku, at.operation);
  // Refuse up front rather than leave a half-reserved picking holding stock in Odoo.
  const quants = await searchRead(
    rpc,
    'stock.quant',
    [
      ['product_id', '=', product.id],
      ['location_id', 'child_of', from.id],
      ['location_id.usage', '=', 'internal'],
    ],
    ['product_id', 'location_id', 'quantity', 'reserved_quantity'],
    quantRow,
    { sku: t.sku, location: t.from },
  );
  const free = quants.reduce((s, q) => s + q.quantity - q.reserved_quantity, 0);
  if (free < t.qty)
    throw insufficientStock(
      at,
      `Odoo has ${free} free (on hand less reserved), cannot move ${t.qty} to ${t.to}`,
    );
  const typeId = await internalType(rpc, from, to, t);
  const [pickingId] = await callParsed(
    rpc,
    'stock.picking',
    'create',
    {
      arg: [
        'vals_list',
        [
          {
            picking_type_id: typeId,
            location_id: from.id,
            location_dest_id: to.id,
            origin: t.reference,
            move_ids: [
              [
                0,
                0,
                {
                  name: t.reference,
                  product_id: product.id,
                  product_uom_qty: t.qty,
                  product_uom: product.uomId,
                  location_id: from.id,
                  location_dest_id: to.id,
                },
              ],
            ],
          },
        ],
      ],
      sku: t.sku,
      location: t.from,
    },
    createdIds,
  );
  if (pickingId === undefined) throw rejected(at, 'Odoo created no transfer');
  await complete(rpc, { id: pickingId, name: `stock.picking ${pickingId} (origin ${t.reference})` }, t);
  return { applied: true, id: String(pickingId) };
}
