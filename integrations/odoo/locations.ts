/**
 * Odoo's internal stock locations, named as the config names them (`complete_name`, e.g. `WH1/Stock`). Read once
 * and kept: locations change rarely, and a name not found is looked up again once before it is refused.
 * `parent_path` ("1/7/8/") tells which configured location a quant in a child location belongs to.
 */
import type { ErpLocationRef } from '../types';
import { unmappedLocation } from './problems';
import type { OdooRpc } from './rpc';
import { locationRow, searchRead } from './schemas';

export interface OdooLocation {
  id: number;
  name: string;
  warehouseId: number | undefined;
  warehouse: string | undefined;
  /** Its own id and every ancestor's. */
  path: ReadonlySet<number>;
}

export class LocationIndex {
  private loaded: Promise<Map<string, OdooLocation>> | undefined;

  constructor(private readonly rpc: OdooRpc) {}

  private load(): Promise<Map<string, OdooLocation>> {
    this.loaded ??= searchRead(
      this.rpc,
      'stock.location',
      [['usage', '=', 'internal']],
      ['complete_name', 'warehouse_id', 'parent_path'],
      locationRow,
      { order: 'id' },
    )
      .then(
        (rows) =>
          new Map(
            rows.map((r): [string, OdooLocation] => [
              r.complete_name,
              {
                id: r.id,
                name: r.complete_name,
                warehouseId: r.warehouse_id ? r.warehouse_id[0] : undefined,
                warehouse: r.warehouse_id ? r.warehouse_id[1] : undefined,
                path: new Set(
                  [...(r.parent_path || '').split('/').filter(Boolean).map(Number), r.id].filter(
                    Number.isInteger,
                  ),
                ),
              },
            ]),
          ),
      )
      .catch((e: unknown) => {
        this.loaded = undefined;
        throw e;
      });
    return this.loaded;
  }

  async all(): Promise<OdooLocation[]> {
    return [...(await this.load()).values()];
  }

  async refs(): Promise<ErpLocationRef[]> {
    return (await this.all()).map((l) => ({
      id: l.name,
      erpId: String(l.id),
      warehouse: l.warehouse,
      internal: true,
    }));
  }

  /** The configured names as Odoo locations; a name Odoo does not have is UNMAPPED_LOCATION. */
  async resolve(
    names: readonly string[],
    sku: string | undefined,
    operation: string,
  ): Promise<OdooLocation[]> {
    let byName = await this.load();
    if (names.some((n) => !byName.has(n))) {
      // Created since we read them? Read once more before refusing.
      this.loaded = undefined;
      byName = await this.load();
    }
    return names.map((n) => {
      const loc = byName.get(n);
      if (!loc) throw unmappedLocation(n, sku, operation);
      return loc;
    });
  }

  /**
   * Which requested locations a quant's location counts for (itself or an ancestor, as `child_of` selected it).
   * A location created after the index was read makes it read again, once.
   */
  async attribution(
    requested: readonly OdooLocation[],
    quantLocationIds: Iterable<number>,
  ): Promise<(locationId: number) => OdooLocation[]> {
    let byId = await this.byId();
    if ([...quantLocationIds].some((i) => !byId.has(i))) {
      this.loaded = undefined;
      byId = await this.byId();
    }
    return (locationId) => {
      const path = byId.get(locationId)?.path ?? new Set([locationId]);
      return requested.filter((r) => path.has(r.id));
    };
  }

  private async byId(): Promise<Map<number, OdooLocation>> {
    return new Map([...(await this.load()).values()].map((l) => [l.id, l]));
  }
}
