/**
 * Walking a GraphQL document alongside the schema: field collection through fragments, connection detection.
 * Both the cost calculator and the bulk-operation JSONL writer need it.
 */
import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

export type Fragments = Record<string, FragmentDefinitionNode>;
export type FieldParent = GraphQLObjectType | GraphQLInterfaceType;

export interface CollectedField {
  node: FieldNode;
  /** The type the field is looked up on (the fragment's type condition when inside one). */
  parent: FieldParent;
  /** Response key: the alias, else the field name. */
  key: string;
}

export function fragmentsOf(document: DocumentNode): Fragments {
  const out: Fragments = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[d.name.value] = d;
  return out;
}

function asParent(t: GraphQLNamedType | undefined): FieldParent | undefined {
  return t && (isObjectType(t) || isInterfaceType(t)) ? t : undefined;
}

/** The fields of a selection set, fragments flattened (a fragment on another concrete type is skipped). */
export function collectFields(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode | undefined,
  parent: FieldParent,
  fragments: Fragments,
): CollectedField[] {
  const out: CollectedField[] = [];
  if (!selectionSet) return out;
  const visit = (set: SelectionSetNode, on: FieldParent, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        out.push({ node: s, parent: on, key: s.alias?.value ?? s.name.value });
        continue;
      }
      const frag = s.kind === Kind.INLINE_FRAGMENT ? s : fragments[s.name.value];
      if (!frag || (s.kind === Kind.FRAGMENT_SPREAD && seen.has(s.name.value))) continue;
      const cond = frag.typeCondition ? asParent(schema.getType(frag.typeCondition.name.value)) : on;
      if (!cond) continue;
      const applies =
        cond === on ||
        isAbstractType(on) ||
        (isInterfaceType(cond) && isObjectType(on) && on.getInterfaces().includes(cond));
      if (!applies) continue;
      const next = s.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, s.name.value]) : seen;
      visit(frag.selectionSet, isObjectType(cond) ? cond : on, next);
    }
  };
  visit(selectionSet, parent, new Set());
  return out;
}

export function fieldDef(parent: FieldParent, name: string): GraphQLField<unknown, unknown> | undefined {
  return parent.getFields()[name];
}

/** Shopify's Relay connections are the object types named `…Connection`. */
export function isConnection(t: GraphQLNamedType): t is GraphQLObjectType {
  return isObjectType(t) && t.name.endsWith('Connection');
}

/** The node type of a connection (`ProductVariantConnection` -> `ProductVariant`). */
export function connectionNodeType(connection: GraphQLObjectType): FieldParent | undefined {
  const nodes = connection.getFields().nodes;
  return nodes ? asParent(getNamedType(nodes.type)) : undefined;
}

/** The first sub-field called `name` of a field's selection (fragments included). */
export function subField(
  schema: GraphQLSchema,
  field: FieldNode,
  parent: FieldParent,
  name: string,
  fragments: Fragments,
): CollectedField | undefined {
  return collectFields(schema, field.selectionSet, parent, fragments).find((f) => f.node.name.value === name);
}

export function namedParent(t: GraphQLNamedType): FieldParent | undefined {
  return asParent(t);
}
