import { compareCodePoints } from "../../records/canonical.js";
import type { StepFacts } from "../changes.js";
import type { stepCosts, stepRollups, stepTotals } from "./tables.js";

/** The report dimensions (CONTRACT §7), each kept in `step_totals`. */
export const DIMENSIONS = ["assistant", "day", "hour", "model", "type", "tool", "error"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const HOUR_SECONDS = 3600;
/** Joins a tool set's tools: a character no tool name the API gives holds. */
export const TOOL_SEPARATOR = "\u001f";
/** A step's model when no run snapshot named one (CONTRACT §6). */
export const UNKNOWN_MODEL = "(unknown)";

export type RollupRow = typeof stepRollups.$inferSelect;
export type RollupKey = Omit<RollupRow, "cell" | "steps" | "promptTokens" | "completionTokens" | "totalTokens">;
export type TotalsRow = typeof stepTotals.$inferSelect;
export type CostsRow = typeof stepCosts.$inferSelect;
export type Sums = Pick<RollupRow, "steps" | "promptTokens" | "completionTokens" | "totalTokens">;

/** Seconds from 0000-01-01 to 9999-12-31T23:59:59 UTC: the years SQLite's strftime writes (outside them it gives NULL). */
const FIRST_SECOND = -62_167_219_200;
const LAST_SECOND = 253_402_300_799;

/** The UTC day and hour of `created_at` as the reports key them (`YYYY-MM-DD`, `YYYY-MM-DDTHH`); null outside years 0–9999. */
function utc(createdAt: number | null, length: number): string | null {
  if (createdAt === null || createdAt < FIRST_SECOND || createdAt > LAST_SECOND) return null;
  return new Date(createdAt * 1000).toISOString().slice(0, length);
}

/** The keys a step has in each dimension of the totals (CONTRACT §7): a tool dimension key per tool, no error key without an error. */
function dimensionKeys(step: StepFacts, model: string): [Dimension, string | null][] {
  const keys: [Dimension, string | null][] = [
    ["assistant", step.assistantId], ["day", utc(step.createdAt, 10)], ["hour", utc(step.createdAt, 13)], ["model", model], ["type", step.type],
  ];
  for (const tool of step.tools) keys.push(["tool", tool]);
  if (step.lastErrorCode !== null) keys.push(["error", step.lastErrorCode]);
  return keys;
}

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

function addSums(row: Sums, step: StepFacts, sign: 1 | -1): void {
  row.steps += sign;
  row.promptTokens += sign * (step.promptTokens ?? 0);
  row.completionTokens += sign * (step.completionTokens ?? 0);
  row.totalTokens += sign * (step.totalTokens ?? 0);
}

const noSums = (): Sums => ({ steps: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 });

/** One batch's net changes to the rollups, the totals and the costs, by cell. */
export class RollupDelta {
  readonly cells = new Map<string, RollupRow>();
  readonly totals = new Map<string, TotalsRow>();
  readonly costs = new Map<string, CostsRow>();

  add(step: StepFacts, model: string | null, sign: 1 | -1): void {
    const key = rollupKey(step, model);
    const cell = cellOf(key);
    let row = this.cells.get(cell);
    if (!row) this.cells.set(cell, (row = { cell, ...key, ...noSums() }));
    addSums(row, step, sign);
    for (const [dimension, value] of dimensionKeys(step, key.model)) {
      const totalsKey = { dimension, key: value, status: step.status, seconds: step.completionSeconds };
      const totalsCell = totalsCellOf(totalsKey);
      let total = this.totals.get(totalsCell);
      if (!total) this.totals.set(totalsCell, (total = { cell: totalsCell, ...totalsKey, ...noSums() }));
      addSums(total, step, sign);
      const costsKey = { dimension, key: value, model: key.model };
      const costsCell = JSON.stringify([dimension, value, key.model]);
      let cost = this.costs.get(costsCell);
      if (!cost) this.costs.set(costsCell, (cost = { cell: costsCell, ...costsKey, promptTokens: 0, completionTokens: 0 }));
      cost.promptTokens += sign * (step.promptTokens ?? 0);
      cost.completionTokens += sign * (step.completionTokens ?? 0);
    }
  }
}

/** A totals row's key as one text value, as `cellOf`. */
export const totalsCellOf = (row: Pick<TotalsRow, "dimension" | "key" | "status" | "seconds">) =>
  JSON.stringify([row.dimension, row.key, row.status, row.seconds]);
