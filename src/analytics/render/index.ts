import type { SqlPort } from "../../store/sqlPort.js";
import type { PriceTable } from "../prices.js";
import { buildReport, type Report, type ReportParams } from "../report.js";
import { htmlContext } from "./context.js";
import { renderCsv } from "./csv.js";
import { renderMarkdown } from "./markdown.js";

export const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
} as const;

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The report of `params` in its format, costs from `prices`: what `stepstore report` prints and `/v1/stats`, `/report` answer. */
export async function renderReport(port: SqlPort, params: ReportParams, prices: PriceTable): Promise<{ contentType: string; body: string; report: Report }> {
  const report = await buildReport(port, params.dimension, params.filters, prices);
  const contentType = CONTENT_TYPES[params.format];
  switch (params.format) {
    case "json":
      return { contentType, body: renderJson(report), report };
    case "csv":
      return { contentType, body: renderCsv(report), report };
    case "md":
      return { contentType, body: renderMarkdown(report), report };
    case "html": {
      // vega and vega-lite load only when a chart is drawn: the other formats start fast.
      const { renderHtml } = await import("./html.js");
      return { contentType, body: await renderHtml(report, await htmlContext(port, report, prices)), report };
    }
  }
}
