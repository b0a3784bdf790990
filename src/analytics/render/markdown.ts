import { COST_COLUMN, KEY_COLUMNS, METRIC_COLUMNS } from "../metrics.js";
import type { Report } from "../report.js";

const NUMERIC = new Set<string>([...METRIC_COLUMNS, COST_COLUMN]);

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * A cell of a GitHub-flavoured Markdown table: pipes escaped, HTML made text (a viewer would render a
 * tag a step's data carried), line breaks flattened, NULL shown as empty.
 */
function cell(value: string | number | null): string {
  if (value === null) return "";
  return String(value).replace(/[&<>]/g, (char) => HTML_ENTITIES[char]!)
    .replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The report as a Markdown table (key column named as the view names it), numbers right-aligned. */
export function renderMarkdown(report: Report): string {
  const columns = ["key", ...METRIC_COLUMNS, COST_COLUMN] as const;
  const header = [KEY_COLUMNS[report.dimension], ...METRIC_COLUMNS, COST_COLUMN];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${columns.map((c) => (NUMERIC.has(c) ? "---:" : "---")).join(" | ")} |`,
    ...report.rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}
