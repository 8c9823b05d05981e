/**
 * The `@idempotent(key:)` directive (Shopify changelog "Making idempotency mandatory for inventory adjustments
 * and refund mutations", 2026-04). Required at runtime on the inventory mutations although the schema does not
 * mark it: without it the field fails with a top-level BAD_REQUEST. A replay with the same key and the same
 * arguments returns the first result and applies nothing; the same key with other arguments is refused with
 * IDEMPOTENCY_KEY_PARAMETER_MISMATCH. Keys are scoped to the shop (one app per shop in the sandbox).
 *
 * The same release makes `changeFromQuantity` mandatory on every quantity (explicit `null` skips the compare):
 * a quantity without the key fails with a top-level INVALID_FIELD_ARGUMENTS error.
 */
import { getDirectiveValues, GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { atLeast, type GqlContext } from './context';
import { stableJson } from './ids';

export const MANDATORY_FROM = '2026-04';

interface Entry {
  fingerprint: string;
  result: unknown;
}

export class IdempotencyStore {
  private entries = new Map<string, Entry>();

  /** Runs `apply` once per (shop, key); `mismatch` answers a reused key with different arguments. */
  run<T>(shop: string, key: string | undefined, fingerprint: string, apply: () => T, mismatch: () => T): T {
    if (key === undefined) return apply();
    const id = `${shop}\u0000${key}`;
    const seen = this.entries.get(id);
    if (seen) return seen.fingerprint === fingerprint ? (seen.result as T) : mismatch();
    const result = apply();
    this.entries.set(id, { fingerprint, result });
    return result;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The `key` of an `@idempotent` directive on the field being resolved, if any. */
export function idempotencyKey(info: GraphQLResolveInfo): string | undefined {
  const directive = info.schema.getDirective('idempotent');
  const node = info.fieldNodes[0];
  if (!directive || !node) return undefined;
  const values = getDirectiveValues(directive, node, info.variableValues);
  return typeof values?.key === 'string' ? values.key : undefined;
}

export const IDEMPOTENCY_MISMATCH = {
  field: null,
  message: 'The same idempotency key cannot be used with different operation parameters.',
  code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
};

export interface IdempotentMutation {
  /** The input type named in the missing-changeFromQuantity error (`InventoryQuantityInput`). */
  inputType: string;
  /** The list field of the input whose rows need `changeFromQuantity` (`quantities`). */
  rows: string;
}

/**
 * Wraps an inventory mutation resolver with the 2026-04 runtime rules: directive required, `changeFromQuantity`
 * present on every row, and key-based replay.
 */
export function idempotent<T>(
  spec: IdempotentMutation,
  apply: (ctx: GqlContext, input: unknown) => T,
  mismatch: () => T,
): (source: unknown, args: Record<string, unknown>, ctx: GqlContext, info: GraphQLResolveInfo) => T {
  return (_source, args, ctx, info) => {
    const key = idempotencyKey(info);
    const mandatory = atLeast(ctx.apiVersion, MANDATORY_FROM);
    if (mandatory && key === undefined)
      throw new GraphQLError(
        'The @idempotent directive is required for this mutation but was not provided.',
        {
          extensions: { code: 'BAD_REQUEST' },
        },
      );
    const input = args.input;
    const rows =
      input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[spec.rows] : undefined;
    if (
      mandatory &&
      Array.isArray(rows) &&
      rows.some((r) => r === null || typeof r !== 'object' || !('changeFromQuantity' in r))
    )
      throw new GraphQLError(`${spec.inputType} must include the following argument: changeFromQuantity.`, {
        extensions: { code: 'INVALID_FIELD_ARGUMENTS' },
      });
    const fingerprint = `${info.fieldName}:${stableJson(args)}`;
    return ctx.idempotency.run(ctx.channel.id, key, fingerprint, () => apply(ctx, input), mismatch);
  };
}
