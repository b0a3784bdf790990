import type { SqlPort } from "../../store/sqlPort.js";
import type { PriceTable } from "../prices.js";
import { prettyJsonArrayPages } from "../../records/json.js";
import { buildReport, eachReportPage, type Report, type ReportFormat, type ReportParams, type ReportRow } from "../report.js";

const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
} as const;

/**
 * The JSON report in parts, the bytes of `JSON.stringify(report, null, 2)` and a line break: `head`, then a `page` for
 * each page of rows in order, then `end` once.
 */
export function jsonReportParts({ dimension, filters }: Pick<Report, "dimension" | "filters">) {
  const empty = JSON.stringify({ dimension, filters, rows: [] }, null, 2);
  const rowsAt = empty.lastIndexOf("[]");
  const array = prettyJsonArrayPages(1);
  return { head: empty.slice(0, rowsAt), page: (rows: readonly ReportRow[]) => array.page(rows), end: () => `${array.end()}${empty.slice(rowsAt + 2)}\n` };
}

/**
 * The report of `params` in its format, costs from `prices`, handed to `write` in parts as made: JSON a page of rows
 * at a time as they are read (a year by hour, 4 MB, is never one string, nor its rows all alive at once; docs/benchmarks.md,
 * 2026-12-05), the other formats whole. What `stepstore report` prints.
 */
export async function writeReport(port: SqlPort, params: ReportParams, prices: PriceTable, write: (part: string) => void | Promise<void>): Promise<void> {
  const { dimension, filters, format } = params;
  if (format !== "json") return write(await renderOther(port, await buildReport(port, dimension, filters, prices), format, prices));
  const json = jsonReportParts({ dimension, filters });
  await write(json.head);
  await eachReportPage(port, dimension, filters, prices, (rows) => write(json.page(rows)));
  await write(json.end());
}

/** A report as one text, with its media type: what `/v1/stats` and `/report` answer. */
export interface RenderedReport {
  contentType: string;
  body: string;
}

/** The report of `params` as one text: what `/v1/stats` and `/report` answer. */
export async function renderReport(port: SqlPort, params: ReportParams, prices: PriceTable): Promise<RenderedReport> {
  const parts: string[] = [];
  await writeReport(port, params, prices, (part) => void parts.push(part));
  return { contentType: CONTENT_TYPES[params.format], body: parts.join("") };
}

async function renderOther(port: SqlPort, report: Report, format: Exclude<ReportFormat, "json">, prices: PriceTable): Promise<string> {
  switch (format) {
    // Each other format's module loads when it is asked for (csv-stringify; vega and vega-lite for the charts): JSON starts fast.
    case "csv":
      return (await import("./csv.js")).renderCsv(report);
    case "md":
      return (await import("./markdown.js")).renderMarkdown(report);
    case "html": {
      const [{ renderHtml }, { htmlContext }] = await Promise.all([import("./html.js"), import("./context.js")]);
      return renderHtml(report, await htmlContext(port, report, prices));
    }
  }
}
