import type { SqlPort } from "../../store/sqlPort.js";

/** What differs between the dialects in reading the summaries: NULL-safe equality, key order, JSON. */
export interface RollupDialect {
  /** `a IS b`, NULL equal to NULL. */
  same: (a: string, b: string) => string;
  /** ORDER BY a key as SQLite orders text: byte order, NULL first. */
  keyOrder: (column: string) => string;
  /**
   * The aggregate of every row's `values` as one JSON text, `[[v, …], …]` (`[]` for none), in `order` when given. Both
   * stores write numbers that parse back to the same double (SQLite 17 significant digits, PostgreSQL the shortest).
   */
  jsonRows: (values: readonly string[], order?: string) => string;
  /** A JSON text column as a value that compares equal when the JSON is (verify): SQLite's minified text, PostgreSQL's jsonb. */
  comparableJson: (column: string) => string;
}

const orderBy = (order: string | undefined) => (order === undefined ? "" : ` ORDER BY ${order}`);

export const ROLLUP_DIALECTS: Record<SqlPort["dialect"], RollupDialect> = {
  sqlite: {
    same: (a, b) => `${a} IS ${b}`,
    keyOrder: (column) => column,
    jsonRows: (values, order) => `json_group_array(json_array(${values.join(", ")})${orderBy(order)})`,
    comparableJson: (column) => `json(${column})`,
  },
  postgres: {
    same: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
    keyOrder: (column) => `${column} COLLATE "C" NULLS FIRST`,
    jsonRows: (values, order) => `CAST(coalesce(json_agg(json_build_array(${values.join(", ")})${orderBy(order)}), '[]') AS TEXT)`,
    comparableJson: (column) => `CAST(${column} AS jsonb)`,
  },
};
