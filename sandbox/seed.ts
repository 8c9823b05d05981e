/**
 * The sandbox seed (design section 5, `POST /_sandbox/reset { "seed": ... }`): catalogue, ERP locations and stock,
 * kits, channels with their location mapping, listings and FBA inventory. A preset is a named seed.
 */
import { z } from 'zod';

const int = z.number().int();
const nat = int.nonnegative();

export const seedSchema = z.object({
  erp: z.object({
    kind: z.enum(['odoo', 'netsuite']).default('odoo'),
    locations: z
      .array(
        z.object({
          id: z.string().min(1),
          warehouse: z.string().min(1),
          sellable: z.boolean().default(true),
        }),
      )
      .min(1),
    products: z.array(
      z.object({ sku: z.string(), barcode: z.string().optional(), name: z.string().optional() }),
    ),
    stock: z
      .array(
        z.object({
          sku: z.string(),
          location: z.string(),
          onHand: nat,
          reserved: nat.default(0),
          damaged: nat.default(0),
        }),
      )
      .default([]),
    kits: z
      .array(
        z.object({
          sku: z.string().min(1),
          components: z.array(z.object({ sku: z.string().min(1), qty: int.positive() })).min(1),
        }),
      )
      .default([]),
    /** Channel order -> ERP sale order, in milliseconds. */
    ingestLagMs: nat.default(30_000),
    /** ERP sale order reserved -> shipped (stock leaves), in milliseconds; null keeps orders reserved. */
    shipLagMs: nat.nullable().default(null),
  }),
  channels: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({
          id: z.string().min(1),
          kind: z.literal('shopify'),
          locations: z
            .array(z.object({ id: z.string().min(1), erpLocations: z.array(z.string()).min(1) }))
            .min(1),
          listings: z.array(z.object({ sku: z.string(), location: z.string(), shows: nat })).default([]),
        }),
        z.object({
          id: z.string().min(1),
          kind: z.literal('amazon'),
          fbmErpLocations: z.array(z.string()).min(1),
          listings: z
            .array(
              z.object({ sku: z.string(), fulfillment: z.enum(['FBM', 'FBA']).default('FBM'), shows: nat }),
            )
            .default([]),
          fba: z
            .array(
              z.object({
                sku: z.string(),
                fulfillable: nat.default(0),
                inboundWorking: nat.default(0),
                inboundShipped: nat.default(0),
                inboundReceiving: nat.default(0),
                reserved: nat.default(0),
                unfulfillable: nat.default(0),
                researching: nat.default(0),
              }),
            )
            .default([]),
        }),
        z.object({
          id: z.string().min(1),
          kind: z.literal('mercadolibre'),
          locations: z
            .array(z.object({ id: z.string().min(1), erpLocations: z.array(z.string()).min(1) }))
            .min(1),
          listings: z
            .array(
              z.object({
                sku: z.string(),
                itemId: z.string().optional(),
                location: z.string(),
                shows: nat,
                full: z.boolean().default(false),
              }),
            )
            .default([]),
        }),
      ]),
    )
    .default([]),
});

export type Seed = z.output<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;
export type SeedChannel = Seed['channels'][number];
