/**
 * Login with Amazon access tokens for one channel. The token is cached in `deps.tokens` under `amazon:<channelId>`
 * with its `expiresAt`, so every worker and every adapter instance of the channel share it, and it is refreshed 60 s
 * before it expires, under the store's lock so that concurrent callers refresh once. The refresh token itself stays
 * in the config: Amazon's refresh tokens are long-lived and not rotated (unlike Mercado Libre's).
 *
 * `@sp-api-sdk/auth` posts to a hard-coded https://api.amazon.com/auth/ (apis.md finding 0.5), so the token request is
 * made here, to `credentials.lwaEndpoint` when the config overrides it (sandbox, proxies), and the SDK clients get a
 * `SellingPartnerApiAuth` subclass that asks this class for the token.
 */
import { SellingPartnerApiAuth } from '@sp-api-sdk/auth';
import { z } from 'zod';
import type { AdapterDeps } from '../deps';
import { fromHttpStatus, fromNetworkError, IntegrationError } from '../errors';
import type { StoredToken } from '../token-store';
import type { AmazonChannelConfig } from './config';
import { parseBody, SYSTEM } from './errors';

export const LWA_ENDPOINT = 'https://api.amazon.com/auth/o2/token';
/** Refresh this long before Amazon's clock runs out, so a token never expires in flight. */
export const REFRESH_MARGIN_MS = 60_000;
const OPERATION = 'LWA token refresh';

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
});
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

interface Cached {
  token: string;
  expiresAt: number;
}

export class LwaTokens {
  readonly key: string;
  private cached: Cached | undefined;

  constructor(
    private readonly cfg: AmazonChannelConfig,
    private readonly deps: AdapterDeps,
    private readonly timeoutMs: number,
  ) {
    this.key = `amazon:${cfg.id}`;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private usable(c: Cached | undefined): c is Cached {
    return c !== undefined && c.expiresAt - REFRESH_MARGIN_MS > this.now();
  }

  private fromStore(s: StoredToken | undefined): Cached | undefined {
    if (typeof s?.accessToken !== 'string' || typeof s.expiresAt !== 'number') return undefined;
    const c = { token: s.accessToken, expiresAt: s.expiresAt };
    return this.usable(c) ? c : undefined;
  }

  /** A token with at least a minute left: this process's copy, the store's, or a fresh one (refreshed once). */
  async accessToken(): Promise<string> {
    if (this.usable(this.cached)) return this.cached.token;
    const stored = this.fromStore(await this.deps.tokens.get(this.key));
    if (stored) return (this.cached = stored).token;
    return this.deps.tokens.withLock(this.key, async () => {
      const again = this.fromStore(await this.deps.tokens.get(this.key));
      if (again) return (this.cached = again).token;
      return this.refreshLocked();
    });
  }

  /**
   * Amazon answered `expired` to a call made with `token`: refresh, unless another caller already replaced that token
   * with a usable one while this call was in flight.
   */
  async replace(token: string | undefined): Promise<void> {
    this.cached = undefined;
    await this.deps.tokens.withLock(this.key, async () => {
      const stored = this.fromStore(await this.deps.tokens.get(this.key));
      if (stored && stored.token !== token) {
        this.cached = stored;
        return;
      }
      await this.refreshLocked();
    });
  }

  /** Always asks LWA for a new token (checkAccess: proves the refresh token and client credentials work). */
  async refresh(): Promise<string> {
    return this.deps.tokens.withLock(this.key, () => this.refreshLocked());
  }

  private async refreshLocked(): Promise<string> {
    const c = this.cfg.credentials;
    const ctx = { system: SYSTEM, channel: this.cfg.id, operation: OPERATION };
    let res: Response;
    try {
      res = await (this.deps.fetch ?? fetch)(c.lwaEndpoint ?? LWA_ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: c.refreshToken,
          client_id: c.clientId,
          client_secret: c.clientSecret,
        }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw fromNetworkError(err, ctx);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw this.refused(res.status, body, res.headers.get('retry-after'));
    const t = parseBody(tokenResponse, body, this.cfg.id, { operation: OPERATION });
    const expiresAt = this.now() + t.expires_in * 1000;
    await this.deps.tokens.set(this.key, { accessToken: t.access_token, expiresAt });
    this.cached = { token: t.access_token, expiresAt };
    return t.access_token;
  }

  private refused(status: number, body: unknown, retryAfter: string | null): IntegrationError {
    const id = this.cfg.id;
    const ctx = { system: SYSTEM, channel: id, operation: OPERATION };
    const parsed = oauthError.safeParse(body);
    const error = parsed.success ? parsed.data.error : undefined;
    const description = parsed.success ? (parsed.data.error_description ?? '') : '';
    if (error === 'invalid_grant')
      return new IntegrationError({
        ...ctx,
        code: 'AUTH_FAILED',
        status,
        vendorCode: error,
        message: `Amazon LWA refused the refresh token for channel ${id}: re-authorise the app (channels[..].credentials.refreshToken)`,
      });
    if (error === 'invalid_client' || error === 'unauthorized_client')
      return new IntegrationError({
        ...ctx,
        code: 'AUTH_FAILED',
        status,
        vendorCode: error,
        message: `Amazon LWA refused the app's client credentials for channel ${id} (${error}${description ? `: ${description}` : ''}): check channels[..].credentials.clientId and clientSecret`,
      });
    if (status === 429 || status >= 500)
      return fromHttpStatus(status, { ...ctx, detail: error ?? '', retryAfter });
    return new IntegrationError({
      ...ctx,
      code: 'AUTH_FAILED',
      status,
      ...(error ? { vendorCode: error } : {}),
      message: `Amazon LWA refused the token request for channel ${id} (${status} ${error ?? ''}${description ? `: ${description}` : ''}): check the channel's LWA credentials`,
    });
  }
}

/** What the SDK clients are built with: a `SellingPartnerApiAuth` whose tokens come from `LwaTokens`. */
export class StoreBackedAuth extends SellingPartnerApiAuth {
  constructor(
    private readonly lwa: LwaTokens,
    cfg: AmazonChannelConfig,
  ) {
    super({
      clientId: cfg.credentials.clientId,
      clientSecret: cfg.credentials.clientSecret,
      refreshToken: cfg.credentials.refreshToken,
    });
  }

  override getAccessToken(): Promise<string> {
    return this.lwa.accessToken();
  }
}
