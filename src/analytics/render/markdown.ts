import { COST_COLUMN, KEY_COLUMNS, METRIC_COLUMNS, REPORT_COLUMNS } from "../metrics.js";
import type { Report } from "../report.js";

const NUMERIC = new Set<string>([...METRIC_COLUMNS, COST_COLUMN]);

/**
 * A cell of a GitHub-flavoured Markdown table: in a text (a key), every ASCII punctuation character backslash-escaped,
 * so that nothing the log holds is markup a viewer renders (a tag, a link, an image it fetches, a bare URL or `www.`
 * it links, emphasis; an assistant id `[x](javascript:…)` was a link), pipes included; line breaks flattened; a number
 * as written; NULL empty.
 */
function cell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  return value.replace(/[!-/:-@[-`{-~]/g, "\\$&").replace(/\r\n|\r|\n/g, " ");
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
