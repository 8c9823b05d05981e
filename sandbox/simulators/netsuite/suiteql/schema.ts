/** What the SuiteQL engine needs from the simulator: named tables, their columns, and their rows. */
import type { SqlValue } from './values';

export interface ColumnDef {
  name: string;
  /** What BUILTIN.DF(column) shows: the referenced record's name, a status label. Default: the value itself. */
  display?: (v: SqlValue) => SqlValue;
}

export type Row = Record<string, SqlValue>;

/**
 * Equality filters found at the top of the WHERE clause for the FROM table: column -> the value keys
 * (`valueKey`) a row must have. Only an optimisation: a table may ignore them, the WHERE clause is still applied.
 */
export type Hints = Map<string, Set<string>>;

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  rows(hints: Hints): Row[];
}

export type Catalog = (name: string) => TableDef | undefined;
