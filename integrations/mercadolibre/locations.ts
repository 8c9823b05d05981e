/**
 * Channel locations as the config names them, and Mercado Libre's stock locations. A user product's stock sits at
 * `selling_address` (the seller's own address), at `meli_facility` (Full, Mercado Libre's warehouses) or, for a
 * multi-origin seller, at `seller_warehouse` stores. The config names a store by its network node id, its store id
 * or `seller_warehouse:<store_id>`; a store the config does not name is reported as `seller_warehouse:<store_id>`
 * so reconciliation and the audit show it as an unmapped location.
 */
import type { StockLocation } from './schemas';

export const SELLING_ADDRESS = 'selling_address';
export const FULL = 'meli_facility';
export const SELLER_WAREHOUSE = 'seller_warehouse';

export class Locations {
  private readonly ids: Set<string>;
  /** Where a listing that has one quantity (no distributed stock) shows it: the config's first location. */
  readonly plain: string;
  /**
   * A config that names locations other than `selling_address` declares a multi-origin seller: their stock lives
   * per store in the user-products API only, so every user product's stock is read there.
   */
  readonly multiOrigin: boolean;

  constructor(config: readonly { id: string }[]) {
    this.ids = new Set(config.map((l) => l.id));
    this.plain = config[0]?.id ?? SELLING_ADDRESS;
    this.multiOrigin = config.some((l) => l.id !== SELLING_ADDRESS);
  }

  has(name: string): boolean {
    return this.ids.has(name);
  }

  /** The config's name of a stock location. */
  nameOf(l: StockLocation): string {
    if (l.type !== SELLER_WAREHOUSE) return l.type;
    const store = l.store_id ?? undefined;
    const node = l.network_node_id ?? undefined;
    const candidates = [store && `${SELLER_WAREHOUSE}:${store}`, store, node].filter(
      (x): x is string => typeof x === 'string' && x !== '',
    );
    return candidates.find((c) => this.ids.has(c)) ?? `${SELLER_WAREHOUSE}:${store ?? node ?? '?'}`;
  }

  /** The stock location a config name denotes, among a user product's locations. */
  find(stock: readonly StockLocation[], name: string): StockLocation | undefined {
    return stock.find((l) => this.nameOf(l) === name);
  }
}
