/**
 * The §7 metrics on PostgreSQL: the same columns and the same values as metrics.ts's SQLite SELECT, in
 * PostgreSQL's own terms (ordered-set aggregates, FILTER), one pass over the steps. The `stats_by_*`
 * views of the PostgreSQL store are this SELECT with no filter.
 */
import { filterConditions, FINISHED_CONDITION, KEY_COLUMNS, PERCENTILES, type Dimension, type MetricsQuery, type StepFilter } from "./metrics.js";
import { stepKeySources, type KeySource } from "../projections/stepStats/stepRows.js";

const KEY_SOURCES = stepKeySources("postgres");

/** How many steps have the status, as SQLite's sum(status = 'x'): NULL statuses add nothing, and a group of only those sums to NULL. */
const countWhere = (condition: string) => `sum((${condition})::int)`;

/**
 * Each value as SQLite computes it. The mean is the integer sum over the count in double precision (SQLite's
 * avg of integers; PostgreSQL's avg would round through numeric). percentile_disc(p) is the value at rank
 * ceil(p × n), nearest rank; p = 0.5 and 0.95 as doubles never round that product past an integer.
 */
function groupedMetrics(source: KeySource, keyColumn: string, filter: StepFilter): MetricsQuery {
  const conditions = filterConditions(filter);
  const where = [...source.where, ...conditions.where];
  const completed = "FILTER (WHERE status = 'completed')";
  const percentiles = Object.entries(PERCENTILES)
    .map(([column, p]) => `percentile_disc(${p / 100}) WITHIN GROUP (ORDER BY seconds) ${completed} AS ${column}`)
    .join(",\n  ");
  const sql = `SELECT k AS ${keyColumn}, count(*) AS steps,
  ${countWhere("status = 'completed'")} AS completed, ${countWhere("status = 'failed'")} AS failed,
  ${countWhere("status = 'cancelled'")} AS cancelled, ${countWhere("status = 'expired'")} AS expired,
  ${countWhere("status = 'in_progress'")} AS in_progress,
  CASE WHEN ${countWhere(FINISHED_CONDITION)} = 0 THEN NULL ELSE ${countWhere("status = 'failed'")}::double precision / ${countWhere(FINISHED_CONDITION)} END AS failure_rate,
  (sum(seconds) ${completed})::double precision / count(seconds) ${completed} AS avg_completion_seconds,
  ${percentiles},
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT ${source.key} AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s${source.join ? ` ${source.join}` : ""}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST`;
  return { sql, params: conditions.params };
}

/**
 * One dimension's metrics, as metrics.ts's `metricsQuery`; rows in SQLite's order (byte order of the key,
 * NULL first). The filter's conditions are bound with `?`, which the PostgreSQL port numbers.
 */
function postgresMetricsQuery(dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(KEY_SOURCES[dimension], KEY_COLUMNS[dimension], filter);
}

/** The view's definition: the unfiltered SELECT. */
export function postgresViewSelect(dimension: Dimension): string {
  return postgresMetricsQuery(dimension).sql;
}
