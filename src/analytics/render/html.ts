import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Dimension } from "../metrics.js";
import type { Report, ReportRow, ReportSummary } from "../report.js";

const DIMENSION_LABELS: Record<Dimension, string> = {
  assistant: "assistant",
  day: "day (UTC)",
  hour: "hour (UTC)",
  model: "model",
  type: "step type",
  tool: "tool",
  error: "error code",
};

const NONE = "(none)";
const WIDTH = 560;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
/** Mean, p50 and p95 completion seconds as one long series, named for the legend. */
const COMPLETION_STATISTICS = [
  { fold: ["avg_completion_seconds", "p50_completion_seconds", "p95_completion_seconds"], as: ["statistic", "seconds"] },
  { calculate: "{avg_completion_seconds: 'mean', p50_completion_seconds: 'p50', p95_completion_seconds: 'p95'}[datum.statistic]", as: "statistic" },
];
const STATUS_COLORS = { completed: "#2f9e44", failed: "#e03131", cancelled: "#868e96", expired: "#f08c00", in_progress: "#1c7ed6" };

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Compiles a vega-lite spec and renders it headless (no DOM, no canvas) to an SVG string. */
async function toSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new View(parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const CONFIG = {
  font: FONT,
  background: "white",
  title: { fontSize: 15, anchor: "start", offset: 10, subtitleColor: "#555" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e9ecef", labelLimit: 300 },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: "top" },
  view: { stroke: null },
} as const;

interface ChartRow {
  key: string;
  /** Epoch milliseconds of the day, for --by day. */
  t: number | null;
  [column: string]: string | number | null;
}

function chartRows(rows: readonly ReportRow[], dimension: Dimension): ChartRow[] {
  return rows.map((row) => ({
    ...row,
    key: row.key ?? NONE,
    t: dimension === "day" && row.key !== null ? Date.parse(`${row.key}T00:00:00Z`) : null,
  }));
}

function specsByKey(rows: ChartRow[], dimension: Dimension): TopLevelSpec[] {
  const label = DIMENSION_LABELS[dimension];
  const keyAxis = { field: "key", type: "nominal", title: label, sort: null } as const;
  const bars = (n: number) => ({ width: WIDTH, height: { step: n } });
  return [
    {
      ...bars(18),
      title: { text: `Failure rate by ${label}`, subtitle: "failed ÷ (completed + failed + cancelled + expired); no bar when none finished" },
      data: { values: rows },
      mark: { type: "bar", color: STATUS_COLORS.failed },
      encoding: {
        y: keyAxis,
        x: { field: "failure_rate", type: "quantitative", title: "failure rate (%)", axis: { format: ".0%" }, scale: { domain: [0, 1] } },
        tooltip: [{ field: "key", title: label }, { field: "failure_rate", format: ".1%", title: "failure rate" }],
      },
      config: CONFIG,
    } as TopLevelSpec,
    {
      width: WIDTH,
      height: { step: 10 },
      title: { text: `Completion time by ${label}`, subtitle: "completed steps: completed_at − created_at; mean, median (p50) and p95 by nearest rank" },
      data: { values: rows },
      transform: COMPLETION_STATISTICS,
      mark: "bar",
      encoding: {
        y: keyAxis,
        yOffset: { field: "statistic", sort: ["mean", "p50", "p95"] },
        x: { field: "seconds", type: "quantitative", title: "completion time (seconds)" },
        color: { field: "statistic", type: "nominal", title: "statistic", sort: ["mean", "p50", "p95"], scale: { range: ["#74c0fc", "#1c7ed6", "#0b3d91"] } },
      },
      config: CONFIG,
    } as TopLevelSpec,
    {
      ...bars(18),
      title: { text: `Tokens by ${label}`, subtitle: "sums of usage.prompt_tokens and usage.completion_tokens (steps without usage add 0)" },
      data: { values: rows },
      transform: [{ fold: ["prompt_tokens", "completion_tokens"], as: ["kind", "tokens"] }, { calculate: "replace(datum.kind, '_tokens', '')", as: "kind" }],
      mark: "bar",
      encoding: {
        y: keyAxis,
        x: { field: "tokens", type: "quantitative", title: "tokens", stack: "zero", axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } },
        color: { field: "kind", type: "nominal", title: "tokens", sort: ["prompt", "completion"], scale: { range: ["#9775fa", "#e64980"] } },
      },
      config: CONFIG,
    } as TopLevelSpec,
    stepsByStatus(rows, label, false),
  ];
}

function stepsByStatus(rows: ChartRow[], label: string, overTime: boolean): TopLevelSpec {
  const statuses = Object.keys(STATUS_COLORS);
  const position = overTime
    ? { x: dayAxis(rows) }
    : { y: { field: "key", type: "nominal", title: label, sort: null } };
  const value = { field: "count", type: "quantitative", title: "steps", stack: "zero" };
  return {
    width: WIDTH,
    height: overTime ? 220 : { step: 18 },
    title: { text: overTime ? "Steps per day by status" : `Steps by ${label} and status`, subtitle: "count of run steps" },
    data: { values: rows },
    transform: [{ fold: statuses, as: ["status", "count"] }],
    mark: "bar",
    encoding: {
      ...position,
      ...(overTime ? { y: value } : { x: value }),
      color: { field: "status", type: "nominal", title: "status", sort: statuses, scale: { domain: statuses, range: Object.values(STATUS_COLORS) } },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** Days on a UTC time axis, one band per day, a tick every day or every few days (about a dozen labels at most). */
function dayAxis(rows: readonly ChartRow[]) {
  const times = rows.map((row) => row.t).filter((t): t is number => t !== null);
  const days = times.length === 0 ? 1 : (Math.max(...times) - Math.min(...times)) / 86_400_000 + 1;
  const step = Math.max(1, Math.ceil(days / 12));
  return {
    field: "t",
    type: "temporal",
    timeUnit: "utcyearmonthdate",
    title: "day (UTC)",
    axis: { format: "%Y-%m-%d", labelAngle: -30, tickCount: { interval: "day", step } },
  } as const;
}

function specsOverTime(rows: ChartRow[]): TopLevelSpec[] {
  const x = dayAxis(rows);
  const line = { type: "line", point: true } as const;
  return [
    {
      width: WIDTH,
      height: 200,
      title: { text: "Failure rate over time", subtitle: "failed ÷ (completed + failed + cancelled + expired), per UTC day" },
      data: { values: rows },
      mark: { ...line, color: STATUS_COLORS.failed },
      encoding: { x, y: { field: "failure_rate", type: "quantitative", title: "failure rate (%)", axis: { format: ".0%" } } },
      config: CONFIG,
    } as TopLevelSpec,
    {
      width: WIDTH,
      height: 220,
      title: { text: "Completion time over time", subtitle: "completed steps created that day: mean, median (p50) and p95, in seconds" },
      data: { values: rows },
      transform: COMPLETION_STATISTICS,
      mark: line,
      encoding: {
        x,
        y: { field: "seconds", type: "quantitative", title: "completion time (seconds)" },
        color: { field: "statistic", type: "nominal", title: "statistic", sort: ["mean", "p50", "p95"], scale: { range: ["#74c0fc", "#1c7ed6", "#0b3d91"] } },
      },
      config: CONFIG,
    } as TopLevelSpec,
    {
      width: WIDTH,
      height: 200,
      title: { text: "Tokens over time", subtitle: "prompt and completion tokens of the steps created that day" },
      data: { values: rows },
      transform: [{ fold: ["prompt_tokens", "completion_tokens"], as: ["kind", "tokens"] }, { calculate: "replace(datum.kind, '_tokens', '')", as: "kind" }],
      mark: "bar",
      encoding: {
        x,
        y: { field: "tokens", type: "quantitative", title: "tokens", stack: "zero", axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } },
        color: { field: "kind", type: "nominal", title: "tokens", sort: ["prompt", "completion"], scale: { range: ["#9775fa", "#e64980"] } },
      },
      config: CONFIG,
    } as TopLevelSpec,
    stepsByStatus(rows, "day", true),
  ];
}

const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);
const integer = (value: number | null) => (value === null ? "—" : value.toLocaleString("en-US"));
const usd = (value: number | null) => (value === null ? "—" : `$${value.toFixed(value < 1 ? 4 : 2)}`);
const seconds = (value: number | null) => (value === null ? "—" : `${Number.isInteger(value) ? value : value.toFixed(1)} s`);

function summaryHtml(report: Report, summary: ReportSummary): string {
  const range = summary.firstDay === null ? "no steps" : summary.firstDay === summary.lastDay ? summary.firstDay : `${summary.firstDay} → ${summary.lastDay}`;
  const cards: [string, string, string][] = [
    ["Steps", integer(summary.steps), `${integer(summary.completed)} completed · ${integer(summary.failed)} failed · ${integer(summary.cancelled)} cancelled · ${integer(summary.expired)} expired · ${integer(summary.in_progress)} in progress`],
    ["Failure rate", percent(summary.failure_rate), "failed ÷ finished steps"],
    ["p95 completion time", seconds(summary.p95_completion_seconds), `p50 ${seconds(summary.p50_completion_seconds)} · mean ${seconds(summary.avg_completion_seconds)}`],
    ["Tokens", integer(summary.total_tokens), `${integer(summary.prompt_tokens)} prompt · ${integer(summary.completion_tokens)} completion`],
    ["Date range (UTC)", escapeHtml(range), "created_at of the first and last step"],
  ];
  return `<section class="summary">${cards
    .map(([title, value, note]) => `<div class="card"><div class="label">${title}</div><div class="value">${value}</div><div class="note">${note}</div></div>`)
    .join("")}</section>`;
}

function filtersText(report: Report): string {
  const { from, to, assistant, model } = report.filters;
  const parts = [
    from !== null || to !== null ? `created ${from ?? "…"} to ${to ?? "…"} (UTC, inclusive)` : "all dates",
    assistant !== null ? `assistant ${assistant}` : "all assistants",
    model !== null ? `model ${model}` : "all models",
  ];
  return escapeHtml(parts.join(" · "));
}

function tableHtml(report: Report): string {
  const label = DIMENSION_LABELS[report.dimension];
  const head = [label, "steps", "completed", "failed", "cancelled", "expired", "in progress", "failure rate", "mean s", "p50 s", "p95 s", "prompt tokens", "completion tokens", "total tokens", "cost (USD)"];
  const body = report.rows.map((row) =>
    [
      `<th scope="row">${escapeHtml(row.key ?? NONE)}</th>`,
      ...[row.steps, row.completed, row.failed, row.cancelled, row.expired, row.in_progress].map((v) => `<td>${integer(v)}</td>`),
      `<td>${percent(row.failure_rate)}</td>`,
      ...[row.avg_completion_seconds, row.p50_completion_seconds, row.p95_completion_seconds].map((v) => `<td>${v === null ? "—" : Number.isInteger(v) ? v : v.toFixed(1)}</td>`),
      ...[row.prompt_tokens, row.completion_tokens, row.total_tokens].map((v) => `<td>${integer(v)}</td>`),
      `<td>${usd(row.cost_usd)}</td>`,
    ].join(""),
  );
  return `<div class="rows"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r}</tr>`).join("")}</tbody></table></div>`;
}

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
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:12px;overflow-x:auto}
.rows{overflow-x:auto}
table{border-collapse:collapse;background:#fff;font-size:13px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:right;white-space:nowrap}
thead th{background:#f1f3f5}
thead th:first-child{text-align:left}
tbody th{text-align:left;font-weight:500}
.empty{background:#fff;border:1px dashed #adb5bd;border-radius:8px;padding:24px;color:#555}
footer{margin-top:24px;font-size:12px;color:#777}
`;

/**
 * One self-contained HTML page: a summary, charts drawn by vega-lite rendered to inline SVG here (no script, no
 * font, no request when opened), and the rows as a table.
 */
export async function renderHtml(report: Report, summary: ReportSummary): Promise<string> {
  const label = DIMENSION_LABELS[report.dimension];
  const rows = chartRows(report.rows, report.dimension);
  const specs = rows.length === 0 ? [] : report.dimension === "day" ? specsOverTime(rows) : specsByKey(rows, report.dimension);
  const svgs = await Promise.all(specs.map(toSvg));
  const charts = rows.length === 0
    ? `<p class="empty">No run steps match these filters: nothing to chart.</p>`
    : `<div class="charts">${svgs.map((svg) => `<figure>${svg}</figure>`).join("")}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>stepstore report by ${escapeHtml(label)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Run-step report by ${escapeHtml(label)}</h1>
<p class="filters">${filtersText(report)}</p>
${summaryHtml(report, summary)}
<h2>Charts</h2>
${charts}
<h2>Metrics by ${escapeHtml(label)}</h2>
${tableHtml(report)}
<footer>Generated by stepstore. Metrics as defined in the stepstore contract §7; percentiles by nearest rank; times in seconds; dates in UTC.</footer>
</body>
</html>
`;
}
