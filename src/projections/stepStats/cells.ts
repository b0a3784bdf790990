import { compareCodePoints } from "../../records/canonical.js";
import type { StepFacts } from "../changes.js";
import type { stepRollups } from "./tables.js";

export const HOUR_SECONDS = 3600;
/** Joins a tool set's tools: a character no tool name the API gives holds. */
export const TOOL_SEPARATOR = "\u001f";
/** A step's model when no run snapshot named one (CONTRACT §6). */
export const UNKNOWN_MODEL = "(unknown)";

export type RollupRow = typeof stepRollups.$inferSelect;
export type RollupKey = Omit<RollupRow, "cell" | "steps" | "promptTokens" | "completionTokens" | "totalTokens">;

/** `created_at` rounded down to its hour (down for times before 1970 too, as the SQL of verify computes it). */
export const hourOf = (createdAt: number | null) => (createdAt === null ? null : createdAt - (((createdAt % HOUR_SECONDS) + HOUR_SECONDS) % HOUR_SECONDS));

export const toolSetOf = (tools: readonly string[]) => [...tools].sort(compareCodePoints).join(TOOL_SEPARATOR);

/** The cell a step counts in, given its run's model (null: none named). */
export function rollupKey(step: StepFacts, model: string | null): RollupKey {
  return {
    hour: hourOf(step.createdAt), assistantId: step.assistantId, model: model ?? UNKNOWN_MODEL, type: step.type,
    toolSet: toolSetOf(step.tools), status: step.status, errorCode: step.lastErrorCode, seconds: step.completionSeconds,
  };
}

/** The key as one text value: JSON of its values in column order, so null and '' stay apart. */
export const cellOf = (key: RollupKey) =>
  JSON.stringify([key.hour, key.assistantId, key.model, key.type, key.toolSet, key.status, key.errorCode, key.seconds]);

/** One batch's net changes to the rollups, by cell. */
export class RollupDelta {
  readonly cells = new Map<string, RollupRow>();

  add(step: StepFacts, model: string | null, sign: 1 | -1): void {
    const key = rollupKey(step, model);
    const cell = cellOf(key);
    let row = this.cells.get(cell);
    if (!row) {
      row = { cell, ...key, steps: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      this.cells.set(cell, row);
    }
    row.steps += sign;
    row.promptTokens += sign * (step.promptTokens ?? 0);
    row.completionTokens += sign * (step.completionTokens ?? 0);
    row.totalTokens += sign * (step.totalTokens ?? 0);
  }
}
