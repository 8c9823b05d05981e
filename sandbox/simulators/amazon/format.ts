/** Wire formats shared by the Amazon operations: dates, ids, query lists and opaque page tokens. */
import { createHash } from 'node:crypto';
import { badInput } from './errors';

/** SP-API dates are ISO 8601 in UTC; the Orders API drops the milliseconds (`2017-01-20T19:49:35Z`). */
export const isoDate = (ms: number): string => new Date(ms).toISOString();
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Parses an ISO 8601 query date, or answers 400 InvalidInput naming the parameter. */
export function parseDate(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw badInput(`Invalid ${name}: "${value}" is not an ISO 8601 date.`);
  return ms;
}

/**
 * A query list: the SDK sends comma-separated values (`marketplaceIds=A,B`), hand-written clients often repeat the
 * parameter; both arrive here.
 */
export function queryList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return parts
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function queryString(value: unknown): string | undefined {
  if (Array.isArray(value)) return queryString(value[0]);
  return typeof value === 'string' ? value : undefined;
}

import { digits } from '../../ids';
export { amazonOrderId, digits } from '../../ids';
const digest = (label: string): string => createHash('sha256').update(label).digest('hex');

export const orderItemId = (channelId: string, orderId: string): string =>
  digits(`${channelId}:${orderId}:item`, 14);

/** ASIN and FNSKU for a SKU the world gave no listing ids (an FBA row without a listing). */
export const derivedAsin = (sku: string): string => `B0${digest(`asin:${sku}`).slice(0, 8).toUpperCase()}`;
export const derivedFnSku = (sku: string): string => `X00${digest(`fnsku:${sku}`).slice(0, 7).toUpperCase()}`;

/** Opaque page tokens: the position plus a fingerprint of the filters they were issued for. */
export function encodePageToken(offset: number, fingerprint: string, issuedAt: number): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint, t: issuedAt })).toString('base64url');
}

export function decodePageToken(
  token: string,
): { offset: number; fingerprint: string; issuedAt: number } | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const { o, f, t } = v as Record<string, unknown>;
    if (typeof o !== 'number' || typeof f !== 'string' || typeof t !== 'number') return undefined;
    return { offset: o, fingerprint: f, issuedAt: t };
  } catch {
    return undefined;
  }
}

export const fingerprint = (parts: unknown): string => digest(JSON.stringify(parts)).slice(0, 16);
