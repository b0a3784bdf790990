import type { RowSource } from "../../store/rowSource.js";
import { DIMENSIONS, type Dimension } from "./cells.js";
import { ROLLUP_DIALECTS, rollupKeyOf } from "./dialect.js";

/** A per-dimension table, as the (verified) rollups give it: its key columns beside the dimension's key, and its sums. */
interface PerDimension {
  table: string;
  keys: string[];
  sums: string[];
  /** Rows the table drops when they fall to zero. */
  kept: string;
}

const TABLES: PerDimension[] = [
  { table: "step_totals", keys: ["status", "seconds"], sums: ["steps", "prompt_tokens", "completion_tokens", "total_tokens"], kept: "sum(r.steps) <> 0" },
  { table: "step_costs", keys: ["model"], sums: ["prompt_tokens", "completion_tokens"], kept: "sum(r.prompt_tokens) <> 0 OR sum(r.completion_tokens) <> 0" },
];

function fromRollups(source: RowSource, table: PerDimension, dimension: Dimension): string {
  const { key, join, where } = rollupKeyOf(ROLLUP_DIALECTS[source.dialect], dimension);
  return `SELECT CAST('${dimension}' AS TEXT) AS dimension, ${key} AS key, ${table.keys.map((k) => `r.${k} AS ${k}`).join(", ")},
  ${table.sums.map((c) => `CAST(sum(r.${c}) AS BIGINT) AS ${c}`).join(", ")}
FROM step_rollups r${join}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
GROUP BY ${[key, ...table.keys.map((k) => `r.${k}`)].join(", ")} HAVING ${table.kept}`;
}

const stored = (table: PerDimension, dimension: Dimension) =>
  `SELECT ${["dimension", "key", ...table.keys, ...table.sums].join(", ")} FROM ${table.table} WHERE dimension = '${dimension}'`;

type Row = Record<string, unknown>;
const keyOf = (table: PerDimension, row: Row) => JSON.stringify(["dimension", "key", ...table.keys].map((c) => row[c] ?? null));
const sumsOf = (table: PerDimension, row: Row) => table.sums.map((c) => `${c} ${row[c]}`).join(", ");

/**
 * `step_totals` and `step_costs` against what the rollups give (each dimension a GROUP BY of `step_rollups`), compared
 * by the database itself (EXCEPT both ways), so only differing rows reach JavaScript. The first `limit` differences.
 */
export async function verifyTotals(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const table of TABLES) {
    for (const dimension of DIMENSIONS) {
      const left = limit - found.length;
      if (left <= 0) return found;
      const extra = await source.all<Row>(`SELECT * FROM (${stored(table, dimension)} EXCEPT ${fromRollups(source, table, dimension)}) d LIMIT ${left}`);
      for (const row of extra) found.push(`${table.table} ${keyOf(table, row)}: the table has ${sumsOf(table, row)}, the rollups do not`);
      const missing = await source.all<Row>(`SELECT * FROM (${fromRollups(source, table, dimension)} EXCEPT ${stored(table, dimension)}) d LIMIT ${left}`);
      for (const row of missing) found.push(`${table.table} ${keyOf(table, row)}: the rollups give ${sumsOf(table, row)}, the table does not`);
    }
  }
  return found.slice(0, limit);
}
