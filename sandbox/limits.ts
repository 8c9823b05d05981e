/** Token buckets and concurrency limits, as the real services apply them (per operation, per seller/app). */

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    /** Tokens restored per second. */
    readonly rate: number,
    /** Bucket size. */
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /** Takes `cost` tokens if available. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens + 1e-9 < cost) return false;
    this.tokens -= cost;
    return true;
  }

  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Milliseconds until `cost` tokens are available. */
  waitMs(cost = 1): number {
    this.refill();
    return this.tokens >= cost ? 0 : Math.ceil(((cost - this.tokens) / this.rate) * 1000);
  }
}

/** A keyed set of buckets (e.g. one per Amazon operation). */
export class Buckets {
  private buckets = new Map<string, TokenBucket>();
  constructor(private readonly now: () => number = Date.now) {}
  get(key: string, rate: number, burst: number): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(rate, burst, this.now)));
    return b;
  }
  clear(): void {
    this.buckets.clear();
  }
}

/** Concurrent-request limit (NetSuite's account concurrency). */
export class Concurrency {
  private inFlight = 0;
  constructor(public limit: number) {}
  tryEnter(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight += 1;
    return true;
  }
  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }
}
