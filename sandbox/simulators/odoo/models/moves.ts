/**
 * stock.move and stock.move.line: the change feed. The world's moves become Odoo's: a sale order's reservation is
 * its delivery move (assigned, then done when shipped or cancelled when released), adjustments come from or go to
 * Virtual Locations/Inventory adjustment, returns from Partners/Customers; internal transfers are the pickings'
 * own moves. The quantity field is `quantity_done`/`qty_done` on 16 and `quantity` from 17.
 */
import type { StockMove } from '../../../world';
import type { Env, FieldDef, ModelDef, RawValue, Row } from '../env';
import type { MoveState } from '../state';
import { moveLineQtyField, moveQtyField, type OdooVersion } from '../version';
import { LOC, locationTree, pickingTypes, type Tree } from './locations';
import { productBySku } from './products';

export interface FeedMove {
  id: number;
  name: string;
  sku: string;
  productId: number;
  from: number;
  to: number;
  qty: number;
  /** Units reserved (assigned moves). */
  reserved: number;
  state: MoveState;
  date: number;
  writeDate: number;
  createDate: number;
  reference: string | false;
  origin: string | false;
  pickingId: number | false;
  pickingTypeId: number | false;
  isInventory: boolean;
}

const pad = (n: number) => String(n).padStart(5, '0');
export const saleOrderName = (id: number) => `S${pad(id)}`;

function worldFeed(env: Env, tree: Tree): FeedMove[] {
  const out: FeedMove[] = [];
  const whOf = (loc: string) => tree.warehouses.find((w) => w.id === tree.byWorld.get(loc)?.warehouse);
  const types = pickingTypes(env);
  const orders = new Map(env.world.erpOrders.map((o) => [o.reference, o]));
  // Open delivery moves per (order reference, sku, location), oldest first, to attach shipping and release to.
  const open = new Map<string, FeedMove[]>();
  const deliveryKey = (m: StockMove, loc: string) => `${m.reference ?? ''}\u0000${m.sku}\u0000${loc}`;
  for (const m of env.world.moves) {
    const product = productBySku(env, m.sku);
    const locId = (l: string | null) => (l === null ? undefined : tree.byWorld.get(l)?.id);
    if (!product) continue;
    const base = {
      sku: m.sku,
      productId: product.id,
      qty: m.qty,
      reserved: 0,
      date: m.at,
      writeDate: m.at,
      createDate: m.at,
    };
    if (m.kind === 'reserve' || m.kind === 'sale' || m.kind === 'unreserve') {
      const loc = (m.kind === 'unreserve' ? m.to : m.from) as string;
      const key = deliveryKey(m, loc);
      const queue = open.get(key) ?? [];
      if (m.kind === 'reserve') {
        const order = orders.get(m.reference ?? '');
        const wh = whOf(loc);
        const type = types.find((t) => t.warehouse.id === wh?.id && t.code === 'outgoing');
        const move: FeedMove = {
          ...base,
          id: m.id,
          name: product.name,
          from: locId(loc) ?? LOC.customers,
          to: LOC.customers,
          reserved: m.qty,
          state: 'assigned',
          reference: order && wh ? `${wh.code}/OUT/${pad(order.id)}` : (m.reference ?? false),
          origin: order ? saleOrderName(order.id) : (m.reference ?? false),
          pickingId: false,
          pickingTypeId: type?.id ?? false,
          isInventory: false,
        };
        out.push(move);
        open.set(key, [...queue, move]);
        continue;
      }
      const held = queue.shift();
      if (held) {
        held.state = m.kind === 'sale' ? 'done' : 'cancel';
        held.reserved = 0;
        held.writeDate = m.at;
        if (m.kind === 'sale') held.date = m.at;
        continue;
      }
      if (m.kind === 'unreserve') continue;
    }
    if (m.kind === 'transfer' && env.state.pickingWorldMoves.has(m.id)) continue;
    const inbound = m.from === null;
    const virtual = m.kind === 'adjust' ? LOC.inventory : m.kind === 'receipt' ? LOC.vendors : LOC.customers;
    out.push({
      ...base,
      id: m.id,
      name: m.kind === 'adjust' ? (m.reference ?? 'Product Quantity Updated') : product.name,
      from: inbound ? virtual : (locId(m.from) ?? virtual),
      to: m.to === null ? virtual : (locId(m.to) ?? virtual),
      state: 'done',
      // Inventory moves are referenced by their name; the idempotency reference, when given, is that name.
      reference: m.kind === 'adjust' ? (m.reference ?? 'Product Quantity Updated') : (m.reference ?? false),
      origin: m.kind === 'adjust' ? false : (m.reference ?? false),
      pickingId: false,
      pickingTypeId: false,
      isInventory: m.kind === 'adjust',
    });
  }
  return out;
}

function pickingFeed(env: Env, tree: Tree): FeedMove[] {
  const out: FeedMove[] = [];
  for (const p of env.state.pickings.values())
    for (const m of p.moves)
      out.push({
        id: m.id,
        name: m.name,
        sku: m.sku,
        productId: m.productId,
        from: tree.byWorld.get(m.from)?.id ?? LOC.inventory,
        to: tree.byWorld.get(m.to)?.id ?? LOC.inventory,
        qty: m.qty,
        reserved: m.reserved,
        state: m.state,
        date: m.date,
        writeDate: m.writeDate,
        createDate: p.createdAt,
        reference: p.name,
        origin: p.origin,
        pickingId: p.id,
        pickingTypeId: p.typeId,
        isInventory: false,
      });
  return out;
}

export function feed(env: Env): FeedMove[] {
  return env.memoize('move-feed', () => {
    const tree = locationTree(env);
    return [...worldFeed(env, tree), ...pickingFeed(env, tree)].sort((a, b) => a.id - b.id);
  });
}

const MOVE_STATES: [string, string][] = [
  ['draft', 'New'],
  ['waiting', 'Waiting Another Move'],
  ['confirmed', 'Waiting Availability'],
  ['partially_available', 'Partially Available'],
  ['assigned', 'Available'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];

/** What the move has done or holds: 16's quantity_done counts done units; 17's quantity also reserved ones. */
function moveQuantity(v: OdooVersion, m: FeedMove): number {
  if (m.state === 'done') return m.qty;
  return v === 16 ? 0 : m.reserved;
}

function common(): Record<string, FieldDef> {
  return {
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product', required: true },
    location_id: { type: 'many2one', string: 'Source Location', relation: 'stock.location', required: true },
    location_dest_id: {
      type: 'many2one',
      string: 'Destination Location',
      relation: 'stock.location',
      required: true,
    },
    state: { type: 'selection', string: 'Status', selection: MOVE_STATES, readonly: true },
    date: { type: 'datetime', string: 'Date Scheduled', required: true },
    reference: { type: 'char', string: 'Reference', readonly: true },
    picking_id: { type: 'many2one', string: 'Transfer', relation: 'stock.picking' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
  };
}

function commonValues(m: FeedMove): Record<string, RawValue> {
  return {
    product_id: m.productId,
    location_id: m.from,
    location_dest_id: m.to,
    state: m.state,
    date: m.date,
    reference: m.reference,
    picking_id: m.pickingId,
    company_id: 1,
    write_date: m.writeDate,
    create_date: m.createDate,
  };
}

export const stockMove: ModelDef = {
  name: 'stock.move',
  description: 'Stock Move',
  order: 'sequence, id',
  fields: (v) => ({
    ...common(),
    name: { type: 'char', string: 'Description', required: true },
    origin: { type: 'char', string: 'Source Document' },
    sequence: { type: 'integer', string: 'Sequence' },
    product_uom_qty: { type: 'float', string: 'Demand', required: true },
    product_qty: { type: 'float', string: 'Real Quantity', readonly: true },
    [moveQtyField(v)]: { type: 'float', string: 'Quantity' },
    ...(v >= 17 ? { picked: { type: 'boolean', string: 'Picked' } as FieldDef } : {}),
    product_uom: { type: 'many2one', string: 'UoM', relation: 'uom.uom', required: true },
    picking_type_id: { type: 'many2one', string: 'Operation Type', relation: 'stock.picking.type' },
    is_inventory: { type: 'boolean', string: 'Inventory' },
    move_line_ids: { type: 'one2many', string: 'Move Lines', relation: 'stock.move.line' },
  }),
  rows: (env) =>
    feed(env).map((m): Row => ({
      id: m.id,
      values: {
        ...commonValues(m),
        name: m.name,
        origin: m.origin,
        sequence: 10,
        product_uom_qty: m.qty,
        product_qty: m.qty,
        [moveQtyField(env.version)]: moveQuantity(env.version, m),
        ...(env.version >= 17 ? { picked: m.state === 'done' } : {}),
        product_uom: 1,
        picking_type_id: m.pickingTypeId,
        is_inventory: m.isInventory,
        move_line_ids: ['assigned', 'partially_available', 'done'].includes(m.state) ? [m.id] : [],
      },
    })),
  displayName: (row, env) => {
    const loc = (id: number) => locationTree(env).byId.get(id)?.name ?? '';
    const code = env
      .displayNameOf('product.product', row.values.product_id as number)
      .match(/^\[(.*?)\]/)?.[1];
    const origin = row.values.origin;
    return `${origin ? `${origin as string}/` : ''}${code ? `${code}: ` : ''}${loc(row.values.location_id as number)}>${loc(row.values.location_dest_id as number)}`;
  },
};

export const stockMoveLine: ModelDef = {
  name: 'stock.move.line',
  description: 'Product Moves (Stock Move Line)',
  order: 'result_package_id desc, id',
  fields: (v) => ({
    ...common(),
    move_id: { type: 'many2one', string: 'Stock Operation', relation: 'stock.move' },
    result_package_id: { type: 'many2one', string: 'Destination Package', relation: 'stock.quant.package' },
    product_uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom', required: true },
    [moveLineQtyField(v)]: { type: 'float', string: 'Quantity' },
    ...(v === 16
      ? { reserved_uom_qty: { type: 'float', string: 'Reserved' } as FieldDef }
      : { picked: { type: 'boolean', string: 'Picked' } as FieldDef }),
  }),
  // One line per move that reserved or moved stock, sharing its id.
  rows: (env) =>
    feed(env)
      .filter((m) => ['assigned', 'partially_available', 'done'].includes(m.state))
      .map((m): Row => ({
        id: m.id,
        values: {
          ...commonValues(m),
          move_id: m.id,
          result_package_id: false,
          product_uom_id: 1,
          [moveLineQtyField(env.version)]: moveQuantity(env.version, m),
          ...(env.version === 16 ? { reserved_uom_qty: m.reserved } : { picked: m.state === 'done' }),
        },
      })),
  displayName: (row, env) => env.displayNameOf('product.product', row.values.product_id as number),
};
