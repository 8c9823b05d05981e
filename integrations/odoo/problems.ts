/** The permanent problems the adapter itself finds, worded for the operator who has to fix them. */
import { IntegrationError, where, type ErrorCode } from '../errors';

interface At {
  sku?: string | undefined;
  location?: string | undefined;
  operation: string;
}

const problem = (code: ErrorCode, at: At, message: string) =>
  new IntegrationError({ system: 'odoo', code, message, ...at });

export const unlinkedSku = (sku: string, operation: string) =>
  problem(
    'UNLINKED_SKU',
    { sku, operation },
    sku.trim() === ''
      ? 'A blank SKU has no linked Odoo product: give the product an Internal Reference'
      : `SKU ${sku} has no linked Odoo product`,
  );

export const duplicateSku = (sku: string, productIds: readonly number[], operation: string) =>
  problem(
    'DUPLICATE_SKU',
    { sku, operation },
    `SKU ${sku} is the Internal Reference of ${productIds.length} Odoo products (product.product ${productIds.join(', ')}): keep it on one product`,
  );

export const unmappedLocation = (location: string, sku: string | undefined, operation: string) =>
  problem(
    'UNMAPPED_LOCATION',
    { sku, location, operation },
    `${where({ sku })}Odoo location ${location} does not exist (check erp.locations)`,
  );

export const insufficientStock = (at: At, message: string) =>
  problem('INSUFFICIENT_STOCK', at, `${where(at)}${message}`);

export const invalidRequest = (at: At, message: string) =>
  problem('INVALID_REQUEST', at, `${where(at)}${message}`);

export const rejected = (at: At, message: string) =>
  problem('UPSTREAM_REJECTED', at, `${where(at)}${message}`);
