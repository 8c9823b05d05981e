/**
 * One Admin GraphQL request, in Shopify's order: parse and validate (graphql-js), input-array cap (250), cost
 * (MAX_COST_EXCEEDED over 1000), the leaky bucket (THROTTLED, production limits only), then execution. Every
 * answer is HTTP 200 and carries `extensions.cost`; `actualQueryCost` is null when nothing ran.
 */
import {
  executeSync,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GqlContext } from './context';
import {
  actualQueryCost,
  MAX_QUERY_COST,
  requestedQueryCost,
  type CostBucket,
  type Plan,
  type ThrottleStatus,
} from './cost';
import { fieldDef } from './selection';

export const MAX_INPUT_SIZE = 250;

export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string | undefined;
}

export interface GraphqlAnswer {
  body: Record<string, unknown>;
  outcome: 'ok' | 'throttled' | 'error';
}

export interface Pipeline {
  schema: GraphQLSchema;
  plan: Plan;
  /** Present only under production rate limits; otherwise the bucket always reads full. */
  bucket: CostBucket | undefined;
  ctx: GqlContext;
}

/** The name calls are counted and faults targeted under: the operation's first root field (`inventorySetQuantities`). */
export function endpointName(query: string, operationName?: string): string {
  try {
    const op = getOperationAST(parse(query), operationName);
    const first = op?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
    return first && first.kind === Kind.FIELD ? first.name.value : 'graphql';
  } catch {
    return 'graphql';
  }
}

function throttleStatus(p: Pipeline): ThrottleStatus {
  return (
    p.bucket?.status() ?? {
      maximumAvailable: p.plan.maximumAvailable,
      currentlyAvailable: p.plan.maximumAvailable,
      restoreRate: p.plan.restoreRate,
    }
  );
}

function withCost(
  p: Pipeline,
  body: Record<string, unknown>,
  requested: number,
  actual: number | null,
): Record<string, unknown> {
  return {
    ...body,
    extensions: {
      cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(p) },
    },
  };
}

const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => e.toJSON());

/** Input lists longer than 250, anywhere in a root field's arguments (Shopify rejects them before running). */
function inputSizeErrors(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): GraphQLError[] {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const errors: GraphQLError[] = [];
  if (!root) return errors;
  for (const sel of operation.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    const def = fieldDef(root, sel.name.value);
    if (!def) continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(def, sel, variables);
    } catch {
      continue; // invalid arguments are reported by execution
    }
    const visit = (value: unknown, path: string[]) => {
      if (Array.isArray(value)) {
        if (value.length > MAX_INPUT_SIZE)
          errors.push(
            new GraphQLError(
              `The input array size of ${value.length} is greater than the maximum allowed of ${MAX_INPUT_SIZE}.`,
              {
                nodes: sel,
                path,
                extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
              },
            ),
          );
        else value.forEach((v) => visit(v, path));
      } else if (value !== null && typeof value === 'object')
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, [...path, k]);
    };
    for (const [name, value] of Object.entries(args))
      visit(value, [sel.alias?.value ?? sel.name.value, name]);
  }
  return errors;
}

export function runGraphql(p: Pipeline, req: GraphqlRequest): GraphqlAnswer {
  let document: DocumentNode;
  try {
    document = parse(req.query);
  } catch (e) {
    const error = e instanceof GraphQLError ? e : new GraphQLError(String(e));
    return { body: withCost(p, { errors: format([error]) }, 0, null), outcome: 'error' };
  }
  const invalid = validate(p.schema, document);
  if (invalid.length > 0)
    return { body: withCost(p, { errors: format(invalid) }, 0, null), outcome: 'error' };
  const operation = getOperationAST(document, req.operationName);
  if (!operation) {
    // graphql-js words the "which operation?" error itself.
    const result = executeSync({
      schema: p.schema,
      document,
      variableValues: req.variables,
      operationName: req.operationName,
      contextValue: p.ctx,
    });
    return { body: withCost(p, { errors: format(result.errors ?? []) }, 0, null), outcome: 'error' };
  }
  const coerced = getVariableValues(p.schema, operation.variableDefinitions ?? [], req.variables);
  if (coerced.errors)
    return { body: withCost(p, { errors: format(coerced.errors) }, 0, null), outcome: 'error' };
  const variables = coerced.coerced;

  const sizeErrors = inputSizeErrors(p.schema, operation, variables);
  const requested = requestedQueryCost(p.schema, document, operation, variables);
  if (sizeErrors.length > 0)
    return { body: withCost(p, { errors: format(sizeErrors) }, requested, null), outcome: 'error' };
  if (requested > MAX_QUERY_COST) {
    const message =
      `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\n` +
      'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\n' +
      'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
      'See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n';
    const error = {
      message,
      extensions: {
        code: 'MAX_COST_EXCEEDED',
        cost: requested,
        maxCost: MAX_QUERY_COST,
        documentation: 'https://shopify.dev/api/usage/limits#rate-limits',
      },
    };
    return { body: withCost(p, { errors: [error] }, requested, null), outcome: 'error' };
  }
  if (p.bucket && !p.bucket.take(requested)) {
    const error = {
      message: 'Throttled',
      extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
    };
    return { body: withCost(p, { errors: [error] }, requested, null), outcome: 'throttled' };
  }

  const result = executeSync({
    schema: p.schema,
    document,
    variableValues: req.variables,
    operationName: req.operationName,
    contextValue: p.ctx,
  });
  const actual = Math.min(requested, actualQueryCost(p.schema, document, operation, result.data));
  p.bucket?.refund(requested - actual);
  const body: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors?.length) body.errors = format(result.errors);
  return { body: withCost(p, body, requested, actual), outcome: result.errors?.length ? 'error' : 'ok' };
}
