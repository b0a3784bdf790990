import { digestKey, keptOrDigest } from "../../records/eventKey.js";
import type { JsonObject } from "../../records/json.js";
import { MAX_COLUMN_BYTES } from "../../records/schemas.js";
import { completeStepDetails } from "./complete.js";
import type { runSteps } from "./tables.js";

/** A `run_steps` row's RunStep: the API's keys in its order, a newer server's extra keys after them. */
export type RunStepRow = JsonObject & { id: string; run_id: string; type: string; status: string };

/** The RunStep's keys in the API's order; every nullable one is present (null when a snapshot left it out). */
const RUN_STEP_KEYS = [
  "id", "object", "created_at", "assistant_id", "thread_id", "run_id", "type", "status", "step_details",
  "last_error", "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata", "usage",
] as const;

/**
 * A snapshot as a row: the API's keys in the API's order, a newer server's extra keys after them,
 * and every key RunStepObject requires present (step_details filled too).
 */
export function normalizeRunStep(snapshot: JsonObject): RunStepRow {
  const row: JsonObject = {};
  for (const key of RUN_STEP_KEYS) row[key] = snapshot[key] ?? null;
  row.step_details = completeStepDetails(row.step_details);
  // Defined, not assigned: `row["__proto__"] = v` would set the row's prototype and drop the key.
  for (const [key, value] of Object.entries(snapshot)) if (!Object.hasOwn(row, key)) Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  return row as RunStepRow;
}

export function emptyStepDetails(type: string): JsonObject {
  return type === "tool_calls" ? { type: "tool_calls", tool_calls: [] } : { type: "message_creation" };
}

/**
 * No tool key holds it: the rollups joined a step's tools with it into one key until migration 0013, and the rule stays
 * so that keys a store holds do not change (and a tool list can still be joined without ambiguity).
 */
const TOOL_SEPARATOR = "\u001f";

/**
 * A tool as `run_step_tools` keys it: as sent, but its digest (`sha256:<hex>`) where the text holds TOOL_SEPARATOR or
 * passes MAX_COLUMN_BYTES (deltas append to a function's name without limit, and a PostgreSQL index holds no key past
 * ~2.7 kB: such a step would fail its batch). The API's names are
 * `[a-zA-Z0-9_-]{1,64}`; the step's `step_details` keeps the whole name either way.
 */
const toolKey = (text: string) => (text.includes(TOOL_SEPARATOR) ? digestKey(text) : keptOrDigest(text, MAX_COLUMN_BYTES));

/** The distinct tools a step used, as `run_step_tools` and `stats_by_tool` name them. */
export function toolsOf(step: RunStepRow): string[] {
  const details = step.step_details as JsonObject | null;
  if (step.type === "message_creation") return ["message_creation"];
  const calls = Array.isArray(details?.tool_calls) ? (details.tool_calls as unknown[]) : [];
  const tools = new Set<string>();
  for (const call of calls) {
    if (call === null || typeof call !== "object") continue;
    const { type, function: fn } = call as { type?: unknown; function?: { name?: unknown } };
    if (type === "function") {
      // A name that never arrived is rendered "": there is no function:<name> to give.
      if (typeof fn?.name === "string" && fn.name !== "") tools.add(`function:${toolKey(fn.name)}`);
    } else if (typeof type === "string") tools.add(toolKey(type));
  }
  return [...tools];
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
const numberOrNull = (value: unknown) => (typeof value === "number" ? value : null);
const stringOrNull = (value: unknown) => (typeof value === "string" ? value : null);

/**
 * The columns a step is counted by in the rollups (changes.ts's facts, its tools apart), as `run_steps` stores them:
 * what runStepValues writes, and what the rollups read ahead by from a snapshot alone.
 */
export function factValues(row: RunStepRow) {
  const usage = row.usage as { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
  const lastError = row.last_error as { code?: unknown } | null;
  const completedAt = numberOrNull(row.completed_at);
  const createdAt = numberOrNull(row.created_at);
  return {
    runId: row.run_id,
    createdAt,
    assistantId: stringOrNull(row.assistant_id),
    type: row.type,
    status: row.status,
    lastErrorCode: typeof lastError?.code === "string" ? lastError.code : null,
    promptTokens: usage?.prompt_tokens ?? null,
    completionTokens: usage?.completion_tokens ?? null,
    totalTokens: usage?.total_tokens ?? null,
    completionSeconds: row.status === "completed" && completedAt !== null && createdAt !== null ? completedAt - createdAt : null,
  };
}

/** The `run_steps` columns of a row: the RunStep itself plus the derived SQL conveniences. */
export function runStepValues(row: RunStepRow, position: number): typeof runSteps.$inferInsert {
  return {
    id: row.id,
    object: stringOrNull(row.object),
    threadId: stringOrNull(row.thread_id),
    stepDetails: json(row.step_details),
    lastError: json(row.last_error),
    expiredAt: numberOrNull(row.expired_at),
    cancelledAt: numberOrNull(row.cancelled_at),
    failedAt: numberOrNull(row.failed_at),
    completedAt: numberOrNull(row.completed_at),
    metadata: json(row.metadata),
    usage: json(row.usage),
    ...factValues(row),
    data: JSON.stringify(row),
    position,
  };
}
