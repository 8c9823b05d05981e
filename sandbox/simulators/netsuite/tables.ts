/**
 * The SuiteQL tables the connector reads, built from the world on each query: `item`, `location`,
 * `inventoryitemlocations` and `aggregateitemlocation` (per item and location, inventory items only), `kititemmember`,
 * and `transaction` / `transactionline` (sales orders the ERP has ingested, plus the adjustments and transfers made
 * through REST). Booleans are 'T'/'F' and sales order line quantities are negative, as in NetSuite.
 */
import type { World } from '../../world';
import {
  availableOf,
  backorders,
  locationById,
  nsItems,
  nsLocations,
  servingIndex,
  soStatus,
  SO_STATUS,
  stockAt,
  type NsItem,
} from './model';
import type { RecordStore } from './store';
import type { Catalog, ColumnDef, Hints, Row, TableDef } from './suiteql/schema';
import { SqlDate, implicitDate, valueKey, type SqlValue } from './suiteql/values';

const DAY_MS = 86_400_000;
const day = (ms: number): SqlDate => new SqlDate(Math.floor(ms / DAY_MS) * DAY_MS);

const cols = (names: string[], display: Record<string, (v: SqlValue) => SqlValue> = {}): ColumnDef[] =>
  names.map((name) => (display[name] ? { name, display: display[name] } : { name }));

/** Keeps the rows whose `column` key is among the hinted keys (when a hint exists for it). */
const allowed = (hints: Hints, column: string) => {
  const keys = hints.get(column);
  return (v: SqlValue): boolean => keys === undefined || keys.has(valueKey(v) ?? '');
};

const TYPE_LABEL: Record<string, string> = {
  SalesOrd: 'Sales Order',
  InvAdjst: 'Inventory Adjustment',
  InvTrnfr: 'Inventory Transfer',
};

export function suiteqlCatalog(world: World, store: RecordStore): Catalog {
  // Lookups for BUILTIN.DF, built lazily once per query.
  let itemsCache: NsItem[] | undefined;
  const items = (): NsItem[] => (itemsCache ??= nsItems(world));
  let itemNames: Map<number, string> | undefined;
  const itemName = (v: SqlValue): SqlValue =>
    (itemNames ??= new Map(items().map((i) => [i.id, i.sku]))).get(Number(v)) ?? v;
  const locationName = (v: SqlValue): SqlValue => locationById(world, Number(v))?.id ?? v;
  const tranName = (v: SqlValue): SqlValue => {
    const id = Number(v);
    return id >= 100_001 ? String(id) : `SO${id}`;
  };

  const itemTable: TableDef = {
    name: 'item',
    columns: cols(
      ['id', 'itemid', 'displayname', 'upccode', 'itemtype', 'isinactive', 'externalid', 'lastmodifieddate'],
      {
        itemtype: (v) => (v === 'Kit' ? 'Kit/Package' : 'Inventory Item'),
      },
    ),
    rows: (hints) => {
      const idOk = allowed(hints, 'id');
      const skuOk = allowed(hints, 'itemid');
      return items()
        .filter((i) => idOk(i.id) && skuOk(i.sku))
        .map((i) => ({
          id: i.id,
          itemid: i.sku,
          displayname: i.name,
          upccode: i.barcode ?? null,
          itemtype: i.type,
          isinactive: 'F',
          externalid: null,
          lastmodifieddate: new SqlDate(i.modified),
        }));
    },
  };

  const locationTable: TableDef = {
    name: 'location',
    columns: cols(['id', 'name', 'fullname', 'isinactive', 'makeinventoryavailable', 'subsidiary', 'parent']),
    rows: () =>
      nsLocations(world).map((l) => ({
        id: l.numericId,
        name: l.id,
        fullname: l.id,
        isinactive: 'F',
        makeinventoryavailable: l.sellable ? 'T' : 'F',
        subsidiary: 1,
        parent: null,
      })),
  };

  const itemLocationColumns = cols(
    [
      'item',
      'location',
      'quantityonhand',
      'quantityavailable',
      'quantitycommitted',
      'quantitybackordered',
      'quantityonorder',
      'quantityintransit',
      'lastmodifieddate',
    ],
    { item: itemName, location: locationName },
  );
  /** One row per inventory item and location; quantities are NULL where the item never had stock there. */
  const itemLocationRows = (hints: Hints): Row[] => {
    const itemOk = allowed(hints, 'item');
    const locOk = allowed(hints, 'location');
    const locations = nsLocations(world).filter((l) => locOk(l.numericId));
    const back = backorders(world);
    const rows: Row[] = [];
    for (const i of items()) {
      if (i.type !== 'InvtPart' || !itemOk(i.id)) continue;
      for (const l of locations) {
        const q = stockAt(world, i.sku, l.id);
        const key = `${i.sku}\u0000${l.id}`;
        rows.push({
          item: i.id,
          location: l.numericId,
          quantityonhand: q ? q.onHand : null,
          quantityavailable: q ? availableOf(q) : null,
          quantitycommitted: q ? q.reserved : null,
          quantitybackordered: back.get(key) ?? null,
          quantityonorder: null,
          quantityintransit: null,
          lastmodifieddate: new SqlDate(world.stockWriteDate.get(key) ?? i.modified),
        });
      }
    }
    return rows;
  };

  const kitMemberTable: TableDef = {
    name: 'kititemmember',
    columns: cols(['parentitem', 'item', 'quantity', 'linenumber'], { parentitem: itemName, item: itemName }),
    rows: () => {
      const bySku = new Map<string, number>();
      for (const i of items()) if (!bySku.has(i.sku)) bySku.set(i.sku, i.id);
      const rows: Row[] = [];
      for (const k of world.kits) {
        const parent = bySku.get(k.sku);
        k.components.forEach((c, n) => {
          const item = bySku.get(c.sku);
          if (parent !== undefined && item !== undefined)
            rows.push({ parentitem: parent, item, quantity: c.qty, linenumber: n + 1 });
        });
      }
      return rows;
    },
  };

  const statusLabel = (v: SqlValue): SqlValue => {
    const s = Object.values(SO_STATUS).find((x) => x.code === v);
    return s ? `Sales Order : ${s.label}` : v;
  };

  const transactionTable: TableDef = {
    name: 'transaction',
    columns: cols(
      [
        'id',
        'tranid',
        'type',
        'status',
        'otherrefnum',
        'externalid',
        'trandate',
        'createddate',
        'lastmodifieddate',
        'memo',
      ],
      { type: (v) => TYPE_LABEL[String(v)] ?? v, status: statusLabel },
    ),
    rows: () => {
      const rows: Row[] = [];
      for (const o of world.erpOrders) {
        const status = soStatus(o);
        if (!status) continue;
        const created = o.ingestedAt ?? o.createdAt;
        rows.push({
          id: o.id,
          tranid: `SO${o.id}`,
          type: 'SalesOrd',
          status: status.code,
          otherrefnum: o.reference,
          externalid: o.reference,
          trandate: day(created),
          createddate: new SqlDate(created),
          lastmodifieddate: new SqlDate(o.writeDate),
          memo: null,
        });
      }
      for (const r of store.all())
        rows.push({
          id: r.id,
          tranid: String(r.id),
          type: r.type === 'inventoryAdjustment' ? 'InvAdjst' : 'InvTrnfr',
          status: null,
          otherrefnum: null,
          externalid: r.externalId ?? null,
          trandate: new SqlDate(implicitDate(r.tranDate)),
          createddate: new SqlDate(r.created),
          lastmodifieddate: new SqlDate(r.modified),
          memo: r.memo ?? null,
        });
      return rows;
    },
  };

  const transactionLineTable: TableDef = {
    name: 'transactionline',
    columns: cols(
      [
        'transaction',
        'id',
        'linesequencenumber',
        'mainline',
        'taxline',
        'item',
        'quantity',
        'location',
        'isclosed',
        'quantitycommitted',
        'quantitybackordered',
        'quantityshiprecv',
        'memo',
      ],
      { item: itemName, location: locationName, transaction: tranName },
    ),
    rows: () => transactionLines(world, store, items()),
  };

  const tables: TableDef[] = [
    itemTable,
    locationTable,
    { name: 'inventoryitemlocations', columns: itemLocationColumns, rows: itemLocationRows },
    // Same figures; NetSuite's aggregate view also covers assembly/lot items, which the sandbox does not model.
    { name: 'aggregateitemlocation', columns: itemLocationColumns, rows: itemLocationRows },
    kitMemberTable,
    transactionTable,
    transactionLineTable,
  ];
  return (name) => tables.find((t) => t.name === name);
}

function transactionLines(world: World, store: RecordStore, items: NsItem[]): Row[] {
  const itemIds = new Map<string, number>();
  for (const i of items) if (!itemIds.has(i.sku)) itemIds.set(i.sku, i.id);
  const locId = (name: string | undefined): number | null =>
    name === undefined ? null : (world.locations.get(name)?.numericId ?? null);
  const serving = servingIndex(world);
  const rows: Row[] = [];
  const line = (transaction: number, seq: number, fields: Row): Row => ({
    transaction,
    id: seq,
    linesequencenumber: seq,
    mainline: seq === 0 ? 'T' : 'F',
    taxline: 'F',
    item: null,
    quantity: null,
    location: null,
    isclosed: 'F',
    quantitycommitted: null,
    quantitybackordered: null,
    quantityshiprecv: null,
    memo: null,
    ...fields,
  });

  for (const o of world.erpOrders) {
    if (!soStatus(o)) continue;
    const at = serving(o)[0];
    const closed = o.status === 'cancelled' ? 'T' : 'F';
    rows.push(line(o.id, 0, { location: locId(at), isclosed: closed }));
    let seq = 1;
    for (const l of o.lines) {
      const item = itemIds.get(l.sku) ?? null;
      // A line the ERP split over several locations shows as one line per location, as if the order was split.
      for (const a of l.allocations)
        rows.push(
          line(o.id, seq++, {
            item,
            quantity: -a.qty,
            location: locId(a.location),
            isclosed: closed,
            quantitycommitted: o.status === 'reserved' ? a.qty : 0,
            quantitybackordered: 0,
            quantityshiprecv: o.status === 'shipped' ? a.qty : 0,
          }),
        );
      if (l.shortfall > 0)
        rows.push(
          line(o.id, seq++, {
            item,
            quantity: -l.shortfall,
            location: locId(at),
            isclosed: closed,
            quantitycommitted: 0,
            quantitybackordered: o.status === 'reserved' ? l.shortfall : 0,
            quantityshiprecv: 0,
          }),
        );
    }
  }

  for (const r of store.all()) {
    if (r.type === 'inventoryAdjustment') {
      rows.push(line(r.id, 0, { location: r.adjLocation ?? null, memo: r.memo ?? null }));
      r.lines.forEach((l, n) =>
        rows.push(
          line(r.id, n + 1, {
            item: l.item,
            quantity: l.adjustQtyBy,
            location: l.location,
            memo: l.memo ?? null,
          }),
        ),
      );
    } else {
      rows.push(line(r.id, 0, { location: r.location, memo: r.memo ?? null }));
      let seq = 1;
      for (const l of r.lines) {
        rows.push(line(r.id, seq++, { item: l.item, quantity: -l.adjustQtyBy, location: r.location }));
        rows.push(line(r.id, seq++, { item: l.item, quantity: l.adjustQtyBy, location: r.transferLocation }));
      }
    }
  }
  return rows;
}
