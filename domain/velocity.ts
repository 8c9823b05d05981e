/** Velocity: units sold per day over a trailing window, and the tier it puts a SKU in. */
import type { Sale } from './model';

export type VelocityTier = 'slow' | 'medium' | 'fast';

/** Units/day over (now - windowMs, now]. Sales in the future (clock skew) are ignored. */
export function velocity(sales: readonly Pick<Sale, 'qty' | 'at'>[], now: number, windowMs: number): number {
  if (windowMs <= 0) return 0;
  let units = 0;
  for (const s of sales) if (s.at > now - windowMs && s.at <= now && s.qty > 0) units += s.qty;
  return units / (windowMs / 86_400_000);
}

/** The brief's tiers: under 10 units/day slow, 10 to 50 medium, over 50 fast. */
export function velocityTier(unitsPerDay: number): VelocityTier {
  if (unitsPerDay > 50) return 'fast';
  if (unitsPerDay >= 10) return 'medium';
  return 'slow';
}
