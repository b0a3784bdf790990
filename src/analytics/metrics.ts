/**
 * The §7 metrics' names, keys and filters. Their values are the rollups' summaries (src/projections/stepStats), summed
 * over the steps there (summarySql.ts) for verify and for a filtered report: the `stats_by_*` views (views.ts) read a
 * dimension's summaries (`viewSelect`), reports the same or the steps a filter keeps (rollupMetrics.ts), which tests
 * hold equal to a generated world's ground truth.
 */
import { isTerminalStep, STEP_STATUS_RANK } from "../records/statuses.js";
import type { Dimension } from "../projections/stepStats/dimensions.js";
import { ROLLUP_DIALECTS } from "../projections/stepStats/dialect.js";
import { STEP_MODEL } from "../projections/stepStats/stepRows.js";
import { DAY_SECONDS, keyedTimeSql } from "../projections/stepStats/timeKeys.js";
import type { SqlPort } from "../store/sqlPort.js";

/** The statuses §7 counts as finished: the terminal ones of the fold's status rank. */
export const FINISHED_STATUSES = Object.keys(STEP_STATUS_RANK).filter(isTerminalStep);

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
/** A report row's columns, in order (CONTRACT §8): the key, the §7 metrics, the cost. */
export const REPORT_COLUMNS = ["key", ...METRIC_COLUMNS, COST_COLUMN] as const;
type MetricColumn = (typeof METRIC_COLUMNS)[number];
export type Metrics = Record<MetricColumn, number | null>;

/** Filters on the steps before they are grouped; dates are inclusive UTC days on `created_at` (of the keyed years, timeKeys.ts). */
export interface StepFilter {
  from?: string | null;
  to?: string | null;
  assistant?: string | null;
  model?: string | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

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
 * A view's SELECT: its dimension's summaries (src/projections/stepStats), which every append keeps current, with the
 * §7 ratios divided from their counts (report.ts divides the same counts in JavaScript) and no `cost_usd`. Reading
 * the summaries, a view answers in milliseconds at any size, as a report does; `verify` holds them to `run_steps`.
 * One SELECT for both stores (PostgreSQL's key order from the rollups' dialect).
 */
export function viewSelect(dialect: SqlPort["dialect"], dimension: Dimension): string {
  const finished = FINISHED_STATUSES.map((status) => `r.${status}`).join(" + ");
  const ratio = (numerator: string, denominator: string) =>
    `CASE WHEN ${denominator} = 0 THEN NULL ELSE CAST(${numerator} AS DOUBLE PRECISION) / (${denominator}) END`;
  return `SELECT r.key AS ${KEY_COLUMNS[dimension]}, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  ${ratio("r.failed", finished)} AS failure_rate, ${ratio("r.timed_seconds", "r.timed_steps")} AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = '${dimension}' ORDER BY ${ROLLUP_DIALECTS[dialect].keyOrder("r.key")}`;
}

function utcDayStartOrThrow(date: string): number {
  const start = utcDayStart(date);
  if (start === null) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return start;
}
