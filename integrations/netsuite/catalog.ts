/**
 * Items and locations: SKU -> item internal id (`item.itemid` is the SKU, `upccode` the barcode) and config location
 * name -> location internal id. Locations change rarely, so they are read once and kept for a while; items are
 * looked up per call because a catalogue can be large and SKUs are added all the time.
 */
import { z } from 'zod';
import { IntegrationError, where } from '../errors';
import type { ErpLocationRef, ErpProductRef, Page } from '../types';
import type { KitDef } from '../../domain/model';
import type { NetSuiteClient, NetSuiteErpConfig } from './client';
import { SYSTEM, badResponse } from './errors';
import { NUMERIC, lit } from './sql';
import { decodeOffset, encodeOffset } from './cursor';

const LOCATION_TTL_MS = 10 * 60_000;
/** After a miss, the list is re-read only if it is at least this old (an unknown name must not cost a call each time). */
const LOCATION_MISS_REFRESH_MS = 30_000;

const id = z.string().regex(/^\d+$/);

const locationRow = z.object({
  id,
  name: z.string().optional(),
  fullname: z.string().optional(),
  isinactive: z.enum(['T', 'F']).optional(),
  subsidiary: z.string().optional(),
  parentname: z.string().optional(),
});

export interface NsLocation {
  erpId: string;
  name: string;
  fullName: string;
  active: boolean;
  /** The subsidiary internal id, when the location belongs to exactly one. */
  subsidiary?: string | undefined;
  parent?: string | undefined;
}

const itemRow = z.object({
  id,
  itemid: z.string().optional(),
  itemtype: z.string().optional(),
});

const productRow = itemRow.extend({
  upccode: z.string().optional(),
  displayname: z.string().optional(),
});

export interface NsItem {
  id: string;
  sku: string;
  type: string;
}

const kitRow = z.object({
  parentitem: id,
  kit: z.string().optional(),
  component: z.string().optional(),
  quantity: z.string().regex(NUMERIC),
});

/** Kit/Package items; everything else that has a SKU is stock-keeping. */
export const isKitType = (type: string | undefined): boolean => type === 'Kit';

export class Catalog {
  private locationCache: { at: number; list: NsLocation[] } | undefined;

  constructor(
    private readonly client: NetSuiteClient,
    private readonly cfg: NetSuiteErpConfig,
    private readonly now: () => number,
  ) {}

  /** Every NetSuite location (one SuiteQL call, cached for ten minutes unless `fresh`). */
  async allLocations(fresh = false): Promise<NsLocation[]> {
    const t = this.now();
    if (!fresh && this.locationCache && t - this.locationCache.at < LOCATION_TTL_MS)
      return this.locationCache.list;
    const rows = await this.client.suiteqlAll(
      'SELECT l.id, l.name, l.fullname, l.isinactive, l.subsidiary, BUILTIN.DF(l.parent) AS parentname FROM location l ORDER BY l.id',
      locationRow,
      { operation: 'locations' },
    );
    const list = rows.map((r) => ({
      erpId: r.id,
      name: r.name ?? '',
      fullName: r.fullname ?? r.name ?? '',
      active: r.isinactive !== 'T',
      subsidiary: r.subsidiary !== undefined && /^\d+$/.test(r.subsidiary) ? r.subsidiary : undefined,
      parent: r.parentname,
    }));
    this.locationCache = { at: t, list };
    return list;
  }

  async locations(): Promise<ErpLocationRef[]> {
    const list = await this.allLocations(true);
    const declared = new Map(this.cfg.locations.map((l) => [l.id, l]));
    return list.map((l) => {
      const configName = declared.has(l.fullName) && !declared.has(l.name) ? l.fullName : l.name;
      return {
        id: configName,
        erpId: l.erpId,
        warehouse: declared.get(configName)?.warehouse ?? l.parent,
        internal: l.active,
      };
    });
  }

  /**
   * Config names -> NetSuite locations. The name matches `location.name`, or the full name (`Parent : Child`) when
   * the short name is ambiguous. Unknown or ambiguous names are refused, never guessed.
   */
  async resolveLocations(names: readonly string[], sku?: string): Promise<Map<string, NsLocation>> {
    let list = await this.allLocations();
    const find = (n: string) => {
      const byName = list.filter((l) => l.name === n);
      if (byName.length === 1) return byName;
      const byFull = list.filter((l) => l.fullName === n);
      return byFull.length ? byFull : byName;
    };
    if (
      names.some((n) => find(n).length === 0) &&
      this.now() - (this.locationCache?.at ?? 0) >= LOCATION_MISS_REFRESH_MS
    )
      list = await this.allLocations(true);
    const out = new Map<string, NsLocation>();
    for (const n of names) {
      const hits = find(n);
      const [hit] = hits;
      if (hits.length === 1 && hit) {
        out.set(n, hit);
        continue;
      }
      throw new IntegrationError({
        system: SYSTEM,
        sku,
        location: n,
        operation: 'location lookup',
        code: 'UNMAPPED_LOCATION',
        message:
          hits.length === 0
            ? `${where({ sku })}NetSuite has no location named "${n}": erp.locations must name NetSuite locations exactly as NetSuite does (Setup > Company > Locations)`
            : `${where({ sku })}NetSuite has ${hits.length} locations named "${n}" (ids ${hits.map((h) => h.erpId).join(', ')}): use the full name "Parent : Child" in erp.locations`,
      });
    }
    return out;
  }

  /** The item whose Name/ID is `sku`: UNLINKED_SKU when none, DUPLICATE_SKU when several. */
  async item(sku: string, operation: string): Promise<NsItem> {
    if (sku.trim() === '') throw unlinked(sku, operation);
    const rows = await this.client.suiteqlAll(
      `SELECT i.id, i.itemid, i.itemtype FROM item i WHERE i.itemid = ${lit(sku)} AND i.isinactive = 'F' ORDER BY i.id`,
      itemRow,
      { operation, sku },
    );
    const [only] = rows;
    if (!only) throw unlinked(sku, operation);
    if (rows.length > 1)
      throw duplicate(
        sku,
        rows.map((r) => r.id),
        operation,
      );
    return { id: only.id, sku, type: only.itemtype ?? '' };
  }

  /** Active items in internal-id order, one SuiteQL page per call (limit/offset). */
  async products(cursor?: string): Promise<Page<ErpProductRef>> {
    const at = decodeOffset(cursor, this.client.pageSize, 'products');
    const page = await this.client.suiteql(
      "SELECT i.id, i.itemid, i.upccode, i.displayname, i.itemtype FROM item i WHERE i.isinactive = 'F' ORDER BY i.id",
      productRow,
      { operation: 'products' },
      at,
    );
    return {
      items: page.rows.map((r) => ({
        sku: r.itemid ?? '',
        barcode: r.upccode,
        id: r.id,
        name: r.displayname,
        isKit: isKitType(r.itemtype),
      })),
      next: page.hasMore ? encodeOffset(at.offset + at.limit, at.limit) : undefined,
    };
  }

  /** Kit/Package members (`kititemmember`), grouped per kit in line order. */
  async kits(): Promise<KitDef[]> {
    const rows = await this.client.suiteqlAll(
      `SELECT m.parentitem, p.itemid AS kit, c.itemid AS component, m.quantity
         FROM kititemmember m
         INNER JOIN item p ON p.id = m.parentitem
         INNER JOIN item c ON c.id = m.item
        ORDER BY m.parentitem, m.linenumber`,
      kitRow,
      { operation: 'kits' },
    );
    const byKit = new Map<string, KitDef>();
    for (const r of rows) {
      const qty = Number(r.quantity);
      const kit = r.kit ?? '';
      if (!Number.isInteger(qty) || qty <= 0)
        throw badResponse(
          { system: SYSTEM, sku: kit, operation: 'kits' },
          `kit ${kit} lists ${r.component ?? '?'} with quantity ${r.quantity}; invsync needs whole positive component quantities`,
        );
      let def = byKit.get(r.parentitem);
      if (!def) byKit.set(r.parentitem, (def = { sku: kit, components: [] }));
      def.components.push({ sku: r.component ?? '', qty });
    }
    return [...byKit.values()];
  }
}

function unlinked(sku: string, operation: string): IntegrationError {
  return new IntegrationError({
    system: SYSTEM,
    sku,
    operation,
    code: 'UNLINKED_SKU',
    message: `SKU ${sku} has no linked NetSuite item: create an item whose Name/ID (itemid) is ${sku}, or link it in skuLinks.overrides`,
  });
}

function duplicate(sku: string, ids: string[], operation: string): IntegrationError {
  return new IntegrationError({
    system: SYSTEM,
    sku,
    operation,
    code: 'DUPLICATE_SKU',
    message: `SKU ${sku} matches ${ids.length} NetSuite items (internal ids ${ids.join(', ')}): make the Name/ID unique or inactivate the extra items`,
  });
}
