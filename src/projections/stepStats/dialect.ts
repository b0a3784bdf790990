import type { SqlPort } from "../../store/sqlPort.js";
import type { Dimension } from "./dimensions.js";
import { timeKeysSql } from "./timeKeys.js";

/** What differs between the dialects in reading the rollups: the UTC day and hour keys of `r.hour` (timeKeys.ts), NULL-safe equality, key order. */
export interface RollupDialect {
  day: string;
  hour: string;
  /** `a IS b`, NULL equal to NULL. */
  same: (a: string, b: string) => string;
  /** ORDER BY a key as SQLite orders text: byte order, NULL first. */
  keyOrder: (column: string) => string;
  /**
   * The aggregate of every row's `values` as one JSON text, `[[v, …], …]` (`[]` for none), in `order` when given. Both
   * stores write numbers that parse back to the same double (SQLite 17 significant digits, PostgreSQL the shortest).
   */
  jsonRows: (values: readonly string[], order?: string) => string;
  /**
   * A GROUP BY term over `step_rollups` whose key no index may order: SQLite otherwise walks the assistant index to
   * skip a sort and reads every row it keeps at random (the costs of `report --by assistant --model M` at 1M steps:
   * 2.8 s against 0.5 s; the whole report 4.0 → 1.8 s); its unary `+` is a no-op on any value. PostgreSQL plans it itself.
   */
  unordered: (key: string) => string;
}

const orderBy = (order: string | undefined) => (order === undefined ? "" : ` ORDER BY ${order}`);

export const ROLLUP_DIALECTS: Record<SqlPort["dialect"], RollupDialect> = {
  sqlite: {
    ...timeKeysSql("sqlite", "r.hour"),
    same: (a, b) => `${a} IS ${b}`,
    keyOrder: (column) => column,
    jsonRows: (values, order) => `json_group_array(json_array(${values.join(", ")})${orderBy(order)})`,
    unordered: (key) => `+${key}`,
  },
  postgres: {
    ...timeKeysSql("postgres", "r.hour"),
    same: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
    keyOrder: (column) => `${column} COLLATE "C" NULLS FIRST`,
    jsonRows: (values, order) => `CAST(coalesce(json_agg(json_build_array(${values.join(", ")})${orderBy(order)}), '[]') AS TEXT)`,
    unordered: (key) => key,
  },
};

/** A dimension's key over `step_rollups r` (the tool dimension joins each tool set's tools), as the reports group it. */
export function rollupKeyOf(dialect: RollupDialect, dimension: Dimension | "all"): { key: string; join: string; where: string[] } {
  switch (dimension) {
    case "all": return { key: "CAST('all' AS TEXT)", join: "", where: [] };
    case "assistant": return { key: "r.assistant_id", join: "", where: [] };
    case "day": return { key: dialect.day, join: "", where: [] };
    case "hour": return { key: dialect.hour, join: "", where: [] };
    case "model": return { key: "r.model", join: "", where: [] };
    case "type": return { key: "r.type", join: "", where: [] };
    // A step counts once under each of its distinct tools: its tool set's tools.
    case "tool": return { key: "t.tool", join: " JOIN step_rollup_tools t ON t.tool_set = r.tool_set", where: [] };
    case "error": return { key: "r.error_code", join: "", where: ["r.error_code IS NOT NULL"] };
  }
}

