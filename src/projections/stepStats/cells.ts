import { compareCodePoints } from "../../records/canonical.js";
import { keptOrDigest } from "../../records/eventKey.js";
import type { StepFacts } from "../changes.js";
import type { STEP_STATUSES } from "../../records/statuses.js";
import type { stepSummaries } from "./tables.js";
import { UNKNOWN_MODEL, type SummaryDimension } from "./dimensions.js";
import { nearestRank, PERCENTILES } from "./percentiles.js";
import { timeKeys } from "./timeKeys.js";

/**
 * The longest key text kept as written, in UTF-8 bytes. A PostgreSQL b-tree takes at most ~2.7 kB an entry, and a key
 * holds a value of up to 1 kB (a tool's name, an error code): past this, the text is keyed by its digest, so a valid
 * step never fails its batch. Readers go by the columns, not by these keys.
 */
const MAX_KEY_BYTES = 512;
const keyText = (text: string) => keptOrDigest(text, MAX_KEY_BYTES);

export type SummaryRow = typeof stepSummaries.$inferSelect;
/** A model's steps and tokens in a summary: `[model, steps, prompt_tokens, completion_tokens]` (`step_summaries.models`). */
export type ModelSums = [model: string, steps: number, promptTokens: number, completionTokens: number];
/** A summary's numbers a delta adds to (its percentiles and JSON columns apart). */
type Counts = Omit<SummaryRow, "cell" | "dimension" | "key" | "p50CompletionSeconds" | "p95CompletionSeconds" | "histogram" | "models">;

/** One batch's net change to a summary: its counts, its histogram by completion second, its sums by model. */
interface SummaryChange extends Counts {
  cell: string;
  dimension: SummaryDimension;
  key: string | null;
  seconds: Map<number, number>;
  models: Map<string, ModelSums>;
}

/** The keys a step has in each dimension of the summaries (CONTRACT §7): a tool dimension key per tool, no error key without an error. */
function dimensionKeys(step: StepFacts, model: string): [SummaryDimension, string | null][] {
  const time = timeKeys(step.createdAt);
  const keys: [SummaryDimension, string | null][] = [
    ["all", "all"], ["assistant", step.assistantId], ["day", time.day], ["hour", time.hour], ["model", model], ["type", step.type],
  ];
  for (const tool of step.tools) keys.push(["tool", tool]);
  if (step.lastErrorCode !== null) keys.push(["error", step.lastErrorCode]);
  return keys;
}

/** A summary's cell: its dimension and key as JSON, one conflict target whatever the key (a key past MAX_KEY_BYTES by its digest). */
export const cellOf = (dimension: SummaryDimension, key: string | null) => keyText(JSON.stringify([dimension, key]));

/** The cells a step counts in under `model`. */
export const cellsOf = (step: StepFacts, model: string) => dimensionKeys(step, model).map(([dimension, key]) => cellOf(dimension, key));

/**
 * Whether two steps, each under its run's model, have the same keys in every dimension, in the same order: equal in
 * every field dimensionKeys reads (kept beside it, so that a key added there is compared here too).
 */
function sameKeys(a: StepFacts, modelA: string, b: StepFacts, modelB: string): boolean {
  return modelA === modelB && a.createdAt === b.createdAt && a.assistantId === b.assistantId && a.type === b.type &&
    a.lastErrorCode === b.lastErrorCode && a.tools.length === b.tools.length && a.tools.every((tool, i) => tool === b.tools[i]);
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

  /** The changes to the summaries `step` counts in under `model`, made where the batch has none yet. */
  private changesOf(step: StepFacts, model: string): SummaryChange[] {
    return dimensionKeys(step, model).map(([dimension, key]) => {
      const cell = cellOf(dimension, key);
      let change = this.summaries.get(cell);
      if (change === undefined) this.summaries.set(cell, (change = { cell, dimension, key, ...NO_COUNTS, seconds: new Map(), models: new Map() }));
      return change;
    });
  }

  private add(step: StepFacts, model: string, sign: 1 | -1): void {
    for (const change of this.changesOf(step, model)) addStep(change, step, model, sign);
  }

  /**
   * A step moved from `before` (under its run's model then) to `after` (under its run's model now). Most moves change
   * a status or tokens and keep every key: the summaries are then found once for both, not once for each.
   */
  move(before: StepFacts | null, modelBefore: string | null, after: StepFacts | null, modelAfter: string | null): void {
    const [fromModel, toModel] = [modelBefore ?? UNKNOWN_MODEL, modelAfter ?? UNKNOWN_MODEL];
    if (before === null || after === null || !sameKeys(before, fromModel, after, toModel)) {
      if (before) this.add(before, fromModel, -1);
      if (after) this.add(after, toModel, 1);
      return;
    }
    for (const change of this.changesOf(after, toModel)) {
      addStep(change, before, fromModel, -1);
      addStep(change, after, toModel, 1);
    }
  }
}

/** Whether a change moves anything: a count, a second of the histogram, or a model's sums (a run's new model moves steps between models). */
export const changesAnything = (change: SummaryChange) =>
  COUNT_KEYS.some((column) => change[column] !== 0) ||
  [...change.seconds.values()].some((steps) => steps !== 0) ||
  [...change.models.values()].some(([, steps, prompt, completion]) => steps !== 0 || prompt !== 0 || completion !== 0);

/** A summary's histogram as stored: its JSON text and the percentiles ranked over it. */
type HistogramColumns = Pick<SummaryRow, "histogram" | "p50CompletionSeconds" | "p95CompletionSeconds">;

/**
 * A summary as the writer holds it (held.ts): its counts, its histogram and its sums by model as maps (no empty second
 * or model in them), and the JSON of each as last stored, until a change moves it: most batches move a key's counts
 * and leave its histogram or its models as they were, which are then not sorted, ranked and serialized again.
 */
export interface HeldSummary {
  counts: Counts;
  seconds: Map<number, number>;
  models: Map<string, ModelSums>;
  storedHistogram: HistogramColumns | null;
  storedModels: string | null;
}

/** A stored summary as held; none (a new key): nothing counted yet. */
export function heldOf(stored: SummaryRow | undefined): HeldSummary {
  const counts = { ...NO_COUNTS };
  if (stored === undefined) return { counts, seconds: new Map(), models: new Map(), storedHistogram: null, storedModels: null };
  for (const column of COUNT_KEYS) counts[column] = stored[column];
  const { histogram, p50CompletionSeconds, p95CompletionSeconds } = stored;
  return {
    counts,
    seconds: new Map(JSON.parse(histogram) as [number, number][]),
    models: new Map((JSON.parse(stored.models) as ModelSums[]).map((sums) => [sums[0], sums] as const)),
    storedHistogram: { histogram, p50CompletionSeconds, p95CompletionSeconds },
    storedModels: stored.models,
  };
}

/** Adds a batch's change to a held summary, in place: a second or a model no step counts in any more is left out. */
export function addChange(held: HeldSummary, change: SummaryChange): void {
  for (const column of COUNT_KEYS) held.counts[column] += change[column];
  for (const [seconds, added] of change.seconds) {
    if (added === 0) continue;
    const steps = (held.seconds.get(seconds) ?? 0) + added;
    if (steps === 0) held.seconds.delete(seconds);
    else held.seconds.set(seconds, steps);
    held.storedHistogram = null;
  }
  for (const [model, [, steps, prompt, completion]] of change.models) {
    if (steps === 0 && prompt === 0 && completion === 0) continue;
    const [, heldSteps, heldPrompt, heldCompletion] = held.models.get(model) ?? [model, 0, 0, 0];
    if (heldSteps + steps === 0) held.models.delete(model);
    else held.models.set(model, [model, heldSteps + steps, heldPrompt + prompt, heldCompletion + completion]);
    held.storedModels = null;
  }
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

/** The histogram by second as JSON, and the percentiles ranked over it. */
function histogramColumns(seconds: Map<number, number>): HistogramColumns {
  const histogram = [...seconds].sort((a, b) => a[0] - b[0]);
  const percentiles = percentilesOf(histogram);
  return { histogram: JSON.stringify(histogram), p50CompletionSeconds: percentiles.p50_completion_seconds, p95CompletionSeconds: percentiles.p95_completion_seconds };
}

/**
 * The row stored for a held summary (its histogram and models serialized again only where they moved): the histogram
 * by second, the models in code point order, the percentiles ranked over the histogram; null when no step counts in it.
 */
export function storedRow({ cell, dimension, key }: SummaryChange, held: HeldSummary): SummaryRow | null {
  if (held.counts.steps === 0) return null;
  held.storedHistogram ??= histogramColumns(held.seconds);
  held.storedModels ??= JSON.stringify([...held.models.values()].sort((a, b) => compareCodePoints(a[0], b[0])));
  return { cell, dimension, key, ...held.counts, ...held.storedHistogram, models: held.storedModels };
}
