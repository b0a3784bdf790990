import type { RunStepRow } from "../../../projections/runSteps/row.js";
import { segment } from "../html.js";

type Json = Record<string, unknown>;

export const stepHref = (stepId: string) => `/ui/steps/${segment(stepId)}`;

/** The tool calls of a tool_calls step (none for a message). */
export function toolCalls(step: RunStepRow): Json[] {
  const details = step.step_details as { tool_calls?: unknown } | null;
  return Array.isArray(details?.tool_calls) ? (details.tool_calls.filter((call) => call !== null && typeof call === "object") as Json[]) : [];
}

/** What each call used: a function's name, else the tool's type. */
export function toolNames(step: RunStepRow): string[] {
  return toolCalls(step).map((call) => {
    const fn = call.function as { name?: unknown } | undefined;
    return call.type === "function" && typeof fn?.name === "string" ? fn.name : String(call.type);
  });
}

/** Seconds from created_at to the step's end (completed, failed, cancelled or expired), null while it runs. */
export function stepSeconds(step: RunStepRow): number | null {
  const end = [step.completed_at, step.failed_at, step.cancelled_at, step.expired_at].find((t) => typeof t === "number");
  return typeof end === "number" && typeof step.created_at === "number" ? end - step.created_at : null;
}

export function totalTokens(step: RunStepRow): number | null {
  const usage = step.usage as { total_tokens?: unknown } | null;
  return typeof usage?.total_tokens === "number" ? usage.total_tokens : null;
}
