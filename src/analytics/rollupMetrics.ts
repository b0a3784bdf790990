/**
 * The §7 metrics read from the step rollups (src/projections/stepStats): every metric is a sum over rollup rows, the
 * percentiles found from per-second counts, so a report reads the rollups, not every step. One SELECT for both
 * dialects; what differs (day and hour text, NULL-safe equality, key order) comes from `RollupDialect`.
 */
import { ROLLUP_DIALECTS, rollupKeyOf, type RollupDialect } from "../projections/stepStats/dialect.js";
import type { SqlPort } from "../store/sqlPort.js";
import {
  filterConditions, FINISHED_CONDITION, KEY_COLUMNS, PERCENTILES, percentileRank, type Dimension, type FilterColumns, type MetricsQuery, type StepFilter,
} from "./metrics.js";

interface RollupKey {
  table: string;
  key: string;
  join: string;
  where: string[];
}

/**
 * Where a dimension's rows come from: with no filter, `perDimension` (`step_totals` for the metrics, `step_costs` for
 * the cost: a few rows a key); else `step_rollups`, whose hour, assistant and model every filter selects. A report's
 * overall row is the type dimension's totals, where each step counts once.
 */
function keyOf(dialect: RollupDialect, dimension: Dimension | "all", filter: StepFilter, perDimension: "step_totals" | "step_costs"): RollupKey {
  if (filter.from == null && filter.to == null && filter.assistant == null && filter.model == null) {
    const where = [`r.dimension = '${dimension === "all" ? "type" : dimension}'`];
    return { table: perDimension, key: dimension === "all" ? "CAST('all' AS TEXT)" : "r.key", join: "", where };
  }
  return { table: "step_rollups", ...rollupKeyOf(dialect, dimension) };
}

/** The filter on rollup rows: a UTC day is 24 whole hours, so `--from/--to` select whole rows exactly. */
const ROLLUP_FILTER_COLUMNS: FilterColumns = { time: "r.hour", assistant: "r.assistant_id", model: "r.model" };

function tagged(source: RollupKey, filter: StepFilter, columns: string): MetricsQuery {
  const conditions = filterConditions(filter, ROLLUP_FILTER_COLUMNS);
  const where = [...source.where, ...conditions.where];
  return {
    sql: `SELECT ${source.key} AS k, ${columns} FROM ${source.table} r${source.join}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`,
    params: conditions.params,
  };
}

const stepsWhere = (condition: string) => `CAST(sum(CASE WHEN ${condition} THEN steps ELSE 0 END) AS BIGINT)`;

/** One dimension's rows (or 'all'), as the views name their columns, ordered by key. */
function groupedMetrics(dialect: RollupDialect, dimension: Dimension | "all", keyColumn: string, filter: StepFilter): MetricsQuery {
  const rows = tagged(keyOf(dialect, dimension, filter, "step_totals"), filter, "r.status AS status, r.seconds AS seconds, r.steps AS steps, " +
    "r.prompt_tokens AS prompt_tokens, r.completion_tokens AS completion_tokens, r.total_tokens AS total_tokens");
  const timed = "status = 'completed' AND seconds IS NOT NULL";
  const percentiles = Object.entries(PERCENTILES)
    .map(([column, p]) => `min(CASE WHEN upto >= ${percentileRank(p)} THEN seconds END) AS ${column}`)
    .join(", ");
  const sql = `WITH tagged AS (${rows.sql}), totals AS (
  SELECT k, CAST(sum(steps) AS BIGINT) AS steps, ${stepsWhere("status = 'completed'")} AS completed, ${stepsWhere("status = 'failed'")} AS failed,
    ${stepsWhere("status = 'cancelled'")} AS cancelled, ${stepsWhere("status = 'expired'")} AS expired, ${stepsWhere("status = 'in_progress'")} AS in_progress,
    CASE WHEN ${stepsWhere(FINISHED_CONDITION)} = 0 THEN NULL ELSE CAST(${stepsWhere("status = 'failed'")} AS DOUBLE PRECISION) / ${stepsWhere(FINISHED_CONDITION)} END AS failure_rate,
    CAST(sum(CASE WHEN ${timed} THEN seconds * steps END) AS DOUBLE PRECISION) / sum(CASE WHEN ${timed} THEN steps END) AS avg_completion_seconds,
    CAST(sum(prompt_tokens) AS BIGINT) AS prompt_tokens, CAST(sum(completion_tokens) AS BIGINT) AS completion_tokens,
    CAST(sum(total_tokens) AS BIGINT) AS total_tokens
  FROM tagged GROUP BY k
), running AS (
  SELECT k, seconds, sum(steps) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto,
    CAST(sum(steps) OVER (PARTITION BY k ORDER BY seconds ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS BIGINT) AS n
  FROM tagged WHERE ${timed}
), percentiles AS (
  SELECT k, ${percentiles} FROM running GROUP BY k
)
SELECT t.k AS ${keyColumn}, t.steps, t.completed, t.failed, t.cancelled, t.expired, t.in_progress, t.failure_rate,
  t.avg_completion_seconds, p.p50_completion_seconds, p.p95_completion_seconds, t.prompt_tokens, t.completion_tokens, t.total_tokens
FROM totals t LEFT JOIN percentiles p ON ${dialect.same("p.k", "t.k")}
ORDER BY ${dialect.keyOrder("t.k")}`;
  return { sql, params: rows.params };
}

/** One dimension's §7 metrics under the filter, as metrics.ts's `metricsQuery` gives them from `run_steps`. */
export function rollupMetricsQuery(dialect: SqlPort["dialect"], dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(ROLLUP_DIALECTS[dialect], dimension, KEY_COLUMNS[dimension], filter);
}

/** The §7 metrics over every step the filter keeps, as one row keyed 'all'. */
export function rollupOverallQuery(dialect: SqlPort["dialect"], filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(ROLLUP_DIALECTS[dialect], "all", "key", filter);
}

/** What `cost_usd` is computed from: prompt and completion tokens by (key, model), exact integer sums. */
export function rollupCostBasisQuery(dialect: SqlPort["dialect"], dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  const rows = tagged(keyOf(ROLLUP_DIALECTS[dialect], dimension, filter, "step_costs"), filter, "r.model AS model, r.prompt_tokens AS prompt_tokens, r.completion_tokens AS completion_tokens");
  return {
    sql: `SELECT k, model, CAST(sum(prompt_tokens) AS BIGINT) AS prompt_tokens, CAST(sum(completion_tokens) AS BIGINT) AS completion_tokens
FROM (${rows.sql}) tagged GROUP BY k, model`,
    params: rows.params,
  };
}

/** The first and last hour (as `created_at` seconds) holding a step the filter keeps: enough for their UTC days. */
export function rollupHourRangeQuery(filter: StepFilter = {}): MetricsQuery {
  const rows = tagged({ table: "step_rollups", ...rollupKeyOf(ROLLUP_DIALECTS.sqlite, "all") }, filter, "r.hour AS hour");
  return { sql: `SELECT min(hour) AS first, max(hour) AS last FROM (${rows.sql}) tagged`, params: rows.params };
}
