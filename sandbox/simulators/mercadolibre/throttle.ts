/**
 * Production rate limits, one set of token buckets per channel (seller), applied only when the faults say
 * `rateLimits: 'production'`.
 *
 * Two limiters, two 429 shapes (apis.md: "simulator should emit both"):
 * - the edge proxy in front of every endpoint (OAuth included): 1500 requests per minute per seller by default,
 *   answered with the plain text `local_rate_limited` because the request never reaches the API;
 * - the API's own limit on the user-products stock resource (documented at 100 RPM), answered with the JSON
 *   `{"message":"Too Many Requests","error":"too_many_requests","status":429,"cause":[]}`.
 * Mercado Libre does not publish a global number; 1500 RPM is the figure integrators commonly plan for.
 * Each bucket holds one minute's worth and refills continuously.
 */
import { Buckets } from '../../limits';

export interface MlLimits {
  edgePerMinute: number;
  userProductsPerMinute: number;
}

export const PRODUCTION_LIMITS: MlLimits = { edgePerMinute: 1500, userProductsPerMinute: 100 };

export type Limited = 'edge' | 'api';

export class Throttle {
  private buckets: Buckets;

  constructor(
    now: () => number,
    private readonly limits: MlLimits,
  ) {
    this.buckets = new Buckets(now);
  }

  /** Which limiter refuses the call, if any. The edge runs first: a call it refuses costs the API nothing. */
  check(seller: string, resource: 'user-products' | undefined): Limited | undefined {
    const edge = this.limits.edgePerMinute;
    if (!this.buckets.get(`edge:${seller}`, edge / 60, edge).take()) return 'edge';
    if (resource === 'user-products') {
      const up = this.limits.userProductsPerMinute;
      if (!this.buckets.get(`up:${seller}`, up / 60, up).take()) return 'api';
    }
    return undefined;
  }
}
