import type { SqlPort } from "../../store/sqlPort.js";
import type { PriceTable } from "../prices.js";
import { buildReport, type Report, type ReportParams } from "../report.js";

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
export async function renderReport(port: SqlPort, params: ReportParams, prices: PriceTable): Promise<{ contentType: string; body: string }> {
  const report = await buildReport(port, params.dimension, params.filters, prices);
  const contentType = CONTENT_TYPES[params.format];
  switch (params.format) {
    case "json":
      return { contentType, body: renderJson(report) };
    // Each other format's module loads when it is asked for (csv-stringify; vega and vega-lite for the charts): JSON starts fast.
    case "csv":
      return { contentType, body: (await import("./csv.js")).renderCsv(report) };
    case "md":
      return { contentType, body: (await import("./markdown.js")).renderMarkdown(report) };
    case "html": {
      const [{ renderHtml }, { htmlContext }] = await Promise.all([import("./html.js"), import("./context.js")]);
      return { contentType, body: await renderHtml(report, await htmlContext(port, report, prices)) };
    }
  }
}
