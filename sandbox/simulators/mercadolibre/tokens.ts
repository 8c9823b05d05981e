/**
 * OAuth state per channel: single-use refresh tokens and expiring access tokens.
 *
 * Refresh tokens rotate on every use and the previous one stops working (Mercado Libre's rule; two workers that
 * refresh concurrently log the app out). Rotated tokens are derived from the sandbox secret and carry their
 * generation, so a restarted sandbox still honours the newest token a connector persisted (any generation at or
 * above the current one) while rejecting every older one. A world reset does not touch this state: a seller's
 * authorisation outlives a change of catalogue, as it does on the real platform.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Credentials } from '../../context';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

interface AccessGrant {
  channel: string;
  expiresAt: number;
}

const ROTATED = /^TG-([0-9a-f]{8})[0-9a-f]{16}-\d+$/;

export class TokenStore {
  /** Channel -> generation of its only valid refresh token (0 = the one in the credentials). */
  private generation = new Map<string, number>();
  private access = new Map<string, AccessGrant>();

  constructor(
    private readonly credentials: Credentials,
    private readonly now: () => number,
    /** Access token lifetime in seconds (Mercado Libre: 6 hours). */
    readonly ttlSec: number,
  ) {}

  private refreshToken(channelId: string, generation: number): string {
    const c = this.credentials.mercadolibre(channelId);
    if (generation === 0) return c.refreshToken;
    const mac = createHmac('sha256', this.credentials.secret)
      .update(`meli-refresh:${channelId}:${generation}`)
      .digest('hex')
      .slice(0, 16);
    return `TG-${generation.toString(16).padStart(8, '0')}${mac}-${c.userId}`;
  }

  /** The generation this sandbox issued `token` at for the channel, or undefined if it never did. */
  private generationOf(channelId: string, token: string): number | undefined {
    const claimed = token === this.credentials.mercadolibre(channelId).refreshToken ? 0 : this.claimed(token);
    if (claimed === undefined) return undefined;
    const expected = Buffer.from(this.refreshToken(channelId, claimed));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given) ? claimed : undefined;
  }

  private claimed(token: string): number | undefined {
    const m = ROTATED.exec(token);
    const g = m?.[1] === undefined ? NaN : parseInt(m[1], 16);
    return g >= 1 ? g : undefined;
  }

  /** Spends a refresh token: a new access token and the next refresh token, or undefined (invalid_grant). */
  rotate(channelId: string, presented: string): IssuedTokens | undefined {
    const current = this.generation.get(channelId) ?? 0;
    const g = this.generationOf(channelId, presented);
    if (g === undefined || g < current) return undefined;
    this.generation.set(channelId, g + 1);
    return {
      accessToken: this.issue(channelId),
      refreshToken: this.refreshToken(channelId, g + 1),
      expiresIn: this.ttlSec,
    };
  }

  /** `APP_USR-<client id>-<MMddHH>-<hash>-<user id>`, the documented layout. */
  private issue(channelId: string): string {
    const c = this.credentials.mercadolibre(channelId);
    const t = this.now();
    const d = new Date(t);
    const stamp = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours()]
      .map((n) => String(n).padStart(2, '0'))
      .join('');
    const token = `APP_USR-${c.clientId}-${stamp}-${randomBytes(16).toString('hex')}-${c.userId}`;
    this.sweep(t);
    this.access.set(token, { channel: channelId, expiresAt: t + this.ttlSec * 1000 });
    return token;
  }

  /** The channel a live access token belongs to; expired and unknown tokens resolve to nothing. */
  resolve(token: string): string | undefined {
    const grant = this.access.get(token);
    if (!grant) return undefined;
    if (grant.expiresAt <= this.now()) {
      this.access.delete(token);
      return undefined;
    }
    return grant.channel;
  }

  /** Test hook: the token expires now. */
  expire(token: string): boolean {
    const grant = this.access.get(token);
    if (grant) grant.expiresAt = this.now();
    return grant !== undefined;
  }

  /** Test hook: every access token of the channel expires now; returns how many were live. */
  expireChannel(channelId: string): number {
    let n = 0;
    for (const grant of this.access.values())
      if (grant.channel === channelId && grant.expiresAt > this.now()) {
        grant.expiresAt = this.now();
        n += 1;
      }
    return n;
  }

  /** Keeps the map bounded over long market runs: expired grants are forgotten. */
  private sweep(t: number): void {
    if (this.access.size < 1000) return;
    for (const [token, grant] of this.access) if (grant.expiresAt <= t) this.access.delete(token);
  }
}
