/**
 * The §7 metrics read from the step rollups (src/projections/stepStats), not from every step. With no filter, a
 * dimension's summaries are its rows (percentiles kept by the writer). With one, every metric is a sum over the rollup
 * rows the filter keeps, the percentiles found from their per-second counts. One SELECT for both dialects; what differs
 * (day and hour text, NULL-safe equality, key order) comes from `RollupDialect`.
 */
import { ROLLUP_DIALECTS, rollupKeyOf, type RollupDialect } from "../projections/stepStats/dialect.js";
import { rollupRowColumns, summariesCtes } from "../projections/stepStats/summarySql.js";
import { keyedTimeSql } from "../projections/stepStats/timeKeys.js";
import type { SqlPort } from "../store/sqlPort.js";
import {
  filterConditions, utcDayStart, type Dimension, type FilterColumns, type MetricsQuery, type StepFilter,
} from "./metrics.js";

interface RollupKey {
  table: string;
  key: string;
  join: string;
  where: string[];
}

/** The filters that select whole keys of a dimension: dates of `day` and `hour`, the assistant of `assistant`, the model of `model`. */
const OWN_FILTERS: Partial<Record<Dimension | "all", (keyof StepFilter)[]>> = { day: ["from", "to"], hour: ["from", "to"], assistant: ["assistant"], model: ["model"] };

/**
 * A filter that narrows only the dimension's own keys, as conditions on the per-key tables' `r.key` (no filter: none);
 * null for any other filter, which the rollups answer. The dates, checked, are compared as the keys' text.
 */
function ownKeyFilter(dimension: Dimension | "all", filter: StepFilter): { where: string[]; params: string[] } | null {
  const given = (["from", "to", "assistant", "model"] as const).filter((name) => filter[name] != null);
  if (!given.every((name) => OWN_FILTERS[dimension]?.includes(name))) return null;
  if ([filter.from, filter.to].some((date) => date != null && utcDayStart(date) === null)) return null; // the rollups' filter says why
  const hours = dimension === "hour";
  const conditions: [string, string | null | undefined][] = [
    ["r.key >= ?", filter.from != null && hours ? `${filter.from}T00` : filter.from],
    ["r.key <= ?", filter.to != null && hours ? `${filter.to}T23` : filter.to],
    ["r.key = ?", filter.assistant ?? filter.model],
  ];
  const kept = conditions.filter((condition): condition is [string, string] => condition[1] != null);
  return { where: kept.map(([condition]) => condition), params: kept.map(([, value]) => value) };
}

/** The rows of a per-key table (`step_summaries`, `step_costs`) of one dimension the filter keeps. */
const perKeyWhere = (dimension: Dimension | "all", own: { where: string[] }) => [`r.dimension = '${dimension}'`, ...own.where].join(" AND ");

/** The filter on rollup rows: a UTC day is 24 whole hours, so `--from/--to` select whole rows exactly. */
const ROLLUP_FILTER_COLUMNS: FilterColumns = { time: "r.hour", assistant: "r.assistant_id", model: "r.model" };

/** The SELECT of `columns` of the rows of `source` the filter keeps. */
function tagged(source: RollupKey, filter: StepFilter, columns: string): MetricsQuery {
  const conditions = filterConditions(filter, ROLLUP_FILTER_COLUMNS);
  const where = [...source.where, ...conditions.where];
  return {
    sql: `SELECT ${columns} FROM ${source.table} r${source.join}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`,
    params: conditions.params,
  };
}

/**
 * What a report row is computed from (report.ts's `reportRow`), in this order: the key, then a summary row `r`'s counts
 * (stored, or summed from the rollups a filter keeps). Integers only: the ratios are divided in JavaScript, the same
 * IEEE division either engine does, and printing doubles was a third of `--by hour`'s query.
 */
export const REPORT_VALUES = ["steps", "completed", "failed", "cancelled", "expired", "in_progress", "timed_steps", "timed_seconds",
  "p50_completion_seconds", "p95_completion_seconds", "prompt_tokens", "completion_tokens", "total_tokens"] as const;
const reportValues = (key: string) => [key, ...REPORT_VALUES.map((column) => `r.${column}`)];

/**
 * One dimension's rows (or 'all'), ordered by key, as one JSON text (`RollupDialect.jsonRows`): with no filter, or one on
 * its own keys, its summaries (a row a key); else the summaries of the rollup rows the filter keeps. One value, not a
 * row a key: better-sqlite3 makes each value of a row a V8 property set, most of `--by hour`'s reading.
 */
function groupedMetrics(dialect: RollupDialect, dimension: Dimension | "all", filter: StepFilter): MetricsQuery {
  const own = ownKeyFilter(dimension, filter);
  if (own) {
    return { sql: `SELECT ${dialect.jsonRows(reportValues("r.key"), dialect.keyOrder("r.key"))} FROM step_summaries r WHERE ${perKeyWhere(dimension, own)}`, params: own.params };
  }
  const source = { table: "step_rollups", ...rollupKeyOf(dialect, dimension) };
  const rows = tagged(source, filter, rollupRowColumns(source.key));
  return { sql: `WITH ${summariesCtes(dialect, rows.sql)} SELECT ${dialect.jsonRows(reportValues("r.k"), dialect.keyOrder("r.k"))} FROM summaries r`, params: rows.params };
}

/** One dimension's §7 metrics under the filter, as metrics.ts's `metricsQuery` gives them from `run_steps`: one JSON text of `[key, …METRIC_COLUMNS]` rows. */
export function rollupMetricsQuery(dialect: SqlPort["dialect"], dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(ROLLUP_DIALECTS[dialect], dimension, filter);
}

/** The §7 metrics over every step the filter keeps, as one row keyed 'all' (none without steps), in the same JSON text. */
export function rollupOverallQuery(dialect: SqlPort["dialect"], filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(ROLLUP_DIALECTS[dialect], "all", filter);
}

/** A model's prices per token, as the price table resolves its name. */
export interface PricedModel {
  model: string;
  input: number;
  output: number;
}

/**
 * Each key's `cost_usd` (CONTRACT §7): its tokens by model times the model's prices, summed in SQL (a row a key, not a
 * row a key and model), as one JSON text of `[key, cost_usd]` rows; a key none of whose models is priced has no row.
 * `priced` is not empty. The prices are CASE arms, not a joined VALUES list: a third less work over `hour`'s 35 k
 * (hour, model) rows.
 */
export function rollupCostQuery(dialect: SqlPort["dialect"], dimension: Dimension, filter: StepFilter, priced: readonly PricedModel[]): MetricsQuery {
  const own = ownKeyFilter(dimension, filter);
  const columns = (key: string) => `${key} AS k, r.model AS model, r.prompt_tokens AS prompt_tokens, r.completion_tokens AS completion_tokens`;
  const source = { table: "step_rollups", ...rollupKeyOf(ROLLUP_DIALECTS[dialect], dimension) };
  const rows = own ? { sql: `SELECT ${columns("r.key")} FROM step_costs r WHERE ${perKeyWhere(dimension, own)}`, params: own.params } : tagged(source, filter, columns(source.key));
  const price = `CASE model ${priced.map(() => "WHEN ? THEN CAST(? AS DOUBLE PRECISION)").join(" ")} END`;
  const arms = (which: "input" | "output") => priced.flatMap((model) => [model.model, model[which]]);
  return {
    sql: `SELECT ${ROLLUP_DIALECTS[dialect].jsonRows(["c.k", "c.cost_usd"])} FROM (SELECT k, sum(prompt_tokens * ${price} + completion_tokens * ${price}) AS cost_usd
FROM (${rows.sql}) x WHERE model IN (${priced.map(() => "?").join(", ")}) GROUP BY ${ROLLUP_DIALECTS[dialect].unordered("k")}) c`,
    params: [...arms("input"), ...arms("output"), ...rows.params, ...priced.map((model) => model.model)],
  };
}

/** Every model the rollups name: the model dimension's keys. */
export const ROLLUP_MODELS_SQL = "SELECT key AS model FROM step_summaries WHERE dimension = 'model'";

/** The first and last hour (as `created_at` seconds) holding a step the filter keeps that has a day: enough for their UTC days. */
export function rollupHourRangeQuery(filter: StepFilter = {}): MetricsQuery {
  const rows = tagged({ table: "step_rollups", ...rollupKeyOf(ROLLUP_DIALECTS.sqlite, "all") }, filter, "r.hour AS hour");
  return { sql: `SELECT min(hour) AS first, max(hour) AS last FROM (${rows.sql}) tagged WHERE ${keyedTimeSql("hour")}`, params: rows.params };
}
