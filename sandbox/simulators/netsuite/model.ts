/**
 * How the world looks through NetSuite's eyes: internal ids for items and locations, item types (kits are Kit/Package
 * items, everything else an inventory item), per-location quantities with NetSuite's names, and sales order
 * statuses. Everything is derived from the world on each request, so a reset or an admin write shows at once.
 */
import type { ErpLocation, ErpOrder, ErpOrderStatus, Qty, World } from '../../world';

export interface NsItem {
  id: number;
  sku: string;
  barcode?: string | undefined;
  name: string;
  type: 'InvtPart' | 'Kit';
  modified: number;
}

/** Items: the ERP products (internal id = product id), then kits that are not products themselves. */
export function nsItems(world: World): NsItem[] {
  const kitSkus = new Set(world.kits.map((k) => k.sku));
  const productSkus = new Set<string>();
  const items: NsItem[] = world.products.map((p) => {
    productSkus.add(p.sku);
    return {
      id: p.id,
      sku: p.sku,
      barcode: p.barcode,
      name: p.name,
      type: kitSkus.has(p.sku) ? 'Kit' : 'InvtPart',
      modified: p.writeDate,
    };
  });
  let next = items.reduce((m, i) => Math.max(m, i.id), 0) + 1;
  const since = world.products[0]?.writeDate ?? 0;
  for (const k of world.kits)
    if (!productSkus.has(k.sku))
      items.push({ id: next++, sku: k.sku, name: k.sku, type: 'Kit', modified: since });
  return items;
}

/** Locations in internal-id order; the name is the sandbox location id, which configs map by. */
export function nsLocations(world: World): ErpLocation[] {
  return [...world.locations.values()].sort((a, b) => a.numericId - b.numericId);
}

export function locationById(world: World, id: number): ErpLocation | undefined {
  for (const l of world.locations.values()) if (l.numericId === id) return l;
  return undefined;
}

/** The stock row if the item ever had stock at the location (without creating one, unlike `world.qty`). */
export function stockAt(world: World, sku: string, location: string): Qty | undefined {
  return world.stock.get(sku)?.get(location);
}

/** NetSuite's "available": on hand less committed (reserved) less damaged/quarantined stock, never below 0. */
export const availableOf = (q: Qty): number => Math.max(0, q.onHand - q.reserved - q.damaged);

/**
 * The ERP locations that fulfil each channel order (its channel location's mapping), indexed on first use so a
 * query over thousands of orders stays linear.
 */
export function servingIndex(world: World): (order: ErpOrder) => string[] {
  const byChannel = new Map<string, Map<string, string[]>>();
  return (order) => {
    let byOrder = byChannel.get(order.channel);
    if (!byOrder) {
      byOrder = new Map();
      const ch = world.channels.get(order.channel);
      for (const o of ch?.orders ?? [])
        byOrder.set(o.id, ch?.locations.find((l) => l.id === o.location)?.erpLocations ?? []);
      byChannel.set(order.channel, byOrder);
    }
    return byOrder.get(order.orderId) ?? [];
  };
}

/** Units ordered but not committed, per `sku\0location`: NetSuite books a backorder at the line's location. */
export function backorders(world: World): Map<string, number> {
  const out = new Map<string, number>();
  const serving = servingIndex(world);
  for (const o of world.erpOrders) {
    if (o.status !== 'reserved' || !o.lines.some((l) => l.shortfall > 0)) continue;
    const at = serving(o)[0];
    if (at === undefined) continue;
    for (const line of o.lines)
      if (line.shortfall > 0) {
        const key = `${line.sku}\u0000${at}`;
        out.set(key, (out.get(key) ?? 0) + line.shortfall);
      }
  }
  return out;
}

export interface SoStatus {
  code: string;
  label: string;
}

/** Sales order status as SuiteQL shows it (`transaction.status`); an order the ERP has not ingested is absent. */
export const SO_STATUS: Record<Exclude<ErpOrderStatus, 'pending-ingest'>, SoStatus> = {
  reserved: { code: 'B', label: 'Pending Fulfillment' },
  shipped: { code: 'G', label: 'Billed' },
  cancelled: { code: 'C', label: 'Cancelled' },
};

export function soStatus(o: ErpOrder): SoStatus | undefined {
  return o.status === 'pending-ingest' ? undefined : SO_STATUS[o.status];
}

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
