/**
 * The plan: for a snapshot of the ERP and the channels, what every channel location should show for every
 * SKU, why, and what stands in the way (unlinked, duplicate or blank SKUs, unmapped locations).
 */
import { allocateKit, allocateSku, isActive, type Allocation, type BreakdownLine } from './atp';
import { buildCatalog, ERP_NAME, type LinkRules } from './links';
import { fbaSellable } from './quantities';
import { velocity } from './velocity';
import type { ErpQuantity, KitDef, LedgerEntry } from './model';
import type { AllocationPolicy } from './policy';
import type { Snapshot } from './snapshot';

export type PlanStatus = 'live' | 'shadow' | 'halted' | 'override' | 'read-only' | 'refused';

export interface PlanRow {
  sku: string;
  channel: string;
  location: string;
  /** What the channel should show (for read-only rows: what is sellable there). */
  qty: number;
  /** What the channel shows now, when the snapshot says. */
  shows?: number;
  /** shows - qty, when both are known. */
  drift?: number;
  status: PlanStatus;
  lines: BreakdownLine[];
  /**
   * The most the channel location can be served: ERP available at its locations after the pending-order ledger and
   * other channels' reserves. A channel showing more than this can oversell; showing less is the buffer at work.
   */
  cap?: number;
}

export type PlanProblemKind =
  | 'blank-sku'
  | 'duplicate-sku'
  | 'unlinked-sku'
  | 'unmapped-location'
  | 'undeclared-erp-location'
  | 'unused-erp-location'
  | 'unknown-channel';

export interface PlanProblem {
  kind: PlanProblemKind;
  /** Blocking problems stop pushes for what they name; the others are warnings. */
  blocking: boolean;
  sku?: string;
  channel?: string;
  location?: string;
  message: string;
}

export interface PlanOptions {
  now: number;
  velocityWindowMs: number;
  links: LinkRules;
  /** Config-level programme reservations, added to the snapshot's. */
  reservations?: readonly {
    program: string;
    sku: string;
    location: string;
    qty: number;
    until?: number | undefined;
  }[];
  /** Only these SKUs (pilot allowlist or `--sku`). */
  skus?: readonly string[];
}

export interface Plan {
  rows: PlanRow[];
  problems: PlanProblem[];
}

const CHANNEL_NAME: Record<string, string> = {
  shopify: 'Shopify',
  amazon: 'Amazon',
  mercadolibre: 'Mercado Libre',
};

export function plan(policy: AllocationPolicy, snap: Snapshot, opts: PlanOptions): Plan {
  const { now } = opts;
  const erpName = ERP_NAME[snap.erp.kind];
  const catalog = buildCatalog(snap.erp.kind, snap.erp.products, opts.links);
  const problems: PlanProblem[] = catalog.problems.map((p) => ({ ...p, blocking: true }));
  const wanted = opts.skus ? new Set(opts.skus) : undefined;

  // Kits: declared in config, plus BoMs from the ERP snapshot (config wins on conflict).
  const kits = new Map<string, KitDef>();
  const source = policy.kitSource ?? 'both';
  if (source !== 'declared') for (const k of snap.erp.kits) kits.set(k.sku, k);
  if (source !== 'erp') for (const k of policy.kits) kits.set(k.sku, k);

  // ERP stock by SKU and location; locations the config does not declare are reported, never sold.
  const declared = new Set(policy.erpLocations.map((l) => l.id));
  const stock = new Map<string, Record<string, ErpQuantity>>();
  const undeclared = new Set<string>();
  for (const r of snap.erp.stock) {
    if (!declared.has(r.location)) {
      if (r.onHand > 0) undeclared.add(r.location);
      continue;
    }
    const bySku = stock.get(r.sku) ?? {};
    const prev = bySku[r.location];
    bySku[r.location] = prev
      ? {
          onHand: prev.onHand + r.onHand,
          reserved: prev.reserved + r.reserved,
          damaged: prev.damaged + r.damaged,
        }
      : { onHand: r.onHand, reserved: r.reserved, damaged: r.damaged };
    stock.set(r.sku, bySku);
  }
  for (const loc of undeclared)
    problems.push({
      kind: 'undeclared-erp-location',
      blocking: false,
      location: loc,
      message: `${erpName} location ${loc} holds stock but is not declared in erp.locations: it is not offered on any channel`,
    });
  const mapped = new Set(policy.channels.flatMap((c) => c.locations.flatMap((l) => l.erpLocations)));
  for (const l of policy.erpLocations)
    if (l.sellable && !mapped.has(l.id))
      problems.push({
        kind: 'unused-erp-location',
        blocking: false,
        location: l.id,
        message: `${erpName} location ${l.id} is not mapped to any channel location: its stock is not offered anywhere`,
      });

  // The pending-order ledger, with kit sales exploded into their components.
  const ledger: LedgerEntry[] = [];
  snap.ledger.forEach((e, i) => {
    const entry = {
      id: e.id ?? `${e.channel}:${e.orderId}:${i}`,
      channel: e.channel,
      orderId: e.orderId,
      sku: e.sku,
      qty: e.qty,
      erpLocations: e.erpLocations,
      at: e.at ?? now,
    };
    const k = kits.get(e.sku);
    if (k)
      for (const c of k.components)
        ledger.push({ ...entry, id: `${entry.id}/${c.sku}`, sku: c.sku, qty: e.qty * c.qty });
    else ledger.push(entry);
  });
  const reservations = [
    ...snap.reservations.map((r, i) => ({ ...r, id: r.id ?? `snapshot-${i}` })),
    ...(opts.reservations ?? []).map((r, i) => ({ ...r, id: `config-${i}` })),
  ];

  // Velocity counts a component's sales inside kits too (a 3-pack sold moves 3 shirts).
  const salesOf = (sku: string) =>
    snap.sales.flatMap((s) => {
      if (s.sku === sku) return [s];
      const q = kits.get(s.sku)?.components.find((c) => c.sku === sku)?.qty;
      return q ? [{ ...s, sku, qty: s.qty * q }] : [];
    });

  // Allocate stock-holding SKUs, then kits from their components.
  const allocations = new Map<string, Allocation[]>();
  const componentSkus = new Set([...kits.values()].flatMap((k) => k.components.map((c) => c.sku)));
  const stockSkus = [...catalog.skus].filter((s) => !kits.has(s));
  for (const sku of stockSkus) {
    if (wanted && !wanted.has(sku) && !componentSkus.has(sku)) continue;
    allocations.set(
      sku,
      allocateSku(
        {
          sku,
          stock: stock.get(sku) ?? {},
          ledger: ledger.filter((e) => e.sku === sku),
          reservations: reservations.filter((r) => r.sku === sku && isActive(r.until, now)),
          overrides: snap.overrides.filter((o) => o.sku === sku),
          halts: snap.halts.filter((h) => h.sku === sku),
          unitsPerDay: velocity(salesOf(sku), now, opts.velocityWindowMs),
        },
        policy,
        now,
      ),
    );
  }
  for (const k of kits.values()) {
    if (catalog.duplicates.has(k.sku)) continue;
    allocations.set(
      k.sku,
      allocateKit(
        {
          kit: k,
          components: allocations,
          overrides: snap.overrides.filter((o) => o.sku === k.sku),
          halts: snap.halts.filter((h) => h.sku === k.sku),
        },
        policy,
        now,
      ),
    );
  }

  const rows: PlanRow[] = [];
  const refuse = (sku: string, channel: string, location: string, shows: number | undefined, text: string) =>
    rows.push({
      sku,
      channel,
      location,
      qty: 0,
      ...(shows !== undefined ? { shows } : {}),
      status: 'refused',
      lines: [{ text, delta: 0, value: 0 }],
    });

  for (const ch of policy.channels) {
    const chName = CHANNEL_NAME[ch.kind] ?? ch.kind;
    const snapCh = snap.channels[ch.id];
    const locIds = new Set(ch.locations.map((l) => l.id));

    if (snapCh) {
      for (const l of snapCh.listings) {
        // Read-only stock: Amazon FBA and Mercado Libre Full are the marketplace's, never pushed.
        if (l.fulfillment === 'FBA' || l.full) continue;
        const location = l.location ?? (ch.kind === 'amazon' ? 'DEFAULT' : '');
        const sku = catalog.resolve(ch.id, l.sku);
        const target = sku ?? l.sku;
        if (wanted && !wanted.has(target)) continue;
        if (!locIds.has(location)) {
          const problem = `${chName} location ${location || '(none)'} is not mapped to any ${erpName} location`;
          if (
            !problems.some(
              (p) => p.kind === 'unmapped-location' && p.channel === ch.id && p.location === location,
            )
          )
            problems.push({
              kind: 'unmapped-location',
              blocking: true,
              channel: ch.id,
              location,
              message: `${problem}: map it in channels[].locations or remove the listing`,
            });
          refuse(target, ch.id, location, l.shows, `${problem}; nothing is pushed`);
          continue;
        }
        if (sku === undefined || catalog.duplicates.has(sku)) {
          if (sku !== undefined)
            refuse(
              sku,
              ch.id,
              location,
              l.shows,
              `SKU ${sku} is carried by more than one ${erpName} product; nothing is pushed`,
            );
          else {
            problems.push({
              kind: 'unlinked-sku',
              blocking: true,
              sku: l.sku,
              channel: ch.id,
              message: `SKU ${l.sku} is listed on ${chName} (${ch.id}) but has no linked ${erpName} product: link it (skuLinks.overrides) or fix the SKU`,
            });
            refuse(
              l.sku,
              ch.id,
              location,
              l.shows,
              `SKU ${l.sku} has no linked ${erpName} product; nothing is pushed`,
            );
          }
          continue;
        }
        const a = allocations.get(sku)?.find((x) => x.channel === ch.id && x.location === location);
        if (a) rows.push(toRow(a, l.shows));
        else refuse(sku, ch.id, location, l.shows, `SKU ${sku} could not be allocated; nothing is pushed`);
      }
      for (const f of snapCh.fba) {
        const sku = catalog.resolve(ch.id, f.sku) ?? f.sku;
        if (wanted && !wanted.has(sku)) continue;
        const s = fbaSellable({
          fulfillableQuantity: f.fulfillable,
          inboundWorkingQuantity: f.inboundWorking,
          inboundShippedQuantity: f.inboundShipped,
          inboundReceivingQuantity: f.inboundReceiving,
          reservedQuantity: { totalReservedQuantity: f.reserved },
          unfulfillableQuantity: { totalUnfulfillableQuantity: f.unfulfillable },
          researchingQuantity: { totalResearchingQuantity: f.researching },
        });
        rows.push({
          sku,
          channel: ch.id,
          location: 'FBA',
          qty: s.sellable,
          shows: s.sellable,
          drift: 0,
          status: 'read-only',
          lines: [
            { text: `FBA fulfillable (the only sellable figure)`, delta: s.sellable, value: s.sellable },
            {
              text: `not sellable: inbound ${s.inbound}, reserved ${s.reserved}, unfulfillable ${s.unfulfillable}, researching ${s.researching} (total ${s.total})`,
              delta: 0,
              value: s.sellable,
            },
            { text: `FBA stock is Amazon's: read and reported, never pushed`, delta: 0, value: s.sellable },
          ],
        });
      }
      for (const l of snapCh.listings.filter((x) => x.full)) {
        const sku = catalog.resolve(ch.id, l.sku) ?? l.sku;
        if (wanted && !wanted.has(sku)) continue;
        rows.push({
          sku,
          channel: ch.id,
          location: 'meli_facility',
          qty: l.shows,
          shows: l.shows,
          drift: 0,
          status: 'read-only',
          lines: [
            {
              text: `Mercado Libre Full stock is Mercado Libre's: read and reported, never written`,
              delta: l.shows,
              value: l.shows,
            },
          ],
        });
      }
    } else {
      // No channel read in the snapshot: show what every SKU should be given.
      for (const [sku, list] of allocations) {
        if (wanted && !wanted.has(sku)) continue;
        for (const a of list) if (a.channel === ch.id) rows.push(toRow(a, undefined));
      }
    }
  }
  for (const id of Object.keys(snap.channels))
    if (!policy.channels.some((c) => c.id === id))
      problems.push({
        kind: 'unknown-channel',
        blocking: false,
        channel: id,
        message: `the snapshot has channel ${id}, which the config does not define`,
      });

  rows.sort((a, b) => cmp(a.sku, b.sku) || cmp(a.channel, b.channel) || cmp(a.location, b.location));
  return { rows, problems };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toRow(a: Allocation, shows: number | undefined): PlanRow {
  // Shadow first: a shadow channel is never written, halted or not.
  const status: PlanStatus =
    a.mode === 'shadow'
      ? 'shadow'
      : a.status === 'halted'
        ? 'halted'
        : a.status === 'override'
          ? 'override'
          : 'live';
  return {
    sku: a.sku,
    channel: a.channel,
    location: a.location,
    qty: a.qty,
    ...(shows !== undefined ? { shows, drift: shows - a.qty } : {}),
    status,
    lines: a.lines,
    cap: a.cap,
  };
}

/** Rows whose number invsync writes to the channel (live mode, including overrides and halts). */
export function isWritten(r: PlanRow): boolean {
  return r.status === 'live' || r.status === 'override' || r.status === 'halted';
}

/** Written rows where the channel does not already show the number (or we do not know what it shows). */
export function needsPush(r: PlanRow): boolean {
  return isWritten(r) && r.drift !== 0;
}
