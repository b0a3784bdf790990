import type { Dimension } from "../metrics.js";
import type { Report, ReportRow, ReportSummary } from "../report.js";
import { assistantLabel, chartRows, costFigures, FONT, isPeriod, NONE, specsByKey, toSvg } from "./charts.js";
import { DAY_MS, type HtmlContext, type PreviousPeriod } from "./context.js";
import { escapeHtml } from "./escapeHtml.js";
import { specsOverTime, type Comparison } from "./overTime.js";

const DIMENSION_LABELS: Record<Dimension, string> = {
  assistant: "assistant",
  day: "day (UTC)",
  hour: "hour (UTC)",
  model: "model",
  type: "step type",
  tool: "tool",
  error: "error code",
};

const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);
const integer = (value: number | null) => (value === null ? "—" : value.toLocaleString("en-US"));
const seconds = (value: number | null) => (value === null ? "—" : `${Number.isInteger(value) ? value : value.toFixed(1)} s`);

/** The previous period's figure under a card's, when there is one. */
const before = (previous: PreviousPeriod | null, figure: (summary: ReportSummary) => string) =>
  previous === null ? "" : `<div class="previous">previous period: ${figure(previous.summary)}</div>`;

function summaryHtml(summary: ReportSummary, previous: PreviousPeriod | null): string {
  const range = summary.firstDay === null ? (summary.steps === 0 ? "no steps" : "no step has a day") : summary.firstDay === summary.lastDay ? summary.firstDay : `${summary.firstDay} → ${summary.lastDay}`;
  const cards: [string, string, string, string][] = [
    ["Steps", integer(summary.steps), `${integer(summary.completed)} completed · ${integer(summary.failed)} failed · ${integer(summary.cancelled)} cancelled · ${integer(summary.expired)} expired · ${integer(summary.in_progress)} in progress`, before(previous, (p) => integer(p.steps))],
    ["Failure rate", summary.failure_rate === null ? NO_FINISHED : percent(summary.failure_rate), "failed ÷ finished steps", before(previous, (p) => (p.failure_rate === null ? NO_FINISHED : percent(p.failure_rate)))],
    ["p95 completion time", seconds(summary.p95_completion_seconds), `p50 ${seconds(summary.p50_completion_seconds)} · mean ${seconds(summary.avg_completion_seconds)}`, before(previous, (p) => seconds(p.p95_completion_seconds))],
    ["Tokens", integer(summary.total_tokens), `${integer(summary.prompt_tokens)} prompt · ${integer(summary.completion_tokens)} completion`, before(previous, (p) => integer(p.total_tokens))],
    ["Date range (UTC)", escapeHtml(range), "created_at of the first and last step", previous === null ? "" : `<div class="previous">previous period: ${previous.from} → ${previous.to}</div>`],
  ];
  return `<section class="summary">${cards
    .map(([title, value, note, past]) => `<div class="card"><div class="label">${title}</div><div class="value">${value}</div><div class="note">${note}</div>${past}</div>`)
    .join("")}</section>`;
}

function filtersText(report: Report, names: ReadonlyMap<string, string>): string {
  const { from, to, assistant, model } = report.filters;
  const parts = [
    from !== null || to !== null ? `created ${from ?? "…"} to ${to ?? "…"} (UTC, inclusive)` : "all dates",
    assistant !== null ? `assistant ${assistantLabel(assistant, names)}` : "all assistants",
    model !== null ? `model ${model}` : "all models",
  ];
  return escapeHtml(parts.join(" · "));
}

const NO_FINISHED = `<span class="none">no finished steps</span>`;
const NO_COMPLETED = `<span class="none" title="no completed steps">—</span>`;

/** The key cell: an assistant's name with its id beneath, when the log names it. */
function keyCell(key: string | null, dimension: Dimension, names: ReadonlyMap<string, string>): string {
  if (key === null) return escapeHtml(NONE);
  const name = dimension === "assistant" ? names.get(key) : undefined;
  return name === undefined ? escapeHtml(key) : `${escapeHtml(name)}<div class="id">${escapeHtml(key)}</div>`;
}

/** Groups in time order for day and hour; otherwise the largest first (by steps), as the charts read. */
function ordered(rows: readonly ReportRow[], dimension: Dimension): readonly ReportRow[] {
  return isPeriod(dimension) ? rows : [...rows].sort((a, b) => (b.steps ?? 0) - (a.steps ?? 0));
}

/**
 * The most rows the page lists, and the most keys a chart by key draws: a store of 50,000 tools made a 184 MB page in
 * 39 s (the service's loop held meanwhile). Every row stays in `--format json`, `csv` and `md`.
 */
const MAX_LISTED = 1_000;
const MAX_CHARTED_KEYS = 40;

/** The rows a page shows, at most `most`, in order: for day and hour the latest periods, else the keys with the most steps. */
function shown(rows: readonly ReportRow[], dimension: Dimension, most: number): readonly ReportRow[] {
  const inOrder = ordered(rows, dimension);
  if (inOrder.length <= most) return inOrder;
  return isPeriod(dimension) ? inOrder.slice(-most) : inOrder.slice(0, most);
}

/** What the page leaves out, said where it does: how many rows it shows of how many, and where the rest are. */
function omittedNote(total: number, most: number, dimension: Dimension, what: string): string {
  if (total <= most) return "";
  const which = isPeriod(dimension) ? `the latest ${most}` : `the ${most} with the most steps`;
  return `<p class="omitted">${what}: ${which} of ${total} rows; every row is in <code>--format json</code>, <code>csv</code> or <code>md</code> (<code>format=</code> on <code>/report</code>).</p>`;
}

function tableHtml(report: Report, names: ReadonlyMap<string, string>): string {
  const label = DIMENSION_LABELS[report.dimension];
  const head = [label, "steps", "completed", "failed", "cancelled", "expired", "in progress", "failure rate", "mean s", "p50 s", "p95 s", "prompt tokens", "completion tokens", "total tokens", "cost (USD)"];
  const rows = shown(report.rows, report.dimension, MAX_LISTED);
  const cost = costFigures(rows.map((row) => row.cost_usd));
  const body = rows.map((row) =>
    [
      `<th scope="row">${keyCell(row.key, report.dimension, names)}</th>`,
      ...[row.steps, row.completed, row.failed, row.cancelled, row.expired, row.in_progress].map((v) => `<td>${integer(v)}</td>`),
      `<td>${row.failure_rate === null ? NO_FINISHED : percent(row.failure_rate)}</td>`,
      ...[row.avg_completion_seconds, row.p50_completion_seconds, row.p95_completion_seconds].map((v) => `<td>${v === null ? NO_COMPLETED : Number.isInteger(v) ? v : v.toFixed(1)}</td>`),
      ...[row.prompt_tokens, row.completion_tokens, row.total_tokens].map((v) => `<td>${integer(v)}</td>`),
      `<td>${row.cost_usd === null ? "—" : cost.text(row.cost_usd)}</td>`,
    ].join(""),
  );
  return `${omittedNote(report.rows.length, MAX_LISTED, report.dimension, "The table lists")}<div class="rows"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r}</tr>`).join("")}</tbody></table></div>`;
}

/** The previous period's rows on this period's time axis: each moved forward by the span's length. */
function comparison(previous: PreviousPeriod | null, dimension: Dimension): Comparison | null {
  if (previous === null) return null;
  const shift = previous.days * DAY_MS;
  const rows = chartRows(shown(previous.report.rows, dimension, MAX_LISTED), dimension).map((row) => ({ ...row, t: row.t === null ? null : row.t + shift }));
  return { rows, span: `${previous.from} → ${previous.to}` };
}

/**
 * The report's policy: a file that stands alone (its charts inline SVG, its style inline), fetching and running nothing.
 * In its own `<meta>` for a saved file; `/report` also sends it as a header, with what only a header can say.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font-family:${FONT};color:#212529;background:#f8f9fa}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px}
.filters{color:#555;margin:0 0 18px}
.summary{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:12px 16px;min-width:180px;flex:1}
.card .label{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#666}
.card .value{font-size:26px;font-weight:600;margin:4px 0}
.card .note{font-size:12px;color:#666}
.card .previous{font-size:12px;color:#868e96;margin-top:4px}
.none{color:#868e96;font-style:italic}
.id{font-size:10px;color:#868e96;font-family:ui-monospace,Menlo,Consolas,monospace}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;flex:1 1 auto;background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:12px;overflow-x:auto}
.rows{overflow-x:auto}
table{border-collapse:collapse;background:#fff;font-size:12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #dee2e6;padding:3px 6px;text-align:right;white-space:nowrap}
thead th{background:#f1f3f5;white-space:normal;vertical-align:bottom}
thead th:first-child{text-align:left}
tbody th{text-align:left;font-weight:500;white-space:normal;overflow-wrap:anywhere;min-width:16em}
.omitted{font-size:13px;color:#555}
.empty{background:#fff;border:1px dashed #adb5bd;border-radius:8px;padding:24px;color:#555}
footer{margin-top:24px;font-size:12px;color:#777}
`;

/**
 * One self-contained HTML page: a summary, charts drawn by vega-lite rendered to inline SVG here (no script, no
 * font, no request when opened), and the rows as a table.
 */
export async function renderHtml(report: Report, { summary, names, previous }: HtmlContext): Promise<string> {
  const label = DIMENSION_LABELS[report.dimension];
  const dimension = report.dimension;
  const charted = isPeriod(dimension) ? MAX_LISTED : MAX_CHARTED_KEYS;
  const rows = chartRows(shown(report.rows, dimension, charted), dimension, names);
  const specs = rows.length === 0 ? [] : isPeriod(dimension) ? specsOverTime(rows, dimension, comparison(previous, dimension)) : specsByKey(rows, label);
  const svgs = await Promise.all(specs.map(toSvg));
  const charts = rows.length === 0
    ? `<p class="empty">No run steps match these filters: nothing to chart.</p>`
    : `${omittedNote(report.rows.length, charted, dimension, "The charts draw")}<div class="charts">${svgs.map((svg) => `<figure>${svg}</figure>`).join("")}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<title>stepstore report by ${escapeHtml(label)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Run-step report by ${escapeHtml(label)}</h1>
<p class="filters">${filtersText(report, names)}</p>
${summaryHtml(summary, previous)}
<h2>Charts</h2>
${charts}
<h2>Metrics by ${escapeHtml(label)}</h2>
${report.rows.length === 0 ? `<p class="empty">No run steps match these filters: no rows.</p>` : tableHtml(report, names)}
<footer>Generated by stepstore. Metrics as defined in the stepstore contract §7; percentiles by nearest rank; times in seconds; dates in UTC.</footer>
</body>
</html>
`;
}
