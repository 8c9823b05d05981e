/**
 * Delivery dedupe: an in-memory LRU with a TTL, keyed by `<source>:<channel>:<delivery id>`. A delivery id is
 * remembered only once its events were handed to Temporal, so a delivery answered 503 is processed again when the
 * sender retries it. Two copies arriving at once: the second waits for the first and is a duplicate if the first
 * succeeded. Losing this memory (a restart) is safe: the engine dedupes again by workflow id and event id.
 */

export interface DedupeOptions {
  /** Entries kept at most (oldest evicted first). */
  max: number;
  /** How long a delivery id is remembered (ms): longer than the senders' retry windows. */
  ttlMs: number;
  now?: () => number;
}

export const DEFAULT_DEDUPE: DedupeOptions = { max: 50_000, ttlMs: 6 * 3_600_000 };

export class DeliveryDedupe {
  private readonly seen = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly now: () => number;

  constructor(private readonly opts: DedupeOptions = DEFAULT_DEDUPE) {
    this.now = opts.now ?? Date.now;
  }

  /** True when the delivery was already handed over within the TTL. */
  has(key: string): boolean {
    const at = this.seen.get(key);
    if (at === undefined) return false;
    if (this.now() - at > this.opts.ttlMs) {
      this.seen.delete(key);
      return false;
    }
    return true;
  }

  private remember(key: string): void {
    this.seen.delete(key);
    this.seen.set(key, this.now());
    while (this.seen.size > this.opts.max) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
  }

  /**
   * Runs `work` once per key. Resolves `{duplicate: true}` without running it when the key was handed over before
   * (or a concurrent copy succeeds first). `work` returns whether the delivery counts as handed over (true: remember
   * it); a throw is not remembered and propagates.
   */
  async once<T>(
    key: string,
    work: () => Promise<{ remember: boolean; value: T }>,
  ): Promise<{ duplicate: true } | { duplicate: false; value: T }> {
    for (;;) {
      if (this.has(key)) return { duplicate: true };
      const running = this.inFlight.get(key);
      if (!running) break;
      // Another copy is being processed: wait for it, then look again.
      await running.catch(() => false);
    }
    let settle: (ok: boolean) => void = () => undefined;
    const marker = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    this.inFlight.set(key, marker);
    try {
      const r = await work();
      if (r.remember) this.remember(key);
      settle(r.remember);
      return { duplicate: false, value: r.value };
    } catch (err) {
      settle(false);
      throw err;
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
