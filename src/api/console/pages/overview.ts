import type { PriceTable } from "../../../analytics/prices.js";
import { buildReport, buildSummary } from "../../../analytics/report.js";
import { pageRuns } from "../../../projections/runs/queries.js";
import { newestStepTime } from "../../../projections/runSteps/queries.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { count, percent, usd, utcDate } from "../format.js";
import { href, html, type Html } from "../html.js";
import { assistantNames } from "../../../projections/assistants/queries.js";
import { runsTable } from "./runs.js";
import { DAY_SECONDS } from "../../../projections/stepStats/timeKeys.js";

const RECENT_RUNS = 10;

/** What a window's cards show. */
interface WindowFigures {
  steps: number | null;
  failure_rate: number | null;
  p95_completion_seconds: number | null;
  total_tokens: number | null;
  cost: number | null;
}

/** One window's figures: steps, failure rate, p95, tokens and cost, each linking to what lies behind it. */
function windowCards(label: string, range: { from: string; to: string }, figures: WindowFigures): Html {
  const id = `w-${label.replace(" ", "-")}`;
  const card = (name: string, value: string, link: string) => html`<div class="card"><div class="muted">${name}</div><div class="value"><a href="${link}">${value}</a></div></div>`;
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${label} <span class="muted">(${range.from} to ${range.to}, UTC)</span></h2><div class="cards">
${card("Steps", count(figures.steps ?? 0), href("/ui/report", { by: "day", ...range }))}
${card("Failure rate", percent(figures.failure_rate), href("/ui/report", { by: "error", ...range }))}
${card("p95 completion", figures.p95_completion_seconds === null ? "—" : `${figures.p95_completion_seconds} s`, href("/ui/report", { by: "type", ...range }))}
${card("Tokens", count(figures.total_tokens ?? 0), href("/ui/report", { by: "model", ...range }))}
${card("Cost", usd(figures.cost), href("/ui/report", { by: "model", ...range }))}
${card("Runs", "list", href("/ui/runs", range))}
</div></section>`;
}

const sum = (values: (number | null)[]) => (values.some((v) => v !== null) ? values.reduce<number>((total, v) => total + (v ?? 0), 0) : null);

/**
 * The last day and week: the week's summary (its p95 needs every step) and its report by day, whose last row is the
 * last day's figures and whose costs add up to the week's.
 */
async function windows(port: SqlPort, prices: PriceTable, newest: number): Promise<Html> {
  const last = utcDate(newest);
  const week = { from: utcDate(newest - 6 * DAY_SECONDS), to: last };
  const filters = { ...week, assistant: null, model: null };
  const [summary, byDay] = await Promise.all([buildSummary(port, filters), buildReport(port, "day", filters, prices)]);
  const lastDay = byDay.rows.find((row) => row.key === last);
  const dayFigures = lastDay ? { ...lastDay, cost: lastDay.cost_usd } : { steps: 0, failure_rate: null, p95_completion_seconds: null, total_tokens: 0, cost: null };
  return html`${windowCards("Last day", { from: last, to: last }, dayFigures)}${windowCards("Last week", week, { ...summary, cost: sum(byDay.rows.map((row) => row.cost_usd)) })}`;
}

/** `/ui/`: the last day and week of the log (ending on the newest dated step's UTC day) and the newest runs. */
export async function overviewPage(port: SqlPort, prices: PriceTable): Promise<{ title: string; body: Html }> {
  const [newest, recent] = await Promise.all([newestStepTime(port), pageRuns(port, {}, undefined, RECENT_RUNS)]);
  const names = await assistantNames(port, recent.runs.map((run) => run.assistant_id));
  if (newest === null) return { title: "Overview", body: html`<h1>Overview</h1><p>The store holds no steps with a date yet.</p>${runsTable(recent.runs, names)}` };
  return {
    title: "Overview",
    body: html`<h1>Overview</h1><p class="muted">Windows end on the UTC day of the newest dated step in the log (${utcDate(newest)}).</p>${await windows(port, prices, newest)}
<h2>Newest runs</h2>${runsTable(recent.runs, names)}<p><a href="/ui/runs">All runs →</a> · <a href="/ui/failures">Recent failures →</a></p>`,
  };
}
