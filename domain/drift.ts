/**
 * Drift = what a channel shows - what it should show. Small drift is tolerated, larger drift is resynced,
 * drift above the halt threshold stops that SKU on that channel until an operator looks (design rule 4).
 */

export interface DriftThresholds {
  /** |drift| at or below this many units is tolerated. */
  toleranceUnits: number;
  /** |drift| at or below this percent of the expected quantity is tolerated. */
  tolerancePercent: number;
  /** Halt when |drift| reaches this many units ... (0: any number of units) */
  haltUnits: number;
  /** ... and this percent of max(expected, 1) (0: any percentage). Both 0: everything out of tolerance halts. */
  haltPercent: number;
}

export type DriftClass = 'in-tolerance' | 'resync' | 'halt';

export interface DriftInput {
  sku: string;
  channel: string;
  location: string;
  shown: number;
  expected: number;
}

export interface DriftRow extends DriftInput {
  drift: number;
  percent: number;
  class: DriftClass;
}

export function classifyDrift(
  shown: number,
  expected: number,
  t: DriftThresholds,
): { drift: number; percent: number; class: DriftClass } {
  const drift = shown - expected;
  const abs = Math.abs(drift);
  const percent = (abs / Math.max(expected, 1)) * 100;
  if (abs === 0 || abs <= t.toleranceUnits || (t.tolerancePercent > 0 && percent <= t.tolerancePercent))
    return { drift, percent, class: 'in-tolerance' };
  const unitsHit = t.haltUnits === 0 || abs >= t.haltUnits;
  const percentHit = t.haltPercent === 0 || percent >= t.haltPercent;
  return { drift, percent, class: unitsHit && percentHit ? 'halt' : 'resync' };
}

/** The drift report: every row classified, sorted by absolute drift (largest first), then by name. */
export function driftReport(rows: readonly DriftInput[], t: DriftThresholds): DriftRow[] {
  return rows.map((r) => ({ ...r, ...classifyDrift(r.shown, r.expected, t) })).sort(compareDrift);
}

/** The report's order: largest absolute drift first, then by SKU, channel and location. */
export function compareDrift(a: DriftOrderKey, b: DriftOrderKey): number {
  return (
    Math.abs(b.drift) - Math.abs(a.drift) ||
    a.sku.localeCompare(b.sku) ||
    a.channel.localeCompare(b.channel) ||
    a.location.localeCompare(b.location)
  );
}

type DriftOrderKey = Pick<DriftRow, 'drift' | 'sku' | 'channel' | 'location'>;

export interface DriftSummary {
  rows: number;
  inTolerance: number;
  resync: number;
  halt: number;
  driftUnits: number;
}

export function summariseDrift(rows: readonly Pick<DriftRow, 'class' | 'drift'>[]): DriftSummary {
  return {
    rows: rows.length,
    inTolerance: rows.filter((r) => r.class === 'in-tolerance').length,
    resync: rows.filter((r) => r.class === 'resync').length,
    halt: rows.filter((r) => r.class === 'halt').length,
    driftUnits: rows.reduce((s, r) => s + Math.abs(r.drift), 0),
  };
}
