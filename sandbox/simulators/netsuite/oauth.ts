/**
 * OAuth 1.0a Token-Based Authentication as NetSuite checks it: realm (account id), consumer key and token must be
 * the integration's, the HMAC-SHA256 signature must match the one recomputed from the method, the URL as the client
 * addressed it and the query parameters (the JSON body and the realm are not signed), the timestamp must be fresh
 * and the nonce never seen before. Every failure gets the same INVALID_LOGIN answer, as in NetSuite.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { ErpCredentials } from '../../context';

type NetSuiteCredentials = ErpCredentials['netsuite'];

export interface SignedRequest {
  method: string;
  /** The absolute URL rebuilt from the scheme, the Host header and the raw request target (path + query). */
  url: string;
  authorization: string | undefined;
}

export type AuthResult = { ok: true } | { ok: false; reason: string };

/** Parses `OAuth realm="…", oauth_consumer_key="…", …` into decoded key/value pairs. */
export function parseAuthorization(header: string): Map<string, string> | undefined {
  const m = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!m || m[1] === undefined) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_%.~-]+)\s*=\s*"([^"]*)"/g;
  let part: RegExpExecArray | null;
  try {
    while ((part = re.exec(m[1])) !== null) {
      params.set(decodeURIComponent(part[1] ?? ''), decodeURIComponent(part[2] ?? ''));
    }
  } catch {
    return undefined;
  }
  return params;
}

const hmacSha256 = (base: string, key: string): string =>
  createHmac('sha256', key).update(base).digest('base64');

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class OAuthVerifier {
  /** `token\0nonce` -> when the entry may be forgotten (after the timestamp window has passed for it). */
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  constructor(
    private readonly credentials: () => NetSuiteCredentials,
    /** Allowed clock difference between the client's oauth_timestamp and ours. */
    private readonly skewSeconds = 300,
    private readonly now: () => number = Date.now,
  ) {}

  verify(req: SignedRequest): AuthResult {
    if (!req.authorization) return { ok: false, reason: 'no Authorization header' };
    const p = parseAuthorization(req.authorization);
    if (!p) return { ok: false, reason: 'not an OAuth header' };
    const c = this.credentials();
    // The realm is the account id exactly as NetSuite spells it (upper case, underscore): a host-style realm fails.
    if (p.get('realm') !== c.accountId) return { ok: false, reason: 'wrong realm' };
    if (p.get('oauth_consumer_key') !== c.consumerKey) return { ok: false, reason: 'unknown consumer key' };
    if (p.get('oauth_token') !== c.tokenId) return { ok: false, reason: 'unknown token' };
    if (p.get('oauth_signature_method') !== 'HMAC-SHA256') return { ok: false, reason: 'signature method' };
    const version = p.get('oauth_version');
    if (version !== undefined && version !== '1.0') return { ok: false, reason: 'oauth_version' };
    const nonce = p.get('oauth_nonce');
    const signature = p.get('oauth_signature');
    const timestamp = Number(p.get('oauth_timestamp'));
    if (!nonce || !signature || !Number.isInteger(timestamp))
      return { ok: false, reason: 'missing oauth parameter' };

    const signed: OAuth.Data = {
      oauth_consumer_key: c.consumerKey,
      oauth_nonce: nonce,
      oauth_signature_method: 'HMAC-SHA256',
      oauth_timestamp: timestamp,
      oauth_token: c.tokenId,
      // Only what the client actually sent is part of the base string.
      ...(version !== undefined ? { oauth_version: version } : {}),
    } as OAuth.Data;
    const oauth = new OAuth({
      consumer: { key: c.consumerKey, secret: c.consumerSecret },
      signature_method: 'HMAC-SHA256',
      hash_function: hmacSha256,
    });
    // oauth-1.0a takes the base URL as given (no host/port normalisation) and signs the URL's query parameters,
    // which is exactly what the client library did when it signed.
    const expected = oauth.getSignature(
      { url: req.url, method: req.method, data: {} },
      c.tokenSecret,
      signed,
    );
    if (!sameText(expected, signature)) return { ok: false, reason: 'signature mismatch' };

    const nowMs = this.now();
    if (Math.abs(nowMs / 1000 - timestamp) > this.skewSeconds)
      return { ok: false, reason: 'stale timestamp' };
    this.prune(nowMs);
    const key = `${c.tokenId}\u0000${nonce}`;
    if (this.seen.has(key)) return { ok: false, reason: 'nonce replayed' };
    // Remember the nonce for as long as its timestamp could still be accepted.
    this.seen.set(key, (timestamp + this.skewSeconds) * 1000 + 1000);
    return { ok: true };
  }

  private prune(nowMs: number): void {
    if (nowMs - this.lastPrune < 10_000) return;
    this.lastPrune = nowMs;
    for (const [k, until] of this.seen) if (until < nowMs) this.seen.delete(k);
  }
}
