import { compareCodePoints } from "../../records/canonical.js";
import { keptOrDigest } from "../../records/eventKey.js";
import type { StepFacts } from "../changes.js";
import { TOOL_SEPARATOR } from "../runSteps/row.js";
import type { STEP_STATUSES } from "../../records/statuses.js";
import type { stepCosts, stepRollups, stepSeconds, stepSummaries } from "./tables.js";
import { UNKNOWN_MODEL, type Dimension, type SummaryDimension } from "./dimensions.js";
import { DAY_KEY_LENGTH, HOUR_KEY_LENGTH, utcText } from "./timeKeys.js";


export const HOUR_SECONDS = 3600;

/**
 * The longest key text kept as written, in UTF-8 bytes. A PostgreSQL b-tree takes at most ~2.7 kB an entry, and a cell
 * or a tool set holds several values of up to 1 kB each (dozens of tool names in a set): past this, the text is keyed
 * by its digest, so a valid step never fails its batch. Readers go by the columns, not by these keys.
 */
const MAX_KEY_BYTES = 512;
export const keyText = (text: string) => keptOrDigest(text, MAX_KEY_BYTES);

export type RollupRow = typeof stepRollups.$inferSelect;
export type RollupKey = Omit<RollupRow, "cell" | "steps" | "promptTokens" | "completionTokens" | "totalTokens">;
export type SummaryRow = typeof stepSummaries.$inferSelect;
export type SecondsRow = typeof stepSeconds.$inferSelect;
export type CostsRow = typeof stepCosts.$inferSelect;
export type Sums = Pick<RollupRow, "steps" | "promptTokens" | "completionTokens" | "totalTokens">;

/** The keys a step has in each dimension of the summaries (CONTRACT §7): a tool dimension key per tool, no error key without an error. */
function dimensionKeys(step: StepFacts, model: string): [SummaryDimension, string | null][] {
  const time = utcText(step.createdAt);
  const keys: [SummaryDimension, string | null][] = [
    ["all", "all"], ["assistant", step.assistantId], ["day", time?.slice(0, DAY_KEY_LENGTH) ?? null], ["hour", time?.slice(0, HOUR_KEY_LENGTH) ?? null], ["model", model], ["type", step.type],
  ];
  for (const tool of step.tools) keys.push(["tool", tool]);
  if (step.lastErrorCode !== null) keys.push(["error", step.lastErrorCode]);
  return keys;
}

/** `created_at` rounded down to its hour (down for times before 1970 too, as the SQL of verify computes it). */
export const hourOf = (createdAt: number | null) => (createdAt === null ? null : createdAt - (((createdAt % HOUR_SECONDS) + HOUR_SECONDS) % HOUR_SECONDS));

/** A step's tool set as the rollups key it: its tools sorted and joined (`keyText` of that). */
export const toolSetOf = (tools: readonly string[]) => keyText([...tools].sort(compareCodePoints).join(TOOL_SEPARATOR));

/** The cell a step counts in, given its run's model (null: none named). */
export function rollupKey(step: StepFacts, model: string | null): RollupKey {
  return {
    hour: hourOf(step.createdAt), assistantId: step.assistantId, model: model ?? UNKNOWN_MODEL, type: step.type,
    toolSet: toolSetOf(step.tools), status: step.status, errorCode: step.lastErrorCode, seconds: step.completionSeconds,
  };
}

/** The key as one text value: JSON of its values in column order, so null and '' stay apart. */
export const cellOf = (key: RollupKey) =>
  keyText(JSON.stringify([key.hour, key.assistantId, key.model, key.type, key.toolSet, key.status, key.errorCode, key.seconds]));

function addSums(row: Sums, step: StepFacts, sign: 1 | -1): void {
  row.steps += sign;
  row.promptTokens += sign * (step.promptTokens ?? 0);
  row.completionTokens += sign * (step.completionTokens ?? 0);
  row.totalTokens += sign * (step.totalTokens ?? 0);
}

const noSums = (): Sums => ({ steps: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 });

/** The summary column counting each status (CONTRACT §7). */
const STATUS_COUNTS = {
  completed: "completed", failed: "failed", cancelled: "cancelled", expired: "expired", in_progress: "inProgress",
} as const satisfies Record<(typeof STEP_STATUSES)[number], keyof SummaryRow>;
type StatusColumn = (typeof STATUS_COUNTS)[keyof typeof STATUS_COUNTS];

/** A step's completion time, when it counts in the percentiles and the mean: completed, with a time (percentiles.ts's `TIMED`). */
const timedSeconds = (step: StepFacts) => (step.status === "completed" ? step.completionSeconds : null);

/** A new summary's numbers: made once, copied for each. */
const NO_SUMMARY_COUNTS = {
  ...noSums(), ...(Object.fromEntries(Object.values(STATUS_COUNTS).map((column) => [column, 0])) as Record<StatusColumn, number>),
  timedSteps: 0, timedSeconds: 0, p50CompletionSeconds: null, p95CompletionSeconds: null,
};
const newSummary = (cell: string, dimension: SummaryDimension, key: string | null): SummaryRow => ({ cell, dimension, key, ...NO_SUMMARY_COUNTS });

function addToSummary(row: SummaryRow, step: StepFacts, sign: 1 | -1): void {
  addSums(row, step, sign);
  const column = (STATUS_COUNTS as Partial<Record<string, StatusColumn>>)[step.status ?? ""];
  if (column !== undefined) row[column] += sign;
  const seconds = timedSeconds(step);
  if (seconds !== null) {
    row.timedSteps += sign;
    row.timedSeconds += sign * seconds;
  }
}

/** Gets the row of `cell` in `map`, made by `make` when there is none yet. */
function rowOf<T>(map: Map<string, T>, cell: string, make: () => T): T {
  let row = map.get(cell);
  if (row === undefined) map.set(cell, (row = make()));
  return row;
}

/** One batch's net changes to the rollups, the summaries (their percentiles not yet found), the histograms and the costs, by cell. */
export class RollupDelta {
  readonly cells = new Map<string, RollupRow>();
  readonly summaries = new Map<string, SummaryRow>();
  readonly seconds = new Map<string, SecondsRow>();
  readonly costs = new Map<string, CostsRow>();
  /** The tools of each tool set the cells name (a long set's key is its digest: its tools cannot be read back from it). */
  readonly toolSets = new Map<string, readonly string[]>();

  add(step: StepFacts, model: string | null, sign: 1 | -1): void {
    const key = rollupKey(step, model);
    const cell = cellOf(key);
    addSums(rowOf(this.cells, cell, () => ({ cell, ...key, ...noSums() })), step, sign);
    if (step.tools.length > 0) this.toolSets.set(key.toolSet, step.tools);
    const seconds = timedSeconds(step);
    // The values the cells of every dimension extend the summary's with, written once.
    const secondsJson = JSON.stringify(seconds);
    const modelJson = JSON.stringify(key.model);
    for (const [dimension, value] of dimensionKeys(step, key.model)) {
      const summaryJson = JSON.stringify([dimension, value]);
      const summary = keyText(summaryJson);
      addToSummary(rowOf(this.summaries, summary, () => newSummary(summary, dimension, value)), step, sign);
      if (seconds !== null) {
        const secondsCell = keyText(extended(summaryJson, secondsJson));
        rowOf(this.seconds, secondsCell, () => ({ cell: secondsCell, summary, seconds, steps: 0 })).steps += sign;
      }
      if (dimension !== "all") this.addCost(keyText(extended(summaryJson, modelJson)), dimension, value, key.model, step, sign);
    }
  }

  private addCost(cell: string, dimension: Dimension, value: string | null, model: string, step: StepFacts, sign: 1 | -1): void {
    const cost = rowOf(this.costs, cell, () => ({ cell, dimension, key: value, model, steps: 0, promptTokens: 0, completionTokens: 0 }));
    cost.steps += sign;
    cost.promptTokens += sign * (step.promptTokens ?? 0);
    cost.completionTokens += sign * (step.completionTokens ?? 0);
  }
}

/** A summary's JSON `[dimension, key]` with one more value (a histogram's second, a cost's model): `JSON.stringify([dimension, key, value])` without writing the key again. */
const extended = (summary: string, valueJson: string) => `${summary.slice(0, -1)},${valueJson}]`;
