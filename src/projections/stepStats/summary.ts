import { compareCodePoints } from "../../records/canonical.js";
import { COUNT_COLUMNS, COUNT_INDEX as I, noCounts, type Counts, type ModelSums, type SummaryRow } from "./cells.js";
import type { SummaryChange } from "./delta.js";
import { nearestRank, PERCENTILES } from "./percentiles.js";

/** A summary's histogram as stored: its JSON text and the percentiles ranked over it. */
type HistogramColumns = Pick<SummaryRow, "histogram" | "p50CompletionSeconds" | "p95CompletionSeconds">;

/**
 * A summary as the writer holds it (held.ts): its counts; its histogram, `[seconds, steps]` by second, and its sums by
 * model, in code point order, kept in order as they change (no empty second or model in them); and the JSON of each as
 * last stored, until a change moves it: most batches move a key's counts and leave its histogram or its models as they
 * were, which are then not ranked and serialized again.
 */
export interface HeldSummary {
  counts: Counts;
  histogram: [seconds: number, steps: number][];
  models: ModelSums[];
  storedHistogram: HistogramColumns | null;
  storedModels: string | null;
}

const bySecond = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0];
const byModel = (a: ModelSums, b: ModelSums) => compareCodePoints(a[0], b[0]);

/** A stored summary as held; none (a new key): nothing counted yet. */
export function heldOf(stored: SummaryRow | undefined): HeldSummary {
  const counts = noCounts();
  if (stored === undefined) return { counts, histogram: [], models: [], storedHistogram: null, storedModels: null };
  for (const [i, column] of COUNT_COLUMNS.entries()) counts[i] = stored[column];
  const { histogram, p50CompletionSeconds, p95CompletionSeconds } = stored;
  return {
    counts,
    // Stored in order: sorted again all the same, as what is added is placed by that order.
    histogram: (JSON.parse(histogram) as [number, number][]).sort(bySecond),
    models: (JSON.parse(stored.models) as ModelSums[]).sort(byModel),
    storedHistogram: { histogram, p50CompletionSeconds, p95CompletionSeconds },
    storedModels: stored.models,
  };
}

/** Where `entries` (in `compare`'s order) has `probe`'s place: the index of an equal entry, or -(insertion point) - 1. */
function placeOf<T>(entries: readonly T[], probe: T, compare: (a: T, b: T) => number): number {
  let [low, high] = [0, entries.length - 1];
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compare(entries[middle]!, probe);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -low - 1;
}

/** Adds `added` to the entry `probe` names (made where missing), leaving out one whose first count is then 0. */
function addEntry<T extends [unknown, number, ...number[]]>(entries: T[], probe: T, compare: (a: T, b: T) => number): void {
  const at = placeOf(entries, probe, compare);
  if (at < 0) {
    if (probe[1] !== 0) entries.splice(-at - 1, 0, probe);
    return;
  }
  const entry = entries[at]!;
  for (let i = 1; i < probe.length; i++) (entry[i] as number) += probe[i] as number;
  if (entry[1] === 0) entries.splice(at, 1);
}

/** Adds a batch's change to a held summary, in place: a second or a model no step counts in any more is left out. */
export function addChange(held: HeldSummary, change: SummaryChange): void {
  for (let i = 0; i < held.counts.length; i++) held.counts[i]! += change.counts[i]!;
  for (const [seconds, added] of change.seconds) {
    if (added === 0) continue;
    addEntry(held.histogram, [seconds, added], bySecond);
    held.storedHistogram = null;
  }
  for (const sums of change.models.values()) {
    if (sums[1] === 0 && sums[2] === 0 && sums[3] === 0) continue;
    addEntry(held.models, [...sums], byModel);
    held.storedModels = null;
  }
}

/** The smallest second of a histogram whose running count reaches `rank` (CONTRACT §7: nearest rank); none in an empty one. */
function percentileAt(histogram: readonly [number, number][], rank: number): number | null {
  let upto = 0;
  for (let i = 0; i < histogram.length; i++) if ((upto += histogram[i]![1]) >= rank) return histogram[i]![0];
  return null;
}

/**
 * The histogram by second as JSON, and the percentiles ranked over it by nearest rank. Its JSON is written out here (a
 * finite number's text is its JSON): JSON.stringify of the nested arrays took twice as long, on the webhook path the
 * rollups' largest single cost.
 */
function histogramColumns(histogram: readonly [number, number][]): HistogramColumns {
  let n = 0;
  let json = "[";
  for (let i = 0; i < histogram.length; i++) {
    const [seconds, steps] = histogram[i]!;
    n += steps;
    json += `${i === 0 ? "" : ","}[${seconds},${steps}]`;
  }
  return {
    histogram: `${json}]`,
    p50CompletionSeconds: percentileAt(histogram, nearestRank(PERCENTILES.p50_completion_seconds, n)),
    p95CompletionSeconds: percentileAt(histogram, nearestRank(PERCENTILES.p95_completion_seconds, n)),
  };
}

/**
 * The row stored for a held summary (its histogram and models serialized again only where they moved): the histogram
 * by second, the models in code point order, the percentiles ranked over the histogram; null when no step counts in it.
 */
export function storedRow({ cell, dimension, key }: SummaryChange, held: HeldSummary): SummaryRow | null {
  const counts = held.counts;
  if (counts[I.steps] === 0) return null;
  const { histogram, p50CompletionSeconds, p95CompletionSeconds } = (held.storedHistogram ??= histogramColumns(held.histogram));
  // Each column named: one object shape for every row, where setting the counts in a loop made each its own.
  return {
    cell, dimension, key, steps: counts[I.steps]!, completed: counts[I.completed]!, failed: counts[I.failed]!, cancelled: counts[I.cancelled]!,
    expired: counts[I.expired]!, inProgress: counts[I.inProgress]!, timedSteps: counts[I.timedSteps]!, timedSeconds: counts[I.timedSeconds]!,
    promptTokens: counts[I.promptTokens]!, completionTokens: counts[I.completionTokens]!, totalTokens: counts[I.totalTokens]!,
    p50CompletionSeconds, p95CompletionSeconds, histogram, models: (held.storedModels ??= JSON.stringify(held.models)),
  };
}
