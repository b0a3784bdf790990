import type { SqlPort } from "../../store/sqlPort.js";
import type { PriceTable } from "../prices.js";
import { prettyJsonArrayPages } from "../../records/json.js";
import { buildReport, type Report, type ReportFormat, type ReportParams } from "../report.js";

const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
} as const;

/** Rows a part of the JSON report holds: ~46 kB by hour, each part within a pipe's 64 KiB buffer. */
const ROWS_PER_PART = 100;

/**
 * The report as JSON, the bytes of `JSON.stringify(report, null, 2)` and a line break, made a part at a time as they
 * are taken: written as made, a year by hour (4 MB) is never one string nor one buffer, memory a process pays for
 * page by page (docs/benchmarks.md, 2026-12-04: `report --by hour` 367–386 → 353–356 ms at best).
 */
export function* renderJsonParts({ dimension, filters, rows }: Report): Generator<string> {
  const empty = JSON.stringify({ dimension, filters, rows: [] }, null, 2);
  const rowsAt = empty.lastIndexOf("[]");
  const array = prettyJsonArrayPages(1);
  yield empty.slice(0, rowsAt);
  for (let start = 0; start < rows.length; start += ROWS_PER_PART) yield array.page(rows.slice(start, start + ROWS_PER_PART));
  yield `${array.end()}${empty.slice(rowsAt + 2)}\n`;
}

/** The report of `params` in its format, costs from `prices`, in parts to write in order: what `stepstore report` prints. */
export async function renderReportParts(port: SqlPort, params: ReportParams, prices: PriceTable): Promise<{ contentType: string; parts: Iterable<string> }> {
  const report = await buildReport(port, params.dimension, params.filters, prices);
  const contentType = CONTENT_TYPES[params.format];
  if (params.format === "json") return { contentType, parts: renderJsonParts(report) };
  return { contentType, parts: [await renderOther(port, report, params.format, prices)] };
}

/** The report of `params` as one text: what `/v1/stats` and `/report` answer. */
export async function renderReport(port: SqlPort, params: ReportParams, prices: PriceTable): Promise<{ contentType: string; body: string }> {
  const { contentType, parts } = await renderReportParts(port, params, prices);
  return { contentType, body: [...parts].join("") };
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
