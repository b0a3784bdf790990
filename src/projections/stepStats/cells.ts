import { compareCodePoints } from "../../records/canonical.js";
import { keptOrDigest } from "../../records/eventKey.js";
import type { StepFacts } from "../changes.js";
import type { STEP_STATUSES } from "../../records/statuses.js";
import type { stepSummaries } from "./tables.js";
import { UNKNOWN_MODEL, type SummaryDimension } from "./dimensions.js";
import { nearestRank, PERCENTILES } from "./percentiles.js";
import { DAY_KEY_LENGTH, HOUR_KEY_LENGTH, utcText } from "./timeKeys.js";

/**
 * The longest key text kept as written, in UTF-8 bytes. A PostgreSQL b-tree takes at most ~2.7 kB an entry, and a key
 * holds a value of up to 1 kB (a tool's name, an error code): past this, the text is keyed by its digest, so a valid
 * step never fails its batch. Readers go by the columns, not by these keys.
 */
const MAX_KEY_BYTES = 512;
export const keyText = (text: string) => keptOrDigest(text, MAX_KEY_BYTES);

export type SummaryRow = typeof stepSummaries.$inferSelect;
/** A model's steps and tokens in a summary: `[model, steps, prompt_tokens, completion_tokens]` (`step_summaries.models`). */
export type ModelSums = [model: string, steps: number, promptTokens: number, completionTokens: number];
/** A summary's numbers a delta adds to (its percentiles and JSON columns apart). */
type Counts = Omit<SummaryRow, "cell" | "dimension" | "key" | "p50CompletionSeconds" | "p95CompletionSeconds" | "histogram" | "models">;

/** One batch's net change to a summary: its counts, its histogram by completion second, its sums by model. */
export interface SummaryChange extends Counts {
  cell: string;
  dimension: SummaryDimension;
  key: string | null;
  seconds: Map<number, number>;
  models: Map<string, ModelSums>;
}

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

/** The summary column counting each status (CONTRACT §7). */
const STATUS_COUNTS = {
  completed: "completed", failed: "failed", cancelled: "cancelled", expired: "expired", in_progress: "inProgress",
} as const satisfies Record<(typeof STEP_STATUSES)[number], keyof SummaryRow>;
type StatusColumn = (typeof STATUS_COUNTS)[keyof typeof STATUS_COUNTS];

/** A step's completion time, when it counts in the percentiles and the mean: completed, with a time (percentiles.ts's `TIMED`). */
const timedSeconds = (step: StepFacts) => (step.status === "completed" ? step.completionSeconds : null);

/** A summary's counts at zero: made once, copied for each. */
const NO_COUNTS: Counts = {
  steps: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, timedSteps: 0, timedSeconds: 0,
  ...(Object.fromEntries(Object.values(STATUS_COUNTS).map((column) => [column, 0])) as Record<StatusColumn, number>),
};
const COUNT_KEYS = Object.keys(NO_COUNTS) as (keyof Counts)[];

function addStep(change: SummaryChange, step: StepFacts, model: string, sign: 1 | -1): void {
  change.steps += sign;
  change.promptTokens += sign * (step.promptTokens ?? 0);
  change.completionTokens += sign * (step.completionTokens ?? 0);
  change.totalTokens += sign * (step.totalTokens ?? 0);
  const column = (STATUS_COUNTS as Partial<Record<string, StatusColumn>>)[step.status ?? ""];
  if (column !== undefined) change[column] += sign;
  const seconds = timedSeconds(step);
  if (seconds !== null) {
    change.timedSteps += sign;
    change.timedSeconds += sign * seconds;
    change.seconds.set(seconds, (change.seconds.get(seconds) ?? 0) + sign);
  }
  let sums = change.models.get(model);
  if (sums === undefined) change.models.set(model, (sums = [model, 0, 0, 0]));
  sums[1] += sign;
  sums[2] += sign * (step.promptTokens ?? 0);
  sums[3] += sign * (step.completionTokens ?? 0);
}

/** One batch's net changes to the summaries, by cell (`[dimension, key]` as JSON). */
export class RollupDelta {
  readonly summaries = new Map<string, SummaryChange>();

  add(step: StepFacts, runModel: string | null, sign: 1 | -1): void {
    const model = runModel ?? UNKNOWN_MODEL;
    for (const [dimension, key] of dimensionKeys(step, model)) {
      const cell = keyText(JSON.stringify([dimension, key]));
      let change = this.summaries.get(cell);
      if (change === undefined) this.summaries.set(cell, (change = { cell, dimension, key, ...NO_COUNTS, seconds: new Map(), models: new Map() }));
      addStep(change, step, model, sign);
    }
  }
}

/** Whether a change moves anything: a count, a second of the histogram, or a model's sums (a run's new model moves steps between models). */
export const changesAnything = (change: SummaryChange) =>
  COUNT_KEYS.some((column) => change[column] !== 0) ||
  [...change.seconds.values()].some((steps) => steps !== 0) ||
  [...change.models.values()].some(([, steps, prompt, completion]) => steps !== 0 || prompt !== 0 || completion !== 0);

/** The histogram `[[seconds, steps], …]` with the change's seconds added: by second, empty seconds left out. */
function histogramAfter(stored: string, change: Map<number, number>): [number, number][] {
  const steps = new Map<number, number>(JSON.parse(stored) as [number, number][]);
  for (const [seconds, added] of change) steps.set(seconds, (steps.get(seconds) ?? 0) + added);
  return [...steps].filter(([, count]) => count !== 0).sort((a, b) => a[0] - b[0]);
}

/** The sums by model with the change's added: by model in code point order, a model with no steps left out. */
function modelsAfter(stored: string, change: Map<string, ModelSums>): ModelSums[] {
  const sums = new Map((JSON.parse(stored) as ModelSums[]).map((row) => [row[0], row]));
  for (const [model, [, steps, prompt, completion]] of change) {
    const row = sums.get(model) ?? [model, 0, 0, 0];
    sums.set(model, [model, row[1] + steps, row[2] + prompt, row[3] + completion]);
  }
  return [...sums.values()].filter((row) => row[1] !== 0).sort((a, b) => compareCodePoints(a[0], b[0]));
}

/** Each percentile of a histogram by nearest rank (CONTRACT §7): the smallest second whose running count reaches it. */
function percentilesOf(histogram: readonly [number, number][]): Record<keyof typeof PERCENTILES, number | null> {
  const n = histogram.reduce((sum, [, steps]) => sum + steps, 0);
  const at = (p: number) => {
    const rank = nearestRank(p, n);
    let upto = 0;
    for (const [seconds, steps] of histogram) if ((upto += steps) >= rank) return seconds;
    return null;
  };
  return Object.fromEntries(Object.entries(PERCENTILES).map(([column, p]) => [column, at(p)])) as Record<keyof typeof PERCENTILES, number | null>;
}

/** A summary after a batch's change: the stored row (none: a new key) plus the change; null when no step counts in it any more. */
export function summaryAfter(stored: SummaryRow | undefined, change: SummaryChange): SummaryRow | null {
  const steps = (stored?.steps ?? 0) + change.steps;
  if (steps === 0) return null;
  const row = { cell: change.cell, dimension: change.dimension, key: change.key } as SummaryRow;
  for (const column of COUNT_KEYS) row[column] = (stored?.[column] ?? 0) + change[column];
  const histogram = histogramAfter(stored?.histogram ?? "[]", change.seconds);
  const percentiles = percentilesOf(histogram);
  row.p50CompletionSeconds = percentiles.p50_completion_seconds;
  row.p95CompletionSeconds = percentiles.p95_completion_seconds;
  row.histogram = JSON.stringify(histogram);
  row.models = JSON.stringify(modelsAfter(stored?.models ?? "[]", change.models));
  return row;
}
