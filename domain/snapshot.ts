/**
 * The snapshot: what the ERP and the channels hold at one moment, as `invsync plan` reads it and
 * `invsync snapshot --json` writes it (format documented in docs/snapshot-format.md). Field names follow
 * the sandbox's admin API (seed and state) where they overlap.
 */
import { z } from 'zod';
import { fromNetSuiteRow, fromOdooQuants } from './quantities';
import type { ErpQuantity, ErpStockRow } from './model';

const qty = z.number().int();
const when = z
  .union([z.number().int(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const normalizedRow = z.object({
  sku: z.string(),
  location: z.string(),
  onHand: qty,
  reserved: qty.default(0),
  damaged: qty.default(0),
});
const netsuiteRow = z.object({
  sku: z.string(),
  location: z.string(),
  quantityonhand: z.union([z.number(), z.string()]).optional(),
  quantityavailable: z.union([z.number(), z.string()]),
  quantitycommitted: z.union([z.number(), z.string()]).optional(),
});
const odooRow = z.object({
  sku: z.string(),
  location: z.string(),
  quantity: z.number(),
  reserved_quantity: z.number().default(0),
  usage: z.string().optional(),
});

const stockRow = z.union([normalizedRow, netsuiteRow, odooRow]).transform((r): ErpStockRow => {
  let q: ErpQuantity;
  if ('onHand' in r) q = { onHand: r.onHand, reserved: r.reserved, damaged: r.damaged };
  else if ('quantityavailable' in r) q = fromNetSuiteRow(r);
  else q = fromOdooQuants([r]);
  return { sku: r.sku, location: r.location, ...q };
});

const kit = z.object({
  sku: z.string().min(1),
  components: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().positive() })).min(1),
});

const listing = z.object({
  sku: z.string(),
  location: z.string().optional(),
  shows: qty,
  fulfillment: z.enum(['FBM', 'FBA']).optional(),
  full: z.boolean().optional(),
  itemId: z.string().optional(),
});

const fbaRow = z.object({
  sku: z.string(),
  fulfillable: qty.default(0),
  inboundWorking: qty.default(0),
  inboundShipped: qty.default(0),
  inboundReceiving: qty.default(0),
  reserved: qty.default(0),
  unfulfillable: qty.default(0),
  researching: qty.default(0),
});

export const snapshotSchema = z.object({
  takenAt: when.optional(),
  erp: z.object({
    kind: z.enum(['odoo', 'netsuite']),
    products: z.array(z.object({ sku: z.string(), barcode: z.string().optional() })),
    stock: z.array(stockRow).default([]),
    kits: z.array(kit).default([]),
  }),
  channels: z
    .record(
      z.string(),
      z.object({
        listings: z.array(listing).default([]),
        fba: z.array(fbaRow).default([]),
      }),
    )
    .default({}),
  ledger: z
    .array(
      z.object({
        id: z.string().optional(),
        channel: z.string(),
        orderId: z.string(),
        sku: z.string(),
        qty: z.number().int().positive(),
        erpLocations: z.array(z.string()).min(1),
        at: when.optional(),
      }),
    )
    .default([]),
  reservations: z
    .array(
      z.object({
        id: z.string().optional(),
        program: z.string(),
        sku: z.string(),
        location: z.string(),
        qty: z.number().int().nonnegative(),
        until: when.optional(),
      }),
    )
    .default([]),
  overrides: z
    .array(
      z.object({
        sku: z.string(),
        channel: z.string(),
        location: z.string().optional(),
        qty: z.number().int().nonnegative(),
        until: when.optional(),
        reason: z.string().optional(),
      }),
    )
    .default([]),
  halts: z
    .array(
      z.object({ sku: z.string(), channel: z.string(), location: z.string().optional(), reason: z.string() }),
    )
    .default([]),
  sales: z
    .array(
      z.object({
        sku: z.string(),
        qty: z.number().int().positive(),
        at: when,
        channel: z.string().optional(),
      }),
    )
    .default([]),
});

export type SnapshotInput = z.input<typeof snapshotSchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type FbaRow = z.output<typeof fbaRow>;
