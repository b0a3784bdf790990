/**
 * The report's charts as vega-lite specs, rendered headless to SVG: by key (bars sorted by the value they show,
 * axes scaled to the data, a group with nothing to show said so in words); over time: overTime.ts.
 */
import { logger, None, parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { HOUR_SECONDS } from "../../projections/stepStats/timeKeys.js";
import type { Dimension } from "../metrics.js";
import type { ReportRow } from "../report.js";
import { DAY_MS } from "./context.js";
import { withVisibleBidi } from "./escapeHtml.js";

export const NONE = "(none)";
export const WIDTH = 560;
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
/** Mean, p50 and p95 completion seconds as one long series, named for the legend. */
export const COMPLETION_STATISTICS = [
  { fold: ["avg_completion_seconds", "p50_completion_seconds", "p95_completion_seconds"], as: ["statistic", "seconds"] },
  { calculate: "{avg_completion_seconds: 'mean', p50_completion_seconds: 'p50', p95_completion_seconds: 'p95'}[datum.statistic]", as: "statistic" },
];
export const STATISTIC_COLOR = { field: "statistic", type: "nominal", title: "statistic", sort: ["mean", "p50", "p95"], scale: { range: ["#74c0fc", "#1c7ed6", "#0b3d91"] } } as const;
export const TOKEN_KINDS = [{ fold: ["prompt_tokens", "completion_tokens"], as: ["kind", "tokens"] }, { calculate: "replace(datum.kind, '_tokens', '')", as: "kind" }];
export const TOKEN_COLOR = { field: "kind", type: "nominal", title: "tokens", sort: ["prompt", "completion"], scale: { range: ["#9775fa", "#e64980"] } } as const;
export const STATUS_COLORS = { completed: "#2f9e44", failed: "#e03131", cancelled: "#868e96", expired: "#f08c00", in_progress: "#1c7ed6" };
/** Rates from 0.1% up read as such: 3% and 8% differ, 0.5% is not rounded to 1%. */
export const RATE_FORMAT = ".1~%";
/** Counts are whole numbers: integer ticks only (tokens shortened, 12k). */
export const COUNT_AXIS = { format: "d", tickMinStep: 1 } as const;
/** Cost in USD: the colour it is drawn in. */
export const COST = { color: "#0ca678", subtitle: "prompt and completion tokens at the price table's USD prices per model" } as const;
/**
 * How a report shows its costs, in the HTML table and its charts alike: to the cent, thousands grouped, once any cost
 * shown reaches a dollar ($1,301.13, where four decimals read $1,301.1311); else to four decimals at most (a cheap
 * model's fractions of a cent). `d3`: the same as a chart's format.
 */
export function costFigures(costs: readonly unknown[]): { d3: string; text: (usd: number) => string } {
  const cents = costs.some((cost) => typeof cost === "number" && cost >= 1);
  const digits = cents ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 4 };
  return { d3: cents ? "$,.2f" : "$,.4~f", text: (usd) => `$${usd.toLocaleString("en-US", digits)}` };
}
/** A chart of cost is drawn when any group is priced. */
export const anyPriced = (rows: readonly ChartRow[]) => rows.some((row) => row.cost_usd !== null);
/** Whether any row has a completed step with a time: else there is no completion time to chart. */
export const anyCompleted = (rows: readonly ChartRow[]) => rows.some((row) => row.p95_completion_seconds !== null);
export const TOKEN_AXIS = { tickMinStep: 1, labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } as const;

/**
 * vega's and vega-lite's own warnings, silenced: they print plain text on the process's stderr, where the service's logs are
 * JSON lines (CONTRACT §10), and the one our specs raise (the completion chart's layers sharing a y band, one with an offset)
 * resolves as intended.
 */
const QUIET = logger(None);

/** Compiles a vega-lite spec and renders it headless (no DOM, no canvas) to an SVG string. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec, { logger: QUIET }).spec;
  const view = new View(parse(compiled), { renderer: "none", logger: QUIET });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export const CONFIG = {
  font: FONT,
  background: "white",
  title: { fontSize: 15, anchor: "start", offset: 10, subtitleColor: "#555" },
  // Headless, vega estimates a label's width (no canvas to measure it): generous, so names with ids are not cut.
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e9ecef", labelLimit: 480 },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: "top", labelLimit: 0 },
  view: { stroke: null },
} as const;

export interface ChartRow {
  /** What the chart labels the row: the key, with the assistant's name before its id when known. */
  key: string;
  /** Epoch milliseconds of the day or hour, for --by day and --by hour. */
  t: number | null;
  [column: string]: string | number | null;
}

/** The dimensions charted over time, each with how its key reads as a UTC instant and its time unit. */
export const PERIODS = {
  day: { start: (key: string) => Date.parse(`${key}T00:00:00Z`), timeUnit: "utcyearmonthdate", interval: "day", ms: DAY_MS, format: "%Y-%m-%d" },
  hour: { start: (key: string) => Date.parse(`${key}:00:00Z`), timeUnit: "utcyearmonthdatehours", interval: "hours", ms: HOUR_SECONDS * 1000, format: "%m-%d %H:00" },
} as const;
export type Period = keyof typeof PERIODS;
export const isPeriod = (dimension: Dimension): dimension is Period => dimension in PERIODS;

/** An assistant as people know it: its name, then its id (the id alone when the log has no name for it). */
export const assistantLabel = (id: string, names: ReadonlyMap<string, string>) => (names.has(id) ? `${names.get(id)} (${id})` : id);

export function chartRows(rows: readonly ReportRow[], dimension: Dimension, names: ReadonlyMap<string, string> = new Map()): ChartRow[] {
  return rows.map((row) => ({
    ...row,
    // Vega escapes the labels for SVG; their bidirectional controls are shown as the table shows them.
    key: row.key === null ? NONE : withVisibleBidi(dimension === "assistant" ? assistantLabel(row.key, names) : row.key),
    t: isPeriod(dimension) && row.key !== null ? PERIODS[dimension].start(row.key) : null,
  }));
}

/**
 * A key axis whose bars are sorted by `field`, largest first; a group without a value sorts last. Untitled: the
 * chart's title names the dimension, and vega, measuring labels headless by estimate, would draw it over long ones.
 */
const keyAxis = (field: string) => ({ field: "key", type: "nominal", title: null, sort: { field: `${field}_rank`, op: "max", order: "descending" } }) as const;
const ranked = (field: string) => ({ calculate: `datum.${field} === null ? -1 : datum.${field}`, as: `${field}_rank` });

/** The data's own scale; when no group has a bar, 0 to 1 (vega would centre an empty domain on zero, under the words). */
const fromZero = (anyBar: boolean) => (anyBar ? {} : { domain: [0, 1] });

/** A layer saying in words why the groups `filter` keeps have no bar (at the axis' zero). */
const saidInstead = (filter: string, words: string) => ({
  transform: [{ filter }],
  mark: { type: "text", align: "left", dx: 4, color: "#868e96", fontStyle: "italic" },
  encoding: { x: { datum: 0, type: "quantitative" }, text: { value: words } },
});

/** A chart of a bar (or a few) per group, the groups sorted by `field`, largest first, drawn by `layers`. */
function byKey(rows: ChartRow[], title: { text: string; subtitle: string }, field: string, layers: object[], step = 20): TopLevelSpec {
  return { width: WIDTH, height: { step }, title, data: { values: rows }, transform: [ranked(field)], encoding: { y: keyAxis(field) }, layer: layers, config: CONFIG } as TopLevelSpec;
}

/** A bar per group of one value, its figure at the bar's end; groups without it say so instead. */
function valueBars(rows: ChartRow[], label: string, field: string, bar: { title: string; subtitle: string; axis: string; format: string; color: string; none: string }): TopLevelSpec {
  return byKey(rows, { text: bar.title, subtitle: bar.subtitle }, field, [
    {
      mark: { type: "bar", color: bar.color },
      // Scaled to the data, so 3% and 8% look different.
      encoding: {
        x: { field, type: "quantitative", title: bar.axis, axis: { format: bar.format }, scale: fromZero(rows.some((row) => row[field] !== null)) },
        tooltip: [{ field: "key", title: label }, { field, format: bar.format, title: bar.axis }],
      },
    },
    { mark: { type: "text", align: "left", dx: 3, fontSize: 10, color: "#495057" }, encoding: { x: { field, type: "quantitative" }, text: { field, format: bar.format } } },
    saidInstead(`datum.${field} === null`, bar.none),
  ]);
}

export function specsByKey(rows: ChartRow[], label: string): TopLevelSpec[] {
  return [
    valueBars(rows, label, "failure_rate", {
      title: `Failure rate by ${label}`, subtitle: "failed ÷ (completed + failed + cancelled + expired)",
      axis: "failure rate", format: RATE_FORMAT, color: STATUS_COLORS.failed, none: "no finished steps",
    }),
    // No group with a completed step (errors: every step failed): no time to chart.
    ...(anyCompleted(rows) ? [completionTimes(rows, label)] : []),
    byKey(rows, { text: `Tokens by ${label}`, subtitle: "sums of usage.prompt_tokens and usage.completion_tokens (steps without usage add 0)" }, "total_tokens", [
      {
        transform: TOKEN_KINDS,
        mark: "bar",
        encoding: {
          x: { field: "tokens", type: "quantitative", title: "tokens", stack: "zero", axis: TOKEN_AXIS, scale: fromZero(rows.some((row) => row.total_tokens !== 0)) },
          color: TOKEN_COLOR,
        },
      },
      saidInstead("datum.total_tokens === 0", "no tokens"),
    ]),
    stepsByStatus(rows, label),
    ...(anyPriced(rows)
      ? [valueBars(rows, label, "cost_usd", { title: `Cost by ${label}`, subtitle: COST.subtitle, axis: "cost (USD)", format: costFigures(rows.map((row) => row.cost_usd)).d3, color: COST.color, none: "no priced model" })]
      : []),
  ];
}

function completionTimes(rows: ChartRow[], label: string): TopLevelSpec {
  const title = { text: `Completion time by ${label}`, subtitle: "completed steps: completed_at − created_at; mean, median (p50) and p95 by nearest rank" };
  return byKey(rows, title, "p95_completion_seconds", [
    {
      transform: COMPLETION_STATISTICS,
      mark: "bar",
      encoding: { yOffset: { field: "statistic", sort: ["mean", "p50", "p95"] }, x: { field: "seconds", type: "quantitative", title: "completion time (seconds)" }, color: STATISTIC_COLOR },
    },
    saidInstead("datum.p95_completion_seconds === null", "no completed steps"),
  ], 12);
}

const STATUSES = Object.keys(STATUS_COLORS);
export const STATUS_COLOR = { field: "status", type: "nominal", title: "status", sort: STATUSES, scale: { domain: STATUSES, range: Object.values(STATUS_COLORS) } } as const;
export const BY_STATUS = [{ fold: STATUSES, as: ["status", "count"] }];

function stepsByStatus(rows: ChartRow[], label: string): TopLevelSpec {
  return byKey(rows, { text: `Steps by ${label} and status`, subtitle: "count of run steps" }, "steps", [
    { transform: BY_STATUS, mark: "bar", encoding: { x: { field: "count", type: "quantitative", title: "steps", stack: "zero", axis: COUNT_AXIS }, color: STATUS_COLOR } },
  ]);
}
