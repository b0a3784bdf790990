import { assistantNames } from "../../projections/assistants/queries.js";
import { DAY_SECONDS } from "../../projections/stepStats/timeKeys.js";
import type { SqlPort } from "../../store/sqlPort.js";
import type { PriceTable } from "../prices.js";
import { buildReport, buildSummary, type Report, type ReportFilters, type ReportSummary } from "../report.js";

/** The span before the report's, reported the same way: what a trend over time is compared with. */
export interface PreviousPeriod {
  report: Report;
  summary: ReportSummary;
  from: string;
  to: string;
  /** Its length in days: how far its points move forward to sit under the report's own. */
  days: number;
}

/** What the HTML report shows besides its rows: the whole selection, the assistants' names, the previous period. */
export interface HtmlContext {
  summary: ReportSummary;
  /** Assistant names by id, for the ids the page shows (an assistant with no record or no name is absent). */
  names: ReadonlyMap<string, string>;
  /** For `--by day|hour` with steps in the span; null otherwise. */
  previous: PreviousPeriod | null;
}

export const DAY_MS = DAY_SECONDS * 1000;
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The same number of days immediately before `--from..--to`; a bound not given is the first or last day of
 * the steps kept. Null when no step is kept, or the span would start before year 0000 (no date --from takes).
 */
export function previousSpan(filters: ReportFilters, summary: ReportSummary): { from: string; to: string; days: number } | null {
  const from = filters.from ?? summary.firstDay;
  const to = filters.to ?? summary.lastDay;
  if (from === null || to === null || summary.steps === 0) return null;
  const days = Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;
  const start = dayMs(from) - days * DAY_MS;
  if (!/^\d{4}-/.test(dateOf(start))) return null;
  return { from: dateOf(start), to: dateOf(dayMs(from) - DAY_MS), days };
}

export async function htmlContext(port: SqlPort, report: Report, prices: PriceTable): Promise<HtmlContext> {
  const summary = await buildSummary(port, report.filters);
  const ids = report.dimension === "assistant" ? report.rows.flatMap((row) => (row.key === null ? [] : [row.key])) : [];
  if (report.filters.assistant !== null) ids.push(report.filters.assistant);
  const names = await assistantNames(port, ids);
  const span = report.dimension === "day" || report.dimension === "hour" ? previousSpan(report.filters, summary) : null;
  if (span === null) return { summary, names, previous: null };
  const filters = { ...report.filters, from: span.from, to: span.to };
  const [previousReport, previousSummary] = await Promise.all([buildReport(port, report.dimension, filters, prices), buildSummary(port, filters)]);
  return { summary, names, previous: { report: previousReport, summary: previousSummary, ...span } };
}
