/** What every resolver receives: the world, the shop (channel) the access token belongs to, and the simulator's own state. */
import type { ChannelState, World } from '../../world';
import type { BulkOperations } from './bulk';
import type { IdempotencyStore } from './idempotency';

export interface GqlContext {
  world: World;
  channel: ChannelState;
  /** The version in the request path; 2026-04 and later enforce `@idempotent` and `changeFromQuantity`. */
  apiVersion: string;
  /** A silent drop (fault injection): mutations answer as if applied and change nothing. */
  drop: boolean;
  /** Running inside a bulk operation: connections return every row and need no `first`/`last`. */
  bulk: boolean;
  idempotency: IdempotencyStore;
  bulkOperations: BulkOperations;
  nextId(kind: 'InventoryAdjustmentGroup'): number;
}

/** `2026-04` or later (`unstable` counts as the newest). */
export function atLeast(apiVersion: string, version: string): boolean {
  return apiVersion >= version;
}
