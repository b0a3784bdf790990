import { getRunSnapshot, UNKNOWN_MODEL } from "../../../projections/runs/queries.js";
import { listRunSteps } from "../../../projections/runSteps/queries.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { count, duration, timestamp } from "../format.js";
import { html, type Html } from "../html.js";
import { assistantLabel, lastErrorBlock, statusBadge } from "../layout.js";
import { assistantNames } from "../../../projections/assistants/queries.js";
import { stepHref, stepSeconds, toolNames, totalTokens } from "./stepParts.js";

/** The most steps a run page lists (a run has a handful; this bounds a pathological one). */
const RUN_STEPS_LIMIT = 1000;

function snapshotFacts(run: Record<string, unknown> | null, names: ReadonlyMap<string, string>): Html {
  if (!run) return html`<p class="muted">No run snapshot was ingested for this run: its model and instructions are not known (model ${UNKNOWN_MODEL}).</p>`;
  const ended = run.completed_at ?? run.failed_at ?? run.cancelled_at ?? run.expired_at ?? null;
  return html`<dl>
<dt>Status</dt><dd>${statusBadge(run.status)}</dd>
<dt>Model</dt><dd>${typeof run.model === "string" ? run.model : UNKNOWN_MODEL}</dd>
<dt>Assistant</dt><dd>${assistantLabel(run.assistant_id, names)}</dd>
<dt>Created</dt><dd>${timestamp(run.created_at)} UTC</dd>
<dt>Ended</dt><dd>${ended === null ? "—" : `${timestamp(ended)} UTC`}</dd>
</dl>
${lastErrorBlock(run.last_error)}
<h2>Instructions</h2>${typeof run.instructions === "string" && run.instructions !== "" ? html`<pre>${run.instructions}</pre>` : html`<p class="muted">None given.</p>`}`;
}

/** `/ui/threads/{thread_id}/runs/{run_id}`: the run snapshot's facts and its steps in order, as a timeline. Null: unknown run. */
export async function runPage(port: SqlPort, threadId: string, runId: string): Promise<{ title: string; body: Html } | null> {
  const [run, steps] = await Promise.all([
    getRunSnapshot(port, threadId, runId),
    listRunSteps(port, { threadId, runId, order: "asc", limit: RUN_STEPS_LIMIT }),
  ]);
  if (!run && steps!.length === 0) return null;
  const items = steps!.map((step, i) => {
    const tools = toolNames(step);
    return html`<li class="${step.status}"><a href="${stepHref(step.id)}">${i + 1}. ${step.type === "tool_calls" ? "Tool calls" : "Message"} · ${step.id}</a>
<div>${statusBadge(step.status)} · ${duration(stepSeconds(step))} · ${count(totalTokens(step))} tokens · started ${timestamp(step.created_at)}${
      tools.length ? html` · tools: <code>${tools.join(", ")}</code>` : ""}${
      step.status === "failed" ? html` · <span class="bad">${(step.last_error as { code?: string } | null)?.code ?? "error"}</span>` : ""}</div></li>`;
  });
  return {
    title: `Run ${runId}`,
    body: html`<h1>Run <code>${runId}</code></h1>
<p class="muted">Thread <code>${threadId}</code></p>
${snapshotFacts(run, await assistantNames(port, [typeof run?.assistant_id === "string" ? run.assistant_id : null]))}
<h2>Steps (${steps!.length === RUN_STEPS_LIMIT ? `the first ${RUN_STEPS_LIMIT}` : steps!.length}, in order)</h2>
${items.length ? html`<ol class="timeline">${items}</ol>` : html`<p>No steps of this run are in the log.</p>`}`,
  };
}
