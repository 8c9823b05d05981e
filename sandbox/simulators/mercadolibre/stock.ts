/**
 * Distributed stock per user product: `GET /user-products/{id}/stock` answers the locations with the `x-version`
 * header; `PUT .../stock/type/{type}` must echo that version (missing: 400, stale: 409) and answers 204.
 * Both count against the resource's own limit (~100 RPM) under production limits.
 */
import type { FastifyInstance, FastifyRequest } from '../../http';
import { findProduct, renderStock, upVersion } from './catalog';
import { badRequest, cause, forbidden, mlError } from './errors';
import { authed, ok, type Deps, type Seller } from './route';
import { planStockUpdate } from './updates';

function locate(deps: Deps, seller: Seller, upId: string) {
  const found = findProduct(seller.channel, upId);
  if (found) return found;
  for (const ch of deps.ctx.world.channels.values())
    if (ch.kind === 'mercadolibre' && ch.id !== seller.channel.id && findProduct(ch, upId))
      throw forbidden(`The caller is not the owner of user product ${upId}`);
  throw mlError(404, 'not_found', `User product ${upId} not found`);
}

function requestedVersion(req: FastifyRequest): number {
  const raw = req.headers['x-version'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '')
    throw badRequest('The x-version header is required', [
      cause('stock.x_version.required', 'Send the x-version returned by GET /user-products/{id}/stock'),
    ]);
  if (!/^\d+$/.test(value.trim()))
    throw badRequest('Invalid x-version header', [
      cause('stock.x_version.invalid', 'x-version must be a number'),
    ]);
  return Number(value.trim());
}

export function registerStock(app: FastifyInstance, deps: Deps): void {
  const { world } = deps.ctx;

  authed(app, deps, {
    method: 'GET',
    url: '/user-products/:id/stock',
    endpoint: 'GET /user-products/{id}/stock',
    resource: 'user-products',
    handler: ({ req, seller }) => {
      const { item, product } = locate(deps, seller, (req.params as { id: string }).id);
      return ok(renderStock(item, product, seller.userId), { 'x-version': String(upVersion(product)) });
    },
  });

  authed(app, deps, {
    method: 'PUT',
    url: '/user-products/:id/stock/type/:type',
    endpoint: 'PUT /user-products/{id}/stock/type/{type}',
    resource: 'user-products',
    handler: ({ req, seller, gate }) => {
      const params = req.params as { id: string; type: string };
      const { item, product } = locate(deps, seller, params.id);
      const version = requestedVersion(req);
      const changes = planStockUpdate(item, product, params.type, req.body);
      const current = upVersion(product);
      // Optimistic concurrency: someone (a sale, a person, another worker) changed the stock since the caller read it.
      if (version !== current)
        throw mlError(409, 'conflict', `Version mismatch for user product ${product.userProductId}`, [
          cause(
            'stock.version_mismatch',
            'The stock changed since it was read: GET it again and retry with the new x-version',
          ),
        ]);
      if (!gate.drop) for (const c of changes) world.setShows(seller.channel.id, c.listing, c.qty, 'api');
      return { status: 204 };
    },
  });
}
