import { recentFailedSteps } from "../../../projections/runSteps/queries.js";
import type { RunStepRow } from "../../../projections/runSteps/row.js";
import type { SqlPort } from "../../../store/sqlPort.js";
import { timestamp } from "../format.js";
import { html, type Html } from "../html.js";
import { runHref } from "./runs.js";
import { stepHref } from "./stepParts.js";

/** The step's run, linked to its page (a step names its thread and its run). */
const runLink = (step: RunStepRow): Html | string | null =>
  typeof step.thread_id === "string" && typeof step.run_id === "string" ? html`<a href="${runHref({ thread_id: step.thread_id, id: step.run_id })}">${step.run_id}</a>` : step.run_id;

/** How many of the newest failed steps the page groups. */
const RECENT_FAILURES = 200;

const errorOf = (step: RunStepRow) => (step.last_error ?? {}) as { code?: unknown; message?: unknown };

/** `/ui/failures`: the newest failed steps grouped by error code (largest group first), each linking to its step. */
export async function failuresPage(port: SqlPort): Promise<{ title: string; body: Html }> {
  const steps = await recentFailedSteps(port, RECENT_FAILURES);
  const groups = new Map<string, RunStepRow[]>();
  for (const step of steps) {
    const code = typeof errorOf(step).code === "string" ? (errorOf(step).code as string) : "(no code)";
    groups.set(code, [...(groups.get(code) ?? []), step]);
  }
  const sections = [...groups].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).map(([code, group]) => html`<section>
<h2><code>${code}</code> · ${group.length} ${group.length === 1 ? "step" : "steps"}</h2>
<table><thead><tr><th scope="col">Step</th><th scope="col">Run</th><th scope="col">Failed (UTC)</th><th scope="col">Message</th></tr></thead><tbody>${
    group.map((step) => html`<tr><td class="id"><a href="${stepHref(step.id)}">${step.id}</a></td><td class="id">${runLink(step)}</td><td class="when">${timestamp(step.failed_at ?? step.created_at)}</td><td>${String(errorOf(step).message ?? "")}</td></tr>`)
  }</tbody></table></section>`);
  return {
    title: "Failures",
    body: html`<h1>Failures</h1><p class="muted">The ${RECENT_FAILURES} newest failed steps at most, grouped by <code>last_error.code</code>.</p>
${sections.length ? sections : html`<p>No failed steps.</p>`}`,
  };
}
