/** The syntax tree of the SuiteQL subset the simulator runs (a SELECT with joins, filters, grouping and paging). */
import type { SqlValue } from './values';

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '||';

export type Expr =
  | { k: 'lit'; v: SqlValue }
  | { k: 'col'; table?: string; name: string }
  | { k: 'call'; name: string; args: Expr[]; star: boolean; distinct: boolean }
  | { k: 'cmp'; op: CompareOp; l: Expr; r: Expr }
  | { k: 'arith'; op: ArithOp; l: Expr; r: Expr }
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'in'; e: Expr; list: Expr[] | Select; not: boolean }
  | { k: 'like'; e: Expr; pattern: Expr; not: boolean }
  | { k: 'isnull'; e: Expr; not: boolean }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'case'; base?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr };

export type SelectItem = { k: 'star'; table?: string } | { k: 'expr'; expr: Expr; alias?: string };

export interface TableRef {
  table: string;
  alias: string;
}

export interface Join {
  kind: 'inner' | 'left' | 'cross';
  ref: TableRef;
  on?: Expr;
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  nullsFirst: boolean;
}

export interface Select {
  distinct: boolean;
  items: SelectItem[];
  from: TableRef;
  joins: Join[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  orderBy: OrderItem[];
  offset?: number;
  fetch?: number;
}

export const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg']);
