/**
 * stock.location, stock.warehouse and stock.picking.type over the world's ERP locations. Each world location is an
 * internal location whose complete_name is the world's id ("WH1/Stock"); each warehouse gets its view location
 * (complete_name = the warehouse name) as in Odoo, and the fixed virtual locations the feed needs exist too.
 * Quantity scopes (`location` / `warehouse(_id)` context) are resolved here, with `child_of` over this tree.
 */
import type { Env, FieldDef, ModelDef, Row } from '../env';
import { likeMatcher } from '../values';
import { warehouseContextKey } from '../version';

export type LocationUsage = 'view' | 'internal' | 'supplier' | 'customer' | 'inventory';

export interface Loc {
  id: number;
  name: string;
  complete: string;
  usage: LocationUsage;
  parent: number | false;
  warehouse: number | false;
  /** The world's location id, for internal locations. */
  world?: string;
}

export interface Wh {
  id: number;
  name: string;
  code: string;
  viewId: number;
  stockId: number;
  inTypeId: number;
  outTypeId: number;
  intTypeId: number;
}

/** Odoo's fixed locations (ids as a fresh database with stock installed has them, give or take). */
export const LOC = { physical: 1, partners: 2, virtual: 3, vendors: 4, customers: 5, inventory: 14 } as const;

export interface Tree {
  locs: Loc[];
  byId: Map<number, Loc>;
  byWorld: Map<string, Loc>;
  warehouses: Wh[];
}

function build(env: Env): Tree {
  const locs: Loc[] = [
    {
      id: LOC.physical,
      name: 'Physical Locations',
      complete: 'Physical Locations',
      usage: 'view',
      parent: false,
      warehouse: false,
    },
    {
      id: LOC.partners,
      name: 'Partners',
      complete: 'Partners',
      usage: 'view',
      parent: false,
      warehouse: false,
    },
    {
      id: LOC.virtual,
      name: 'Virtual Locations',
      complete: 'Virtual Locations',
      usage: 'view',
      parent: false,
      warehouse: false,
    },
    {
      id: LOC.vendors,
      name: 'Vendors',
      complete: 'Partners/Vendors',
      usage: 'supplier',
      parent: LOC.partners,
      warehouse: false,
    },
    {
      id: LOC.customers,
      name: 'Customers',
      complete: 'Partners/Customers',
      usage: 'customer',
      parent: LOC.partners,
      warehouse: false,
    },
    {
      id: LOC.inventory,
      name: 'Inventory adjustment',
      complete: 'Virtual Locations/Inventory adjustment',
      usage: 'inventory',
      parent: LOC.virtual,
      warehouse: false,
    },
  ];
  const world = [...env.world.locations.values()];
  const warehouses = new Map<string, Wh>();
  for (const l of world) {
    if (warehouses.has(l.warehouse)) continue;
    // A world location that carries the warehouse's own name is its top location; otherwise Odoo's view location.
    const own = world.find((x) => x.id === l.warehouse);
    const viewId = own ? own.numericId : 1000 + l.warehouseId;
    if (!own)
      locs.push({
        id: viewId,
        name: l.warehouse,
        complete: l.warehouse,
        usage: 'view',
        parent: LOC.physical,
        warehouse: l.warehouseId,
      });
    const stock = world.find((x) => x.id === `${l.warehouse}/Stock`) ?? l;
    const base = l.warehouseId * 10;
    warehouses.set(l.warehouse, {
      id: l.warehouseId,
      name: l.warehouse,
      code: l.warehouse.slice(0, 5),
      viewId,
      stockId: stock.numericId,
      inTypeId: base + 1,
      outTypeId: base + 2,
      intTypeId: base + 5,
    });
  }
  for (const l of world) {
    const wh = warehouses.get(l.warehouse) as Wh;
    // The parent is the longest other location whose id prefixes this one ("WH1/Stock" for "WH1/Stock/Shelf 1").
    const parentLoc = world
      .filter((x) => x.id !== l.id && l.id.startsWith(`${x.id}/`))
      .sort((a, b) => b.id.length - a.id.length)[0];
    const parent = parentLoc ? parentLoc.numericId : l.id === wh.name ? LOC.physical : wh.viewId;
    locs.push({
      id: l.numericId,
      name: l.id.split('/').pop() || l.id,
      complete: l.id,
      usage: 'internal',
      parent,
      warehouse: l.warehouseId,
      world: l.id,
    });
  }
  return {
    locs,
    byId: new Map(locs.map((l) => [l.id, l])),
    byWorld: new Map(locs.filter((l) => l.world).map((l) => [l.world as string, l])),
    warehouses: [...warehouses.values()],
  };
}

export const locationTree = (env: Env): Tree => env.memoize('location-tree', () => build(env));

/** The location and every location under it. */
function subtree(tree: Tree, roots: number[]): Loc[] {
  const rootSet = new Set(roots);
  return tree.locs.filter((l) => {
    for (let cur: number | false = l.id; cur !== false; cur = tree.byId.get(cur)?.parent ?? false)
      if (rootSet.has(cur)) return true;
    return false;
  });
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/**
 * The internal (world) locations a product's quantities cover, from the context as Odoo's
 * `_get_domain_locations` reads it: `location` (ids or names matched with ilike on complete_name) wins over the
 * warehouse key (16: `warehouse`, 17+: `warehouse_id`; the other key is ignored); without either, every
 * warehouse. Each match is taken with `child_of`.
 */
export function quantityScope(env: Env): Set<string> {
  return env.memoize('quantity-scope', () => {
    const tree = locationTree(env);
    const present = (v: unknown) =>
      v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
    const loc = env.context.location;
    const wh = env.context[warehouseContextKey(env.version)];
    let roots: number[];
    if (present(loc)) {
      roots = asList(loc).flatMap((x) =>
        typeof x === 'number'
          ? [x]
          : typeof x === 'string'
            ? tree.locs.filter((l) => likeMatcher(x, true, false)(l.complete)).map((l) => l.id)
            : [],
      );
    } else if (present(wh)) {
      roots = asList(wh).flatMap((x) =>
        tree.warehouses
          .filter((w) =>
            typeof x === 'number' ? w.id === x : typeof x === 'string' && likeMatcher(x, true, false)(w.name),
          )
          .map((w) => w.viewId),
      );
    } else roots = tree.warehouses.map((w) => w.viewId);
    return new Set(subtree(tree, roots).flatMap((l) => (l.world ? [l.world] : [])));
  });
}

// ---- models ---------------------------------------------------------------------------------------------

const USAGE: [string, string][] = [
  ['supplier', 'Vendor Location'],
  ['view', 'View'],
  ['internal', 'Internal Location'],
  ['customer', 'Customer Location'],
  ['inventory', 'Inventory Loss'],
  ['production', 'Production'],
  ['transit', 'Transit Location'],
];

export const stockLocation: ModelDef = {
  name: 'stock.location',
  description: 'Inventory Locations',
  order: 'complete_name, id',
  parentField: 'location_id',
  fields: (): Record<string, FieldDef> => ({
    name: { type: 'char', string: 'Location Name', required: true },
    complete_name: { type: 'char', string: 'Full Location Name' },
    usage: { type: 'selection', string: 'Location Type', selection: USAGE },
    location_id: { type: 'many2one', string: 'Parent Location', relation: 'stock.location' },
    warehouse_id: { type: 'many2one', string: 'Warehouse', relation: 'stock.warehouse' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    active: { type: 'boolean', string: 'Active' },
    parent_path: { type: 'char', string: 'Parent Path' },
    barcode: { type: 'char', string: 'Barcode' },
  }),
  rows: (env) => {
    const tree = locationTree(env);
    const path = (l: Loc): string => {
      const chain: number[] = [];
      for (
        let cur: Loc | undefined = l;
        cur;
        cur = cur.parent === false ? undefined : tree.byId.get(cur.parent)
      )
        chain.unshift(cur.id);
      return `${chain.join('/')}/`;
    };
    return tree.locs.map((l): Row => ({
      id: l.id,
      values: {
        name: l.name,
        complete_name: l.complete,
        usage: l.usage,
        location_id: l.parent,
        warehouse_id: l.warehouse,
        company_id: l.usage === 'internal' || l.usage === 'view' ? 1 : false,
        active: true,
        parent_path: path(l),
        barcode: false,
      },
    }));
  },
  displayName: (row) => row.values.complete_name as string,
};

export const stockWarehouse: ModelDef = {
  name: 'stock.warehouse',
  description: 'Warehouse',
  order: 'sequence, id',
  fields: () => ({
    name: { type: 'char', string: 'Warehouse', required: true },
    code: { type: 'char', string: 'Short Name', required: true },
    sequence: { type: 'integer', string: 'Sequence' },
    active: { type: 'boolean', string: 'Active' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    lot_stock_id: { type: 'many2one', string: 'Location Stock', relation: 'stock.location' },
    view_location_id: { type: 'many2one', string: 'View Location', relation: 'stock.location' },
    in_type_id: { type: 'many2one', string: 'In Type', relation: 'stock.picking.type' },
    out_type_id: { type: 'many2one', string: 'Out Type', relation: 'stock.picking.type' },
    int_type_id: { type: 'many2one', string: 'Internal Type', relation: 'stock.picking.type' },
  }),
  rows: (env) =>
    locationTree(env).warehouses.map((w) => ({
      id: w.id,
      values: {
        name: w.name,
        code: w.code,
        sequence: w.id * 10,
        active: true,
        company_id: 1,
        lot_stock_id: w.stockId,
        view_location_id: w.viewId,
        in_type_id: w.inTypeId,
        out_type_id: w.outTypeId,
        int_type_id: w.intTypeId,
      },
    })),
  displayName: (row) => row.values.name as string,
};

export interface PickingType {
  id: number;
  warehouse: Wh;
  code: 'incoming' | 'outgoing' | 'internal';
  name: string;
  sequenceCode: 'IN' | 'OUT' | 'INT';
  src: number;
  dest: number;
}

export function pickingTypes(env: Env): PickingType[] {
  return env.memoize('picking-types', () =>
    locationTree(env).warehouses.flatMap((w): PickingType[] => [
      {
        id: w.inTypeId,
        warehouse: w,
        code: 'incoming',
        name: 'Receipts',
        sequenceCode: 'IN',
        src: LOC.vendors,
        dest: w.stockId,
      },
      {
        id: w.outTypeId,
        warehouse: w,
        code: 'outgoing',
        name: 'Delivery Orders',
        sequenceCode: 'OUT',
        src: w.stockId,
        dest: LOC.customers,
      },
      {
        id: w.intTypeId,
        warehouse: w,
        code: 'internal',
        name: 'Internal Transfers',
        sequenceCode: 'INT',
        src: w.stockId,
        dest: w.stockId,
      },
    ]),
  );
}

export const stockPickingType: ModelDef = {
  name: 'stock.picking.type',
  description: 'Picking Type',
  order: 'sequence, id',
  fields: () => ({
    name: { type: 'char', string: 'Operation Type', required: true },
    code: {
      type: 'selection',
      string: 'Type of Operation',
      selection: [
        ['incoming', 'Receipt'],
        ['outgoing', 'Delivery'],
        ['internal', 'Internal Transfer'],
      ],
    },
    sequence: { type: 'integer', string: 'Sequence' },
    sequence_code: { type: 'char', string: 'Sequence Prefix' },
    warehouse_id: { type: 'many2one', string: 'Warehouse', relation: 'stock.warehouse' },
    default_location_src_id: {
      type: 'many2one',
      string: 'Default Source Location',
      relation: 'stock.location',
    },
    default_location_dest_id: {
      type: 'many2one',
      string: 'Default Destination Location',
      relation: 'stock.location',
    },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    active: { type: 'boolean', string: 'Active' },
  }),
  rows: (env) =>
    pickingTypes(env).map((t) => ({
      id: t.id,
      values: {
        name: t.name,
        code: t.code,
        sequence: t.id,
        sequence_code: t.sequenceCode,
        warehouse_id: t.warehouse.id,
        default_location_src_id: t.src,
        default_location_dest_id: t.dest,
        company_id: 1,
        active: true,
      },
    })),
  displayName: (row, env) =>
    `${env.displayNameOf('stock.warehouse', row.values.warehouse_id as number)}: ${row.values.name as string}`,
};
