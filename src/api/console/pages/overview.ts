import type { PriceTable } from "../../../analytics/prices.js";
import { buildReport, buildSummary, type ReportFilters } from "../../../analytics/report.js";
import { pageRuns } from "../../../projections/runs/queries.js";
import { newestStepTime } from "../../../projections/runSteps/queries.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { count, percent, usd, utcDate } from "../format.js";
import { href, html, type Html } from "../html.js";
import { runsTable } from "./runs.js";

const RECENT_RUNS = 10;

/** One window's figures: steps, failure rate, p95, tokens and cost, each linking to what lies behind it. */
async function windowCards(port: SqlPort, prices: PriceTable, label: string, filters: ReportFilters): Promise<Html> {
  const [summary, byDay] = await Promise.all([buildSummary(port, filters), buildReport(port, "day", filters, prices)]);
  const priced = byDay.rows.filter((row) => row.cost_usd !== null);
  const cost = priced.length ? priced.reduce((sum, row) => sum + row.cost_usd!, 0) : null;
  const range = { from: filters.from, to: filters.to };
  const card = (name: string, value: string, link: string) => html`<div class="card"><div class="muted">${name}</div><div class="value"><a href="${link}">${value}</a></div></div>`;
  return html`<section aria-labelledby="w-${label.replace(" ", "-")}"><h2 id="w-${label.replace(" ", "-")}">${label} <span class="muted">(${filters.from} to ${filters.to}, UTC)</span></h2><div class="cards">
${card("Steps", count(summary.steps), href("/ui/report", { by: "day", ...range }))}
${card("Failure rate", percent(summary.failure_rate), href("/ui/report", { by: "error", ...range }))}
${card("p95 completion", summary.p95_completion_seconds === null ? "—" : `${summary.p95_completion_seconds} s`, href("/ui/report", { by: "type", ...range }))}
${card("Tokens", count(summary.total_tokens), href("/ui/report", { by: "model", ...range }))}
${card("Cost", usd(cost), href("/ui/report", { by: "model", ...range }))}
${card("Runs", "list", href("/ui/runs", range))}
</div></section>`;
}

/** `/ui/`: the last day and week of the log (ending on the newest step's UTC day) and the newest runs. */
export async function overviewPage(port: SqlPort, prices: PriceTable): Promise<{ title: string; body: Html }> {
  const [newest, recent] = await Promise.all([newestStepTime(port), pageRuns(port, {}, undefined, RECENT_RUNS)]);
  if (newest === null) return { title: "Overview", body: html`<h1>Overview</h1><p>The store holds no steps yet.</p>${runsTable(recent.runs)}` };
  const last = utcDate(newest);
  const weekStart = utcDate(newest - 6 * 86_400);
  const none = { assistant: null, model: null };
  const [day, week] = await Promise.all([
    windowCards(port, prices, "Last day", { from: last, to: last, ...none }),
    windowCards(port, prices, "Last week", { from: weekStart, to: last, ...none }),
  ]);
  return {
    title: "Overview",
    body: html`<h1>Overview</h1><p class="muted">Windows end on the UTC day of the newest step in the log (${last}).</p>${day}${week}
<h2>Newest runs</h2>${runsTable(recent.runs)}<p><a href="/ui/runs">All runs →</a> · <a href="/ui/failures">Recent failures →</a></p>`,
  };
}
