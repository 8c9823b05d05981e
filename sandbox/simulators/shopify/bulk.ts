/**
 * Bulk query operations (`bulkOperationRunQuery`, polled through `currentBulkOperation` / `node(id)` /
 * `bulkOperation(id)`). The operation is CREATED in the mutation's answer, RUNNING right after, and COMPLETED
 * once the query has run against the world (after `delayMs`). Its `url` serves JSONL from this server: one line
 * per connection node, connection fields left out of the line, and nested connection nodes on their own lines
 * carrying `__parentId` (the id of the node they belong to), as Shopify writes them. A query with no rows has
 * `url: null`, as Shopify's does.
 *
 * Validation messages are the ones Shopify returns in `userErrors` (field `["query"]`, code INVALID).
 */
import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isLeafType,
  parse,
  validate,
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { gid, isoSeconds } from './ids';
import type { UserError } from './inventory';
import {
  collectFields,
  connectionNodeType,
  fieldDef,
  fragmentsOf,
  isConnection,
  namedParent,
  subField,
  type FieldParent,
  type Fragments,
} from './selection';

/** 2026-01 and later run up to five bulk queries at once per shop. */
export const MAX_CONCURRENT = 5;

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';

export interface BulkOperationRecord {
  __typename: 'BulkOperation';
  id: string;
  type: 'QUERY';
  status: BulkStatus;
  errorCode: 'INTERNAL_SERVER_ERROR' | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
}

const invalid = (message: string): UserError => ({ field: ['query'], message, code: 'INVALID' });

interface Analysis {
  connections: number;
  depth: number;
  topLevelNode: boolean;
  viaNodes: string[];
  nestedWithoutId: string[];
  inList: boolean;
}

function selectsId(
  schema: GraphQLSchema,
  set: SelectionSetNode | undefined,
  type: FieldParent,
  fragments: Fragments,
): boolean {
  return collectFields(schema, set, type, fragments).some((f) => f.node.name.value === 'id' && !f.node.alias);
}

function analyze(schema: GraphQLSchema, document: DocumentNode): Analysis {
  const a: Analysis = {
    connections: 0,
    depth: 0,
    topLevelNode: false,
    viaNodes: [],
    nestedWithoutId: [],
    inList: false,
  };
  const fragments = fragmentsOf(document);
  const op = getOperationAST(document);
  const root = schema.getQueryType();
  if (!op || !root) return a;
  const walk = (
    set: SelectionSetNode | undefined,
    type: FieldParent,
    depth: number,
    inList: boolean,
    parentHasId: boolean,
  ) => {
    for (const f of collectFields(schema, set, type, fragments)) {
      const name = f.node.name.value;
      if (depth === 0 && type === root && (name === 'node' || name === 'nodes')) a.topLevelNode = true;
      const def = fieldDef(f.parent, name);
      if (!def) continue;
      const named = getNamedType(def.type);
      if (isLeafType(named)) continue;
      if (isConnection(named)) {
        a.connections += 1;
        a.depth = Math.max(a.depth, depth + 1);
        if (inList) a.inList = true;
        if (depth > 0 && !parentHasId) a.nestedWithoutId.push(name);
        if (subField(schema, f.node, named, 'nodes', fragments)) a.viaNodes.push(name);
        const nodeType = connectionNodeType(named);
        const edges = subField(schema, f.node, named, 'edges', fragments);
        const edgeType = namedParent(getNamedType(named.getFields().edges?.type ?? named));
        const node =
          edges && edgeType ? subField(schema, edges.node, edgeType, 'node', fragments) : undefined;
        if (node && nodeType)
          walk(
            node.node.selectionSet,
            nodeType,
            depth + 1,
            false,
            selectsId(schema, node.node.selectionSet, nodeType, fragments),
          );
        continue;
      }
      const sub = namedParent(named);
      if (sub)
        walk(f.node.selectionSet, sub, depth, inList || isListType(getNullableType(def.type)), parentHasId);
    }
  };
  walk(op.selectionSet, root, 0, false, false);
  return a;
}

/** Parses and checks a bulk query; the document when it can run, else Shopify's user errors. */
export function checkBulkQuery(
  schema: GraphQLSchema,
  query: string,
): { document: DocumentNode } | { errors: UserError[] } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (e) {
    const reason =
      e instanceof GraphQLError ? e.message.replace(/^Syntax Error: /, 'syntax error, ') : 'syntax error';
    return { errors: [invalid(`Invalid bulk query: ${reason}`)] };
  }
  const op = getOperationAST(document);
  if (op && op.operation !== 'query')
    return { errors: [invalid('Invalid operation type. Only `query` operations are supported.')] };
  const validation = validate(schema, document);
  if (validation.length > 0)
    return { errors: validation.map((v) => invalid(`Invalid bulk query: ${v.message}`)) };
  const a = analyze(schema, document);
  const errors: UserError[] = [];
  if (a.viaNodes.length > 0)
    errors.push(
      invalid(
        `All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '${a.viaNodes[0]} { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: '${a.viaNodes.join("', '")}'.`,
      ),
    );
  if (a.topLevelNode) errors.push(invalid('Bulk queries cannot contain a top level `node` field.'));
  if (a.depth > 2)
    errors.push(invalid('Bulk queries cannot contain connections with a nesting depth greater than 2.'));
  if (a.connections > 5) errors.push(invalid('Bulk queries cannot contain more than 5 connections.'));
  if (a.nestedWithoutId.length > 0)
    errors.push(
      invalid(
        `The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': ${a.nestedWithoutId.join(', ')}.`,
      ),
    );
  if (a.inList)
    errors.push(
      invalid('Queries that contain a connection field within a list field are not currently supported.'),
    );
  if (a.connections === 0 && (errors.length === 0 || (a.topLevelNode && errors.length === 1)))
    errors.push(invalid('Bulk queries must contain at least one connection.'));
  return errors.length > 0 ? { errors } : { document };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** The JSONL lines of a bulk query's result (see the module comment for the layout). */
export function toJsonl(
  schema: GraphQLSchema,
  document: DocumentNode,
  data: unknown,
): { lines: Record<string, unknown>[]; roots: number } {
  const fragments = fragmentsOf(document);
  const lines: Record<string, unknown>[] = [];
  let roots = 0;
  const project = (
    set: SelectionSetNode | undefined,
    type: FieldParent,
    source: Record<string, unknown>,
    nodeId: string | undefined,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of collectFields(schema, set, type, fragments)) {
      const value = source[f.key];
      const def = fieldDef(f.parent, f.node.name.value);
      const named = def ? getNamedType(def.type) : undefined;
      if (named && isConnection(named)) {
        const nodeType = connectionNodeType(named);
        const edges = subField(schema, f.node, named, 'edges', fragments);
        const edgeType = namedParent(getNamedType(named.getFields().edges?.type ?? named));
        const node =
          edges && edgeType ? subField(schema, edges.node, edgeType, 'node', fragments) : undefined;
        const rows = record(value)?.[edges?.key ?? 'edges'];
        if (!node || !nodeType || !Array.isArray(rows)) continue;
        for (const edge of rows) {
          const child = record(record(edge)?.[node.key]);
          if (!child) continue;
          const line: Record<string, unknown> = {};
          lines.push(line); // the parent line precedes its children
          const childId = typeof child.id === 'string' ? child.id : undefined;
          Object.assign(line, project(node.node.selectionSet, nodeType, child, childId));
          if (nodeId) line.__parentId = nodeId;
          else roots += 1;
        }
        continue;
      }
      const sub = named ? namedParent(named) : undefined;
      if (sub && Array.isArray(value))
        out[f.key] = value.map((v) =>
          record(v) ? project(f.node.selectionSet, sub, record(v) ?? {}, nodeId) : v,
        );
      else if (sub && record(value))
        out[f.key] = project(f.node.selectionSet, sub, record(value) ?? {}, nodeId);
      else out[f.key] = value;
    }
    return out;
  };
  const root = schema.getQueryType();
  const op = getOperationAST(document);
  if (root && op) project(op.selectionSet, root, record(data) ?? {}, undefined);
  return { lines, roots };
}

interface Entry {
  shop: string;
  record: BulkOperationRecord;
  document: DocumentNode;
  file?: string;
  timers: NodeJS.Timeout[];
}

export interface BulkDeps {
  now: () => number;
  delayMs: number;
  /** This server's base URL (known once it listens). */
  baseUrl: () => string;
  /** Runs the query for the shop against the world as it is now; undefined if the shop is gone (a reset). */
  execute: (shop: string, document: DocumentNode) => { data: unknown; failed: boolean } | undefined;
  schema: GraphQLSchema;
}

export class BulkOperations {
  private ops = new Map<string, Entry>();
  private files = new Map<string, string>();
  private seq = 1;

  constructor(private readonly deps: BulkDeps) {}

  /** Starts a bulk query; user errors when the shop already runs the maximum. */
  start(shop: string, query: string, document: DocumentNode): BulkOperationRecord | UserError {
    const running = [...this.ops.values()].filter(
      (e) => e.shop === shop && (e.record.status === 'CREATED' || e.record.status === 'RUNNING'),
    );
    const busy = running[0];
    if (busy && running.length >= MAX_CONCURRENT)
      return {
        field: null,
        message: `A bulk query operation for this app and shop is already in progress: ${busy.record.id}.`,
        code: 'OPERATION_IN_PROGRESS',
      };
    const id = gid('BulkOperation', 720000000 + this.seq++);
    const rec: BulkOperationRecord = {
      __typename: 'BulkOperation',
      id,
      type: 'QUERY',
      status: 'CREATED',
      errorCode: null,
      createdAt: isoSeconds(this.deps.now()),
      completedAt: null,
      objectCount: '0',
      rootObjectCount: '0',
      fileSize: null,
      url: null,
      partialDataUrl: null,
      query,
    };
    const entry: Entry = { shop, record: rec, document, timers: [] };
    this.ops.set(id, entry);
    // The answer to the mutation shows CREATED; the copy it returns is detached from later status changes.
    const snapshot = { ...rec };
    entry.timers.push(
      setTimeout(() => {
        rec.status = 'RUNNING';
        entry.timers.push(setTimeout(() => this.complete(entry), this.deps.delayMs));
      }, 0),
    );
    return snapshot;
  }

  private complete(entry: Entry): void {
    const rec = entry.record;
    const result = this.deps.execute(entry.shop, entry.document);
    rec.completedAt = isoSeconds(this.deps.now());
    if (!result || result.failed) {
      rec.status = 'FAILED';
      rec.errorCode = 'INTERNAL_SERVER_ERROR';
      return;
    }
    const { lines, roots } = toJsonl(this.deps.schema, entry.document, result.data);
    const body = lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
    rec.status = 'COMPLETED';
    rec.objectCount = String(lines.length);
    rec.rootObjectCount = String(roots);
    rec.fileSize = lines.length ? String(Buffer.byteLength(body)) : null;
    if (lines.length) {
      const token = randomUUID().replace(/-/g, '');
      this.files.set(token, body);
      rec.url = `${this.deps.baseUrl()}/bulk-operation-outputs/${token}.jsonl`;
    }
  }

  current(shop: string): BulkOperationRecord | undefined {
    const mine = [...this.ops.values()].filter((e) => e.shop === shop);
    return mine[mine.length - 1]?.record;
  }

  byId(shop: string, id: string): BulkOperationRecord | undefined {
    const e = this.ops.get(id);
    return e && e.shop === shop ? e.record : undefined;
  }

  file(token: string): string | undefined {
    return this.files.get(token);
  }

  clear(): void {
    for (const e of this.ops.values()) for (const t of e.timers) clearTimeout(t);
    this.ops.clear();
    this.files.clear();
  }
}
