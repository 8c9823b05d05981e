/**
 * Mercado Libre OAuth with single-use refresh tokens. Every refresh spends the refresh token and hands out a new one;
 * presenting a spent token answers `invalid_grant`, and two workers refreshing with the same token log the app out.
 * So:
 * - the tokens live in the shared TokenStore under `mercadolibre:<channelId>` (`{accessToken, expiresAt,
 *   refreshToken}`); the config's refresh token is used only while the store has none;
 * - a refresh runs under the store's lock and, once inside, re-reads the store: if another worker refreshed while
 *   this one waited, its access token is used and the old refresh token is not spent;
 * - the new refresh token is persisted before the new access token is used, so a crash right after a refresh can
 *   never lose the only valid refresh token.
 */
import { IntegrationError } from '../errors';
import type { StoredToken, TokenStore } from '../token-store';
import { fromResponse, parseErrorBody, refreshRefused, SYSTEM, type MlContext } from './errors';
import { tokenAnswer } from './schemas';
import { exchange, parse } from './wire';

/** An access token this close to its expiry is refreshed before use rather than sent to fail with a 401. */
const EXPIRY_MARGIN_MS = 60_000;

export interface AuthOptions {
  channel: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The refresh token of the config: the first one, used only while the store holds none. */
  refreshToken: string;
  tokens: TokenStore;
  fetch: typeof fetch;
  now: () => number;
}

export class MlAuth {
  readonly key: string;

  constructor(private readonly o: AuthOptions) {
    this.key = `mercadolibre:${o.channel}`;
  }

  private live(t: StoredToken | undefined): t is StoredToken & { accessToken: string } {
    return (
      typeof t?.accessToken === 'string' &&
      typeof t.expiresAt === 'number' &&
      t.expiresAt - EXPIRY_MARGIN_MS > this.o.now()
    );
  }

  /** The access token to call with: the stored one while it lives, else a refreshed one. */
  async accessToken(): Promise<string> {
    const t = await this.o.tokens.get(this.key);
    return this.live(t) ? t.accessToken : this.refresh(t?.accessToken);
  }

  /**
   * A new access token. `rejected` is the one that just failed (a 401) or expired: if the store already holds a
   * different live token, another worker refreshed first and that token is used instead of spending ours.
   */
  refresh(rejected: string | undefined): Promise<string> {
    return this.o.tokens.withLock(this.key, async () => {
      const t = await this.o.tokens.get(this.key);
      if (this.live(t) && t.accessToken !== rejected) return t.accessToken;
      const issued = await this.grant(t?.refreshToken ?? this.o.refreshToken);
      await this.o.tokens.set(this.key, {
        ...t,
        accessToken: issued.access_token,
        expiresAt: this.o.now() + issued.expires_in * 1000,
        refreshToken: issued.refresh_token,
      });
      return issued.access_token;
    });
  }

  private async grant(refreshToken: string) {
    const c: MlContext = { channel: this.o.channel, operation: 'POST /oauth/token' };
    const res = await exchange(
      this.o.fetch,
      `${this.o.baseUrl}/oauth/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: this.o.clientId,
          client_secret: this.o.clientSecret,
          refresh_token: refreshToken,
        }).toString(),
      },
      c,
    );
    if (res.status === 200) return parse(tokenAnswer, res.json, c);
    const error = parseErrorBody(res)?.error;
    // Spent, revoked or expired (refresh tokens lapse after 6 months unused): only a new authorisation helps.
    if (error === 'invalid_grant') throw refreshRefused(c, error);
    if (error === 'invalid_client' || error === 'unauthorized_client' || error === 'unauthorized_application')
      throw new IntegrationError({
        system: SYSTEM,
        ...c,
        code: 'AUTH_FAILED',
        status: res.status,
        vendorCode: error,
        message: `Mercado Libre refused the app credentials for channel ${c.channel} (${error}): check clientId and clientSecret in the config`,
      });
    throw fromResponse(res.status, res, res.headers, c);
  }
}
