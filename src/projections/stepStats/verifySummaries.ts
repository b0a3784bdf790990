import type { RowSource } from "../../store/rowSource.js";
import { SUMMARY_DIMENSIONS, type SummaryDimension } from "./dimensions.js";
import { ROLLUP_DIALECTS } from "./dialect.js";
import { PERCENTILES, TIMED } from "./percentiles.js";
import { stepRowsSql } from "./stepRows.js";
import { SUMMARY_COUNTS, summariesCtes } from "./summarySql.js";

/** The summary columns compared as they are: the counts and the percentiles (the JSON ones are compared as JSON). */
const SCALARS = [...SUMMARY_COUNTS, ...Object.keys(PERCENTILES)];
const VALUES = [...SCALARS, "histogram", "models"];

/** A dimension's rows of `step_summaries` as stored, their JSON comparable. */
function storedSql(dialect: RowSource["dialect"], dimension: SummaryDimension): string {
  const json = ROLLUP_DIALECTS[dialect].comparableJson;
  return `SELECT dimension, key, ${SCALARS.join(", ")}, ${json("histogram")} AS histogram,
  ${json("models")} AS models FROM step_summaries WHERE dimension = '${dimension}'`;
}

/** A dimension's summaries as the (verified) `run_steps`, `runs` and `run_step_tools` give them: every column the writer keeps. */
function expectedSql(dialect: RowSource["dialect"], dimension: SummaryDimension): string {
  const rollupDialect = ROLLUP_DIALECTS[dialect];
  const histograms = `SELECT k, ${rollupDialect.jsonRows(["seconds", "c"], "seconds")} AS histogram FROM (
  SELECT k, seconds, count(*) AS c FROM tagged WHERE ${TIMED} GROUP BY k, seconds) h GROUP BY k`;
  // A subquery: PostgreSQL takes no WITH after EXCEPT, SQLite no parenthesized operand.
  return `SELECT * FROM (WITH ${summariesCtes(rollupDialect, stepRowsSql(dialect, dimension))}, histograms AS (${histograms})
SELECT CAST('${dimension}' AS TEXT) AS dimension, s.k AS key, ${SCALARS.map((c) => `s.${c}`).join(", ")},
  ${rollupDialect.comparableJson("coalesce(h.histogram, '[]')")} AS histogram, ${rollupDialect.comparableJson("s.models")} AS models
FROM summaries s LEFT JOIN histograms h ON ${rollupDialect.same("h.k", "s.k")}) x`;
}

type Row = Record<string, unknown>;
const keyOf = (row: Row) => JSON.stringify([row.dimension, row.key ?? null]);
const shown = (value: unknown) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value ?? null));
const valuesOf = (row: Row) => VALUES.map((c) => `${c} ${shown(row[c])}`).join(", ");

/**
 * `step_summaries` against the summaries `run_steps` gives, a dimension at a time, compared by the database itself
 * (EXCEPT both ways), so only differing rows reach JavaScript. The first `limit` differences.
 */
export async function verifySummaries(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const dimension of SUMMARY_DIMENSIONS) {
    const left = limit - found.length;
    if (left <= 0) break;
    const [stored, expected] = [storedSql(source.dialect, dimension), expectedSql(source.dialect, dimension)];
    for (const row of await source.all<Row>(`SELECT * FROM (${stored} EXCEPT ${expected}) d LIMIT ${left}`)) {
      found.push(`step_summaries ${keyOf(row)}: the table has ${valuesOf(row)}, the steps do not`);
    }
    for (const row of await source.all<Row>(`SELECT * FROM (${expected} EXCEPT ${stored}) d LIMIT ${left}`)) {
      found.push(`step_summaries ${keyOf(row)}: the steps give ${valuesOf(row)}, the table does not`);
    }
  }
  return found.slice(0, limit);
}
