/**
 * Stock reads from `inventoryitemlocations`: `quantityavailable` per item and location is the sellable figure (design
 * rule 2), never `quantityonhand`, and only the locations asked for are read, never summed with others.
 * `fromNetSuiteRow` keeps on hand and committed for the explanation while making on hand - reserved - damaged equal
 * quantityavailable.
 */
import { z } from 'zod';
import { IntegrationError } from '../errors';
import type { ErpChanges, ErpStock, Page } from '../types';
import { fromNetSuiteRow } from '../../domain/quantities';
import type { Catalog } from './catalog';
import type { NetSuiteClient } from './client';
import { decodeChanges, decodeOffset, encodeChanges, encodeOffset, type ChangeCursor } from './cursor';
import { SYSTEM } from './errors';
import { NUMERIC, STAMP, STAMP_FORMAT, idList, lit } from './sql';

const id = z.string().regex(/^\d+$/);
const qty = z.string().regex(NUMERIC).optional();

const quantities = {
  quantityonhand: qty,
  quantityavailable: qty,
  quantitycommitted: qty,
};

const skuRow = z.object({ id, itemid: z.string().optional(), location: id.optional(), ...quantities });
const pageRow = z.object({ item: id, itemid: z.string().optional(), location: id, ...quantities });
const changeRow = z.object({
  item: id,
  location: id,
  itemid: z.string().optional(),
  modified: z.string().regex(STAMP),
  ...quantities,
});

const zeros = (sku: string, location: string): ErpStock => ({
  sku,
  location,
  onHand: 0,
  reserved: 0,
  damaged: 0,
});

export class StockReader {
  constructor(
    private readonly client: NetSuiteClient,
    private readonly catalog: Catalog,
  ) {}

  /** One SKU at the given locations, in one SuiteQL call (plus the cached location list). */
  async availability(sku: string, locations: readonly string[]): Promise<ErpStock[]> {
    if (locations.length === 0) return [];
    const byName = await this.catalog.resolveLocations(locations, sku);
    const ids = [...new Set([...byName.values()].map((l) => l.erpId))];
    // The LEFT JOIN returns the item even where it has no stock rows, so one call tells "unknown SKU" from "none".
    const rows = await this.client.suiteqlAll(
      `SELECT i.id, i.itemid, iil.location, iil.quantityonhand, iil.quantityavailable, iil.quantitycommitted
         FROM item i
         LEFT JOIN inventoryitemlocations iil ON iil.item = i.id AND iil.location IN (${idList(ids)})
        WHERE i.itemid = ${lit(sku)} AND i.isinactive = 'F'
        ORDER BY i.id, iil.location`,
      skuRow,
      { operation: 'availability', sku },
    );
    const items = [...new Set(rows.map((r) => r.id))];
    if (items.length === 0 || sku.trim() === '')
      throw new IntegrationError({
        system: SYSTEM,
        sku,
        operation: 'availability',
        code: 'UNLINKED_SKU',
        message: `SKU ${sku} has no linked NetSuite item: create an item whose Name/ID (itemid) is ${sku}, or link it in skuLinks.overrides`,
      });
    if (items.length > 1)
      throw new IntegrationError({
        system: SYSTEM,
        sku,
        operation: 'availability',
        code: 'DUPLICATE_SKU',
        message: `SKU ${sku} matches ${items.length} NetSuite items (internal ids ${items.join(', ')}): make the Name/ID unique or inactivate the extra items`,
      });
    const byLocation = new Map(rows.filter((r) => r.location !== undefined).map((r) => [r.location, r]));
    return locations.map((name) => {
      const row = byLocation.get(byName.get(name)?.erpId);
      return row ? { sku, location: name, ...fromNetSuiteRow(row) } : zeros(sku, name);
    });
  }

  /** Every item at the given locations, one SuiteQL page (limit/offset, hasMore) per call. */
  async availabilityPage(locations: readonly string[], cursor?: string): Promise<Page<ErpStock>> {
    if (locations.length === 0) return { items: [] };
    const at = decodeOffset(cursor, this.client.pageSize, 'availabilityPage');
    const byName = await this.catalog.resolveLocations(locations);
    const nameOf = new Map<string, string>();
    for (const [name, l] of byName) if (!nameOf.has(l.erpId)) nameOf.set(l.erpId, name);
    const page = await this.client.suiteql(
      `SELECT iil.item, i.itemid, iil.location, iil.quantityonhand, iil.quantityavailable, iil.quantitycommitted
         FROM inventoryitemlocations iil
         INNER JOIN item i ON i.id = iil.item
        WHERE iil.location IN (${idList([...nameOf.keys()])}) AND i.isinactive = 'F'
        ORDER BY iil.item, iil.location`,
      pageRow,
      { operation: 'availabilityPage' },
      at,
    );
    return {
      items: page.rows.map((r) => ({
        sku: r.itemid ?? '',
        location: nameOf.get(r.location) ?? r.location,
        ...fromNetSuiteRow(r),
      })),
      next: page.hasMore ? encodeOffset(at.offset + at.limit, at.limit) : undefined,
    };
  }

  /**
   * SKUs whose per-location stock changed (`lastmodifieddate`) since the cursor. Without a cursor, the feed starts
   * at the newest change NetSuite holds and reports nothing (no clock comparison between us and NetSuite). Pages are
   * read by key (second, item, location), so rows that change while the feed is read cannot shift a page and be
   * skipped; rows of the cursor's second whose state was already reported are dropped (see ChangeCursor).
   */
  async changesSince(cursor?: string): Promise<ErpChanges> {
    if (cursor === undefined || cursor === '') return { skus: [], cursor: encodeChanges(await this.start()) };
    const from = decodeChanges(cursor);
    const reported = new Set(from.seen);
    const skus = new Set<string>();
    const pos = await this.scan(from, (r) => {
      if (r.itemid && !(r.modified === from.at && reported.has(stateKey(r)))) skus.add(r.itemid);
    });
    return { skus: [...skus], cursor: encodeChanges(pos) };
  }

  /** The newest change NetSuite holds, with every state of that second marked as reported. */
  private async start(): Promise<ChangeCursor> {
    const { rows } = await this.client.suiteql(
      `SELECT TO_CHAR(MAX(iil.lastmodifieddate), '${STAMP_FORMAT}') AS latest FROM inventoryitemlocations iil`,
      z.object({ latest: z.string().regex(STAMP).optional() }),
      { operation: 'changesSince' },
    );
    const latest = rows[0]?.latest;
    if (latest === undefined) return { at: '1970-01-01 00:00:00', seen: [] };
    // Only that second is marked: rows of later seconds (changes made since the MAX was read) stay to be reported.
    const seen: string[] = [];
    await this.scan({ at: latest, seen: [] }, (r) => {
      if (r.modified === latest) seen.push(stateKey(r));
    });
    return { at: latest, seen };
  }

  /** Reads every row from second `pos.at` on, page by page (by key), and returns the position after them. */
  private async scan(
    pos: ChangeCursor,
    onRow: (r: ChangeRow) => void = () => undefined,
  ): Promise<ChangeCursor> {
    let after: ChangeRow | undefined;
    for (;;) {
      const page = await this.client.suiteql(changesQuery(pos.at, after), changeRow, {
        operation: 'changesSince',
      });
      page.rows.forEach(onRow);
      pos = advance(pos, page.rows);
      after = page.rows[page.rows.length - 1];
      if (!page.hasMore || !after) return pos;
    }
  }
}

const MODIFIED = `TO_CHAR(iil.lastmodifieddate, '${STAMP_FORMAT}')`;
const CHANGE_COLUMNS = `iil.item, iil.location, i.itemid, ${MODIFIED} AS modified, iil.quantityonhand, iil.quantityavailable, iil.quantitycommitted`;

/** Rows from second `at` on, after the key of `after` (the last row of the previous page) when given. */
function changesQuery(at: string, after: ChangeRow | undefined): string {
  const key = after
    ? ` AND (${MODIFIED} > ${lit(after.modified)} OR (${MODIFIED} = ${lit(after.modified)} AND (iil.item > ${idList([after.item])} OR (iil.item = ${idList([after.item])} AND iil.location > ${idList([after.location])}))))`
    : '';
  return `SELECT ${CHANGE_COLUMNS}
            FROM inventoryitemlocations iil
            INNER JOIN item i ON i.id = iil.item
           WHERE iil.lastmodifieddate >= TO_DATE(${lit(at)}, '${STAMP_FORMAT}')${key}
           ORDER BY modified, iil.item, iil.location`;
}

type ChangeRow = z.output<typeof changeRow>;

/** What a row holds, to tell a new change within an already reported second from one already reported. */
const stateKey = (r: ChangeRow): string =>
  [r.item, r.location, r.quantityonhand ?? '', r.quantitycommitted ?? '', r.quantityavailable ?? ''].join(
    '.',
  );

/** The position after `rows` (sorted by second): their last second and every state reported at that second. */
function advance(pos: ChangeCursor, rows: readonly ChangeRow[]): ChangeCursor {
  const last = rows[rows.length - 1];
  if (!last) return pos;
  const seen = new Set(last.modified === pos.at ? pos.seen : []);
  for (const r of rows) if (r.modified === last.modified) seen.add(stateKey(r));
  return { at: last.modified, seen: [...seen] };
}
