/**
 * Helpers for the Shopify contract test: the real `@shopify/admin-api-client` pointed at the simulator (through
 * its documented `customFetchApi` knob, since it forces https), a webhook receiver, and the GraphQL documents.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminApiClient } from '@shopify/admin-api-client';

export const L1 = 'gid://shopify/Location/1';
export const L2 = 'gid://shopify/Location/2';

/** apis.md finding 0.2: the client always builds an https:// URL; the simulator speaks plain http. */
export function adminClient(port: number, accessToken: string, apiVersion = '2026-04', retries = 0) {
  return createAdminApiClient({
    storeDomain: `127.0.0.1:${port}`,
    apiVersion,
    accessToken,
    retries,
    customFetchApi: (url, init) => fetch(url.replace(/^https:/, 'http:'), init as RequestInit),
    // Versions outside the client's date-based list only log a warning; keep the test output clean.
    logger: () => undefined,
  });
}

export interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on an ephemeral port; `failFirst` answers 500 to the first delivery of a topic. */
export async function webhookReceiver() {
  const received: Received[] = [];
  const failFirst = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      const topic = String(req.headers['x-shopify-topic']);
      if (failFirst.delete(topic)) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failFirst,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const VARIANTS_BY_SKU = `query Variants($query: String!) {
  productVariants(first: 10, query: $query) {
    edges { cursor node { id sku inventoryItem { id tracked } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const LEVELS = `query Levels($id: ID!, $loc: ID!) {
  inventoryItem(id: $id) {
    id
    sku
    inventoryLevels(first: 10) {
      nodes {
        id
        location { id name isActive }
        quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity }
        updatedAt
      }
    }
    inventoryLevel(locationId: $loc) { id quantities(names: ["available"]) { name quantity } }
  }
  locations(first: 10) { nodes { id name isActive } }
}`;

export const SET = `mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup {
      id
      createdAt
      reason
      referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }
}`;

export const SET_WITHOUT_KEY = `mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}`;

export const ADJUST = `mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id createdAt changes { name delta } }
    userErrors { field message code }
  }
}`;

export const RUN_BULK = `mutation Bulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

export const BULK_STATUS = `query Poll {
  currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl completedAt }
}`;

export const BULK_VARIANT_LEVELS = `{
  productVariants {
    edges {
      node {
        id
        sku
        inventoryItem {
          id
          inventoryLevels {
            edges { node { id location { id } quantities(names: ["available"]) { name quantity } } }
          }
        }
      }
    }
  }
}`;
