import type { SqlPort, SqlValue } from "../store/sqlPort.js";
import { DIMENSIONS, FINISHED_STATUSES, METRIC_COLUMNS, REPORT_COLUMNS, utcDayStart, type Dimension, type Metrics } from "./metrics.js";
import { dayRangeQuery, REPORT_VALUES, rollupMetricsQuery, rollupOverallQuery } from "./rollupMetrics.js";
import { priceOf, type ModelPrice, type PriceTable } from "./prices.js";
import type { ModelSums } from "../projections/stepStats/cells.js";
import { UNKNOWN_MODEL } from "../projections/stepStats/dimensions.js";

const REPORT_FORMATS = ["json", "csv", "md", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report's filters as given; a filter not given is null. Dates are inclusive UTC days on `created_at`. */
export interface ReportFilters {
  from: string | null;
  to: string | null;
  assistant: string | null;
  model: string | null;
}

/** A row: the key, the view's §7 columns, then `cost_usd` last (CONTRACT §8). */
export type ReportRow = { key: string | null } & Metrics & { cost_usd: number | null };

/** CONTRACT §8: `{"dimension","filters","rows":[{key, …§7 columns}]}`. */
export interface Report {
  dimension: Dimension;
  filters: ReportFilters;
  rows: ReportRow[];
}

/** The whole selection at a glance (HTML summary): §7 metrics over all the steps the filters keep. */
export interface ReportSummary extends Metrics {
  /** `YYYY-MM-DD` of the first and last step kept that has a day (timeKeys.ts), null when none. */
  firstDay: string | null;
  lastDay: string | null;
}

/** A parameter of `report` (CLI) or `/v1/stats` (HTTP) that is not one of its allowed values. */
export class ReportParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export interface ReportParamsInput {
  by?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  assistant?: string | undefined;
  model?: string | undefined;
  format?: string | undefined;
}

export interface ReportParams {
  dimension: Dimension;
  filters: ReportFilters;
  format: ReportFormat;
}

/** What is wrong with a `from`/`to` pair of valid UTC dates that selects no day, null when it is a range. */
export const reversedDayRange = (from: string | undefined, to: string | undefined): string | null =>
  from !== undefined && to !== undefined && from > to ? `from (${from}) is after to (${to}): the range is inclusive, from ≤ to` : null;

/** Checks what a user gave (`--by/--from/--to/--assistant/--format` or the query string); errors name the allowed values. */
export function parseReportParams(input: ReportParamsInput): ReportParams {
  const by = input.by ?? "assistant";
  if (!(DIMENSIONS as readonly string[]).includes(by)) {
    throw new ReportParamError(`invalid dimension ${JSON.stringify(by)}: expected one of ${DIMENSIONS.join("|")}`, "by");
  }
  const format = input.format ?? "json";
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ReportParamError(`invalid format ${JSON.stringify(format)}: expected one of ${REPORT_FORMATS.join("|")}`, "format");
  }
  for (const name of ["from", "to"] as const) {
    const value = input[name];
    if (value !== undefined && utcDayStart(value) === null) {
      throw new ReportParamError(`invalid ${name} date ${JSON.stringify(value)}: expected a UTC date YYYY-MM-DD (e.g. 2025-01-31)`, name);
    }
  }
  const reversed = reversedDayRange(input.from, input.to);
  if (reversed) throw new ReportParamError(reversed, "from");
  for (const name of ["assistant", "model"] as const) {
    if (input[name] === "") throw new ReportParamError(`${name} must not be empty`, name);
  }
  return {
    dimension: by as Dimension,
    filters: { from: input.from ?? null, to: input.to ?? null, assistant: input.assistant ?? null, model: input.model ?? null },
    format: format as ReportFormat,
  };
}

type KeyedRow = Record<string, string | number | null>;

/**
 * The significant digits of `cost_usd`: a sum of products of token counts and per-token prices (0.22677000000000003)
 * is printed as the dollars it stands for (0.22677); a dollar sum keeps its cents far beyond any bill.
 */
const COST_DIGITS = 12;

/**
 * A key's `cost_usd` (CONTRACT §7) from its models' token sums (the `models` JSON text of `REPORT_VALUES`): each priced
 * model's prompt tokens times its input price plus completion tokens times its output price, summed in the text's
 * (model) order; null when none of its models is priced. Each model is priced once a report (`priceOf` matches names).
 */
function costsUnder(prices: PriceTable): (models: string | null) => number | null {
  const priced = new Map<string, ModelPrice | null>();
  // The rollups' key for steps of no known model is no model: a price file's "(unknown)" key must not price them.
  const priceFor = (model: string) => {
    if (!priced.has(model)) priced.set(model, model === UNKNOWN_MODEL ? null : priceOf(prices, model));
    return priced.get(model)!;
  };
  return (models) => {
    let cost: number | null = null;
    for (const [model, , prompt, completion] of JSON.parse(models ?? "[]") as ModelSums[]) {
      const price = priceFor(model);
      if (price) cost = (cost ?? 0) + (prompt * price.input + completion * price.output);
    }
    return cost === null ? null : Number(cost.toPrecision(COST_DIGITS));
  };
}

/**
 * A row with every column, in order: each report row starts as a copy, so all share one shape, which V8 builds and
 * serializes fastest (a row given its columns one by one, as new properties, took a third of `--by hour`'s row work).
 */
const EMPTY_ROW: KeyedRow = Object.fromEntries(REPORT_COLUMNS.map((column) => [column, null]));

/** Where a row of `[key, …REPORT_VALUES]` holds its models' JSON text. */
const MODELS_AT = 1 + REPORT_VALUES.indexOf("models");

/**
 * A report row from the rollups' `[key, …REPORT_VALUES]` values (in that order) and its cost, the ratios divided here
 * (CONTRACT §7). Each status's count is the row's column of that name, so the finished steps are summed from the row.
 */
function reportRow(values: readonly SqlValue[], cost: number | null): ReportRow {
  const [key, steps, completed, failed, cancelled, expired, inProgress, timedSteps, timedSeconds, p50, p95, prompt, completion, total] =
    values as [string | null, ...number[]];
  const row: KeyedRow = { ...EMPTY_ROW };
  row.key = key;
  row.steps = steps!;
  row.completed = completed!;
  row.failed = failed!;
  row.cancelled = cancelled!;
  row.expired = expired!;
  row.in_progress = inProgress!;
  const finished = FINISHED_STATUSES.reduce((sum, status) => sum + (row[status] as number), 0);
  row.failure_rate = finished === 0 ? null : failed! / finished;
  row.avg_completion_seconds = timedSteps === 0 ? null : timedSeconds! / timedSteps!;
  row.p50_completion_seconds = p50 ?? null;
  row.p95_completion_seconds = p95 ?? null;
  row.prompt_tokens = prompt!;
  row.completion_tokens = completion!;
  row.total_tokens = total!;
  row.cost_usd = cost;
  return row as unknown as ReportRow;
}

/**
 * Rows a page of the report holds as it is read: what a page makes (its rows, their JSON, ~46 kB by hour, within a
 * pipe's 64 KiB buffer) is written and gone before the next, so a year by hour is never held whole.
 */
export const REPORT_PAGE_ROWS = 100;

/**
 * The §7 metrics of one dimension over the steps the filters keep, rows ordered by key, each with its cost, handed to
 * `onPage` a page at a time as read (`SqlPort.rowPages`: it must not call the store).
 */
export async function eachReportPage(
  port: SqlPort, dimension: Dimension, filters: ReportFilters, prices: PriceTable, onPage: (rows: ReportRow[]) => void | Promise<void>,
): Promise<void> {
  const costOf = costsUnder(prices);
  const query = rollupMetricsQuery(port.dialect, dimension, filters);
  await port.rowPages(query.sql, query.params, REPORT_PAGE_ROWS, (values) => onPage(values.map((row) => reportRow(row, costOf(row[MODELS_AT] as string | null)))));
}

/** The §7 metrics of one dimension over the steps the filters keep, every row at once. */
export async function buildReport(port: SqlPort, dimension: Dimension, filters: ReportFilters, prices: PriceTable): Promise<Report> {
  const rows: ReportRow[] = [];
  await eachReportPage(port, dimension, filters, prices, (page) => void rows.push(...page));
  return { dimension, filters, rows };
}

/** The summary the HTML report shows on top: every step the filters keep, counted once. */
export async function buildSummary(port: SqlPort, filters: ReportFilters): Promise<ReportSummary> {
  const overall = rollupOverallQuery(port.dialect, filters);
  const [values] = await port.rows(overall.sql, overall.params);
  const row: Partial<ReportRow> = values ? reportRow(values, null) : {};
  const metrics = Object.fromEntries(METRIC_COLUMNS.map((column) => [column, row[column] ?? (isCount(column) ? 0 : null)])) as Metrics;
  const range = dayRangeQuery(port.dialect, filters);
  const { first, last } = (await port.get<{ first: string | null; last: string | null }>(range.sql, range.params))!;
  return { ...metrics, firstDay: first, lastDay: last };
}

function isCount(column: string): boolean {
  return !["failure_rate", "avg_completion_seconds", "p50_completion_seconds", "p95_completion_seconds"].includes(column);
}
