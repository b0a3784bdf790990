import type { RowSource } from "../../store/rowSource.js";
import { SUMMARY_DIMENSIONS, type SummaryDimension } from "./dimensions.js";
import { ROLLUP_DIALECTS, rollupKeyOf, type RollupDialect } from "./dialect.js";
import { rollupRowColumns, SUMMARY_COUNTS, summariesCtes } from "./summarySql.js";

/** A per-dimension table as the (verified) rollups give it: the columns naming a row, the rest, both SELECTs. */
interface PerDimension {
  table: string;
  keys: string[];
  values: string[];
  stored: (dimension: SummaryDimension) => string;
  fromRollups: (dialect: RollupDialect, dimension: SummaryDimension) => string;
}

/** A dimension's rollup rows (each tool of a tool set apart), `extra` conditions added. */
function rollupRows(dialect: RollupDialect, dimension: SummaryDimension, columns: (key: string) => string, extra: string[] = []): string {
  const { key, join, where } = rollupKeyOf(dialect, dimension);
  const conditions = [...where, ...extra];
  return `SELECT ${columns(key)} FROM step_rollups r${join}${conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : ""}`;
}

const PERCENTILE_COLUMNS = ["p50_completion_seconds", "p95_completion_seconds"];
const named = (dimension: SummaryDimension) => `CAST('${dimension}' AS TEXT) AS dimension`;

const TABLES: PerDimension[] = [
  {
    table: "step_summaries",
    keys: [],
    values: [...SUMMARY_COUNTS, ...PERCENTILE_COLUMNS],
    stored: (dimension) => `SELECT dimension, key, ${[...SUMMARY_COUNTS, ...PERCENTILE_COLUMNS].join(", ")} FROM step_summaries WHERE dimension = '${dimension}'`,
    fromRollups: (dialect, dimension) =>
      // A subquery: PostgreSQL takes no WITH after EXCEPT, SQLite no parenthesized operand.
      `SELECT * FROM (WITH ${summariesCtes(dialect, rollupRows(dialect, dimension, rollupRowColumns))} SELECT ${named(dimension)}, k AS key, ${[...SUMMARY_COUNTS, ...PERCENTILE_COLUMNS].join(", ")} FROM summaries) s`,
  },
  {
    table: "step_seconds",
    keys: ["seconds"],
    values: ["steps"],
    stored: (dimension) => `SELECT s.dimension, s.key, h.seconds, h.steps FROM step_seconds h JOIN step_summaries s ON s.cell = h.summary WHERE s.dimension = '${dimension}'`,
    fromRollups: (dialect, dimension) => `SELECT ${named(dimension)}, k AS key, seconds, CAST(sum(steps) AS BIGINT) AS steps FROM (${rollupRows(
      dialect, dimension, (key) => `${key} AS k, r.seconds AS seconds, r.steps AS steps`, ["r.status = 'completed'", "r.seconds IS NOT NULL"],
    )}) x GROUP BY k, seconds`,
  },
  {
    table: "step_costs",
    keys: ["model"],
    values: ["steps", "prompt_tokens", "completion_tokens"],
    stored: (dimension) => `SELECT dimension, key, model, steps, prompt_tokens, completion_tokens FROM step_costs WHERE dimension = '${dimension}'`,
    fromRollups: (dialect, dimension) => `SELECT ${named(dimension)}, k AS key, model, CAST(sum(steps) AS BIGINT) AS steps,
  CAST(sum(prompt_tokens) AS BIGINT) AS prompt_tokens, CAST(sum(completion_tokens) AS BIGINT) AS completion_tokens FROM (${rollupRows(
    dialect, dimension, (key) => `${key} AS k, r.model AS model, r.steps AS steps, r.prompt_tokens AS prompt_tokens, r.completion_tokens AS completion_tokens`,
  )}) x GROUP BY k, model`,
  },
];

type Row = Record<string, unknown>;
const keyOf = (table: PerDimension, row: Row) => JSON.stringify(["dimension", "key", ...table.keys].map((c) => row[c] ?? null));
const valuesOf = (table: PerDimension, row: Row) => table.values.map((c) => `${c} ${row[c] ?? null}`).join(", ");

/** Histogram rows naming no summary: invisible to the per-dimension comparison, which joins them to theirs. */
const ORPHAN_SECONDS = "SELECT h.cell FROM step_seconds h WHERE NOT EXISTS (SELECT 1 FROM step_summaries s WHERE s.cell = h.summary)";

/**
 * `step_summaries`, `step_seconds` and `step_costs` against what the rollups give (each dimension's rollup rows summed),
 * compared by the database itself (EXCEPT both ways), so only differing rows reach JavaScript. The first `limit` differences.
 */
export async function verifySummaries(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  const dialect = ROLLUP_DIALECTS[source.dialect];
  for (const table of TABLES) {
    for (const dimension of SUMMARY_DIMENSIONS) {
      if (table.table === "step_costs" && dimension === "all") continue; // the cost of the whole is the sum of a dimension's
      const left = limit - found.length;
      if (left <= 0) return found;
      const [stored, expected] = [table.stored(dimension), table.fromRollups(dialect, dimension)];
      for (const row of await source.all<Row>(`SELECT * FROM (${stored} EXCEPT ${expected}) d LIMIT ${left}`)) {
        found.push(`${table.table} ${keyOf(table, row)}: the table has ${valuesOf(table, row)}, the rollups do not`);
      }
      for (const row of await source.all<Row>(`SELECT * FROM (${expected} EXCEPT ${stored}) d LIMIT ${left}`)) {
        found.push(`${table.table} ${keyOf(table, row)}: the rollups give ${valuesOf(table, row)}, the table does not`);
      }
    }
  }
  for (const row of await source.all<{ cell: string }>(`${ORPHAN_SECONDS} LIMIT ${Math.max(0, limit - found.length)}`)) {
    found.push(`step_seconds ${row.cell}: names no summary`);
  }
  return found.slice(0, limit);
}
