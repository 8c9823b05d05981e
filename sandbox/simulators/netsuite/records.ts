/**
 * SuiteTalk REST records the connector writes and reads: `inventoryAdjustment` and `inventoryTransfer` (create with
 * POST, upsert by external id with PUT `eid:<externalId>`, read with GET) and `salesOrder` (read only). A create
 * answers 204 No Content with a Location header; the external id is the idempotency reference, so an upsert that
 * finds its record answers the same Location without applying the stock change again.
 */
import { z } from 'zod';
import type { World } from '../../world';
import { NsError, invalidFieldValue, nonexistentId, userError } from './errors';
import {
  availableOf,
  isoDay,
  locationById,
  nsItems,
  servingIndex,
  soStatus,
  stockAt,
  type NsItem,
} from './model';
import type {
  InventoryAdjustmentRecord,
  InventoryTransferRecord,
  RecordStore,
  StoredRecord,
  WritableType,
} from './store';

export const WRITABLE: readonly WritableType[] = ['inventoryAdjustment', 'inventoryTransfer'];
const READABLE = new Set<string>([...WRITABLE, 'salesOrder']);

/** Record types NetSuite has that the sandbox's integration role is not granted (answered 403, not 404). */
const KNOWN_ELSEWHERE = new Set([
  'salesOrder',
  'transferOrder',
  'itemFulfillment',
  'itemReceipt',
  'inventoryItem',
  'kitItem',
  'assemblyItem',
  'location',
  'customer',
  'invoice',
  'cashSale',
  'purchaseOrder',
  'inventoryCount',
]);

const PERMISSION: Record<string, string> = {
  inventoryAdjustment: 'Transactions -> Adjust Inventory',
  inventoryTransfer: 'Transactions -> Transfer Inventory',
  salesOrder: 'Transactions -> Sales Order',
};

export const permissionViolation = (type: string): NsError =>
  new NsError(
    403,
    'INSUFFICIENT_PERMISSION',
    `Permission Violation: You need the '${PERMISSION[type] ?? `Lists -> ${type}`}' permission to access this page. Please contact your account administrator.`,
  );

/** Throws the answer NetSuite gives for a record type the role cannot use in this way. */
export function checkRecordType(type: string, op: 'write' | 'read', denied: ReadonlySet<string>): void {
  const supported = op === 'write' ? (WRITABLE as readonly string[]).includes(type) : READABLE.has(type);
  if (supported && !denied.has(type)) return;
  if (supported || KNOWN_ELSEWHERE.has(type)) throw permissionViolation(type);
  throw new NsError(404, 'NONEXISTENT_ID', `Record type '${type}' does not exist.`);
}

// ---- request bodies --------------------------------------------------------------------------------------

const ref = z.object({ id: z.union([z.string().min(1), z.number().int()]).transform(String) });

/** Fields every inventory transaction body shares. */
const transactionHeader = {
  externalId: z.string().min(1).optional(),
  subsidiary: ref.optional(),
  tranDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  memo: z.string().optional(),
};

/** The header fields every stored inventory transaction carries, from its request body. */
function recordHeader(
  b: z.infer<z.ZodObject<typeof transactionHeader>>,
  externalId: string | undefined,
  t: number,
) {
  return {
    externalId,
    tranDate: b.tranDate ?? isoDay(t),
    memo: b.memo,
    subsidiary: b.subsidiary?.id,
    created: t,
    modified: t,
  };
}

const adjustmentBody = z.object({
  ...transactionHeader,
  account: ref.optional(),
  adjLocation: ref.optional(),
  inventory: z
    .object({
      items: z.array(
        z.object({
          item: ref,
          location: ref.optional(),
          adjustQtyBy: z.number(),
          memo: z.string().optional(),
        }),
      ),
    })
    .optional(),
});

const transferBody = z.object({
  ...transactionHeader,
  location: ref.optional(),
  transferLocation: ref.optional(),
  inventory: z
    .object({
      items: z.array(z.object({ item: ref, adjustQtyBy: z.number(), description: z.string().optional() })),
    })
    .optional(),
});

/** A body that does not fit the record's shape: NetSuite names the field it could not read. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw new NsError(
      400,
      'INVALID_CONTENT',
      'Invalid content in the request body. The request body must be a JSON object.',
    );
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = (issue?.path ?? [])
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .slice(1);
  throw new NsError(
    400,
    'INVALID_CONTENT',
    `Error while accessing a resource. Invalid value for the resource or sub-resource field '${path}'. Provide a valid value.`,
    { errorPath: path },
  );
}

// ---- writes ----------------------------------------------------------------------------------------------

export interface WriteOptions {
  /** From `PUT …/eid:<externalId>`: an upsert; otherwise the body's `externalId` (a create). */
  urlExternalId?: string | undefined;
  /** The sandbox's silent drop: acknowledge as NetSuite would, change nothing. */
  drop: boolean;
}

interface Ctx {
  world: World;
  store: RecordStore;
}

const numericId = (id: string): number | undefined => (/^\d+$/.test(id) ? Number(id) : undefined);

function itemRef(items: Map<number, NsItem>, id: string, path: string): NsItem {
  const item = items.get(numericId(id) ?? -1);
  // Kits are not inventory items: they cannot be adjusted or moved, only their members can.
  if (!item || item.type !== 'InvtPart') throw invalidFieldValue(id, 'item', path);
  return item;
}

function locationRef(world: World, id: string, field: string, path: string) {
  const l = locationById(world, numericId(id) ?? -1);
  if (!l) throw invalidFieldValue(id, field, path);
  return l;
}

/** Creates (POST) or upserts (PUT eid:) an adjustment or transfer; returns the record's internal id. */
export function writeRecord(ctx: Ctx, type: WritableType, body: unknown, opts: WriteOptions): number {
  const parsed =
    type === 'inventoryAdjustment'
      ? { type, body: parseBody(adjustmentBody, body) }
      : { type, body: parseBody(transferBody, body) };
  const externalId = opts.urlExternalId ?? parsed.body.externalId;
  if (externalId !== undefined) {
    const existing = ctx.store.byExternal(type, externalId);
    if (existing && opts.urlExternalId !== undefined) return existing.id;
    if (existing)
      throw userError(`A record with the external ID '${externalId}' already exists.`, 'externalId');
  }
  const items = new Map(nsItems(ctx.world).map((i) => [i.id, i]));
  const prepared =
    parsed.type === 'inventoryAdjustment'
      ? prepareAdjustment(ctx, parsed.body, items, externalId)
      : prepareTransfer(ctx, parsed.body, items, externalId);
  if (opts.drop) return ctx.store.nextId();
  const key = externalId === undefined ? undefined : `netsuite:${type}:${externalId}`;
  return ctx.world.once(key, () => {
    const record = prepared.build(ctx.store.nextId());
    prepared.apply(key);
    ctx.store.add(record);
    return record.id;
  }).result;
}

interface Prepared {
  build(id: number): StoredRecord;
  apply(reference: string | undefined): void;
}

function prepareAdjustment(
  ctx: Ctx,
  b: z.output<typeof adjustmentBody>,
  items: Map<number, NsItem>,
  externalId: string | undefined,
): Prepared {
  const { world } = ctx;
  if (!b.account) throw userError('Please enter value(s) for: Adjustment Account', 'account');
  const adjLocation = b.adjLocation
    ? locationRef(world, b.adjLocation.id, 'adjlocation', 'adjLocation')
    : undefined;
  const lines = b.inventory?.items ?? [];
  if (lines.length === 0)
    throw userError('You must enter at least one line item for this transaction.', 'inventory');
  const resolved = lines.map((l, n) => {
    const path = `inventory.items[${n}]`;
    const item = itemRef(items, l.item.id, `${path}.item`);
    const location = l.location
      ? locationRef(world, l.location.id, 'location', `${path}.location`)
      : adjLocation;
    if (!location) throw userError('Please enter value(s) for: Location', `${path}.location`);
    return { item, location, line: l, path };
  });
  // All lines or none: check the resulting on-hand of every item and location before changing anything.
  const after = new Map<string, number>();
  for (const r of resolved) {
    const key = `${r.item.sku}\u0000${r.location.id}`;
    const next =
      (after.get(key) ?? stockAt(world, r.item.sku, r.location.id)?.onHand ?? 0) + r.line.adjustQtyBy;
    if (next < 0)
      throw userError(
        `Inventory adjustment would result in negative quantity on hand for item ${r.item.sku} at location ${r.location.id}.`,
        `${r.path}.adjustQtyBy`,
      );
    after.set(key, next);
  }
  const t = world.now();
  return {
    build: (id): InventoryAdjustmentRecord => ({
      type: 'inventoryAdjustment',
      id,
      ...recordHeader(b, externalId, t),
      account: b.account?.id ?? '',
      adjLocation: adjLocation?.numericId,
      lines: resolved.map((r) => ({
        item: r.item.id,
        location: r.location.numericId,
        adjustQtyBy: r.line.adjustQtyBy,
        memo: r.line.memo,
      })),
    }),
    apply: (reference) =>
      resolved.forEach((r, n) =>
        world.adjust({
          sku: r.item.sku,
          location: r.location.id,
          delta: r.line.adjustQtyBy,
          reason: 'adjust',
          ...(reference === undefined ? {} : { reference: `${reference}:line${n + 1}` }),
        }),
      ),
  };
}

function prepareTransfer(
  ctx: Ctx,
  b: z.output<typeof transferBody>,
  items: Map<number, NsItem>,
  externalId: string | undefined,
): Prepared {
  const { world } = ctx;
  if (!b.location) throw userError('Please enter value(s) for: From Location', 'location');
  if (!b.transferLocation) throw userError('Please enter value(s) for: To Location', 'transferLocation');
  const from = locationRef(world, b.location.id, 'location', 'location');
  const to = locationRef(world, b.transferLocation.id, 'transferlocation', 'transferLocation');
  if (from.id === to.id)
    throw userError('The From Location and the To Location must be different.', 'transferLocation');
  const lines = b.inventory?.items ?? [];
  if (lines.length === 0)
    throw userError('You must enter at least one line item for this transaction.', 'inventory');
  const resolved = lines.map((l, n) => {
    const path = `inventory.items[${n}]`;
    const item = itemRef(items, l.item.id, `${path}.item`);
    if (!(l.adjustQtyBy > 0))
      throw invalidFieldValue(String(l.adjustQtyBy), 'adjustqtyby', `${path}.adjustQtyBy`);
    return { item, line: l, path };
  });
  const moving = new Map<string, number>();
  for (const r of resolved) {
    const total = (moving.get(r.item.sku) ?? 0) + r.line.adjustQtyBy;
    const q = stockAt(world, r.item.sku, from.id);
    const available = q ? availableOf(q) : 0;
    if (total > available)
      throw userError(
        `You cannot transfer ${total} of item ${r.item.sku} from location ${from.id}: only ${available} available.`,
        `${r.path}.adjustQtyBy`,
      );
    moving.set(r.item.sku, total);
  }
  const t = world.now();
  return {
    build: (id): InventoryTransferRecord => ({
      type: 'inventoryTransfer',
      id,
      ...recordHeader(b, externalId, t),
      location: from.numericId,
      transferLocation: to.numericId,
      lines: resolved.map((r) => ({
        item: r.item.id,
        adjustQtyBy: r.line.adjustQtyBy,
        description: r.line.description,
      })),
    }),
    apply: (reference) =>
      resolved.forEach((r, n) =>
        world.transfer({
          sku: r.item.sku,
          qty: r.line.adjustQtyBy,
          from: from.id,
          to: to.id,
          ...(reference === undefined ? {} : { reference: `${reference}:line${n + 1}` }),
        }),
      ),
  };
}

// ---- reads -----------------------------------------------------------------------------------------------

const link = (href: string) => [{ rel: 'self', href }];
const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Reads one record by internal id or `eid:<externalId>`; `base` is `<scheme>://<host>/services/rest/record/v1`. */
export function readRecord(
  ctx: Ctx,
  base: string,
  type: string,
  idText: string,
  expand: boolean,
): Record<string, unknown> {
  const { world, store } = ctx;
  const eid = idText.startsWith('eid:') ? idText.slice(4) : undefined;
  const id = eid === undefined ? numericId(idText) : undefined;
  if (eid === undefined && id === undefined) throw nonexistentId();
  const items = new Map(nsItems(world).map((i) => [i.id, i]));
  const itemRefOut = (itemId: number) => ({
    links: link(`${base}/inventoryItem/${itemId}`),
    id: String(itemId),
    refName: items.get(itemId)?.sku ?? String(itemId),
  });
  const locRefOut = (locId: number) => ({
    links: link(`${base}/location/${locId}`),
    id: String(locId),
    refName: locationById(world, locId)?.id ?? String(locId),
  });
  const sublist = (href: string, rows: Record<string, unknown>[]) =>
    expand
      ? {
          links: link(href),
          count: rows.length,
          hasMore: false,
          items: rows,
          offset: 0,
          totalResults: rows.length,
        }
      : { links: link(href) };

  if (type === 'salesOrder') {
    const order = world.erpOrders.find((o) => (eid !== undefined ? o.reference === eid : o.id === id));
    const status = order ? soStatus(order) : undefined;
    if (!order || !status) throw nonexistentId();
    const self = `${base}/salesOrder/${order.id}`;
    const serving = servingIndex(world)(order)[0];
    const servingId = serving === undefined ? undefined : world.locations.get(serving)?.numericId;
    let line = 0;
    const lines = order.lines.flatMap((l) => {
      const item = [...items.values()].find((i) => i.sku === l.sku)?.id;
      const parts = [
        ...l.allocations.map((a) => ({
          qty: a.qty,
          loc: world.locations.get(a.location)?.numericId,
          back: 0,
        })),
        ...(l.shortfall > 0 ? [{ qty: l.shortfall, loc: servingId, back: l.shortfall }] : []),
      ];
      return parts.map((p) => ({
        links: link(`${self}/item/${++line}`),
        line,
        ...(item === undefined ? {} : { item: itemRefOut(item) }),
        quantity: p.qty,
        ...(p.loc === undefined ? {} : { location: locRefOut(p.loc) }),
        quantityCommitted: order.status === 'reserved' ? p.qty - p.back : 0,
        quantityBackOrdered: order.status === 'reserved' ? p.back : 0,
        quantityFulfilled: order.status === 'shipped' ? p.qty : 0,
        isClosed: order.status === 'cancelled',
      }));
    });
    const created = order.ingestedAt ?? order.createdAt;
    return {
      links: link(self),
      createdDate: iso(created),
      externalId: order.reference,
      id: String(order.id),
      item: sublist(`${self}/item`, lines),
      lastModifiedDate: iso(order.writeDate),
      ...(servingId === undefined ? {} : { location: locRefOut(servingId) }),
      otherRefNum: order.reference,
      status: { id: status.code, refName: status.label },
      tranDate: isoDay(created),
      tranId: `SO${order.id}`,
    };
  }

  const record = eid !== undefined ? store.byExternal(type, eid) : store.get(type, id ?? -1);
  if (!record) throw nonexistentId();
  const self = `${base}/${type}/${record.id}`;
  const common = {
    links: link(self),
    createdDate: iso(record.created),
    ...(record.externalId === undefined ? {} : { externalId: record.externalId }),
    id: String(record.id),
    lastModifiedDate: iso(record.modified),
    ...(record.memo === undefined ? {} : { memo: record.memo }),
    ...(record.subsidiary === undefined
      ? {}
      : { subsidiary: { links: link(`${base}/subsidiary/${record.subsidiary}`), id: record.subsidiary } }),
    tranDate: record.tranDate,
    tranId: String(record.id),
  };
  if (record.type === 'inventoryAdjustment')
    return {
      ...common,
      account: { links: link(`${base}/account/${record.account}`), id: record.account },
      ...(record.adjLocation === undefined ? {} : { adjLocation: locRefOut(record.adjLocation) }),
      inventory: sublist(
        `${self}/inventory`,
        record.lines.map((l, n) => ({
          links: link(`${self}/inventory/${n + 1}`),
          line: n + 1,
          item: itemRefOut(l.item),
          location: locRefOut(l.location),
          adjustQtyBy: l.adjustQtyBy,
          ...(l.memo === undefined ? {} : { memo: l.memo }),
        })),
      ),
    };
  return {
    ...common,
    location: locRefOut(record.location),
    transferLocation: locRefOut(record.transferLocation),
    inventory: sublist(
      `${self}/inventory`,
      record.lines.map((l, n) => ({
        links: link(`${self}/inventory/${n + 1}`),
        line: n + 1,
        item: itemRefOut(l.item),
        adjustQtyBy: l.adjustQtyBy,
        ...(l.description === undefined ? {} : { description: l.description }),
      })),
    ),
  };
}
