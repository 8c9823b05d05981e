/**
 * Distributed stock per user product: `GET /user-products/{id}/stock` answers the locations and an `x-version`
 * header; `PUT /user-products/{id}/stock/type/{selling_address|seller_warehouse}` must echo that version and
 * answers 409 when the stock changed since (a sale, a person, another worker). The last version read is
 * remembered per user product, so a write right after a read costs one call; it is forgotten after a write
 * (Mercado Libre does not return the new one). This resource has its own limit (~100 calls a minute per seller),
 * which is why the adapter reads it only for stock the item alone cannot describe.
 */
import type { MlContext } from './errors';
import type { MlHttp } from './http';
import { stockAnswer, xVersion, type StockLocation } from './schemas';
import { parse } from './wire';

export interface UpStock {
  id: string;
  version: string;
  locations: StockLocation[];
}

export type StockWrite =
  | { type: 'selling_address'; quantity: number }
  | {
      type: 'seller_warehouse';
      locations: { store_id?: string | undefined; network_node_id?: string | undefined; quantity: number }[];
    };

const path = (id: string) => `/user-products/${encodeURIComponent(id)}/stock`;

export class UserProducts {
  private seen = new Map<string, UpStock>();

  constructor(private readonly http: MlHttp) {}

  async read(id: string, c: MlContext): Promise<UpStock> {
    const ctx = { ...c, operation: 'GET /user-products/{id}/stock' };
    const res = await this.http.send({ method: 'GET', path: path(id), ctx });
    const body = parse(stockAnswer, res.json, ctx);
    const version = parse(xVersion, res.headers.get('x-version'), {
      ...ctx,
      operation: `${ctx.operation} x-version`,
    });
    const s: UpStock = { id, version, locations: body.locations };
    this.seen.set(id, s);
    return s;
  }

  /** The stock and x-version last read, if no write has happened since. */
  remembered(id: string): UpStock | undefined {
    return this.seen.get(id);
  }

  /** True when written (204); false on 409, the version was stale. */
  async write(id: string, w: StockWrite, version: string, c: MlContext): Promise<boolean> {
    const { type, ...body } = w;
    const res = await this.http.send({
      method: 'PUT',
      path: `${path(id)}/type/${type}`,
      json: body,
      headers: { 'x-version': version },
      allow: [409],
      ctx: { ...c, operation: `PUT /user-products/{id}/stock/type/${type}` },
    });
    // Written or not, the version we hold is no longer the current one.
    this.seen.delete(id);
    return res.status !== 409;
  }
}
