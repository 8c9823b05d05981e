/**
 * Ids the world and the simulators share: Amazon order ids (the world numbers its orders; Amazon shows ids like
 * `902-3159896-1390916`), derived stably from a label.
 */
import { createHash } from 'node:crypto';

const digest = (label: string): string => createHash('sha256').update(label).digest('hex');

/** A stable digit string derived from a label (order ids, item ids, feed ids). */
export function digits(label: string, n: number): string {
  return BigInt(`0x${digest(label).slice(0, 24)}`)
    .toString()
    .padStart(n, '0')
    .slice(-n);
}

/** Amazon order ids look like `902-3159896-1390916`; the world numbers its orders, so derive one per channel order. */
export const amazonOrderId = (channelId: string, orderId: string): string =>
  `11${digits(`${channelId}:${orderId}:a`, 1)}-${digits(`${channelId}:${orderId}:b`, 7)}-${digits(`${channelId}:${orderId}:c`, 7)}`;
