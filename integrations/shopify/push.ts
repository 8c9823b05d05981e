/**
 * `push` over `inventorySetQuantities` (2026-04, apis.md §3.4): `name: "available"`, `reason: "correction"`,
 * `referenceDocumentUri: invsync://push/<key>`, and on every line `changeFromQuantity` = what invsync expects the
 * channel to show (explicit null when it does not know: no compare).
 *
 * Batching and idempotency: lines go in batches of at most 250 (Shopify's input cap), in the caller's order, each
 * batch with `@idempotent(key: "<key>:<batch index>")`. A retried push with the same key and the same pushes
 * builds the same batches, and Shopify answers each with its first result instead of applying it again.
 *
 * The stale protocol: a batch is all or nothing. When Shopify answers CHANGE_FROM_QUANTITY_STALE for some lines,
 * nothing of the batch is applied. The adapter then
 *  1. re-reads the levels of the lines Shopify flagged and returns them as `stale`, with what Shopify really shows;
 *  2. re-issues the other lines of the batch once, as a new batch keyed `<key>:<batch index>:r`, still with their
 *     compare. This is a step of the protocol (those lines were refused only because they shared a batch), not a
 *     retry loop: it happens at most once per batch. The stale set is the one Shopify named, not a re-read, so a
 *     retried push re-issues exactly the same lines under the same key, which Shopify replays.
 * If the re-issue is refused too (another line changed in between), its flagged lines are re-read and `stale`;
 * its other lines come back `stale` with the expected value Shopify just confirmed and a message saying they were
 * not applied, and the caller recomputes them. Nothing is re-issued a second time.
 *
 * Lines whose qty equals their expected value are `unchanged` and not sent. Any other user error stops the push
 * with a permanent error naming SKU, location and channel (earlier batches stand, and replay on a retry).
 */
import { IntegrationError, where } from '../errors';
import type { ChannelPush, PushOutcome } from '../types';
import { badResponse, type ShopifyGraphql } from './client';
import { chunk, type Catalog, type VariantRef } from './catalog';
import { userErrorFailure, userErrorLine } from './errors';
import type { LocationFilter } from './locations';
import { SET_QUANTITIES, type QuantityInput } from './operations';

/** Shopify's cap on input arrays: at most 250 quantities per inventorySetQuantities. */
export const MAX_BATCH = 250;

export interface PushOptions {
  channel: string;
  mode: 'live' | 'shadow';
}

interface Line {
  /** Position in the caller's pushes. */
  index: number;
  push: ChannelPush;
  input: QuantityInput;
}

export class Pusher {
  constructor(
    private readonly gql: ShopifyGraphql,
    private readonly catalog: Catalog,
    private readonly locations: LocationFilter,
    private readonly o: PushOptions,
  ) {}

  async push(pushes: readonly ChannelPush[], key: string): Promise<PushOutcome[]> {
    this.validate(pushes, key);
    const outcomes: PushOutcome[] = [];
    const todo: { index: number; push: ChannelPush }[] = [];
    pushes.forEach((p, index) => {
      if (p.expected !== undefined && p.qty === p.expected)
        outcomes[index] = { sku: p.sku, location: p.location, status: 'unchanged', shows: p.qty };
      else todo.push({ index, push: p });
    });
    if (todo.length === 0) return outcomes;
    const refs = await this.catalog.resolve(todo.map((t) => t.push.sku));
    const lines = todo.map((t) => ({ ...t, input: quantityInput(t.push, ref(refs, t.push.sku)) }));
    for (const [b, batch] of chunk(lines, MAX_BATCH).entries()) {
      const batchKey = `${key}:${b}`;
      if (this.o.mode === 'shadow') {
        for (const l of batch) outcomes[l.index] = shadow(l, batchKey);
        continue;
      }
      await this.sendBatch(batch, key, batchKey, outcomes);
    }
    return outcomes;
  }

  private validate(pushes: readonly ChannelPush[], key: string): void {
    const ctx = { ...this.gql.context('inventorySetQuantities') };
    if (!key.trim())
      throw new IntegrationError({
        ...ctx,
        code: 'INVALID_REQUEST',
        message: `push to channel ${this.o.channel} needs an idempotency key`,
      });
    const seen = new Set<string>();
    for (const p of pushes) {
      const at = { ...ctx, sku: p.sku, location: p.location };
      if (!this.locations.has(p.location))
        throw new IntegrationError({
          ...at,
          code: 'UNMAPPED_LOCATION',
          message: `${where(at)}Shopify location ${p.location} is not mapped in channels[${this.o.channel}].locations: map it to ERP locations there, or stop pushing to it`,
        });
      const bad =
        !Number.isInteger(p.qty) || p.qty < 0 || (p.expected !== undefined && !Number.isInteger(p.expected));
      if (bad)
        throw new IntegrationError({
          ...at,
          code: 'INVALID_REQUEST',
          message: `${where(at)}cannot push qty ${p.qty} (expected ${String(p.expected)}): quantities are whole numbers from 0`,
        });
      const pair = `${p.sku}\u0000${p.location}`;
      if (seen.has(pair))
        throw new IntegrationError({
          ...at,
          code: 'INVALID_REQUEST',
          message: `${where(at)}pushed twice in one call: send one quantity per SKU and location`,
        });
      seen.add(pair);
    }
  }

  private async sendBatch(
    batch: Line[],
    key: string,
    batchKey: string,
    outcomes: PushOutcome[],
  ): Promise<void> {
    const stale = await this.set(batch, key, batchKey);
    if (stale.size === 0) {
      for (const l of batch) outcomes[l.index] = applied(l);
      return;
    }
    const flagged = batch.filter((_, i) => stale.has(i));
    const rest = batch.filter((_, i) => !stale.has(i));
    for (const [l, shows] of await this.reread(flagged)) outcomes[l.index] = staleOutcome(l, shows);
    if (rest.length === 0) return;

    // The protocol's one re-issue (see the module comment).
    const reissueKey = `${batchKey}:r`;
    const staleAgain = await this.set(rest, key, reissueKey);
    if (staleAgain.size === 0) {
      for (const l of rest) outcomes[l.index] = applied(l);
      return;
    }
    const flaggedAgain = rest.filter((_, i) => staleAgain.has(i));
    for (const [l, shows] of await this.reread(flaggedAgain)) outcomes[l.index] = staleOutcome(l, shows);
    for (const l of rest.filter((_, i) => !staleAgain.has(i)))
      outcomes[l.index] = {
        sku: l.push.sku,
        location: l.push.location,
        status: 'stale',
        shows: l.push.expected,
        message: `not applied: the re-issued batch ${reissueKey} was refused because another line's compare failed; Shopify showed the expected ${String(l.push.expected)}, recompute and push again`,
      };
  }

  /** Sends one batch; the indexes (within `lines`) whose compare failed, empty when the batch was applied. */
  private async set(lines: Line[], key: string, batchKey: string): Promise<Set<number>> {
    const ctx = this.gql.context(SET_QUANTITIES.name);
    const input = {
      name: 'available' as const,
      reason: 'correction' as const,
      referenceDocumentUri: `invsync://push/${encodeURI(key)}`,
      quantities: lines.map((l) => l.input),
    };
    const res = (await this.gql.run(SET_QUANTITIES, { input, key: batchKey })).inventorySetQuantities;
    if (!res) throw badResponse(ctx, 'inventorySetQuantities is null');
    const other = res.userErrors.find((e) => e.code !== 'CHANGE_FROM_QUANTITY_STALE');
    if (other) {
      const line = lines[userErrorLine(other) ?? -1];
      if (line && other.code === 'INVALID_INVENTORY_ITEM') this.catalog.forget(line.push.sku);
      const lineCtx = line && {
        sku: line.push.sku,
        location: line.push.location,
        inventoryItemId: line.input.inventoryItemId,
      };
      throw userErrorFailure(other, lineCtx, { ...ctx, key: batchKey });
    }
    const stale = new Set<number>();
    for (const e of res.userErrors) {
      const i = userErrorLine(e);
      if (i !== undefined && lines[i]) stale.add(i);
      // A stale error that names no line: every line with a compare may be the one.
      else lines.forEach((l, j) => l.input.changeFromQuantity !== null && stale.add(j));
    }
    return stale;
  }

  /** What Shopify shows now for these lines (undefined when the level is gone). */
  private async reread(lines: Line[]): Promise<[Line, number | undefined][]> {
    if (lines.length === 0) return [];
    const read = await this.catalog.readLevels(lines.map((l) => l.push.sku));
    return lines.map((l) => [
      l,
      read.get(l.push.sku)?.levels.find((x) => x.location === l.push.location)?.available,
    ]);
  }
}

function ref(refs: Map<string, VariantRef>, sku: string): VariantRef {
  const r = refs.get(sku);
  // resolve() throws for a SKU it cannot map, so this is a programming error.
  if (!r) throw new Error(`no variant resolved for ${sku}`);
  return r;
}

function quantityInput(p: ChannelPush, r: VariantRef): QuantityInput {
  return {
    inventoryItemId: r.inventoryItemId,
    locationId: p.location,
    quantity: p.qty,
    changeFromQuantity: p.expected ?? null,
  };
}

function applied(l: Line): PushOutcome {
  return { sku: l.push.sku, location: l.push.location, status: 'applied', shows: l.push.qty };
}

function staleOutcome(l: Line, shows: number | undefined): PushOutcome {
  return {
    sku: l.push.sku,
    location: l.push.location,
    status: 'stale',
    shows,
    message:
      shows === undefined
        ? `not applied: Shopify no longer stocks it at ${l.push.location} (expected ${String(l.push.expected)})`
        : `not applied: Shopify shows ${shows}, not the expected ${String(l.push.expected)}; recompute and push again`,
  };
}

function shadow(l: Line, batchKey: string): PushOutcome {
  const { input } = l;
  return {
    sku: l.push.sku,
    location: l.push.location,
    status: 'shadow',
    message: `shadow mode, nothing sent: would set available to ${input.quantity} (changeFromQuantity ${String(input.changeFromQuantity)}) for inventory item ${input.inventoryItemId} at ${input.locationId} in inventorySetQuantities batch ${batchKey}`,
  };
}
