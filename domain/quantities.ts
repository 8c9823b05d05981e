/**
 * Normalisers from each system's own quantity fields to {@link ErpQuantity} / sellable units.
 * These encode the traps of design rule 2: every system has a "total" that must never be sold.
 */
import type { ErpQuantity } from './model';

const whole = (n: number): number => (Number.isFinite(n) ? Math.trunc(n) : 0);

/** Units the ERP says can be sold at one location: on hand - reserved - damaged, never negative. */
export function erpAvailable(q: ErpQuantity): number {
  return Math.max(0, whole(q.onHand) - Math.max(0, whole(q.reserved)) - Math.max(0, whole(q.damaged)));
}

/** An Odoo `stock.quant` of an internal location: `quantity` and `reserved_quantity`. */
export interface OdooQuant {
  quantity: number;
  reserved_quantity: number;
  /** `stock.location.usage`; only `internal` locations hold sellable stock. */
  usage?: string;
}

/** Odoo: quantity - reserved_quantity of internal quants. Non-internal quants (transit, customer, ...) are ignored. */
export function fromOdooQuants(quants: OdooQuant[]): ErpQuantity {
  let onHand = 0;
  let reserved = 0;
  for (const q of quants) {
    if (q.usage !== undefined && q.usage !== 'internal') continue;
    onHand += whole(q.quantity);
    reserved += whole(q.reserved_quantity);
  }
  return { onHand, reserved, damaged: 0 };
}

/** A NetSuite `inventoryitemlocations` row (SuiteQL returns numbers as strings and omits nulls). */
export interface NetSuiteLocationRow {
  quantityonhand?: number | string | null;
  quantityavailable?: number | string | null;
  quantitycommitted?: number | string | null;
}

const num = (v: number | string | null | undefined): number => {
  if (v === null || v === undefined || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? whole(n) : 0;
};

/**
 * NetSuite: `quantityavailable` is what can be sold, never `quantityonhand`. Whatever on hand holds beyond
 * committed + available (backordered netting, unavailable bins/statuses) is kept as `damaged` so that
 * {@link erpAvailable} returns exactly `quantityavailable`.
 */
export function fromNetSuiteRow(row: NetSuiteLocationRow): ErpQuantity {
  const available = Math.max(0, num(row.quantityavailable));
  const committedRaw = Math.max(0, num(row.quantitycommitted));
  // SuiteQL omits nulls: without on hand, what is available and committed is on hand. Available is the truth.
  const onHand = Math.max(
    row.quantityonhand === undefined || row.quantityonhand === null
      ? available + committedRaw
      : num(row.quantityonhand),
    available,
  );
  const committed = Math.min(committedRaw, onHand - available);
  const damaged = Math.max(0, onHand - committed - available);
  return { onHand, reserved: committed, damaged };
}

/** Amazon FBA `inventoryDetails` (FBA Inventory API v1) as far as sellability goes. */
export interface FbaInventoryDetails {
  fulfillableQuantity?: number;
  inboundWorkingQuantity?: number;
  inboundShippedQuantity?: number;
  inboundReceivingQuantity?: number;
  reservedQuantity?: { totalReservedQuantity?: number };
  researchingQuantity?: { totalResearchingQuantity?: number };
  unfulfillableQuantity?: { totalUnfulfillableQuantity?: number };
}

export interface FbaSellable {
  /** The only sellable figure: fulfillable. */
  sellable: number;
  /** Everything Amazon reports, for the explanation. */
  total: number;
  inbound: number;
  reserved: number;
  unfulfillable: number;
  researching: number;
}

/** Amazon FBA: only fulfillableQuantity is sellable; never the total, inbound, reserved, researching or unfulfillable. */
export function fbaSellable(d: FbaInventoryDetails): FbaSellable {
  const sellable = Math.max(0, whole(d.fulfillableQuantity ?? 0));
  const inbound =
    whole(d.inboundWorkingQuantity ?? 0) +
    whole(d.inboundShippedQuantity ?? 0) +
    whole(d.inboundReceivingQuantity ?? 0);
  const reserved = whole(d.reservedQuantity?.totalReservedQuantity ?? 0);
  const unfulfillable = whole(d.unfulfillableQuantity?.totalUnfulfillableQuantity ?? 0);
  const researching = whole(d.researchingQuantity?.totalResearchingQuantity ?? 0);
  return {
    sellable,
    total: sellable + inbound + reserved + unfulfillable + researching,
    inbound,
    reserved,
    unfulfillable,
    researching,
  };
}
