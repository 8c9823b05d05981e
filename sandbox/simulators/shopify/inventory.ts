/**
 * `inventorySetQuantities` and `inventoryAdjustQuantities`: validation, compare-and-swap on `changeFromQuantity`,
 * and the write to the world (`world.setShows(..., 'api')`). A batch is all or nothing: any user error (a stale
 * compare included) and no quantity of the batch is applied.
 *
 * Messages and error codes are Shopify's (the enum descriptions of InventorySetQuantitiesUserErrorCode /
 * InventoryAdjustQuantitiesUserErrorCode). As in Shopify, changing `available` also moves `on_hand` by the same
 * delta (committed stays), so each change is reported under both names; `quantityAfterChange` is null in mutation
 * payloads, as live Shopify answers.
 */
import { z } from 'zod';
import type { Listing } from '../../world';
import { hasLocation, itemById, level, quantities, type Item } from './catalog';
import type { GqlContext } from './context';
import { gid, isoSeconds } from './ids';

export interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

export interface InventoryChange {
  name: 'available' | 'on_hand';
  delta: number;
  quantityAfterChange: null;
  ledgerDocumentUri: string | null;
  itemId: string;
  locationId: string;
}

export interface AdjustmentGroup {
  __typename: 'InventoryAdjustmentGroup';
  id: string;
  createdAt: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: InventoryChange[];
}

export interface InventoryPayload {
  inventoryAdjustmentGroup: AdjustmentGroup | null;
  userErrors: UserError[];
}

const QUANTITY_LIMIT = 1_000_000_000;

/** The reasons Shopify accepts on inventory mutations. */
export const REASONS = [
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_canceled',
  'movement_created',
  'movement_received',
  'movement_updated',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
];

const ADJUSTABLE_NAMES = ['available', 'damaged', 'incoming', 'quality_control', 'reserved', 'safety_stock'];

const int = z.number().int();
const setInputSchema = z.object({
  name: z.string(),
  reason: z.string(),
  referenceDocumentUri: z.string().nullish(),
  quantities: z.array(
    z.object({
      inventoryItemId: z.string(),
      locationId: z.string(),
      quantity: int,
      changeFromQuantity: int.nullish(),
    }),
  ),
});
const adjustInputSchema = z.object({
  name: z.string(),
  reason: z.string(),
  referenceDocumentUri: z.string().nullish(),
  changes: z.array(
    z.object({
      inventoryItemId: z.string(),
      locationId: z.string(),
      delta: int,
      ledgerDocumentUri: z.string().nullish(),
      changeFromQuantity: int.nullish(),
    }),
  ),
});

const failed = (userErrors: UserError[]): InventoryPayload => ({
  inventoryAdjustmentGroup: null,
  userErrors,
});

/** Checks shared by both mutations: reason and reference document. */
function commonErrors(reason: string, referenceDocumentUri: string | null | undefined): UserError[] {
  const errors: UserError[] = [];
  if (!REASONS.includes(reason))
    errors.push({
      field: ['input', 'reason'],
      message: `The specified reason is invalid. Valid values are: ${REASONS.join(', ')}.`,
      code: 'INVALID_REASON',
    });
  if (typeof referenceDocumentUri === 'string' && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(referenceDocumentUri))
    errors.push({
      field: ['input', 'referenceDocumentUri'],
      message: 'The specified reference document is invalid.',
      code: 'INVALID_REFERENCE_DOCUMENT',
    });
  return errors;
}

/** Resolves one row's item and level, or says which id is wrong. */
function locate(
  ctx: GqlContext,
  row: { inventoryItemId: string; locationId: string },
  path: string[],
): { item: Item; listing: Listing } | UserError {
  const item = itemById(ctx.channel, row.inventoryItemId);
  if (!item)
    return {
      field: [...path, 'inventoryItemId'],
      message: 'The specified inventory item could not be found.',
      code: 'INVALID_INVENTORY_ITEM',
    };
  if (!hasLocation(ctx.channel, row.locationId))
    return {
      field: [...path, 'locationId'],
      message: 'The specified location could not be found.',
      code: 'INVALID_LOCATION',
    };
  const listing = level(item, row.locationId);
  if (!listing)
    return {
      field: [...path, 'locationId'],
      message: 'The specified inventory item is not stocked at the location.',
      code: 'ITEM_NOT_STOCKED_AT_LOCATION',
    };
  return { item, listing };
}

const stale = (path: string[]): UserError => ({
  field: [...path, 'changeFromQuantity'],
  message: 'The changeFromQuantity value does not match persisted value.',
  code: 'CHANGE_FROM_QUANTITY_STALE',
});

interface Planned {
  listing: Listing;
  item: Item;
  /** Change of `available` (and so of `on_hand`). */
  delta: number;
  ledgerDocumentUri: string | null;
}

/**
 * Applies a validated batch (unless the request is silently dropped) and builds the adjustment group. Changes
 * that move nothing are not recorded, as they would not be in Shopify's ledger.
 */
function apply(
  ctx: GqlContext,
  primary: 'available' | 'on_hand',
  reason: string,
  referenceDocumentUri: string | null,
  plans: Planned[],
): InventoryPayload {
  const applied: Planned[] = [];
  for (const p of plans) {
    const before = p.listing.shows;
    // The world cannot show a negative count (Shopify can): a write below zero lands at 0 and reports that delta.
    const after = Math.max(0, before + p.delta);
    if (after === before) continue;
    if (!ctx.drop) ctx.world.setShows(ctx.channel.id, p.listing, after, 'api');
    applied.push({ ...p, delta: after - before });
  }
  const secondary = primary === 'available' ? 'on_hand' : 'available';
  const change =
    (name: 'available' | 'on_hand') =>
    (p: Planned): InventoryChange => ({
      name,
      delta: p.delta,
      quantityAfterChange: null,
      ledgerDocumentUri: name === 'available' ? null : p.ledgerDocumentUri,
      itemId: p.item.itemId,
      locationId: p.listing.location,
    });
  return {
    inventoryAdjustmentGroup: {
      __typename: 'InventoryAdjustmentGroup',
      id: gid('InventoryAdjustmentGroup', ctx.nextId('InventoryAdjustmentGroup')),
      createdAt: isoSeconds(ctx.world.now()),
      reason,
      referenceDocumentUri: referenceDocumentUri ?? null,
      changes: [...applied.map(change(primary)), ...applied.map(change(secondary))],
    },
    userErrors: [],
  };
}

export function setQuantities(ctx: GqlContext, raw: unknown): InventoryPayload {
  const input = setInputSchema.parse(raw);
  const errors = commonErrors(input.reason, input.referenceDocumentUri);
  const name = input.name;
  const validName = name === 'available' || name === 'on_hand';
  if (!validName)
    errors.push({
      field: ['input', 'name'],
      message: "The quantity name must be either 'available' or 'on_hand'.",
      code: 'INVALID_NAME',
    });
  const plans: Planned[] = [];
  const pairs = new Map<string, number[]>();
  input.quantities.forEach((q, i) => {
    const path = ['input', 'quantities', String(i)];
    const pair = `${q.inventoryItemId}\u0000${q.locationId}`;
    pairs.set(pair, [...(pairs.get(pair) ?? []), i]);
    if (q.quantity > QUANTITY_LIMIT)
      errors.push({
        field: [...path, 'quantity'],
        message: "The quantity can't be higher than 1,000,000,000.",
        code: 'INVALID_QUANTITY_TOO_HIGH',
      });
    else if (q.quantity < -QUANTITY_LIMIT)
      errors.push({
        field: [...path, 'quantity'],
        message: "The quantity can't be lower than -1,000,000,000.",
        code: 'INVALID_QUANTITY_TOO_LOW',
      });
    else if (name === 'on_hand' && q.quantity < 0)
      errors.push({
        field: [...path, 'quantity'],
        message: "The quantity can't be negative.",
        code: 'INVALID_QUANTITY_NEGATIVE',
      });
    const found = locate(ctx, q, path);
    if ('code' in found) {
      errors.push(found);
      return;
    }
    if (!validName) return;
    const current = quantities(ctx.world, ctx.channel, found.listing)[name];
    if (typeof q.changeFromQuantity === 'number' && q.changeFromQuantity !== current) {
      errors.push(stale(path));
      return;
    }
    plans.push({ ...found, delta: q.quantity - current, ledgerDocumentUri: null });
  });
  for (const indexes of pairs.values())
    if (indexes.length > 1)
      for (const i of indexes)
        errors.push({
          field: ['input', 'quantities', String(i), 'locationId'],
          message: 'The combination of inventoryItemId and locationId must be unique.',
          code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
        });
  if (errors.length > 0 || !validName) return failed(errors);
  return apply(ctx, name, input.reason, input.referenceDocumentUri ?? null, plans);
}

export function adjustQuantities(ctx: GqlContext, raw: unknown): InventoryPayload {
  const input = adjustInputSchema.parse(raw);
  const errors = commonErrors(input.reason, input.referenceDocumentUri);
  if (!ADJUSTABLE_NAMES.includes(input.name))
    errors.push({
      field: ['input', 'name'],
      message: `The specified quantity name is invalid. Valid values are: ${ADJUSTABLE_NAMES.join(', ')}.`,
      code: 'INVALID_QUANTITY_NAME',
    });
  else if (input.name !== 'available')
    // Shopify accepts these; the world has no damaged/reserved/… state to move, so the sandbox says so plainly.
    errors.push({
      field: ['input', 'name'],
      message: `The sandbox models only the 'available' quantity; '${input.name}' cannot be adjusted here.`,
      code: 'ADJUST_QUANTITIES_FAILED',
    });
  const plans: Planned[] = [];
  // Several changes to one level add up; each compare is against the stored quantity before the batch.
  const pending = new Map<Listing, number>();
  input.changes.forEach((c, i) => {
    const path = ['input', 'changes', String(i)];
    if (typeof c.ledgerDocumentUri === 'string' && input.name === 'available')
      errors.push({
        field: [...path, 'ledgerDocumentUri'],
        message: 'A ledger document URI is not allowed when adjusting available.',
        code: 'INVALID_AVAILABLE_DOCUMENT',
      });
    const found = locate(ctx, c, path);
    if ('code' in found) {
      errors.push(found);
      return;
    }
    const current = found.listing.shows;
    if (typeof c.changeFromQuantity === 'number' && c.changeFromQuantity !== current) {
      errors.push(stale(path));
      return;
    }
    const after = current + (pending.get(found.listing) ?? 0) + c.delta;
    pending.set(found.listing, after - current);
    if (after > QUANTITY_LIMIT)
      errors.push({
        field: [...path, 'delta'],
        message: "The quantity can't be higher than 1,000,000,000.",
        code: 'INVALID_QUANTITY_TOO_HIGH',
      });
    if (after < -QUANTITY_LIMIT)
      errors.push({
        field: [...path, 'delta'],
        message: "The quantity can't be lower than -1,000,000,000.",
        code: 'INVALID_QUANTITY_TOO_LOW',
      });
    plans.push({ ...found, delta: c.delta, ledgerDocumentUri: c.ledgerDocumentUri ?? null });
  });
  if (errors.length > 0) return failed(errors);
  return apply(ctx, 'available', input.reason, input.referenceDocumentUri ?? null, plans);
}
