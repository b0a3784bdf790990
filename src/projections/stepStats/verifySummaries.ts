import type { RowSource } from "../../store/rowSource.js";
import { SUMMARY_DIMENSIONS, type SummaryDimension } from "./dimensions.js";
import { ROLLUP_DIALECTS } from "./dialect.js";
import { PERCENTILES, TIMED } from "./percentiles.js";
import { stepRowsSql } from "./stepRows.js";
import { SUMMARY_COUNTS, summariesCtes } from "./summarySql.js";
import { pageSql } from "./tables.js";

/** The summary columns compared as they are: the counts and the percentiles (the JSON ones are compared as JSON). */
const SCALARS = [...SUMMARY_COUNTS, ...Object.keys(PERCENTILES)];

/** A comparison of one dimension's stored rows with those the steps give: its queries, and the columns a difference shows. */
interface Compared {
  table: string;
  stored: string;
  expected: string;
  values: string[];
}

/** A dimension's rows of `step_summaries` against the (verified) `run_steps`, `runs` and `run_step_tools`: every column the writer keeps. */
function summariesCompared(dialect: RowSource["dialect"], dimension: SummaryDimension): Compared {
  const { comparableJson } = ROLLUP_DIALECTS[dialect];
  // A subquery: PostgreSQL takes no WITH after EXCEPT, SQLite no parenthesized operand.
  return {
    table: "step_summaries",
    stored: `SELECT dimension, key, ${SCALARS.join(", ")}, ${comparableJson("models")} AS models FROM step_summaries WHERE dimension = '${dimension}'`,
    expected: `SELECT * FROM (WITH ${summariesCtes(ROLLUP_DIALECTS[dialect], stepRowsSql(dialect, dimension))}
SELECT CAST('${dimension}' AS TEXT) AS dimension, s.k AS key, ${SCALARS.map((c) => `s.${c}`).join(", ")}, ${comparableJson("s.models")} AS models
FROM summaries s) x`,
    values: [...SCALARS, "models"],
  };
}

/** A dimension's histogram pages (of its stored summaries) against the completion seconds of its steps, page by page. */
function pagesCompared(dialect: RowSource["dialect"], dimension: SummaryDimension): Compared {
  const { comparableJson, jsonRows } = ROLLUP_DIALECTS[dialect];
  const histogram = comparableJson(jsonRows(["seconds", "c"], "seconds"));
  return {
    table: "step_summary_seconds",
    stored: `SELECT s.dimension AS dimension, s.key AS key, p.page AS page, ${comparableJson("p.histogram")} AS histogram
FROM step_summary_seconds p JOIN step_summaries s ON s.cell = p.cell WHERE s.dimension = '${dimension}'`,
    expected: `SELECT * FROM (WITH tagged AS (${stepRowsSql(dialect, dimension)})
SELECT CAST('${dimension}' AS TEXT) AS dimension, k AS key, page, ${histogram} AS histogram FROM (
  SELECT k, seconds, count(*) AS c, ${pageSql("seconds")} AS page FROM tagged WHERE ${TIMED} GROUP BY k, seconds) h GROUP BY k, page) x`,
    values: ["page", "histogram"],
  };
}

/** Pages of no stored summary: no step counts in them. */
const ORPHAN_PAGES = `SELECT p.cell AS cell, p.page AS page, p.histogram AS histogram FROM step_summary_seconds p
WHERE NOT EXISTS (SELECT 1 FROM step_summaries s WHERE s.cell = p.cell) ORDER BY p.cell, p.page`;

type Row = Record<string, unknown>;
const keyOf = (row: Row) => JSON.stringify([row.dimension, row.key ?? null]);
const shown = (value: unknown) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value ?? null));
const valuesOf = (row: Row, values: readonly string[]) => values.map((c) => `${c} ${shown(row[c])}`).join(", ");

/** The first `limit` rows of one comparison that differ, each way. */
async function differencesOf(source: RowSource, { table, stored, expected, values }: Compared, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const row of await source.all<Row>(`SELECT * FROM (${stored} EXCEPT ${expected}) d LIMIT ${limit}`)) {
    found.push(`${table} ${keyOf(row)}: the table has ${valuesOf(row, values)}, the steps do not`);
  }
  for (const row of await source.all<Row>(`SELECT * FROM (${expected} EXCEPT ${stored}) d LIMIT ${limit}`)) {
    found.push(`${table} ${keyOf(row)}: the steps give ${valuesOf(row, values)}, the table does not`);
  }
  return found;
}

/**
 * `step_summaries` and its histograms' pages against what `run_steps` gives, a dimension at a time, compared by the
 * database itself (EXCEPT both ways), so only differing rows reach JavaScript; then pages of no summary. The first
 * `limit` differences.
 */
export async function verifySummaries(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const dimension of SUMMARY_DIMENSIONS) {
    for (const compared of [summariesCompared(source.dialect, dimension), pagesCompared(source.dialect, dimension)]) {
      if (found.length < limit) found.push(...(await differencesOf(source, compared, limit - found.length)));
    }
  }
  if (found.length < limit) {
    for (const row of await source.all<Row>(`${ORPHAN_PAGES} LIMIT ${limit - found.length}`)) {
      found.push(`step_summary_seconds ${shown(row.cell)} page ${shown(row.page)}: the table has histogram ${shown(row.histogram)}, no summary counts it`);
    }
  }
  return found.slice(0, limit);
}
