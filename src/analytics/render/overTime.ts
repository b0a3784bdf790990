/** The report's charts for --by day and --by hour: each figure over UTC time, beside the previous period's. */
import type { TopLevelSpec } from "vega-lite";
import {
  anyCompleted, anyPriced, BY_STATUS, COMPLETION_STATISTICS, CONFIG, COST, costFigures, COUNT_AXIS, PERIODS, RATE_FORMAT, STATISTIC_COLOR, STATUS_COLOR, STATUS_COLORS, TOKEN_AXIS,
  TOKEN_COLOR, TOKEN_KINDS, WIDTH, type ChartRow, type Period,
} from "./charts.js";

/** The previous period's rows, each moved forward by the span's length to sit under the day or hour it compares with. */
export interface Comparison {
  rows: ChartRow[];
  /** "2025-01-26 → 2025-01-31", for the legend. */
  span: string;
}

/** The most periods the axis ticks one by one; past them, vega picks about this many ticks itself. */
const TICKS = 12;

/**
 * Days or hours on a UTC time axis from the first period's start to the last one's end, one band each. Up to
 * `TICKS` periods, a tick and label each, under the middle of its band, as the points. Past them, about `TICKS`
 * ticks at the interval vega picks for the span (whole days or hours, weeks, months, years…), labelled in its
 * own formats: ticks every n periods would be d3's `every(n)`, which counts hours within a day and days within a
 * month, so a span of years drew a tick a day (2 steps 4 years apart: 2.6 MB by hour; year 500: out of memory).
 */
function timeAxis(rows: readonly ChartRow[], period: Period) {
  const { timeUnit, interval, ms, format } = PERIODS[period];
  const [first, last] = rows.reduce(([min, max], { t }) => (t === null ? [min, max] : [Math.min(min, t), Math.max(max, t)]), [Infinity, -Infinity]);
  const [start, end] = first === Infinity ? [0, ms] : [first, last + ms];
  const periods = (end - start) / ms;
  const few = periods <= TICKS;
  return {
    field: "t",
    type: "temporal",
    timeUnit,
    title: `${period} (UTC)`,
    scale: { domain: [start, end] },
    axis: {
      labelExpr: `datum.value >= ${end} ? '' : ${few ? `utcFormat(datum.value, '${format}')` : "datum.label"}`,
      labelOffset: WIDTH / periods / 2,
      labelAngle: -30,
      tickCount: few ? { interval, step: 1 } : TICKS,
    },
  } as const;
}

const PREVIOUS_COLOR = "#adb5bd";

/**
 * The previous period's `field` as a dashed grey line over the same axis, named in the legend; nothing
 * when there is no previous period to show. A day with none of it has no point.
 */
function previousLine(comparison: Comparison | null, x: ReturnType<typeof timeAxis>, field: string, what: string, format?: string) {
  if (comparison === null || comparison.rows.length === 0) return [];
  return [{
    data: { values: comparison.rows },
    transform: [{ filter: `datum.${field} !== null` }, { calculate: `'${what}, previous period (${comparison.span})'`, as: "series" }],
    mark: { type: "line", point: { filled: false, size: 30 }, strokeDash: [5, 3], color: PREVIOUS_COLOR },
    encoding: {
      x: { ...x, bandPosition: 0.5 },
      y: { field, type: "quantitative" },
      stroke: { field: "series", type: "nominal", title: null, scale: { range: [PREVIOUS_COLOR] }, legend: { symbolDash: [5, 3] } },
      ...(format ? { tooltip: [{ field, format, title: "previous period" }] } : {}),
    },
  }];
}

/** A figure over time: this period's marks, the previous period's line behind none of them. */
function overTime(title: { text: string; subtitle: string }, height: number, layers: object[], config: object = CONFIG): TopLevelSpec {
  return { width: WIDTH, height, title, layer: layers, resolve: { scale: { color: "independent", stroke: "independent" } }, config } as TopLevelSpec;
}

/** What every figure over time draws on: this period's rows, its time axis, the previous period's rows if any. */
interface Span {
  current: { data: { values: ChartRow[] } };
  x: ReturnType<typeof timeAxis>;
  period: Period;
  comparison: Comparison | null;
}

const LINE = { type: "line", point: true } as const;

const failureRateOverTime = ({ current, x, period, comparison }: Span) =>
  overTime({ text: "Failure rate over time", subtitle: `failed ÷ (completed + failed + cancelled + expired), per UTC ${period}; no point when none finished` }, 200, [
    {
      ...current,
      mark: { ...LINE, color: STATUS_COLORS.failed, point: { color: STATUS_COLORS.failed } },
      encoding: { x: { ...x, bandPosition: 0.5 }, y: { field: "failure_rate", type: "quantitative", title: "failure rate", axis: { format: RATE_FORMAT } } },
    },
    ...previousLine(comparison, x, "failure_rate", "failure rate", RATE_FORMAT),
  ]);

const completionTimeOverTime = ({ current, x, period, comparison }: Span) =>
  overTime({ text: "Completion time over time", subtitle: `completed steps created that ${period}: mean, median (p50) and p95, in seconds` }, 220, [
    {
      ...current,
      transform: COMPLETION_STATISTICS,
      mark: LINE,
      encoding: { x: { ...x, bandPosition: 0.5 }, y: { field: "seconds", type: "quantitative", title: "completion time (seconds)" }, color: STATISTIC_COLOR },
    },
    ...previousLine(comparison, x, "p95_completion_seconds", "p95"),
  ]);

/** What a figure of stacked bars over time shows: the parts a period's bar is made of, and the total drawn for the previous period. */
interface Stacked {
  title: { text: string; subtitle: string };
  height: number;
  transform: object[];
  y: { field: string; title: string; axis: object };
  color: object;
  previous: { field: string; label: string };
}

/** A bar a period, stacked by its parts (token kinds, statuses), with the previous period's total as a line. */
const stackedOverTime = ({ current, x, comparison }: Span, { title, height, transform, y, color, previous }: Stacked) =>
  overTime(title, height, [
    { ...current, transform, mark: "bar", encoding: { x, y: { ...y, type: "quantitative", stack: "zero" }, color } },
    ...previousLine(comparison, x, previous.field, previous.label),
  ]);

const tokensOverTime = (span: Span) => stackedOverTime(span, {
  title: { text: "Tokens over time", subtitle: `prompt and completion tokens of the steps created that ${span.period}` }, height: 200,
  transform: TOKEN_KINDS, y: { field: "tokens", title: "tokens", axis: TOKEN_AXIS }, color: TOKEN_COLOR, previous: { field: "total_tokens", label: "all tokens" },
});

const stepsOverTime = (span: Span) => stackedOverTime(span, {
  title: { text: `Steps per ${span.period} by status`, subtitle: "count of run steps" }, height: 220,
  transform: BY_STATUS, y: { field: "count", title: "steps", axis: COUNT_AXIS }, color: STATUS_COLOR, previous: { field: "steps", label: "all steps" },
});

const costOverTime = ({ current, x, period, comparison }: Span) => {
  const format = costFigures([...current.data.values, ...(comparison?.rows ?? [])].map((row) => row.cost_usd)).d3;
  return overTime({ text: "Cost over time", subtitle: `${COST.subtitle}, per UTC ${period}` }, 200, [
    {
      ...current,
      transform: [{ filter: "datum.cost_usd !== null" }],
      mark: { type: "bar", color: COST.color },
      encoding: { x, y: { field: "cost_usd", type: "quantitative", title: "cost (USD)", axis: { format } }, tooltip: [{ field: "cost_usd", format, title: "cost (USD)" }] },
    },
    ...previousLine(comparison, x, "cost_usd", "cost", format),
  ]);
};

export function specsOverTime(rows: ChartRow[], period: Period, comparison: Comparison | null): TopLevelSpec[] {
  const span: Span = { current: { data: { values: rows } }, x: timeAxis([...rows, ...(comparison?.rows ?? [])], period), period, comparison };
  return [
    failureRateOverTime(span),
    // As by key: no period of either span with a completed step (every step failed), no time to chart.
    ...(anyCompleted([...rows, ...(comparison?.rows ?? [])]) ? [completionTimeOverTime(span)] : []),
    tokensOverTime(span),
    stepsOverTime(span),
    // As by key: drawn when any period is priced; a period of unpriced models only has no bar.
    ...(anyPriced(rows) ? [costOverTime(span)] : []),
  ];
}
