import { pageRuns, UNKNOWN_MODEL, type RunCursor, type RunListItem } from "../../../projections/runs/queries.js";
import { RUN_STATUS_RANK } from "../../../records/statuses.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { timestamp } from "../format.js";
import { fieldValue, href, html, segment, type Html } from "../html.js";
import { assistantLabel, statusBadge } from "../layout.js";
import { assistantNames } from "../../../projections/assistants/queries.js";
import { BadParam, cursorText, dayRange, parseCursor, single, type Query } from "../params.js";

/** Runs a page of the list shows. */
export const RUNS_PAGE = 25;

export const runHref = (run: { thread_id: string; id: string }) => `/ui/threads/${segment(run.thread_id)}/runs/${segment(run.id)}`;

/** A table of runs, each linking to its page. */
export function runsTable(runs: readonly RunListItem[], names: ReadonlyMap<string, string>): Html {
  if (runs.length === 0) return html`<p>No runs match.</p>`;
  const rows = runs.map((run) => html`<tr>
<td class="id"><a href="${runHref(run)}">${run.id}</a></td>
<td>${statusBadge(run.status)}${run.snapshot ? "" : html` <span class="muted">(steps only)</span>`}</td>
<td>${run.model ?? UNKNOWN_MODEL}</td><td>${assistantLabel(run.assistant_id, names)}</td><td class="id">${run.thread_id}</td><td class="when">${timestamp(run.created_at)}</td></tr>`);
  return html`<table><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Model</th><th scope="col">Assistant</th><th scope="col">Thread</th><th scope="col">Created (UTC)</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

const STATUSES = Object.keys(RUN_STATUS_RANK);

function filterForm(values: Record<string, string | undefined>): Html {
  const text = (name: string, label: string, placeholder: string) =>
    html`<label for="f-${name}">${label}<input id="f-${name}" name="${name}" ${fieldValue(values[name])} placeholder="${placeholder}"></label>`;
  const options = STATUSES.map((status) => html`<option value="${status}" ${values.status === status ? html`selected` : ""}>${status}</option>`);
  return html`<form class="filters" method="get" action="/ui/runs" aria-label="Filter runs">
${text("assistant", "Assistant", "asst_…")}${text("model", "Model", "gpt-4o")}
<label for="f-status">Status<select id="f-status" name="status"><option value="">any</option>${options}</select></label>
<label for="f-from">From (UTC day)<input id="f-from" type="date" name="from" ${fieldValue(values.from)}></label>
<label for="f-to">To (inclusive)<input id="f-to" type="date" name="to" ${fieldValue(values.to)}></label>
<button type="submit">Filter</button> <a href="/ui/runs">Clear</a></form>`;
}

/** What `/ui/runs` takes: its filter form's fields and a page's cursor, older (`before`) or newer (`after`) than a run. */
export const RUNS_PARAMS = ["assistant", "model", "status", "from", "to", "before", "after"] as const;

/** The page's cursor: runs older than `before`, or newer than `after` (the page before), not both. */
function runsCursor(query: Query): RunCursor | undefined {
  const [before, after] = [parseCursor(query, "before"), parseCursor(query, "after")];
  if (before && after) throw new BadParam("give 'before' (an older page) or 'after' (a newer one), not both");
  return before ?? (after && { ...after, newer: true });
}

/** `/ui/runs`: runs newest first, exact-match filters, one keyset page at a time with links to the older and newer pages. */
export async function runsPage(port: SqlPort, query: Query): Promise<{ title: string; body: Html }> {
  const assistant = single(query, "assistant");
  const model = single(query, "model");
  const status = single(query, "status");
  if (status !== undefined && !STATUSES.includes(status)) throw new BadParam(`'status' must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
  const days = dayRange(query);
  const cursor = runsCursor(query);
  const { runs, hasMore } = await pageRuns(port, {
    ...(assistant === undefined ? {} : { assistant }),
    ...(model === undefined ? {} : { model }),
    ...(status === undefined ? {} : { status }),
    ...(days.fromSeconds === undefined ? {} : { from: days.fromSeconds }),
    ...(days.toBefore === undefined ? {} : { toBefore: days.toBefore }),
  }, cursor, RUNS_PAGE);
  const filters = { assistant, model, status, from: days.from, to: days.to };
  // Older runs lie past a page read older with more to come, and past every page read newer (its cursor's run at least).
  const [older, newer] = cursor?.newer ? [runs.length > 0, hasMore] : [hasMore, cursor !== undefined && runs.length > 0];
  const next = older ? html`<a rel="next" href="${href("/ui/runs", { ...filters, before: cursorText(runs[runs.length - 1]!) })}">Next page →</a>` : html`<span class="muted">Last page.</span>`;
  const previous = newer ? html`<a rel="prev" href="${href("/ui/runs", { ...filters, after: cursorText(runs[0]!) })}">← Previous page</a> · ` : "";
  const first = cursor === undefined ? "" : html`<a href="${href("/ui/runs", filters)}">« First page</a> · `;
  return {
    title: "Runs",
    body: html`<h1>Runs</h1>
<p class="muted">Runs known only from their steps (no run snapshot ingested) are listed at their first step, with no status and model ${UNKNOWN_MODEL}; a status filter leaves them out.</p>
${filterForm(filters)}${runsTable(runs, await assistantNames(port, runs.map((run) => run.assistant_id)))}<nav class="pager" aria-label="Pages">${first}${previous}${next}</nav>`,
  };
}
