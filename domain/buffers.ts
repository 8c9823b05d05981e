/**
 * Safety buffers (design rule 5): units held back from a channel so that sales racing a sync cannot oversell.
 * The tier defaults come from the brief's sources; a tier's buffer is the larger of its units and its percent.
 */
import { velocityTier, type VelocityTier } from './velocity';

export interface TierBuffer {
  units: number;
  percent: number;
}

export const DEFAULT_VELOCITY_TIERS: Record<VelocityTier, TierBuffer> = {
  slow: { units: 3, percent: 5 },
  medium: { units: 8, percent: 8 },
  fast: { units: 15, percent: 10 },
};

/** A channel synced only hourly (feeds, polled channels) holds back at least this share. */
export const HOURLY_SYNC_MIN_PERCENT = 15;

export interface BufferPolicy {
  policy: 'tiered' | 'fixed' | 'percent' | 'none';
  units?: number | undefined;
  percent?: number | undefined;
  tiers: Record<VelocityTier, TierBuffer>;
}

export interface BufferResult {
  units: number;
  text: string;
}

/** The buffer for a channel whose pre-buffer quantity is `base`, for a SKU selling `unitsPerDay`. */
export function safetyBuffer(
  base: number,
  policy: BufferPolicy,
  unitsPerDay: number,
  cadence: 'realtime' | 'hourly',
): BufferResult {
  let fixedUnits = 0;
  let pct = 0;
  let label: string;
  switch (policy.policy) {
    case 'none':
      label = 'no buffer';
      break;
    case 'fixed':
      fixedUnits = policy.units ?? 0;
      label = `fixed ${fixedUnits} units`;
      break;
    case 'percent':
      pct = policy.percent ?? 0;
      label = `${pct}%`;
      break;
    case 'tiered': {
      const tier = velocityTier(unitsPerDay);
      const t = policy.tiers[tier];
      fixedUnits = t.units;
      pct = t.percent;
      label = `${tier} mover (${round1(unitsPerDay)}/day): ${t.units} units or ${t.percent}%`;
      break;
    }
  }
  if (cadence === 'hourly' && pct < HOURLY_SYNC_MIN_PERCENT) {
    pct = HOURLY_SYNC_MIN_PERCENT;
    label += `, hourly sync: at least ${HOURLY_SYNC_MIN_PERCENT}%`;
  }
  const b = Math.max(0, base);
  const byPercent = Math.ceil((b * pct) / 100 - 1e-9);
  const units = Math.max(fixedUnits, byPercent);
  return { units, text: `safety buffer (${label}) = ${units}` };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
