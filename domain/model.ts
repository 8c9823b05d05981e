/**
 * The inventory model: plain data, no behaviour. Every quantity is a whole number of units.
 * Times are epoch milliseconds so the same values work in workflows (deterministic clock) and activities.
 */

export type ChannelKind = 'shopify' | 'amazon' | 'mercadolibre';
export type ErpKind = 'odoo' | 'netsuite';

/** Quantities the ERP holds for one SKU at one ERP location, normalised across ERPs. */
export interface ErpQuantity {
  /** Physically present. */
  onHand: number;
  /** Reserved or committed to orders the ERP already knows. */
  reserved: number;
  /** Damaged, quarantined or otherwise not sellable. */
  damaged: number;
}

export interface ErpStockRow extends ErpQuantity {
  sku: string;
  location: string;
}

export interface ErpLocation {
  id: string;
  warehouse?: string | undefined;
  /** Only sellable locations may feed a channel (a quarantine or returns location is not). */
  sellable: boolean;
}

export interface KitComponent {
  sku: string;
  qty: number;
}

export interface KitDef {
  sku: string;
  components: KitComponent[];
}

/**
 * A unit sold on a channel that the ERP has not ingested yet. It lowers every channel that draws on any
 * of `erpLocations` (the ERP locations that can fulfil it) until the ERP shows the order or it is cancelled.
 */
export interface LedgerEntry {
  id: string;
  channel: string;
  orderId: string;
  sku: string;
  qty: number;
  erpLocations: string[];
  at: number;
}

/** Stock held for another programme (wholesale, B2B, marketing), invisible to every channel. */
export interface Reservation {
  id: string;
  program: string;
  sku: string;
  location: string;
  qty: number;
  until?: number | undefined;
}

/** An operator's manual quantity for one SKU on one channel (optionally one channel location). */
export interface Override {
  sku: string;
  channel: string;
  location?: string | undefined;
  qty: number;
  until?: number | undefined;
  reason?: string | undefined;
}

/** A stop on one SKU on one channel (optionally one location): the channel is sent 0 until resumed. */
export interface Halt {
  sku: string;
  channel: string;
  location?: string | undefined;
  reason: string;
  at?: number | undefined;
}

/** One observed sale, used for velocity. */
export interface Sale {
  sku: string;
  qty: number;
  at: number;
  channel?: string | undefined;
}
