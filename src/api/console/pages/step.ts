import { codePointLength } from "../../../records/canonical.js";
import { getRunStepById } from "../../../projections/runSteps/queries.js";
import type { RunStepRow } from "../../../projections/runSteps/row.js";
import { countEventsOfStep, firstEventsOfStep, type EventRowStart } from "../../../store/readEvents.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { count, duration, prettyJson, timestamp } from "../format.js";
import { html, type Html } from "../html.js";
import { assistantLabel, lastErrorBlock, statusBadge } from "../layout.js";
import { assistantNames } from "../../../projections/assistants/queries.js";
import { runHref } from "./runs.js";
import { stepSeconds, toolCalls } from "./stepParts.js";

type Json = Record<string, unknown>;

/** Characters of a long text shown before it is folded: a 200 KB log in full put the step's log events 25,000 px down. */
const PREVIEW_CHARS = 2_000;

/** A long text's first PREVIEW_CHARS characters (code points: an emoji is not cut in half). */
const previewOf = (text: string) => Array.from(text.slice(0, 2 * PREVIEW_CHARS)).slice(0, PREVIEW_CHARS).join("");

/** A text in a `<pre>`; a long one shows its start, the whole of it one click away (a `<details>`: the console runs no script). */
function preText(text: string): Html {
  const characters = text.length <= PREVIEW_CHARS ? text.length : codePointLength(text);
  if (characters <= PREVIEW_CHARS) return html`<pre>${text || "(empty)"}</pre>`;
  return html`<pre>${previewOf(text)}…</pre><details class="whole"><summary>All of it (${count(characters)} characters)</summary><pre>${text}</pre></details>`;
}

const pre = (label: string, text: unknown) => html`<h4>${label}</h4>${preText(prettyJson(text))}`;

function fileSearch(call: Json): Html {
  const search = (call.file_search ?? {}) as { ranking_options?: unknown; results?: unknown };
  const results = Array.isArray(search.results) ? (search.results as Json[]) : [];
  const rows = results.map((r) => html`<tr><td>${String(r.file_name ?? "—")}</td><td><code>${String(r.file_id ?? "—")}</code></td>
<td class="num">${typeof r.score === "number" ? r.score.toFixed(3) : "—"}</td><td>${r.content === undefined ? "" : html`<pre>${prettyJson(r.content)}</pre>`}</td></tr>`);
  return html`${search.ranking_options ? pre("Ranking options", search.ranking_options) : ""}
${rows.length ? html`<table><thead><tr><th scope="col">File</th><th scope="col">File id</th><th scope="col" class="num">Score</th><th scope="col">Content</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No results.</p>`}`;
}

function codeInterpreter(call: Json): Html {
  const ci = (call.code_interpreter ?? {}) as { input?: unknown; outputs?: unknown };
  const outputs = (Array.isArray(ci.outputs) ? (ci.outputs as Json[]) : []).map((output) =>
    output.type === "logs" ? pre("Logs", output.logs) : html`<p>Image: <code>${String((output.image as Json | undefined)?.file_id ?? "—")}</code></p>`);
  return html`<h4>Input</h4>${preText(typeof ci.input === "string" ? ci.input : "")}${outputs.length ? outputs : html`<p class="muted">No outputs.</p>`}`;
}

/**
 * One tool call: a function's arguments and output, code interpreter input and logs, file search results, else its JSON.
 * A function without output is waiting for it while its step runs; a finished step's never got one.
 */
function toolCall(call: Json, i: number, running: boolean): Html {
  const fn = (call.function ?? {}) as Json;
  const noOutput = html`<h4>Output</h4><p class="muted">${running ? "None yet." : "None: the step ended without one."}</p>`;
  const body = call.type === "function"
    ? html`${pre("Arguments", fn.arguments)}${fn.output === null || fn.output === undefined ? noOutput : pre("Output", fn.output)}`
    : call.type === "code_interpreter" ? codeInterpreter(call)
    : call.type === "file_search" ? fileSearch(call)
    : pre("Call", JSON.stringify(call));
  const name = call.type === "function" ? html`function <code>${String(fn.name ?? "")}</code>` : html`<code>${String(call.type)}</code>`;
  return html`<section aria-labelledby="call-${i}"><h3 id="call-${i}">${i + 1}. ${name} <span class="muted">${String(call.id ?? "")}</span></h3>${body}</section>`;
}

/** The times a step ends with; only those it has are shown. */
const ENDINGS = [["completed_at", "Completed"], ["failed_at", "Failed"], ["cancelled_at", "Cancelled"], ["expired_at", "Expired"]] as const;

function facts(step: RunStepRow, names: ReadonlyMap<string, string>): Html {
  const message = (step.step_details as { message_creation?: { message_id?: unknown } } | null)?.message_creation?.message_id;
  const usage = step.usage as Json | null;
  return html`<dl>
<dt>Run</dt><dd>${step.thread_id ? html`<a href="${runHref({ thread_id: String(step.thread_id), id: step.run_id })}">${step.run_id}</a>` : step.run_id}</dd>
<dt>Type</dt><dd>${step.type}</dd><dt>Status</dt><dd>${statusBadge(step.status)}</dd>
<dt>Assistant</dt><dd>${assistantLabel(step.assistant_id, names)}</dd>
${typeof message === "string" ? html`<dt>Message id</dt><dd><code>${message}</code></dd>` : ""}
<dt>Created</dt><dd>${timestamp(step.created_at)} UTC</dd>
${ENDINGS.filter(([key]) => typeof step[key] === "number").map(([key, label]) => html`<dt>${label}</dt><dd>${timestamp(step[key])} UTC</dd>`)}
<dt>Duration</dt><dd>${duration(stepSeconds(step))}</dd>
<dt>Usage</dt><dd>${usage ? `${count(usage.prompt_tokens)} prompt + ${count(usage.completion_tokens)} completion = ${count(usage.total_tokens)} tokens` : "—"}</dd>
<dt>Metadata</dt><dd>${step.metadata ? html`<code>${JSON.stringify(step.metadata)}</code>` : "—"}</dd>
</dl>
${lastErrorBlock(step.last_error)}`;
}

/**
 * Log events a step's page lists, the first by position: a step's log has no bound (an audit's 50,000 deltas made a
 * 259 MB page in 18–29 s, at 2.2 GB). Every row is in `stepstore events --step` and the API's `/events`.
 */
const EVENTS_LISTED = 200;

/** A row's data, pretty, whole up to PREVIEW_CHARS characters; past it, its start and its length (the whole row is one command away). */
function eventData({ data_start: start, data_length: length }: EventRowStart): Html {
  if (length <= PREVIEW_CHARS) return html`<pre>${prettyJson(start)}</pre>`;
  return html`<pre>${previewOf(start)}…</pre><p class="muted">${count(length)} characters, as stored</p>`;
}

function events(stepId: string, rows: readonly EventRowStart[], total: number): Html {
  const items = rows.map((row) => html`<tr><td class="num">${row.position}</td><td>${row.type}</td><td>${row.source}</td><td class="id">${row.origin}</td>
<td class="when">${row.received_at}</td><td><details><summary>data</summary>${eventData(row)}</details></td></tr>`);
  const more = total > rows.length
    ? html`<p class="muted">The first ${count(rows.length)} of ${count(total)}; every one, whole: <code>stepstore events --step ${stepId}</code>.</p>`
    : "";
  return html`<h2>Log events (${count(total)}, in position order)</h2>${more}
<table><thead><tr><th scope="col" class="num">Position</th><th scope="col">Type</th><th scope="col">Source</th><th scope="col">Origin</th><th scope="col">Received</th><th scope="col">Data</th></tr></thead>
<tbody>${items}</tbody></table>`;
}

/** The first EVENTS_LISTED of a step's log rows (each with its data's start), and how many it has. */
async function firstEvents(port: SqlPort, stepId: string): Promise<{ rows: EventRowStart[]; total: number }> {
  const [rows, total] = await Promise.all([firstEventsOfStep(port, stepId, EVENTS_LISTED, PREVIEW_CHARS), countEventsOfStep(port, stepId)]);
  return { rows, total };
}

/** `/ui/steps/{step_id}`: the step's details, error, usage, times and its log events. Null: no such step. */
export async function stepPage(port: SqlPort, stepId: string): Promise<{ title: string; body: Html } | null> {
  const [step, logged] = await Promise.all([getRunStepById(port, stepId), firstEvents(port, stepId)]);
  if (!step) return null;
  const calls = toolCalls(step);
  return {
    title: `Step ${stepId}`,
    body: html`<h1>Step <code>${stepId}</code></h1>${facts(step, await assistantNames(port, [typeof step.assistant_id === "string" ? step.assistant_id : null]))}
${step.type === "tool_calls" ? html`<h2>Tool calls (${calls.length})</h2>${calls.length ? calls.map((call, i) => toolCall(call, i, step.status === "in_progress")) : html`<p class="muted">None.</p>`}` : ""}
${events(stepId, logged.rows, logged.total)}`,
  };
}
