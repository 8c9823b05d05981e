/**
 * Shopify's calculated query cost and its leaky bucket (shopify.dev "GraphQL Admin API rate limits").
 *
 * Cost rules: a scalar or enum costs 0; an object 1; a connection 2 plus its page size (`first`/`last`) times the
 * cost of one node; a mutation field 10 (its payload is not charged). The requested cost is computed before
 * execution from the page sizes asked for; the actual cost the same way from the rows returned. A query over 1000
 * is refused (MAX_COST_EXCEEDED). The bucket is charged the requested cost, then refunded the difference.
 *
 * Plan: Standard Shopify, whose responses report a 2000-point bucket restored at 100 points a second
 * (`maximumAvailable: 2000.0, restoreRate: 100.0`). Other plans restore faster (Advanced 200, Plus 1000,
 * Enterprise 2000 a second); pass `plan` to `startShopify` to rehearse one.
 */
import {
  getArgumentValues,
  getNamedType,
  isLeafType,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import {
  collectFields,
  connectionNodeType,
  fieldDef,
  fragmentsOf,
  isConnection,
  namedParent,
  subField,
  type CollectedField,
  type FieldParent,
  type Fragments,
} from './selection';

export const MAX_QUERY_COST = 1000;
const OBJECT_COST = 1;
const CONNECTION_COST = 2;
const MUTATION_COST = 10;

export interface Plan {
  maximumAvailable: number;
  restoreRate: number;
}

export const STANDARD_PLAN: Plan = { maximumAvailable: 2000, restoreRate: 100 };

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** A leaky bucket per app and shop. Time comes from the world's clock so tests can freeze or advance it. */
export class CostBucket {
  private level: number;
  private last: number;

  constructor(
    readonly plan: Plan,
    private readonly now: () => number,
  ) {
    this.level = plan.maximumAvailable;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.level = Math.min(
      this.plan.maximumAvailable,
      this.level + ((t - this.last) / 1000) * this.plan.restoreRate,
    );
    this.last = t;
  }

  /** Charges `cost` if that much is available (Shopify throttles a query whose requested cost exceeds what is left). */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.level + 1e-9) return false;
    this.level -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.level = Math.min(this.plan.maximumAvailable, this.level + Math.max(0, points));
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.plan.maximumAvailable,
      currentlyAvailable: Math.floor(this.level),
      restoreRate: this.plan.restoreRate,
    };
  }
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Fragments;
  variables: Record<string, unknown>;
}

function pageSize(w: Walk, parent: FieldParent, node: FieldNode): number {
  const def = fieldDef(parent, node.name.value);
  if (!def) return 0;
  try {
    const args = getArgumentValues(def, node, w.variables);
    const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : 0;
    return Math.max(0, size);
  } catch {
    return 0; // invalid arguments fail execution anyway
  }
}

/** The selections that describe one node of a connection: `edges { node { … } }` and/or `nodes { … }`. */
function nodeSelections(
  w: Walk,
  conn: CollectedField,
): { edges?: SelectionSetNode; nodes?: SelectionSetNode; nodeType?: FieldParent } {
  const def = fieldDef(conn.parent, conn.node.name.value);
  const connType = def && getNamedType(def.type);
  if (!connType || !isConnection(connType)) return {};
  const nodeType = connectionNodeType(connType);
  const edges = subField(w.schema, conn.node, connType, 'edges', w.fragments);
  const edgeType = edges && namedParent(getNamedType(connType.getFields().edges?.type ?? connType));
  const edgeNode =
    edges && edgeType ? subField(w.schema, edges.node, edgeType, 'node', w.fragments) : undefined;
  const nodes = subField(w.schema, conn.node, connType, 'nodes', w.fragments);
  return { edges: edgeNode?.node.selectionSet, nodes: nodes?.node.selectionSet, nodeType };
}

function requested(w: Walk, set: SelectionSetNode | undefined, parent: FieldParent): number {
  let total = 0;
  const isMutation = parent === w.schema.getMutationType();
  for (const f of collectFields(w.schema, set, parent, w.fragments)) {
    const def = fieldDef(f.parent, f.node.name.value);
    if (!def || f.node.name.value.startsWith('__')) continue;
    if (isMutation) {
      total += MUTATION_COST;
      continue;
    }
    const named = getNamedType(def.type);
    if (isLeafType(named)) continue;
    if (isConnection(named)) {
      const { edges, nodes, nodeType } = nodeSelections(w, f);
      const perNode = nodeType
        ? Math.max(
            edges ? OBJECT_COST + requested(w, edges, nodeType) : 0,
            nodes ? OBJECT_COST + requested(w, nodes, nodeType) : 0,
          )
        : 0;
      total += CONNECTION_COST + pageSize(w, f.parent, f.node) * perNode;
      continue;
    }
    const sub = namedParent(named);
    total += OBJECT_COST + (sub ? requested(w, f.node.selectionSet, sub) : 0);
  }
  return total;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function actual(
  w: Walk,
  set: SelectionSetNode | undefined,
  parent: FieldParent,
  data: Record<string, unknown> | undefined,
): number {
  let total = 0;
  const isMutation = parent === w.schema.getMutationType();
  for (const f of collectFields(w.schema, set, parent, w.fragments)) {
    const def = fieldDef(f.parent, f.node.name.value);
    if (!def || f.node.name.value.startsWith('__')) continue;
    if (isMutation) {
      total += MUTATION_COST;
      continue;
    }
    const named = getNamedType(def.type);
    if (isLeafType(named)) continue;
    const value = data?.[f.key];
    if (isConnection(named)) {
      const { edges, nodes, nodeType } = nodeSelections(w, f);
      const conn = record(value);
      const edgeRows = Array.isArray(conn?.edges) ? conn.edges.map((e) => record(record(e)?.node)) : [];
      const nodeRows = Array.isArray(conn?.nodes) ? conn.nodes.map(record) : [];
      const sum = (sel: SelectionSetNode | undefined, rows: (Record<string, unknown> | undefined)[]) =>
        sel && nodeType ? rows.reduce((acc, r) => acc + OBJECT_COST + actual(w, sel, nodeType, r), 0) : 0;
      total += conn ? CONNECTION_COST + Math.max(sum(edges, edgeRows), sum(nodes, nodeRows)) : 0;
      continue;
    }
    const sub = namedParent(named);
    // A list of objects (e.g. `quantities`) is charged as one object, as its requested cost was.
    const first = Array.isArray(value) ? record(value[0]) : record(value);
    total += OBJECT_COST + (sub && first ? actual(w, f.node.selectionSet, sub, first) : 0);
  }
  return total;
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode): FieldParent | undefined {
  return (operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()) ?? undefined;
}

export function requestedQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const root = rootType(schema, operation);
  return root
    ? requested({ schema, fragments: fragmentsOf(document), variables }, operation.selectionSet, root)
    : 0;
}

export function actualQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: unknown,
): number {
  const root = rootType(schema, operation);
  return root
    ? actual(
        { schema, fragments: fragmentsOf(document), variables: {} },
        operation.selectionSet,
        root,
        record(data),
      )
    : 0;
}
