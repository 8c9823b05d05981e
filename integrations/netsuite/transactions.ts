/**
 * Transactions: sales orders found by the channel reference, and the two stock writes (inventoryAdjustment,
 * inventoryTransfer) upserted by external id = the caller's reference. NetSuite answers an upsert of an existing
 * external id exactly like a create (204 + the same Location) and applies nothing, so the write itself is safe to
 * repeat; to report `applied: false` truthfully the external id is looked up first.
 */
import { z } from 'zod';
import { IntegrationError, where } from '../errors';
import type { ErpWriteResult, OrderPresence } from '../types';
import type { Catalog, NsItem } from './catalog';
import { isKitType } from './catalog';
import type { NetSuiteClient } from './client';
import { SYSTEM, badResponse } from './errors';
import { lit } from './sql';

const txRow = z.object({ id: z.string().regex(/^\d+$/), status: z.string().optional() });

/**
 * Sales order statuses (`transaction.status`, also seen as `SalesOrd:B`). Pending Approval commits no stock yet, so it
 * counts as absent: the pending-order ledger must keep the sale until NetSuite really reserves it.
 */
const SO_STATUS: Record<string, OrderPresence> = {
  A: 'absent', // Pending Approval
  B: 'reserved', // Pending Fulfillment
  C: 'cancelled', // Cancelled
  D: 'reserved', // Partially Fulfilled
  E: 'reserved', // Pending Billing/Partially Fulfilled
  F: 'shipped', // Pending Billing
  G: 'shipped', // Billed
  H: 'cancelled', // Closed (the unfulfilled remainder will not ship)
};
/** With several orders for one reference, the one that still holds stock wins. */
const RANK: OrderPresence[] = ['reserved', 'shipped', 'cancelled', 'absent'];

type WriteType = 'inventoryAdjustment' | 'inventoryTransfer';
const TRAN_TYPE: Record<WriteType, string> = {
  inventoryAdjustment: 'InvAdjst',
  inventoryTransfer: 'InvTrnfr',
};

export interface WriteOptions {
  /** Internal id of the GL account inventory adjustments post to. */
  adjustmentAccountId?: string | undefined;
}

function invalid(op: string, ctx: { sku?: string; location?: string }, message: string): IntegrationError {
  return new IntegrationError({
    system: SYSTEM,
    ...ctx,
    operation: op,
    code: 'INVALID_REQUEST',
    message: `${where(ctx)}${message}`,
  });
}

export class Transactions {
  constructor(
    private readonly client: NetSuiteClient,
    private readonly catalog: Catalog,
    private readonly opts: WriteOptions,
  ) {}

  async orderPresence(reference: string): Promise<OrderPresence> {
    const rows = await this.client.suiteqlAll(
      `SELECT t.id, t.status FROM transaction t
        WHERE t.type = 'SalesOrd' AND (t.otherrefnum = ${lit(reference)} OR t.externalid = ${lit(reference)})
        ORDER BY t.id`,
      txRow,
      { operation: 'orderPresence' },
    );
    const found = rows.map((r) => {
      const code = (r.status ?? '').replace(/^SalesOrd:/, '');
      const presence = SO_STATUS[code];
      if (!presence)
        throw badResponse(
          { system: SYSTEM, operation: 'orderPresence' },
          `sales order ${r.id} for ${reference} has status "${r.status ?? ''}"`,
        );
      return presence;
    });
    return RANK.find((p) => found.includes(p)) ?? 'absent';
  }

  /** The transaction of this type already carrying the reference as external id, if any. */
  private async existing(type: WriteType, reference: string, ctx: { sku: string; location: string }) {
    const rows = await this.client.suiteqlAll(
      `SELECT t.id FROM transaction t WHERE t.type = '${TRAN_TYPE[type]}' AND t.externalid = ${lit(reference)}`,
      txRow.pick({ id: true }),
      { operation: `${type} lookup`, ...ctx },
    );
    return rows[0]?.id;
  }

  /** The item to write to: kits hold no stock of their own in NetSuite. */
  private async stockItem(sku: string, op: string, location: string): Promise<NsItem> {
    const item = await this.catalog.item(sku, op);
    if (isKitType(item.type))
      throw invalid(
        op,
        { sku, location },
        `NetSuite item ${sku} is a Kit/Package and holds no stock of its own: adjust or move its components`,
      );
    return item;
  }

  async adjust(a: {
    sku: string;
    location: string;
    delta: number;
    reference: string;
    reason?: string;
  }): Promise<ErpWriteResult> {
    const op = 'inventoryAdjustment upsert';
    const ctx = { sku: a.sku, location: a.location };
    if (!Number.isInteger(a.delta) || a.delta === 0)
      throw invalid(op, ctx, `an adjustment needs a non-zero whole number of units (got ${a.delta})`);
    if (a.reference.trim() === '') throw invalid(op, ctx, 'an adjustment needs an idempotency reference');
    const account = this.opts.adjustmentAccountId;
    if (!account)
      throw invalid(
        op,
        ctx,
        'NetSuite inventory adjustments post to a GL account: set erp.adjustmentAccount (the account internal id)',
      );
    const done = await this.existing('inventoryAdjustment', a.reference, ctx);
    if (done !== undefined) return { applied: false, id: done };
    const item = await this.stockItem(a.sku, op, a.location);
    const loc = (await this.catalog.resolveLocations([a.location], a.sku)).get(a.location);
    if (!loc) throw invalid(op, ctx, 'location did not resolve');
    const memo = `invsync ${a.reason ?? 'adjustment'} ${a.reference}`;
    const { id } = await this.client.upsert(
      'inventoryAdjustment',
      a.reference,
      {
        ...(loc.subsidiary ? { subsidiary: { id: loc.subsidiary } } : {}),
        account: { id: account },
        adjLocation: { id: loc.erpId },
        memo,
        inventory: {
          items: [{ item: { id: item.id }, location: { id: loc.erpId }, adjustQtyBy: a.delta, memo }],
        },
      },
      { operation: op, ...ctx },
    );
    return { applied: true, id };
  }

  async transfer(t: {
    sku: string;
    qty: number;
    from: string;
    to: string;
    reference: string;
  }): Promise<ErpWriteResult> {
    const op = 'inventoryTransfer upsert';
    const ctx = { sku: t.sku, location: t.from };
    if (!Number.isInteger(t.qty) || t.qty <= 0)
      throw invalid(op, ctx, `a transfer needs a positive whole number of units (got ${t.qty})`);
    if (t.from === t.to)
      throw invalid(op, ctx, `a transfer needs two different locations (both are ${t.from})`);
    if (t.reference.trim() === '') throw invalid(op, ctx, 'a transfer needs an idempotency reference');
    const done = await this.existing('inventoryTransfer', t.reference, ctx);
    if (done !== undefined) return { applied: false, id: done };
    const item = await this.stockItem(t.sku, op, t.from);
    const locs = await this.catalog.resolveLocations([t.from, t.to], t.sku);
    const from = locs.get(t.from);
    const to = locs.get(t.to);
    if (!from || !to) throw invalid(op, ctx, 'location did not resolve');
    const { id } = await this.client.upsert(
      'inventoryTransfer',
      t.reference,
      {
        ...(from.subsidiary ? { subsidiary: { id: from.subsidiary } } : {}),
        location: { id: from.erpId },
        transferLocation: { id: to.erpId },
        memo: `invsync transfer ${t.reference} to ${t.to}`,
        inventory: { items: [{ item: { id: item.id }, adjustQtyBy: t.qty }] },
      },
      { operation: `${op} to ${t.to}`, ...ctx },
    );
    return { applied: true, id };
  }
}
