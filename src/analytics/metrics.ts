/**
 * The §7 metrics over `run_steps`, written once. `metricsQuery` produces the SELECT for one dimension
 * (optionally filtered); the `stats_by_*` views (views.ts) are that SELECT with no filter,
 * and reports read the same metrics from the summaries, or with a filter from the steps (rollupMetrics.ts), which tests hold equal.
 */
import { isTerminalStep, STEP_STATUS_RANK } from "../records/statuses.js";
import type { Dimension } from "../projections/stepStats/dimensions.js";
import { STEP_MODEL, stepKeySources, type KeySource } from "../projections/stepStats/stepRows.js";
import { PERCENTILES, percentileRank } from "../projections/stepStats/percentiles.js";
import { keyedTimeSql } from "../projections/stepStats/timeKeys.js";

/** The statuses §7 counts as finished: the terminal ones of the fold's status rank. */
export const FINISHED_STATUSES = Object.keys(STEP_STATUS_RANK).filter(isTerminalStep);

/** A row's `status` is finished (the denominator of `failure_rate`), as SQL on either store. */
export const FINISHED_CONDITION = `status IN (${FINISHED_STATUSES.map((status) => `'${status}'`).join(", ")})`;

export { DIMENSIONS, type Dimension } from "../projections/stepStats/dimensions.js";

/** The key column each view names (CONTRACT §6). */
export const KEY_COLUMNS = {
  assistant: "assistant_id",
  day: "day",
  hour: "hour",
  model: "model",
  type: "type",
  tool: "tool",
  error: "error_code",
} as const satisfies Record<Dimension, string>;

export const VIEW_NAMES = {
  assistant: "stats_by_assistant",
  day: "stats_by_day",
  hour: "stats_by_hour",
  model: "stats_by_model",
  type: "stats_by_type",
  tool: "stats_by_tool",
  error: "stats_by_error",
} as const satisfies Record<Dimension, string>;

/** The §7 metric columns, in order, after the key. */
export const METRIC_COLUMNS = [
  "steps",
  "completed",
  "failed",
  "cancelled",
  "expired",
  "in_progress",
  "failure_rate",
  "avg_completion_seconds",
  "p50_completion_seconds",
  "p95_completion_seconds",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
] as const;
/** What a report adds after the view's columns (CONTRACT §7): the cost needs a price table. */
export const COST_COLUMN = "cost_usd";
type MetricColumn = (typeof METRIC_COLUMNS)[number];
export type Metrics = Record<MetricColumn, number | null>;

export { PERCENTILES };

/** Filters on the steps before they are grouped; dates are inclusive UTC days on `created_at` (of the keyed years, timeKeys.ts). */
export interface StepFilter {
  from?: string | null;
  to?: string | null;
  assistant?: string | null;
  model?: string | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_SECONDS = 86_400;

/** Seconds since the epoch at 00:00 UTC of a `YYYY-MM-DD` date, or null when it is not a real date. */
export function utcDayStart(date: string): number | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const back = new Date(0);
  back.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  const ms = back.getTime();
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  return ms / 1000;
}

const KEY_SOURCES = stepKeySources("sqlite");

export interface MetricsQuery {
  sql: string;
  params: (string | number)[];
}

/** What a filter compares on `run_steps s`: the time (in seconds, whole UTC days selecting exactly), the assistant and the model. */
const FILTER_COLUMNS = { time: "s.created_at", assistant: "s.assistant_id", model: STEP_MODEL };

/** The filter as SQL conditions on `run_steps s`, with their bound parameters. */
export function filterConditions(filter: StepFilter): { where: string[]; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  // Dates select the steps that have one (a day key): `--by day --from` reads whole day keys, and every dimension counts the same steps.
  if (filter.from != null || filter.to != null) where.push(keyedTimeSql(FILTER_COLUMNS.time));
  if (filter.from != null) {
    where.push(`${FILTER_COLUMNS.time} >= ?`);
    params.push(utcDayStartOrThrow(filter.from));
  }
  if (filter.to != null) {
    where.push(`${FILTER_COLUMNS.time} < ?`);
    params.push(utcDayStartOrThrow(filter.to) + DAY_SECONDS);
  }
  if (filter.assistant != null) {
    where.push(`${FILTER_COLUMNS.assistant} = ?`);
    params.push(filter.assistant);
  }
  if (filter.model != null) {
    where.push(`${FILTER_COLUMNS.model} = ?`);
    params.push(filter.model);
  }
  return { where, params };
}

/**
 * The SELECT of one dimension's metrics: the key column (named as the view names it) then the §7
 * columns, one row per key, ordered by key. With a filter, the conditions are bound parameters.
 */
export function metricsQuery(dimension: Dimension, filter: StepFilter = {}): MetricsQuery {
  return groupedMetrics(KEY_SOURCES[dimension], KEY_COLUMNS[dimension], filter);
}

/**
 * Two passes over the steps the filter keeps, `tagged` with their key: the counts, mean and sums by key; and, over
 * completed steps only, a histogram of completion seconds by key whose running count finds each percentile (the
 * smallest value whose running count reaches ceil(p/100 × n)). Sorting (key, seconds) pairs into a histogram is about
 * twice as fast as one window over every whole step. Without a join, SQLite inlines `tagged` into both passes, each a
 * scan of the covering index run_steps_stats; with the tools join, it is materialized once (one join, not two).
 * `+status` keeps SQLite off the run_steps_status index (a row lookup per step) in the histogram pass.
 */
function groupedMetrics(source: KeySource, keyColumn: string, filter: StepFilter): MetricsQuery {
  const conditions = filterConditions(filter);
  const where = [...source.where, ...conditions.where];
  const percentiles = Object.entries(PERCENTILES)
    .map(([column, p]) => `min(CASE WHEN upto >= ${percentileRank(p)} THEN seconds END) AS ${column}`)
    .join(", ");
  const sql = `WITH tagged AS ${source.join ? "MATERIALIZED" : "NOT MATERIALIZED"} (
  SELECT ${source.key} AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s${source.join ? ` ${source.join}` : ""}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
), totals AS (
  SELECT k, count(*) AS steps,
    sum(status = 'completed') AS completed, sum(status = 'failed') AS failed, sum(status = 'cancelled') AS cancelled,
    sum(status = 'expired') AS expired, sum(status = 'in_progress') AS in_progress,
    CASE WHEN sum(${FINISHED_CONDITION}) = 0 THEN NULL ELSE CAST(sum(status = 'failed') AS REAL) / sum(${FINISHED_CONDITION}) END AS failure_rate,
    avg(CASE WHEN status = 'completed' THEN seconds END) AS avg_completion_seconds,
    sum(coalesce(prompt_tokens, 0)) AS prompt_tokens, sum(coalesce(completion_tokens, 0)) AS completion_tokens,
    sum(coalesce(total_tokens, 0)) AS total_tokens
  FROM tagged GROUP BY k
), histogram AS (
  SELECT k, seconds, count(*) AS c
  FROM tagged WHERE +status = 'completed' AND seconds IS NOT NULL GROUP BY k, seconds
), running AS (
  SELECT k, seconds, sum(c) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto, sum(c) OVER (PARTITION BY k) AS n
  FROM histogram
), percentiles AS (
  SELECT k, ${percentiles}
  FROM running GROUP BY k
)
SELECT t.k AS ${keyColumn}, t.steps, t.completed, t.failed, t.cancelled, t.expired, t.in_progress, t.failure_rate,
  t.avg_completion_seconds, p.p50_completion_seconds, p.p95_completion_seconds, t.prompt_tokens, t.completion_tokens, t.total_tokens
FROM totals t LEFT JOIN percentiles p ON p.k IS t.k
ORDER BY t.k`;
  return { sql, params: conditions.params };
}

/** The view's definition: the unfiltered SELECT (no parameters). */
export function viewSelect(dimension: Dimension): string {
  return metricsQuery(dimension).sql;
}

function utcDayStartOrThrow(date: string): number {
  const start = utcDayStart(date);
  if (start === null) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return start;
}
