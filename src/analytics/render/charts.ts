/**
 * The report's charts as vega-lite specs, rendered headless to SVG: by key (bars sorted by the value they show,
 * axes scaled to the data) or, for day and hour, over time.
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Dimension } from "../metrics.js";
import type { ReportRow } from "../report.js";

export const NONE = "(none)";
const WIDTH = 560;
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
/** Mean, p50 and p95 completion seconds as one long series, named for the legend. */
const COMPLETION_STATISTICS = [
  { fold: ["avg_completion_seconds", "p50_completion_seconds", "p95_completion_seconds"], as: ["statistic", "seconds"] },
  { calculate: "{avg_completion_seconds: 'mean', p50_completion_seconds: 'p50', p95_completion_seconds: 'p95'}[datum.statistic]", as: "statistic" },
];
const STATUS_COLORS = { completed: "#2f9e44", failed: "#e03131", cancelled: "#868e96", expired: "#f08c00", in_progress: "#1c7ed6" };

/** Compiles a vega-lite spec and renders it headless (no DOM, no canvas) to an SVG string. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
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
  /** Epoch milliseconds of the day or hour, for --by day and --by hour. */
  t: number | null;
  [column: string]: string | number | null;
}

/** The dimensions charted over time, each with how its key reads as a UTC instant and its time unit. */
const PERIODS = {
  day: { start: (key: string) => Date.parse(`${key}T00:00:00Z`), timeUnit: "utcyearmonthdate", interval: "day", ms: 86_400_000, format: "%Y-%m-%d" },
  hour: { start: (key: string) => Date.parse(`${key}:00:00Z`), timeUnit: "utcyearmonthdatehours", interval: "hours", ms: 3_600_000, format: "%m-%d %H:00" },
} as const;
type Period = keyof typeof PERIODS;
export const isPeriod = (dimension: Dimension): dimension is Period => dimension in PERIODS;

export function chartRows(rows: readonly ReportRow[], dimension: Dimension): ChartRow[] {
  return rows.map((row) => ({
    ...row,
    key: row.key ?? NONE,
    t: isPeriod(dimension) && row.key !== null ? PERIODS[dimension].start(row.key) : null,
  }));
}

/** Counts are whole numbers: integer ticks only. */
const COUNT_AXIS = { format: "d", tickMinStep: 1 } as const;
/** A key axis whose bars are sorted by the value they show, largest first. */
const sortedKeys = (label: string, channel: "x") => ({ field: "key", type: "nominal", title: label, sort: { encoding: channel, order: "descending" } }) as const;

export function specsByKey(rows: ChartRow[], dimension: Dimension, label: string): TopLevelSpec[] {
  const keyAxis = (by: string) => ({ field: "key", type: "nominal", title: label, sort: { field: by, order: "descending" } }) as const;
  const bars = (n: number) => ({ width: WIDTH, height: { step: n } });
  return [
    {
      ...bars(18),
      title: { text: `Failure rate by ${label}`, subtitle: "failed ÷ (completed + failed + cancelled + expired); no bar when none finished" },
      data: { values: rows },
      mark: { type: "bar", color: STATUS_COLORS.failed },
      encoding: {
        y: sortedKeys(label, "x"),
        // Scaled to the data, so 3% and 8% look different.
        x: { field: "failure_rate", type: "quantitative", title: "failure rate (%)", axis: { format: ".1%" } },
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
        y: keyAxis("p95_completion_seconds"),
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
        y: keyAxis("total_tokens"),
        x: { field: "tokens", type: "quantitative", title: "tokens", stack: "zero", axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } },
        color: { field: "kind", type: "nominal", title: "tokens", sort: ["prompt", "completion"], scale: { range: ["#9775fa", "#e64980"] } },
      },
      config: CONFIG,
    } as TopLevelSpec,
    stepsByStatus(rows, label, null),
    ...(rows.some((row) => row.cost_usd !== null) ? [costByKey(rows, label)] : []),
  ];
}

/** What each group cost at the price table's prices, most expensive first; unpriced groups have no bar. */
function costByKey(rows: ChartRow[], label: string): TopLevelSpec {
  return {
    width: WIDTH,
    height: { step: 18 },
    title: { text: `Cost by ${label}`, subtitle: "prompt and completion tokens at the price table's USD prices per model; unpriced models add nothing" },
    data: { values: rows.filter((row) => row.cost_usd !== null) },
    mark: { type: "bar", color: "#0ca678" },
    encoding: {
      y: sortedKeys(label, "x"),
      x: { field: "cost_usd", type: "quantitative", title: "cost (USD)", axis: { format: "$,.2~f" } },
      tooltip: [{ field: "key", title: label }, { field: "cost_usd", format: "$,.4f", title: "cost" }],
    },
    config: CONFIG,
  } as TopLevelSpec;
}

function stepsByStatus(rows: ChartRow[], label: string, period: Period | null): TopLevelSpec {
  const statuses = Object.keys(STATUS_COLORS);
  const position = period !== null
    ? { x: timeAxis(rows, period) }
    : { y: { field: "key", type: "nominal", title: label, sort: { field: "steps", order: "descending" } } };
  const value = { field: "count", type: "quantitative", title: "steps", stack: "zero", axis: COUNT_AXIS };
  const overTime = period !== null;
  return {
    width: WIDTH,
    height: overTime ? 220 : { step: 18 },
    title: { text: overTime ? `Steps per ${period} by status` : `Steps by ${label} and status`, subtitle: "count of run steps" },
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

/** Days or hours on a UTC time axis, one band each, a tick every period or every few (about a dozen labels at most). */
function timeAxis(rows: readonly ChartRow[], period: Period) {
  const { timeUnit, interval, ms, format } = PERIODS[period];
  const times = rows.map((row) => row.t).filter((t): t is number => t !== null);
  const periods = times.length === 0 ? 1 : (Math.max(...times) - Math.min(...times)) / ms + 1;
  const step = Math.max(1, Math.ceil(periods / 12));
  return {
    field: "t",
    type: "temporal",
    timeUnit,
    title: `${period} (UTC)`,
    axis: { format, labelAngle: -30, tickCount: { interval, step } },
  } as const;
}

export function specsOverTime(rows: ChartRow[], period: Period): TopLevelSpec[] {
  const x = timeAxis(rows, period);
  const line = { type: "line", point: true } as const;
  return [
    {
      width: WIDTH,
      height: 200,
      title: { text: "Failure rate over time", subtitle: `failed ÷ (completed + failed + cancelled + expired), per UTC ${period}; no point when none finished` },
      data: { values: rows },
      mark: { ...line, color: STATUS_COLORS.failed },
      encoding: { x, y: { field: "failure_rate", type: "quantitative", title: "failure rate (%)", axis: { format: ".0%" } } },
      config: CONFIG,
    } as TopLevelSpec,
    {
      width: WIDTH,
      height: 220,
      title: { text: "Completion time over time", subtitle: `completed steps created that ${period}: mean, median (p50) and p95, in seconds` },
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
      title: { text: "Tokens over time", subtitle: `prompt and completion tokens of the steps created that ${period}` },
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
    stepsByStatus(rows, period, period),
  ];
}
