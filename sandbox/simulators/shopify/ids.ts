/**
 * Shopify identifiers and timestamps. GraphQL speaks global ids (`gid://shopify/<Type>/<n>[?query]`); REST
 * payloads and webhooks speak the bare numeric id ("legacy resource id"). The world stores gids, so everything
 * numeric is derived from them here, in one place.
 */
import { createHash } from 'node:crypto';

export function gid(type: string, id: string | number): string {
  return `gid://shopify/${type}/${id}`;
}

/** The resource type of a gid (`ProductVariant`, `Location`…), or undefined for anything else. */
export function gidType(id: string): string | undefined {
  return /^gid:\/\/shopify\/([A-Za-z]+)\/[^/?]+/.exec(id)?.[1];
}

/** The id part of a gid, without its query string (`…/InventoryLevel/7?inventory_item_id=3` -> `7`). */
export function gidTail(id: string): string {
  const path = id.split('?')[0] ?? id;
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The numeric id REST and webhooks use. A seed may name a location `main` instead of a gid, so a non-numeric tail
 * gets a stable 9-digit number (the same on every run) rather than NaN.
 */
export function legacyId(id: string): number {
  const tail = gidTail(id);
  if (/^\d+$/.test(tail)) return Number(tail);
  return parseInt(createHash('sha256').update(id).digest('hex').slice(0, 12), 16) % 1_000_000_000;
}

/** `<shop>.myshopify.com` for a channel id (its own shop in the sandbox). */
export function shopDomain(channelId: string): string {
  const handle = channelId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${handle || 'shop'}.myshopify.com`;
}

/** GraphQL `DateTime`: ISO-8601 in UTC to the second (`2026-01-02T03:04:05Z`), as Shopify renders it. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** REST/webhook timestamps carry an explicit offset (`2026-01-02T03:04:05+00:00`); the sandbox shop runs on UTC. */
export function restTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** JSON with sorted keys, so two equal inputs give the same fingerprint whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
