import { COST_COLUMN, KEY_COLUMNS, METRIC_COLUMNS, REPORT_COLUMNS } from "../metrics.js";
import type { Report } from "../report.js";
import { escapeText } from "./escapeHtml.js";

const NUMERIC = new Set<string>([...METRIC_COLUMNS, COST_COLUMN]);

/**
 * A cell of a GitHub-flavoured Markdown table: pipes escaped, HTML made text (a viewer would render a
 * tag a step's data carried), the brackets, backticks, asterisks and tildes of links, images, code and
 * emphasis escaped (an assistant id `[x](javascript:…)` or `![](http://…)` was a link or an image a viewer
 * fetched), line breaks flattened, NULL shown as empty.
 */
function cell(value: string | number | null): string {
  if (value === null) return "";
  return escapeText(String(value)).replace(/[\\|[\]`*~]/g, "\\$&").replace(/\r?\n/g, " ");
}

/** The report as a Markdown table (key column named as the view names it), numbers right-aligned. */
export function renderMarkdown(report: Report): string {
  const header = REPORT_COLUMNS.map((c) => (c === "key" ? KEY_COLUMNS[report.dimension] : c));
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${REPORT_COLUMNS.map((c) => (NUMERIC.has(c) ? "---:" : "---")).join(" | ")} |`,
    ...report.rows.map((row) => `| ${REPORT_COLUMNS.map((c) => cell(row[c])).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}
