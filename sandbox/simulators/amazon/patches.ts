/**
 * Listings patches (`patchListingsItem` and `PATCH` messages of a `JSON_LISTINGS_FEED`) reduced to what the world
 * models: the FBM quantity in `/attributes/fulfillment_availability`. A patch Amazon would refuse is not an HTTP error
 * but an INVALID submission with issues (apis.md 4.2): a negative or missing quantity, a path this sandbox does not
 * model, or an attempt to set Amazon-fulfilled (FBA) stock, which is Amazon's.
 */
import { z } from 'zod';
import type { Listing } from '../../world';

export const patchOperation = z.object({
  op: z.enum(['add', 'replace', 'merge', 'delete']),
  path: z.string(),
  value: z.array(z.record(z.string(), z.unknown())).optional(),
});

export type PatchOperation = z.output<typeof patchOperation>;

export interface Issue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames: string[];
  categories: string[];
}

export interface PatchPlan {
  issues: Issue[];
  /** The FBM quantity the patches set; undefined when they leave it alone. */
  quantity?: number | undefined;
}

const FULFILLMENT_PATH = '/attributes/fulfillment_availability';
const ATTRIBUTE = 'fulfillment_availability';

/** Amazon's generic "attributes are invalid" code, the only issue code its models document (90000900). */
const invalid = (message: string, attribute = ATTRIBUTE): Issue => ({
  code: '90000900',
  message,
  severity: 'ERROR',
  attributeNames: [attribute],
  categories: ['INVALID_ATTRIBUTE'],
});

/** The SKU's merchant-fulfilled and Amazon-fulfilled offers in the world. */
export interface SkuListings {
  fbm?: Listing | undefined;
  fba?: Listing | undefined;
}

export function planPatches(sku: string, listings: SkuListings, patches: PatchOperation[]): PatchPlan {
  const issues: Issue[] = [];
  let quantity: number | undefined;
  for (const p of patches) {
    if (p.path !== FULFILLMENT_PATH) {
      const name = /^\/attributes\/([A-Za-z0-9_]+)$/.exec(p.path)?.[1];
      issues.push(
        invalid(
          name === undefined
            ? `The path '${p.path}' is not a valid attribute path.`
            : `The attribute '${name}' is not modelled by the invsync sandbox; only ${ATTRIBUTE} can be patched.`,
          name ?? p.path,
        ),
      );
      continue;
    }
    if (p.op === 'delete') {
      quantity = 0;
      continue;
    }
    const value = p.value ?? [];
    if (value.length === 0) {
      issues.push(invalid(`'${ATTRIBUTE}' requires a value for operation '${p.op}'.`));
      continue;
    }
    for (const entry of value) {
      const result = entryQuantity(sku, listings, p.op, entry);
      if (typeof result === 'object') issues.push(result);
      else if (result !== undefined) quantity = result;
    }
  }
  return { issues, quantity: issues.length > 0 ? undefined : quantity };
}

function entryQuantity(
  sku: string,
  listings: SkuListings,
  op: string,
  entry: Record<string, unknown>,
): number | undefined | Issue {
  const code = entry.fulfillment_channel_code;
  if (typeof code !== 'string' || code === '')
    return invalid(
      `'fulfillment_channel_code' is required in '${ATTRIBUTE}'${op === 'merge' ? ' to select the entry to merge' : ''}.`,
    );
  if (code !== 'DEFAULT')
    return invalid(
      `The quantity of Amazon-fulfilled inventory (${code}) is managed by Amazon and cannot be set for SKU '${sku}'.`,
    );
  if (!listings.fbm)
    return invalid(
      `SKU '${sku}' is fulfilled by Amazon; its quantity cannot be set with fulfillment_channel_code DEFAULT.`,
    );
  const q = entry.quantity;
  if (q === undefined)
    return op === 'merge' ? undefined : invalid(`'quantity' is required in '${ATTRIBUTE}'.`);
  if (typeof q !== 'number' || !Number.isInteger(q) || q < 0)
    return invalid(
      `The value '${String(q)}' for 'quantity' in '${ATTRIBUTE}' must be a non-negative integer.`,
    );
  return q;
}
