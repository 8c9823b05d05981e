/**
 * Signature checks over the raw request body, in constant time. Nothing is parsed before these pass.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const equalBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the webhook secret. */
export function verifyShopifyHmac(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(header.trim())) return false;
  return equalBytes(Buffer.from(header.trim(), 'base64'), expected);
}

/** invsync's forwarders (Amazon notifications, ERP): `X-Invsync-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyInvsyncSignature(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m?.[1]) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return equalBytes(Buffer.from(m[1], 'hex'), expected);
}

/** Signs a body the way invsync's forwarders do (tests and tools that forward notifications). */
export const invsyncSignature = (secret: string, body: string | Buffer): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
