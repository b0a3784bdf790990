import { compareCodePoints } from "../../records/canonical.js";
import { COUNT_COLUMNS, COUNT_INDEX as I, noCounts, type Counts, type ModelSums, type SummaryRow } from "./cells.js";
import type { SummaryChange } from "./delta.js";
import { nearestRank, PERCENTILES } from "./percentiles.js";
import { PAGE_SECONDS, pageOf, type stepSummarySeconds } from "./tables.js";

type Percentiles = Pick<SummaryRow, "p50CompletionSeconds" | "p95CompletionSeconds">;
export type PageRow = typeof stepSummarySeconds.$inferSelect;

/** A summary as stored: its row, and its histogram's pages (`step_summary_seconds.histogram`, in any order). */
export interface StoredSummary {
  row: SummaryRow;
  pages: readonly string[];
}

/**
 * A summary as the writer holds it (held.ts): its counts; its histogram, `[seconds, steps]` by second, the steps on
 * each of its pages, `[page, steps]` by page, and its sums by model, in code point order, kept in order as they change
 * (no empty second, page or model in them); the pages of the histogram a change moved since it was last stored; the
 * percentiles and the models' JSON as last stored, until a change moves them: most batches move a key's counts and
 * one page of its histogram, or none.
 */
export interface HeldSummary {
  counts: Counts;
  histogram: [seconds: number, steps: number][];
  pageSteps: [page: number, steps: number][];
  models: ModelSums[];
  movedPages: Set<number>;
  storedPercentiles: Percentiles | null;
  storedModels: string | null;
}

const bySecond = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0];
const byModel = (a: ModelSums, b: ModelSums) => compareCodePoints(a[0], b[0]);

/** A stored summary as held; none (a new key): nothing counted yet. */
export function heldOf(stored: StoredSummary | undefined): HeldSummary {
  const counts = noCounts();
  if (stored === undefined) return { counts, histogram: [], pageSteps: [], models: [], movedPages: new Set(), storedPercentiles: null, storedModels: null };
  const { row, pages } = stored;
  for (const [i, column] of COUNT_COLUMNS.entries()) counts[i] = row[column];
  // Pages in any order, each in order: sorted whole, as what is added is placed by that order.
  const histogram = pages.flatMap((page) => JSON.parse(page) as [number, number][]).sort(bySecond);
  const pageSteps: [number, number][] = [];
  for (const [seconds, steps] of histogram) addEntry(pageSteps, [pageOf(seconds), steps], bySecond);
  return {
    counts,
    histogram,
    pageSteps,
    models: (JSON.parse(row.models) as ModelSums[]).sort(byModel),
    movedPages: new Set(),
    storedPercentiles: { p50CompletionSeconds: row.p50CompletionSeconds, p95CompletionSeconds: row.p95CompletionSeconds },
    storedModels: row.models,
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
    addEntry(held.pageSteps, [pageOf(seconds), added], bySecond);
    held.movedPages.add(pageOf(seconds));
    held.storedPercentiles = null;
  }
  for (const sums of change.models.values()) {
    if (sums[1] === 0 && sums[2] === 0 && sums[3] === 0) continue;
    addEntry(held.models, [...sums], byModel);
    held.storedModels = null;
  }
}

/**
 * The smallest second of a held histogram whose running count reaches `rank` (CONTRACT §7: nearest rank); none in an
 * empty one. Counted a page at a time up to the page that reaches it, then a second at a time in that page: walking
 * every second of histograms spanning minutes was a third of the rollups' time a webhook.
 */
function percentileAt({ histogram, pageSteps }: HeldSummary, rank: number): number | null {
  let upto = 0;
  for (const [page, steps] of pageSteps) {
    if (upto + steps < rank) {
      upto += steps;
      continue;
    }
    for (let i = firstAtOrAfter(histogram, page * PAGE_SECONDS); i < histogram.length; i++) if ((upto += histogram[i]![1]) >= rank) return histogram[i]![0];
  }
  return null;
}

/** The percentiles of a held summary's histogram, by nearest rank among its `n` timed steps (the histogram's sum). */
function percentilesOf(held: HeldSummary, n: number): Percentiles {
  return {
    p50CompletionSeconds: percentileAt(held, nearestRank(PERCENTILES.p50_completion_seconds, n)),
    p95CompletionSeconds: percentileAt(held, nearestRank(PERCENTILES.p95_completion_seconds, n)),
  };
}

/**
 * The row stored for a held summary (its models serialized again only where they moved, its percentiles ranked again
 * only where its histogram did): null when no step counts in it.
 */
export function storedRow({ cell, dimension, key }: SummaryChange, held: HeldSummary): SummaryRow | null {
  const counts = held.counts;
  if (counts[I.steps] === 0) return null;
  const { p50CompletionSeconds, p95CompletionSeconds } = (held.storedPercentiles ??= percentilesOf(held, counts[I.timedSteps]!));
  // Each column named: one object shape for every row, where setting the counts in a loop made each its own.
  return {
    cell, dimension, key, steps: counts[I.steps]!, completed: counts[I.completed]!, failed: counts[I.failed]!, cancelled: counts[I.cancelled]!,
    expired: counts[I.expired]!, inProgress: counts[I.inProgress]!, timedSteps: counts[I.timedSteps]!, timedSeconds: counts[I.timedSeconds]!,
    promptTokens: counts[I.promptTokens]!, completionTokens: counts[I.completionTokens]!, totalTokens: counts[I.totalTokens]!,
    p50CompletionSeconds, p95CompletionSeconds, models: (held.storedModels ??= JSON.stringify(held.models)),
  };
}

/**
 * The JSON of a page of a histogram, `[[seconds, steps], …]` by second (a finite number's text is its JSON: JSON.stringify
 * of the nested arrays took twice as long); null for an empty page.
 */
function pageJson(histogram: readonly [number, number][], page: number): string | null {
  const end = (page + 1) * PAGE_SECONDS;
  let json = "";
  for (let i = firstAtOrAfter(histogram, page * PAGE_SECONDS); i < histogram.length && histogram[i]![0] < end; i++) {
    json += `${json === "" ? "[" : ","}[${histogram[i]![0]},${histogram[i]![1]}]`;
  }
  return json === "" ? null : `${json}]`;
}

/** The index of the first second at or after `seconds` in a histogram. */
function firstAtOrAfter(histogram: readonly [number, number][], seconds: number): number {
  const at = placeOf(histogram, [seconds, 0], bySecond);
  return at < 0 ? -at - 1 : at;
}

/**
 * The pages of a held summary's histogram moved since last stored: each one's row, or its page number where it is
 * now empty (its row to drop). Taken: they are stored with this batch.
 */
export function movedPages(cell: string, held: HeldSummary): { rows: PageRow[]; emptied: number[] } {
  const rows: PageRow[] = [];
  const emptied: number[] = [];
  for (const page of held.movedPages) {
    const histogram = pageJson(held.histogram, page);
    if (histogram === null) emptied.push(page);
    else rows.push({ cell, page, histogram });
  }
  held.movedPages.clear();
  return { rows, emptied };
}
