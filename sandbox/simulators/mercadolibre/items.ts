/** Items: read one, read many (multiget), write stock on an item or its variations. */
import type { FastifyInstance } from '../../http';
import { findItem, itemsOf, pickAttributes, renderItem, type Pending } from './catalog';
import { badRequest, forbidden, itemNotFound } from './errors';
import { authed, ok, type Deps } from './route';
import { itemQuery, itemUpdateSchema, multigetQuery, parseBody, parseQuery } from './schemas';
import { planItemUpdate } from './updates';

/** Multiget answers at most this many ids per call. */
const MULTIGET_MAX = 20;

const idParam = (params: unknown): string => (params as { id: string }).id;

export function registerItems(app: FastifyInstance, deps: Deps): void {
  const { world, credentials } = deps.ctx;

  authed(app, deps, {
    method: 'GET',
    url: '/items/:id',
    endpoint: 'GET /items/{id}',
    handler: ({ req, seller }) => {
      const id = idParam(req.params);
      const q = parseQuery(itemQuery, req.query);
      const item = findItem(world, seller.channel, id);
      if (!item) throw itemNotFound(id);
      return ok(pickAttributes(renderItem(world, credentials, item), q.attributes));
    },
  });

  authed(app, deps, {
    method: 'GET',
    url: '/items',
    endpoint: 'GET /items',
    handler: ({ req, seller }) => {
      const q = parseQuery(multigetQuery, req.query);
      const ids = q.ids
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length > MULTIGET_MAX) throw badRequest(`Max ${MULTIGET_MAX} ids allowed per request`);
      return ok(
        ids.map((id) => {
          const item = findItem(world, seller.channel, id);
          return item
            ? { code: 200, body: pickAttributes(renderItem(world, credentials, item), q.attributes) }
            : { code: 404, body: itemNotFound(id).reply.body };
        }),
      );
    },
  });

  authed(app, deps, {
    method: 'PUT',
    url: '/items/:id',
    endpoint: 'PUT /items/{id}',
    handler: ({ req, seller, gate }) => {
      const id = idParam(req.params);
      const item = itemsOf(seller.channel).find((i) => i.id === id);
      if (!item) {
        if (findItem(world, seller.channel, id))
          throw forbidden(`The caller is not the seller of item ${id}`);
        throw itemNotFound(id);
      }
      const changes = planItemUpdate(item, parseBody(itemUpdateSchema, req.body, 'item', 'validation_error'));
      const pending: Pending = new Map(changes.map((c) => [c.listing, c.qty]));
      // A silent drop answers with what the item would have become, and changes nothing.
      if (!gate.drop) for (const c of changes) world.setShows(seller.channel.id, c.listing, c.qty, 'api');
      return ok(renderItem(world, credentials, item, gate.drop ? pending : undefined));
    },
  });
}
