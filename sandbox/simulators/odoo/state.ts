/**
 * What Odoo holds that the world does not model: the version it impersonates, quant ids (a quant that reaches
 * zero is garbage-collected and a new one gets a new id), pending inventory counts, and internal transfers
 * (pickings and their moves) until they are validated into `world.transfer`.
 */
import type { OdooVersion } from './version';

export type PickingState = 'draft' | 'confirmed' | 'assigned' | 'done' | 'cancel';
export type MoveState = 'draft' | 'confirmed' | 'partially_available' | 'assigned' | 'done' | 'cancel';

export interface PickingMove {
  id: number;
  name: string;
  sku: string;
  productId: number;
  qty: number;
  /** Units this move holds reserved at its source (added to the world's `reserved` there). */
  reserved: number;
  from: string;
  to: string;
  state: MoveState;
  date: number;
  writeDate: number;
  /** The world's move once validated; the change feed shows this move in its place. */
  worldMoveId?: number;
}

export interface Picking {
  id: number;
  name: string;
  origin: string | false;
  typeId: number;
  from: string;
  to: string;
  state: PickingState;
  moves: PickingMove[];
  createdAt: number;
  writeDate: number;
  doneAt?: number;
}

export interface PendingCount {
  /** The counted quantity (`inventory_quantity`). */
  qty: number;
  /** The quant's quantity when the count was set: if it moved since, applying is a conflict (`is_outdated`). */
  baseline: number;
}

export class OdooState {
  quantIds = new Map<string, number>();
  pendingCounts = new Map<string, PendingCount>();
  pickings = new Map<number, Picking>();
  /** World move ids that belong to a picking's moves (hidden from the feed, which shows the picking's move). */
  pickingWorldMoves = new Set<number>();
  /** When the catalogue was (re)loaded: the write_date of records the world does not date. */
  epoch = 0;
  private nextQuant = 1;
  private nextPicking = 1;
  private nextMove = 100_001;
  private sequences = new Map<string, number>();

  constructor(
    public version: OdooVersion,
    /** The integration user's login (res.users). */
    readonly login: string,
  ) {}

  reset(now: number): void {
    this.quantIds.clear();
    this.pendingCounts.clear();
    this.pickings.clear();
    this.pickingWorldMoves.clear();
    this.sequences.clear();
    this.nextQuant = 1;
    this.nextPicking = 1;
    this.nextMove = 100_001;
    this.epoch = now;
  }

  quantId(key: string): number {
    let id = this.quantIds.get(key);
    if (id === undefined) this.quantIds.set(key, (id = this.nextQuant++));
    return id;
  }

  pickingId(): number {
    return this.nextPicking++;
  }

  moveId(): number {
    return this.nextMove++;
  }

  /** Odoo's `ir.sequence` for a picking type: WH/INT/00001. */
  nextName(prefix: string): string {
    const n = (this.sequences.get(prefix) ?? 0) + 1;
    this.sequences.set(prefix, n);
    return `${prefix}${String(n).padStart(5, '0')}`;
  }
}

/** The key of a quant and of the world's stock cell: `sku\0location`, as `world.stockWriteDate` uses. */
export const cellKey = (sku: string, location: string): string => `${sku}\u0000${location}`;
