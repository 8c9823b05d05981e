/**
 * stock.picking internal transfers: create (with `move_ids` commands), action_confirm, action_assign (reserves at
 * the source, which lowers free_qty as in Odoo), button_validate (moves the stock through `world.transfer`),
 * action_cancel. Our extension: a picking's `origin` is its idempotency reference, so creating a picking with an
 * origin already used returns that picking and nothing is applied twice.
 */
import { z } from 'zod';
import type { Env, FieldDef, MethodDef, ModelDef, Row } from '../env';
import { userError, validationError } from '../errors';
import { cellKey, type Picking, type PickingMove } from '../state';
import { locationTree, pickingTypes } from './locations';
import { productById } from './products';
import { foreignKey } from './quants';
import { checkFieldNames, parseVals, valsList } from './vals';

const id = z.number().int().positive();
const moveVals = z.object({
  name: z.string().optional(),
  product_id: id,
  product_uom_qty: z.number().positive(),
  product_uom: id.optional(),
  location_id: id.optional(),
  location_dest_id: id.optional(),
  description_picking: z.string().optional(),
  company_id: id.optional(),
});
// Command.create: (0, 0, values); the second item is ignored by Odoo ('virtual id').
const createCommand = z.tuple([
  z.literal(0),
  z.union([z.number(), z.string(), z.literal(false)]),
  z.record(z.string(), z.unknown()),
]);
const pickingVals = z.object({
  picking_type_id: id.optional(),
  location_id: id.optional(),
  location_dest_id: id.optional(),
  origin: z.union([z.string(), z.literal(false)]).optional(),
  move_ids: z.array(z.unknown()).optional(),
  move_ids_without_package: z.array(z.unknown()).optional(),
  scheduled_date: z.unknown().optional(),
  partner_id: z.union([id, z.literal(false)]).optional(),
  company_id: id.optional(),
  note: z.unknown().optional(),
  priority: z.unknown().optional(),
});

/** A move's source/destination must be one of the world's internal locations. */
function worldLocation(env: Env, locId: number, field: string): string {
  const loc = locationTree(env).byId.get(locId);
  if (!loc) throw foreignKey(field, 'stock.picking', 'Transfer');
  if (!loc.world)
    throw userError(
      `[sandbox] only internal transfers between internal locations are simulated, not ${loc.complete}`,
    );
  return loc.world;
}

function buildPicking(env: Env, model: ModelDef, raw: Record<string, unknown>): Picking {
  checkFieldNames(env, model, raw);
  const vals = parseVals(model.name, pickingVals, raw);
  if (vals.picking_type_id === undefined)
    throw validationError(
      'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Transfer (stock.picking)\nField: Operation Type (picking_type_id)\n',
    );
  const type = pickingTypes(env).find((t) => t.id === vals.picking_type_id);
  if (!type) throw foreignKey('picking_type_id', 'stock.picking', 'Transfer');
  if (type.code !== 'internal')
    throw userError(`[sandbox] only internal transfers are simulated, not ${type.name}`);
  const from = worldLocation(env, vals.location_id ?? type.src, 'location_id');
  const to = worldLocation(env, vals.location_dest_id ?? type.dest, 'location_dest_id');
  const now = env.now();
  const commands = [...(vals.move_ids ?? []), ...(vals.move_ids_without_package ?? [])];
  const moves = commands.map((c): PickingMove => {
    const cmd = createCommand.safeParse(c);
    if (!cmd.success) throw userError('[sandbox] move_ids accepts only Command.create: (0, 0, {values})');
    const m = parseVals('stock.move', moveVals, cmd.data[2]);
    const product = productById(env, m.product_id);
    if (!product) throw foreignKey('product_id', 'stock.move', 'Stock Move');
    if (product.kit) throw userError(`[sandbox] ${product.sku} is a kit: move its components`);
    return {
      id: env.state.moveId(),
      name: m.name ?? product.name,
      sku: product.sku,
      productId: product.id,
      qty: m.product_uom_qty,
      reserved: 0,
      from: m.location_id !== undefined ? worldLocation(env, m.location_id, 'location_id') : from,
      to: m.location_dest_id !== undefined ? worldLocation(env, m.location_dest_id, 'location_dest_id') : to,
      state: 'draft',
      date: now,
      writeDate: now,
    };
  });
  return {
    id: env.state.pickingId(),
    name: env.state.nextName(`${type.warehouse.code}/${type.sequenceCode}/`),
    origin: vals.origin ?? false,
    typeId: type.id,
    from,
    to,
    state: 'draft',
    moves,
    createdAt: now,
    writeDate: now,
  };
}

const create: MethodDef = {
  api: 'model',
  params: [{ name: 'vals_list', required: true }],
  write: true,
  call: (env, model, _ids, a) => {
    const { list, single } = valsList(a.vals_list);
    const ids = list.map((raw) => {
      // Dropped: the id is handed out but nothing is stored (the record never committed).
      if (env.drop) return env.state.pickingId();
      const origin = typeof raw.origin === 'string' && raw.origin !== '' ? raw.origin : undefined;
      const { result } = env.world.once(
        origin === undefined ? undefined : `odoo:stock.picking:${origin}`,
        () => buildPicking(env, model, raw),
      );
      env.state.pickings.set(result.id, result);
      return result.id;
    });
    env.invalidate();
    return single ? ids[0] : ids;
  },
};

const pickingsOf = (env: Env, ids: number[]) => ids.map((i) => env.state.pickings.get(i) as Picking);

function touch(env: Env, p: Picking): void {
  p.writeDate = env.now();
  for (const m of p.moves) m.writeDate = p.writeDate;
}

function confirm(env: Env, p: Picking): void {
  if (p.state !== 'draft') return;
  p.state = 'confirmed';
  for (const m of p.moves) if (m.state === 'draft') m.state = 'confirmed';
  touch(env, p);
}

/** Free units at a world location: on hand less reserved and damaged. */
function free(env: Env, sku: string, location: string): number {
  const q = env.world.stock.get(sku)?.get(location);
  return q ? Math.max(0, q.onHand - q.reserved - q.damaged) : 0;
}

/** Reserves what the source can give; the world's `reserved` carries it so every other reader sees it. */
function assign(env: Env, p: Picking): void {
  if (p.state === 'draft') confirm(env, p);
  if (p.state !== 'confirmed' && p.state !== 'assigned') return;
  for (const m of p.moves) {
    if (m.state !== 'confirmed' && m.state !== 'partially_available') continue;
    const take = Math.min(m.qty - m.reserved, free(env, m.sku, m.from));
    if (take > 0) {
      env.world.qty(m.sku, m.from).reserved += take;
      env.world.stockWriteDate.set(cellKey(m.sku, m.from), env.now());
      m.reserved += take;
    }
    m.state = m.reserved >= m.qty ? 'assigned' : m.reserved > 0 ? 'partially_available' : 'confirmed';
  }
  if (p.moves.every((m) => m.state === 'assigned')) p.state = 'assigned';
  touch(env, p);
  // The world has no public way to announce a reservation (its `emit` is private): pollers see the quant's
  // write_date move; no erp.changed event is sent until the transfer is validated.
}

function unreserve(env: Env, m: PickingMove): void {
  if (m.reserved === 0) return;
  env.world.qty(m.sku, m.from).reserved -= m.reserved;
  env.world.stockWriteDate.set(cellKey(m.sku, m.from), env.now());
  m.reserved = 0;
}

const wizard = (name: string, resModel: string, ids: number[]) => ({
  name,
  type: 'ir.actions.act_window',
  view_mode: 'form',
  views: [[false, 'form']],
  res_model: resModel,
  target: 'new',
  context: { button_validate_picking_ids: ids },
});

/** Validates a fully reserved transfer: releases its reservation and moves the units in the world. */
function validate(env: Env, p: Picking): void {
  for (const m of p.moves) {
    const have = free(env, m.sku, m.from) + m.reserved;
    if (have < m.qty) throw userError(`${m.sku}: only ${have} available at ${m.from}, cannot move ${m.qty}`);
  }
  const now = env.now();
  for (const m of p.moves) {
    unreserve(env, m);
    const { moveId } = env.world.transfer({
      sku: m.sku,
      qty: m.qty,
      from: m.from,
      to: m.to,
      reference: `${p.origin || p.name}#${m.id}`,
    });
    env.state.pickingWorldMoves.add(moveId);
    m.worldMoveId = moveId;
    m.state = 'done';
    m.date = now;
  }
  p.state = 'done';
  p.doneAt = now;
  touch(env, p);
}

const action = (call: MethodDef['call']): MethodDef => ({ api: 'records', params: [], write: true, call });

const actionConfirm = action((env, _m, ids) => {
  if (!env.drop) for (const p of pickingsOf(env, ids)) confirm(env, p);
  env.invalidate();
  return true;
});

const actionAssign = action((env, _m, ids) => {
  if (!env.drop) for (const p of pickingsOf(env, ids)) assign(env, p);
  env.invalidate();
  return true;
});

const buttonValidate = action((env, _m, ids) => {
  const pickings = pickingsOf(env, ids).filter((p) => p.state !== 'done' && p.state !== 'cancel');
  for (const p of pickings) {
    const reserved = p.moves.reduce((s, m) => s + m.reserved, 0);
    // 16 offers the immediate-transfer wizard; 17+ refuses a transfer with nothing reserved.
    if (reserved === 0) {
      if (env.version === 16) return wizard('Immediate Transfer?', 'stock.immediate.transfer', ids);
      throw userError(
        'You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.',
      );
    }
    if (p.moves.some((m) => m.reserved < m.qty))
      return wizard('Create Backorder?', 'stock.backorder.confirmation', ids);
  }
  if (!env.drop) for (const p of pickings) validate(env, p);
  env.invalidate();
  return true;
});

const actionCancel = action((env, _m, ids) => {
  if (!env.drop)
    for (const p of pickingsOf(env, ids)) {
      if (p.state === 'done') continue;
      for (const m of p.moves) {
        unreserve(env, m);
        m.state = 'cancel';
      }
      p.state = 'cancel';
      touch(env, p);
    }
  env.invalidate();
  return true;
});

const fields = (): Record<string, FieldDef> => ({
  name: { type: 'char', string: 'Reference' },
  origin: { type: 'char', string: 'Source Document' },
  state: {
    type: 'selection',
    string: 'Status',
    readonly: true,
    selection: [
      ['draft', 'Draft'],
      ['waiting', 'Waiting Another Operation'],
      ['confirmed', 'Waiting'],
      ['assigned', 'Ready'],
      ['done', 'Done'],
      ['cancel', 'Cancelled'],
    ],
  },
  picking_type_id: {
    type: 'many2one',
    string: 'Operation Type',
    relation: 'stock.picking.type',
    required: true,
  },
  picking_type_code: { type: 'char', string: 'Type of Operation', readonly: true },
  location_id: { type: 'many2one', string: 'Source Location', relation: 'stock.location', required: true },
  location_dest_id: {
    type: 'many2one',
    string: 'Destination Location',
    relation: 'stock.location',
    required: true,
  },
  move_ids: { type: 'one2many', string: 'Stock Moves', relation: 'stock.move' },
  move_ids_without_package: {
    type: 'one2many',
    string: 'Stock moves not in package',
    relation: 'stock.move',
  },
  scheduled_date: { type: 'datetime', string: 'Scheduled Date' },
  date_done: { type: 'datetime', string: 'Date of Transfer', readonly: true },
  partner_id: { type: 'many2one', string: 'Contact', relation: 'res.partner' },
  company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
  note: { type: 'text', string: 'Notes' },
  priority: {
    type: 'selection',
    string: 'Priority',
    selection: [
      ['0', 'Normal'],
      ['1', 'Urgent'],
    ],
  },
});

export const stockPicking: ModelDef = {
  name: 'stock.picking',
  description: 'Transfer',
  order: 'priority desc, scheduled_date asc, id desc',
  fields,
  rows: (env) => {
    const tree = locationTree(env);
    return [...env.state.pickings.values()].map((p): Row => ({
      id: p.id,
      values: {
        name: p.name,
        origin: p.origin,
        state: p.state,
        picking_type_id: p.typeId,
        picking_type_code: 'internal',
        location_id: tree.byWorld.get(p.from)?.id ?? false,
        location_dest_id: tree.byWorld.get(p.to)?.id ?? false,
        move_ids: p.moves.map((m) => m.id),
        move_ids_without_package: p.moves.map((m) => m.id),
        scheduled_date: p.createdAt,
        date_done: p.doneAt ?? false,
        partner_id: false,
        company_id: 1,
        note: false,
        priority: '0',
        create_date: p.createdAt,
        write_date: p.writeDate,
      },
    }));
  },
  displayName: (row) => row.values.name as string,
  methods: {
    create,
    action_confirm: actionConfirm,
    action_assign: actionAssign,
    button_validate: buttonValidate,
    action_cancel: actionCancel,
  },
};
