/**
 * The sync engine's vocabulary: channel orders as every adapter normalises them, what the webhook ingress and the
 * poll hand to Temporal, the events a per-SKU workflow serialises, and the workflow ids the outside world relies on
 * (design section 4). Plain data, shared by workflows, activities, the ingress and the CLI.
 */
import type { LedgerEntry } from './model';

/** One line of a channel order, with the SKU as the channel shows it (links resolve it to the ERP SKU). */
export interface ChannelOrderLine {
  sku: string;
  qty: number;
}

export type ChannelOrderStatus = 'open' | 'cancelled' | 'returned';

/** A channel order as every adapter normalises it (webhook, re-fetch, poll). */
export interface ChannelOrder {
  channel: string;
  orderId: string;
  /**
   * The channel location that sells it (Shopify location gid, Amazon `DEFAULT`, Mercado Libre `selling_address`);
   * for marketplace-fulfilled orders `FBA` or `meli_facility`.
   */
  location: string;
  /** `marketplace`: Amazon FBA or Mercado Libre Full, the marketplace's stock (never held in the ledger). */
  fulfillment: 'merchant' | 'marketplace';
  status: ChannelOrderStatus;
  lines: ChannelOrderLine[];
  /** Epoch ms the channel created it. */
  at: number;
}

/** What a verified webhook (or the poll) says happened, before it is handed to Temporal. */
export type InboundEvent =
  | { type: 'order'; order: ChannelOrder }
  | {
      type: 'return';
      channel: string;
      orderId: string;
      /** Unique per return (Shopify refund id, Mercado Libre claim, Amazon return id, or `<orderId>-<n>`). */
      returnId: string;
      fulfillment: 'merchant' | 'marketplace';
      lines: ChannelOrderLine[];
    }
  /** A channel's count for one listing changed (a sale, a person, an API write: possibly our own push echoed). */
  | { type: 'level'; channel: string; sku: string; location: string; shows: number }
  /** Amazon FBA stock changed (read-only: reported, never pushed). */
  | { type: 'fba'; channel: string; sku: string; fulfillable: number }
  /** The ERP says these SKUs changed (ERP webhook forwarder or change feed). */
  | { type: 'erp'; skus: string[]; reason: string };

/**
 * Events a per-SKU workflow serialises. Every event has an id; the workflow remembers the ids it has applied (and
 * carries them through continue-as-new), so a duplicate changes nothing.
 */
export type SkuEvent =
  /**
   * A channel sold units of this SKU. `listed`: this SKU is the listing the shopper bought (the channel lowered its own
   * count by `qty` at `location`). `hold`: enter `qty` units into the pending-order ledger against `erpLocations`
   * (false for a kit: its components hold the units).
   */
  | {
      kind: 'order';
      id: string;
      channel: string;
      orderId: string;
      location: string;
      qty: number;
      listed: boolean;
      hold: boolean;
      erpLocations: string[];
      at: number;
    }
  /** The ERP shows the order (or it was cancelled): its ledger entries go; the ERP is re-read in the same step. */
  | {
      kind: 'release';
      id: string;
      channel: string;
      orderId: string;
      reason: 'erp' | 'cancelled' | 'skipped';
      /** The channel put the units back on its own count (a cancellation restocks the listing). */
      restock?: { location: string; qty: number } | undefined;
    }
  /** ERP stock may have changed: re-read it. */
  | { kind: 'erp'; id: string; reason: string }
  /** A channel reported its count; equal to what invsync pushed means our own echo (ignored). */
  | { kind: 'level'; id: string; channel: string; location: string; shows: number }
  /** For a kit: a component's ledger (or stock) changed. */
  | { kind: 'component'; id: string; component: string; ledger: LedgerEntry[] }
  /** Re-read everything and push every number. */
  | { kind: 'resync'; id: string; reason: string };

/** What the reconciliation read for one SKU, handed to its workflow to classify and correct. */
export interface ReconcileObservation {
  /** What each channel shows per location (read-only FBA/Full rows excluded). */
  shows: { channel: string; location: string; shows: number }[];
  /** ERP stock for this SKU (all declared locations), from the same bulk read. */
  stock: { location: string; onHand: number; reserved: number; damaged: number }[];
}

/** One SKU's drift as its workflow classified it. */
export interface SkuDriftRow {
  sku: string;
  channel: string;
  location: string;
  shown: number;
  expected: number;
  drift: number;
  class: 'in-tolerance' | 'resync' | 'halt';
  /** What was done: nothing, pushed, halted (and alerted), or why not (shadow, needs attention). */
  action: 'none' | 'resynced' | 'halted' | 'shadow' | 'blocked';
}

// ---- workflow ids (design section 4) --------------------------------------------------------------------------

export const skuWorkflowId = (sku: string): string => `sku:${sku}`;
export const orderWorkflowId = (channel: string, orderId: string): string => `order:${channel}:${orderId}`;
export const returnWorkflowId = (channel: string, returnId: string): string =>
  `return:${channel}:${returnId}`;
export const transferWorkflowId = (transferId: string): string => `transfer:${transferId}`;
export const reconcileWorkflowId = (at: number): string => `reconcile:${new Date(at).toISOString()}`;
export const POLL_WORKFLOW_ID = 'invsync-poll';
export const SCHEDULE_IDS = {
  reconcile: 'invsync-reconcile',
  poll: 'invsync-poll',
  nightly: 'invsync-nightly',
} as const;

/** The ERP reference of a channel order (`client_order_ref` in Odoo, `otherrefnum` in NetSuite). */
export const orderReference = (channel: string, orderId: string): string => `${channel}:${orderId}`;

/** Key of one channel location in per-SKU maps. */
export const slotKey = (channel: string, location: string): string => `${channel}|${location}`;
