import type { SqlPort } from "../store/sqlPort.js";
import {
  createdRangeQuery, DIMENSIONS, KEY_COLUMNS, METRIC_COLUMNS, metricsQuery, overallQuery, utcDayStart,
  type Dimension, type Metrics,
} from "./metrics.js";
import { postgresMetricsQuery, postgresOverallQuery } from "./postgresMetrics.js";

export const REPORT_FORMATS = ["json", "csv", "md", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report's filters as given; a filter not given is null. Dates are inclusive UTC days on `created_at`. */
export interface ReportFilters {
  from: string | null;
  to: string | null;
  assistant: string | null;
}

export type ReportRow = { key: string | null } & Metrics;

/** CONTRACT §8: `{"dimension","filters","rows":[{key, …§7 columns}]}`. */
export interface Report {
  dimension: Dimension;
  filters: ReportFilters;
  rows: ReportRow[];
}

/** The whole selection at a glance (HTML summary): §7 metrics over all the steps the filters keep. */
export interface ReportSummary extends Metrics {
  /** `YYYY-MM-DD` of the first and last step kept, null when none. */
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
  format?: string | undefined;
}

export interface ReportParams {
  dimension: Dimension;
  filters: ReportFilters;
  format: ReportFormat;
}

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
  if (input.from !== undefined && input.to !== undefined && input.from > input.to) {
    throw new ReportParamError(`from (${input.from}) is after to (${input.to}): the range is inclusive, from ≤ to`, "from");
  }
  if (input.assistant === "") throw new ReportParamError("assistant must not be empty", "assistant");
  return {
    dimension: by as Dimension,
    filters: { from: input.from ?? null, to: input.to ?? null, assistant: input.assistant ?? null },
    format: format as ReportFormat,
  };
}

type KeyedRow = Record<string, string | number | null>;

/** The §7 metrics of one dimension over the steps the filters keep, rows ordered by key. */
export async function buildReport(port: SqlPort, dimension: Dimension, filters: ReportFilters): Promise<Report> {
  const query = (port.dialect === "postgres" ? postgresMetricsQuery : metricsQuery)(dimension, filters);
  const keyColumn = KEY_COLUMNS[dimension];
  const rows = (await port.all<KeyedRow>(query.sql, query.params)).map((row) => {
    const out: KeyedRow = { key: row[keyColumn] ?? null };
    for (const column of METRIC_COLUMNS) out[column] = row[column] ?? null;
    return out as unknown as ReportRow;
  });
  return { dimension, filters, rows };
}

const utcDay = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString().slice(0, 10));

/** The summary the HTML report shows on top: every step the filters keep, counted once. */
export async function buildSummary(port: SqlPort, filters: ReportFilters): Promise<ReportSummary> {
  const overall = (port.dialect === "postgres" ? postgresOverallQuery : overallQuery)(filters);
  const row = await port.get<KeyedRow>(overall.sql, overall.params);
  const metrics = Object.fromEntries(METRIC_COLUMNS.map((column) => [column, (row?.[column] as number | null | undefined) ?? (isCount(column) ? 0 : null)])) as Metrics;
  const range = createdRangeQuery(filters);
  const { first, last } = (await port.get<{ first: number | null; last: number | null }>(range.sql, range.params))!;
  return { ...metrics, firstDay: utcDay(first), lastDay: utcDay(last) };
}

function isCount(column: string): boolean {
  return !["failure_rate", "avg_completion_seconds", "p50_completion_seconds", "p95_completion_seconds"].includes(column);
}
