import { countRowSteps, pageRowSteps, type ReportRowRef } from "../../../analytics/drilldown.js";
import { DIMENSIONS } from "../../../analytics/metrics.js";
import type { PriceTable } from "../../../analytics/prices.js";
import { buildReport, parseReportParams, type ReportFilters } from "../../../analytics/report.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { count, percent, timestamp, usd } from "../format.js";
import { fieldValue, href, html, type Html } from "../html.js";
import { assistantLabel, statusBadge } from "../layout.js";
import { assistantNames } from "../../../projections/assistants/queries.js";
import { cursorText, exactlyAsGiven, parseCursor, single, type Query } from "../params.js";
import { stepHref } from "./stepParts.js";

/** Steps a page of a row's list shows. */
const ROW_STEPS_PAGE = 25;

/** What `/ui/report` takes: its form's fields. */
export const REPORT_PARAMS = ["by", "from", "to", "assistant", "model"] as const;
/** What `/ui/report/steps` takes: a report row (its dimension and key), the report's filters and the next-page cursor. */
export const ROW_STEPS_PARAMS = [...REPORT_PARAMS, "key", "before"] as const;

/** The report's parameters from the query (`by`, `from`, `to`, `assistant`, `model`); a bad one is a ReportParamError. */
function reportQuery(query: Query) {
  const input = Object.fromEntries(REPORT_PARAMS.map((name) => [name, single(query, name)]));
  return parseReportParams({ ...input, format: "html" });
}

const filterQuery = (filters: ReportFilters) => ({ from: filters.from, to: filters.to, assistant: filters.assistant, model: filters.model });

/** The link to exactly the steps a row counts: its dimension, its key (absent for a null key), the report's filters. */
const rowHref = (row: ReportRowRef, filters: ReportFilters) => href("/ui/report/steps", { by: row.dimension, key: row.key, ...filterQuery(filters) });

function filterForm(by: string, filters: ReportFilters): Html {
  const options = DIMENSIONS.map((d) => html`<option value="${d}" ${d === by ? html`selected` : ""}>${d}</option>`);
  const text = (name: "assistant" | "model", label: string) => html`<label for="r-${name}">${label}<input id="r-${name}" name="${name}" ${fieldValue(filters[name])}></label>`;
  return html`<form class="filters" method="get" action="/ui/report" aria-label="Report parameters">
<label for="r-by">Group by<select id="r-by" name="by">${options}</select></label>
<label for="r-from">From (UTC day)<input id="r-from" type="date" name="from" ${fieldValue(filters.from)}></label>
<label for="r-to">To (inclusive)<input id="r-to" type="date" name="to" ${fieldValue(filters.to)}></label>
${text("assistant", "Assistant")}${text("model", "Model")}<button type="submit">Show</button></form>`;
}

/** A row's key as people know it: an assistant's name beside its id (`names` is empty for other dimensions), `(none)` for no key. */
const keyLabel = (key: string | null, names: ReadonlyMap<string, string>): Html | string => (key === null ? "(none)" : names.has(key) ? assistantLabel(key, names) : key);

/** `/ui/report?by=`: the report's table, each row's step count linking to the steps it counts, a bar of its share. */
export async function reportPage(port: SqlPort, prices: PriceTable, query: Query): Promise<{ title: string; body: Html }> {
  const { dimension, filters } = reportQuery(query);
  const report = await buildReport(port, dimension, filters, prices);
  const most = Math.max(1, ...report.rows.map((row) => row.steps ?? 0));
  const names = dimension === "assistant" ? await assistantNames(port, report.rows.map((row) => row.key)) : new Map<string, string>();
  const rows = report.rows.map((row) => {
    const link = rowHref({ dimension, key: row.key }, filters);
    return html`<tr><th scope="row" class="id"><a href="${link}">${keyLabel(row.key, names)}</a></th>
<td class="num"><a href="${link}" aria-label="${count(row.steps)} ${row.steps === 1 ? "step" : "steps"} of ${row.key ?? "(none)"}">${count(row.steps)}</a></td>
<td><meter min="0" max="${most}" value="${row.steps ?? 0}" aria-label="share of steps">${row.steps}</meter></td>
<td class="num">${count(row.completed)}</td><td class="num">${count(row.failed)}</td><td class="num">${percent(row.failure_rate)}</td>
<td class="num">${count(row.p50_completion_seconds)}</td><td class="num">${count(row.p95_completion_seconds)}</td>
<td class="num">${count(row.total_tokens)}</td><td class="num">${usd(row.cost_usd)}</td></tr>`;
  });
  const head = ["Steps", "Share", "Completed", "Failed", "Failure rate", "p50 s", "p95 s", "Tokens", "Cost"].map((h) => html`<th scope="col" class="num">${h}</th>`);
  return {
    title: `Analytics by ${dimension}`,
    body: html`<h1>Analytics by ${dimension}</h1>${filterForm(dimension, filters)}
${rows.length ? html`<table><thead><tr><th scope="col">${dimension}</th>${head}</tr></thead><tbody>${rows}</tbody></table>` : html`<p>No steps match.</p>`}`,
  };
}

/** `/ui/report/steps?by=&key=`: exactly the steps one report row counts (its count first), newest first, paged. */
export async function rowStepsPage(port: SqlPort, query: Query): Promise<{ title: string; body: Html }> {
  const { dimension, filters } = reportQuery(query);
  const row = { dimension, key: exactlyAsGiven(query, "key") ?? null };
  const before = parseCursor(query);
  const [total, page, names] = await Promise.all([
    countRowSteps(port, row, filters), pageRowSteps(port, row, filters, before, ROW_STEPS_PAGE),
    dimension === "assistant" ? assistantNames(port, [row.key]) : new Map<string, string>(),
  ]);
  const items = page.steps.map((step) => html`<tr><td class="id"><a href="${stepHref(step.id)}">${step.id}</a></td><td class="id">${step.run_id ?? "—"}</td><td>${step.type ?? "—"}</td>
<td>${statusBadge(step.status)}</td><td class="id">${step.last_error_code ?? ""}</td><td class="num">${count(step.total_tokens)}</td><td class="when">${timestamp(step.created_at)}</td></tr>`);
  const name = row.key === null ? undefined : names.get(row.key);
  const here = { by: dimension, key: row.key, ...filterQuery(filters) };
  const next = page.hasMore ? html`<a rel="next" href="${href("/ui/report/steps", { ...here, before: cursorText(page.steps[page.steps.length - 1]!) })}">Next page →</a>` : html`<span class="muted">Last page.</span>`;
  return {
    title: `Steps of ${dimension} ${row.key ?? "(none)"}`,
    body: html`<h1>Steps of ${dimension} ${name === undefined ? "" : html`${name} `}<code>${row.key ?? "(none)"}</code></h1>
<p><strong id="row-steps">${count(total)}</strong> steps · <a href="${href("/ui/report", { by: dimension, ...filterQuery(filters) })}">back to the report</a></p>
<table><thead><tr><th scope="col">Step</th><th scope="col">Run</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Error</th><th scope="col" class="num">Tokens</th><th scope="col">Created (UTC)</th></tr></thead>
<tbody>${items}</tbody></table><nav class="pager" aria-label="Pages">${next}</nav>`,
  };
}
