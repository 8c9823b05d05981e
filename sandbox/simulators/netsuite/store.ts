/**
 * The transaction records created through the REST API (inventory adjustments and transfers). Their stock effect
 * lives in the world; this keeps the documents themselves so they can be read back (`GET /record/v1/...`) and found
 * by SuiteQL on `transaction` / `transactionline`. Cleared when the world is reset.
 */

export interface AdjustmentLine {
  item: number;
  location: number;
  adjustQtyBy: number;
  memo?: string | undefined;
}

export interface TransferLine {
  item: number;
  adjustQtyBy: number;
  description?: string | undefined;
}

interface RecordBase {
  id: number;
  externalId?: string | undefined;
  tranDate: string;
  memo?: string | undefined;
  subsidiary?: string | undefined;
  created: number;
  modified: number;
}

export interface InventoryAdjustmentRecord extends RecordBase {
  type: 'inventoryAdjustment';
  account: string;
  adjLocation?: number | undefined;
  lines: AdjustmentLine[];
}

export interface InventoryTransferRecord extends RecordBase {
  type: 'inventoryTransfer';
  location: number;
  transferLocation: number;
  lines: TransferLine[];
}

export type StoredRecord = InventoryAdjustmentRecord | InventoryTransferRecord;
export type WritableType = StoredRecord['type'];

export class RecordStore {
  private readonly byId = new Map<number, StoredRecord>();
  private readonly byExternalId = new Map<string, number>();
  /** Transaction internal ids; far above the world's own ids so sales orders and these never collide. */
  private seq = 100_001;

  nextId(): number {
    return this.seq++;
  }

  add(r: StoredRecord): void {
    this.byId.set(r.id, r);
    if (r.externalId !== undefined) this.byExternalId.set(`${r.type}\u0000${r.externalId}`, r.id);
  }

  get(type: string, id: number): StoredRecord | undefined {
    const r = this.byId.get(id);
    return r?.type === type ? r : undefined;
  }

  byExternal(type: string, externalId: string): StoredRecord | undefined {
    const id = this.byExternalId.get(`${type}\u0000${externalId}`);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): StoredRecord[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.byExternalId.clear();
  }
}
