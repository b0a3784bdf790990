/**
 * The §7 metrics read from the summaries (src/projections/stepStats), not from every step: with no filter, or one on
 * the dimension's own keys, a dimension's summaries are its rows (percentiles kept by the writer). Any other filter
 * groups the steps it keeps (`run_steps`), as the summaries would. One SELECT for both dialects; what differs (day and
 * hour text, NULL-safe equality, key order, JSON) comes from `RollupDialect` and stepRows.ts.
 */
import { ROLLUP_DIALECTS, type RollupDialect } from "../projections/stepStats/dialect.js";
import { stepRowsSql } from "../projections/stepStats/stepRows.js";
import { summariesCtes } from "../projections/stepStats/summarySql.js";
import { keyedTimeSql, timeKeysSql } from "../projections/stepStats/timeKeys.js";
import type { SqlPort } from "../store/sqlPort.js";
import { filterConditions, utcDayStart, type Dimension, type MetricsQuery, type StepFilter } from "./metrics.js";

/** The filters that select whole keys of a dimension: dates of `day` and `hour`, the assistant of `assistant`, the model of `model`. */
const OWN_FILTERS: Partial<Record<Dimension | "all", (keyof StepFilter)[]>> = { day: ["from", "to"], hour: ["from", "to"], assistant: ["assistant"], model: ["model"] };

/**
 * A filter that narrows only the dimension's own keys, as conditions on the summaries' `r.key` (no filter: none); null
 * for any other filter, which the steps answer. The dates, checked, are compared as the keys' text.
 */
function ownKeyFilter(dimension: Dimension | "all", filter: StepFilter): { where: string[]; params: string[] } | null {
  const given = (["from", "to", "assistant", "model"] as const).filter((name) => filter[name] != null);
  if (!given.every((name) => OWN_FILTERS[dimension]?.includes(name))) return null;
  if ([filter.from, filter.to].some((date) => date != null && utcDayStart(date) === null)) return null; // the steps' filter says why
  const hours = dimension === "hour";
  const conditions: [string, string | null | undefined][] = [
    ["r.key >= ?", filter.from != null && hours ? `${filter.from}T00` : filter.from],
    ["r.key <= ?", filter.to != null && hours ? `${filter.to}T23` : filter.to],
    ["r.key = ?", filter.assistant ?? filter.model],
  ];
  const kept = conditions.filter((condition): condition is [string, string] => condition[1] != null);
  return { where: kept.map(([condition]) => condition), params: kept.map(([, value]) => value) };
}

/** The summaries of one dimension the filter keeps. */
const perKeyWhere = (dimension: Dimension | "all", own: { where: string[] }) => [`r.dimension = '${dimension}'`, ...own.where].join(" AND ");

/** The steps the filter keeps, as stepRows.ts's rows keyed by the dimension. */
function stepRows(dialect: SqlPort["dialect"], dimension: Dimension | "all", filter: StepFilter): MetricsQuery {
  const conditions = filterConditions(filter);
  return { sql: stepRowsSql(dialect, dimension, conditions.where), params: conditions.params };
}

/**
 * What a report row is computed from (report.ts's `reportRow`), in this order: the key, then a summary row `r`'s counts
 * (stored, or summed over the steps a filter keeps), then its `models` JSON text, which `cost_usd` is priced from.
 * Integers and that text only: the ratios are divided and the costs summed in JavaScript, the same IEEE arithmetic
 * whichever engine stores them (printing doubles was a third of `--by hour`'s query; pricing each key's models in SQL,
 * a second query over the parsed JSON, took three times the metrics' own).
 */
export const REPORT_VALUES = ["steps", "completed", "failed", "cancelled", "expired", "in_progress", "timed_steps", "timed_seconds",
  "p50_completion_seconds", "p95_completion_seconds", "prompt_tokens", "completion_tokens", "total_tokens", "models"] as const;
const reportValues = (key: string) => [key, ...REPORT_VALUES.map((column) => `r.${column}`)].join(", ");

/**
 * One dimension's rows (or 'all'), ordered by key: with no filter, or one on its own keys, its summaries (a row a key),
 * walked in key order on their dimension index (no sort); else the steps the filter keeps, summed alike.
 */
function groupedMetrics(dialect: SqlPort["dialect"], dimension: Dimension | "all", filter: StepFilter): MetricsQuery {
  const rollupDialect: RollupDialect = ROLLUP_DIALECTS[dialect];
  const own = ownKeyFilter(dimension, filter);
  if (own) {
    return { sql: `SELECT ${reportValues("r.key")} FROM step_summaries r WHERE ${perKeyWhere(dimension, own)} ORDER BY ${rollupDialect.keyOrder("r.key")}`, params: own.params };
  }
  const rows = stepRows(dialect, dimension, filter);
  return { sql: `WITH ${summariesCtes(rollupDialect, rows.sql)} SELECT ${reportValues("r.k")} FROM summaries r ORDER BY ${rollupDialect.keyOrder("r.k")}`, params: rows.params };
}

/** One dimension's §7 metrics under the filter, as metrics.ts's `metricsQuery` gives them from `run_steps`: rows of `[key, …REPORT_VALUES]`. */
export function rollupMetricsQuery(dialect: SqlPort["dialect"], dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(dialect, dimension, filter);
}

/** The §7 metrics over every step the filter keeps, as one row keyed 'all' (none without steps), in the same columns. */
export function rollupOverallQuery(dialect: SqlPort["dialect"], filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(dialect, "all", filter);
}

/**
 * The first and last UTC day holding a step the filter keeps: the `day` summaries' keys when the filter is on dates
 * alone (or none), else the steps' times.
 */
export function dayRangeQuery(dialect: SqlPort["dialect"], filter: StepFilter = {}): MetricsQuery {
  const own = ownKeyFilter("day", filter);
  if (own) return { sql: `SELECT min(r.key) AS first, max(r.key) AS last FROM step_summaries r WHERE ${perKeyWhere("day", own)} AND r.key IS NOT NULL`, params: own.params };
  const conditions = filterConditions(filter);
  const where = [keyedTimeSql("s.created_at"), ...conditions.where].join(" AND ");
  const day = (column: string) => timeKeysSql(dialect, column).day;
  return {
    sql: `SELECT ${day("x.first")} AS first, ${day("x.last")} AS last FROM (SELECT min(s.created_at) AS first, max(s.created_at) AS last FROM run_steps s WHERE ${where}) x`,
    params: conditions.params,
  };
}
