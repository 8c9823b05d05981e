/**
 * The adapter contracts. Every ERP sits behind ErpAdapter and every channel behind ChannelAdapter; activities,
 * `invsync audit` and `invsync snapshot` use only these. Adapters read and write through the vendor's real client
 * library (or fetch where no library fits), validate every response with zod, and throw only IntegrationError.
 *
 * Locations are named as the config names them: ERP locations by their full name (Odoo `complete_name` such as
 * `WH1/Stock`, NetSuite location name), channel locations by the channel's id (Shopify location gid, Amazon
 * `DEFAULT` for FBM, Mercado Libre `selling_address`). Adapters translate to vendor ids internally.
 */
import type { ErpKind, KitDef } from '../domain/model';
import type { ChannelKind } from '../domain/model';
import type { ChannelOrder } from '../domain/events';

export interface Page<T> {
  items: T[];
  /** Opaque cursor of the next page; undefined on the last page. */
  next?: string | undefined;
}

export interface ErpProductRef {
  sku: string;
  barcode?: string | undefined;
  /** The ERP's own id (Odoo product.product id, NetSuite item internal id). */
  id: string;
  name?: string | undefined;
  isKit?: boolean | undefined;
}

export interface ErpLocationRef {
  /** The name the config uses (e.g. `WH1/Stock`). */
  id: string;
  /** The ERP's own id. */
  erpId: string;
  warehouse?: string | undefined;
  /** Internal stock-holding location (Odoo usage internal; NetSuite active location). */
  internal: boolean;
}

/** One SKU at one ERP location, normalised (on hand - reserved - damaged is what can be sold). */
export interface ErpStock {
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  damaged: number;
}

export type OrderPresence = 'absent' | 'reserved' | 'shipped' | 'cancelled';

export interface ErpChanges {
  /** SKUs whose stock changed since the cursor (including quants that disappeared at zero). */
  skus: string[];
  /** Cursor to pass next time. */
  cursor: string;
}

export interface ErpWriteResult {
  /** False when the reference had already been applied: the write was not applied twice. */
  applied: boolean;
  /** The ERP's record id, when it has one. */
  id?: string | undefined;
}

export interface ErpAdapter {
  readonly kind: ErpKind;
  /** Credentials and permissions work; throws AUTH_FAILED / PERMISSION_DENIED with what to fix. */
  checkAccess(): Promise<void>;
  /** Every product, paged (SKU resolution, duplicates and blanks are judged by domain/links). */
  products(cursor?: string): Promise<Page<ErpProductRef>>;
  locations(): Promise<ErpLocationRef[]>;
  /** One SKU at the given ERP locations (by config name); locations with nothing are returned as zeros. */
  availability(sku: string, locations: readonly string[]): Promise<ErpStock[]>;
  /** All SKUs at the given locations, paged (bulk read for reconciliation and snapshots). */
  availabilityPage(locations: readonly string[], cursor?: string): Promise<Page<ErpStock>>;
  /** What changed since the cursor; with no cursor, starts now and returns no SKUs. */
  changesSince(cursor?: string): Promise<ErpChanges>;
  /** Whether the ERP shows a channel order, by its reference `<channelId>:<orderId>`. */
  orderPresence(reference: string): Promise<OrderPresence>;
  /** Adds `delta` on-hand units (negative removes); `reference` makes a retry a no-op. */
  adjust(a: {
    sku: string;
    location: string;
    delta: number;
    reference: string;
    reason?: string;
  }): Promise<ErpWriteResult>;
  /** Moves on-hand units between ERP locations; `reference` makes a retry a no-op. */
  transfer(t: {
    sku: string;
    qty: number;
    from: string;
    to: string;
    reference: string;
  }): Promise<ErpWriteResult>;
  /** Kit (BoM) definitions. */
  kits(): Promise<KitDef[]>;
}

/** What a channel shows for one SKU at one channel location. */
export interface ChannelLevel {
  sku: string;
  location: string;
  shows: number;
  /** Stock the marketplace holds (Amazon FBA, Mercado Libre Full): read and reported, never written. */
  readOnly?: 'fba' | 'full' | undefined;
  /** FBA details, when readOnly is 'fba'. */
  fba?:
    | { fulfillable: number; inbound: number; reserved: number; unfulfillable: number; researching: number }
    | undefined;
}

export interface ChannelPush {
  sku: string;
  location: string;
  /** The number to show. */
  qty: number;
  /**
   * What invsync believes the channel shows now (compare-and-set where the channel supports it). A channel that
   * shows something else has changed in a way invsync has not seen: the push is not applied, the outcome is
   * `stale` with what the channel really shows, and the caller recomputes.
   */
  expected?: number | undefined;
}

export type PushStatus = 'applied' | 'unchanged' | 'stale' | 'shadow';

export interface PushOutcome {
  sku: string;
  location: string;
  status: PushStatus;
  /** What the channel shows after the call (for `stale`: what it really shows, re-read). */
  shows?: number | undefined;
  /** Operational detail (e.g. what a shadow push would have sent). */
  message?: string | undefined;
}

export interface ChannelAdapter {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly mode: 'live' | 'shadow';
  /** Credentials and permissions work; throws AUTH_FAILED / PERMISSION_DENIED with what to fix. */
  checkAccess(): Promise<void>;
  /** What the channel shows for these SKUs (every location, including read-only FBA/Full stock). */
  levels(skus: readonly string[]): Promise<ChannelLevel[]>;
  /** Everything the channel lists, paged through the vendor's bulk read path (reconciliation, audit, snapshot). */
  readAll(cursor?: string): Promise<Page<ChannelLevel>>;
  /**
   * Writes quantities. Batches as the vendor allows (Shopify 250 lines; Amazon feed for many SKUs). The
   * idempotency key comes from the workflow and is reused on retries (Shopify `@idempotent`, Amazon feed/patch,
   * Mercado Libre x-version). Never writes read-only stock (WRITE_FORBIDDEN). In shadow mode writes nothing and
   * returns `shadow` outcomes saying what would have been sent.
   */
  push(pushes: readonly ChannelPush[], idempotencyKey: string): Promise<PushOutcome[]>;
  /**
   * One order by the channel's id, normalised (lines carry the channel's SKUs); undefined when the channel does not
   * know it. The ingress verifies Mercado Libre and Amazon notifications by re-fetching the order through this.
   */
  order(orderId: string): Promise<ChannelOrder | undefined>;
  /**
   * Orders created or changed (cancelled, returned) since the cursor, oldest first, for the poll that finds what a
   * lost webhook missed. With no cursor: starts now and returns no orders. The cursor overlaps a little (a few
   * seconds) so nothing at the boundary is missed; callers dedupe by order id and status.
   */
  ordersSince(cursor?: string): Promise<{ orders: ChannelOrder[]; cursor: string }>;
  /**
   * What the channel shows now for the listing a webhook names (the webhook ingress turns a listing notification
   * into `level` events with it; locations as the config names them, read-only stock flagged as in `levels`).
   * Shopify: `item` is an `inventory_levels/update` webhook's numeric inventory_item_id and `location` its
   * location_id -> that SKU's level at that location (nothing when the location is not mapped). Mercado Libre:
   * `item` is the item id of an `items` notification (e.g. MLM123) -> every SKU (variation) of that item at every
   * location, Full as readOnly. Empty when the channel does not know the listing or it has no SKU. Amazon has none:
   * its notifications carry the SKU and quantity.
   */
  levelsByRef?(ref: { item: string; location?: string | undefined }): Promise<ChannelLevel[]>;
  /**
   * Channel locations holding listings that the config does not map (for `invsync audit`), with how many SKUs
   * each. Channels whose locations are fixed (Amazon: DEFAULT and FBA) need not implement it.
   */
  unmappedLocations?(): Promise<{ location: string; skus: number }[]>;
}
