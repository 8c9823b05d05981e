/**
 * Shopify's calculated-cost leaky bucket, as the adapter sees it (apis.md §3.2). Every Admin GraphQL answer
 * reports `extensions.cost.throttleStatus` (bucket size, points left, restore rate per second). The adapter keeps
 * the last one it saw and, before the next request, estimates what has been restored since: a request whose cost
 * would exceed that estimate is refused here with the time to wait, rather than spending a call that Shopify would
 * answer THROTTLED anyway. Temporal owns the retry; this only supplies the delay.
 */

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Milliseconds until `cost` points are available, given what was available and the restore rate. */
export function restoreDelayMs(cost: number, available: number, restoreRate: number): number {
  const missing = cost - available;
  if (missing <= 0) return 0;
  if (!(restoreRate > 0)) return 1000;
  return Math.max(1, Math.ceil((missing / restoreRate) * 1000));
}

export class ThrottleBudget {
  private last: { status: ThrottleStatus; at: number } | undefined;

  constructor(private readonly now: () => number) {}

  record(status: ThrottleStatus): void {
    this.last = { status, at: this.now() };
  }

  /** The last reported status, restored to now; undefined before the first answer. */
  estimate(): ThrottleStatus | undefined {
    if (!this.last) return undefined;
    const { status, at } = this.last;
    const restored = ((this.now() - at) / 1000) * status.restoreRate;
    return {
      ...status,
      currentlyAvailable: Math.min(status.maximumAvailable, status.currentlyAvailable + restored),
    };
  }

  /** How long to wait before a request of `cost` points fits the budget (0: send it now, or nothing is known yet). */
  waitFor(cost: number): number {
    const s = this.estimate();
    return s ? restoreDelayMs(cost, s.currentlyAvailable, s.restoreRate) : 0;
  }
}
