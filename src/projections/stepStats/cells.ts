import { keptOrDigest } from "../../records/eventKey.js";
import type { StepFacts } from "../changes.js";
import type { STEP_STATUSES } from "../../records/statuses.js";
import type { stepSummaries } from "./tables.js";
import type { SummaryDimension } from "./dimensions.js";
import { HOUR_SECONDS, isKeyedTime, timeKeys } from "./timeKeys.js";

/**
 * The longest key text kept as written, in UTF-8 bytes. A PostgreSQL b-tree takes at most ~2.7 kB an entry, and a key
 * holds a value of up to 1 kB (a tool's name, an error code): past this, the text is keyed by its digest, so a valid
 * step never fails its batch. Readers go by the columns, not by these keys.
 */
const MAX_KEY_BYTES = 512;

export type SummaryRow = typeof stepSummaries.$inferSelect;
/** A model's steps and tokens in a summary: `[model, steps, prompt_tokens, completion_tokens]` (`step_summaries.models`). */
export type ModelSums = [model: string, steps: number, promptTokens: number, completionTokens: number];

/** A summary's cell: its dimension and key, and the text that names it (`step_summaries.cell`). */
export interface Cell {
  cell: string;
  dimension: SummaryDimension;
  key: string | null;
}

/** Remembered cells and hours past which the memory starts again: a batch meets the same few again and again. */
const MAX_REMEMBERED = 10_000;

/** `make(key)`, made once a key while fewer than MAX_REMEMBERED are remembered. */
function remembered<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      if (made.size >= MAX_REMEMBERED) made.clear();
      made.set(key, (value = make(key)));
    }
    return value;
  };
}

const cellsByDimension = new Map<SummaryDimension, (key: string | null) => Cell>();

/** A summary's cell: its dimension and key as JSON, one conflict target whatever the key (a key past MAX_KEY_BYTES by its digest). */
export function cellAt(dimension: SummaryDimension, key: string | null): Cell {
  let cellOfKey = cellsByDimension.get(dimension);
  if (cellOfKey === undefined) {
    cellOfKey = remembered((k: string | null) => ({ cell: keptOrDigest(JSON.stringify([dimension, k]), MAX_KEY_BYTES), dimension, key: k }));
    cellsByDimension.set(dimension, cellOfKey);
  }
  return cellOfKey(key);
}

export const cellOf = (dimension: SummaryDimension, key: string | null) => cellAt(dimension, key).cell;

/** The day and hour cells of a keyed time's hour (each hour's seconds share them). */
const hourCells = remembered((hour: number) => {
  const time = timeKeys(hour * HOUR_SECONDS);
  return [cellAt("day", time.day), cellAt("hour", time.hour)];
});
const UNKEYED_TIME = [cellAt("day", null), cellAt("hour", null)];

/** The cells a step counts in under `model` (CONTRACT §7): a tool dimension cell per tool, no error cell without an error. */
export function dimensionCells(step: StepFacts, model: string): Cell[] {
  const [day, hour] = isKeyedTime(step.createdAt) ? hourCells(Math.floor(step.createdAt / HOUR_SECONDS)) : UNKEYED_TIME;
  const cells = [cellAt("all", "all"), cellAt("assistant", step.assistantId), day!, hour!, cellAt("model", model), cellAt("type", step.type)];
  for (const tool of step.tools) cells.push(cellAt("tool", tool));
  if (step.lastErrorCode !== null) cells.push(cellAt("error", step.lastErrorCode));
  return cells;
}

/** The cells' texts a step counts in under `model`. */
export const cellsOf = (step: StepFacts, model: string) => dimensionCells(step, model).map(({ cell }) => cell);

/**
 * Whether two steps, each under its run's model, have the same cells, in the same order: equal in every field
 * dimensionCells reads (kept beside it, so that a key added there is compared here too).
 */
export function sameCells(a: StepFacts, modelA: string, b: StepFacts, modelB: string): boolean {
  return modelA === modelB && a.createdAt === b.createdAt && a.assistantId === b.assistantId && a.type === b.type &&
    a.lastErrorCode === b.lastErrorCode && a.tools.length === b.tools.length && a.tools.every((tool, i) => tool === b.tools[i]);
}

/** A summary's numbers a change adds to (its percentiles and JSON columns apart), each at its place in a `Counts`. */
type CountColumn = Exclude<keyof SummaryRow, "cell" | "dimension" | "key" | "p50CompletionSeconds" | "p95CompletionSeconds" | "histogram" | "models">;
export const COUNT_INDEX = {
  steps: 0, completed: 1, failed: 2, cancelled: 3, expired: 4, inProgress: 5, timedSteps: 6, timedSeconds: 7,
  promptTokens: 8, completionTokens: 9, totalTokens: 10,
} as const satisfies Record<CountColumn, number>;
export const COUNT_COLUMNS = Object.keys(COUNT_INDEX) as CountColumn[];
/** A summary's counts, in COUNT_INDEX's places: an array, so that adding two is one loop. */
export type Counts = number[];
export const noCounts = (): Counts => new Array<number>(COUNT_COLUMNS.length).fill(0);

/** The count of each status (CONTRACT §7). */
export const STATUS_INDEX = new Map<string | null, number>(Object.entries({
  completed: COUNT_INDEX.completed, failed: COUNT_INDEX.failed, cancelled: COUNT_INDEX.cancelled, expired: COUNT_INDEX.expired,
  in_progress: COUNT_INDEX.inProgress,
} satisfies Record<(typeof STEP_STATUSES)[number], number>));

/** A step's completion time, when it counts in the percentiles and the mean: completed, with a time (percentiles.ts's `TIMED`). */
export const timedSeconds = (step: StepFacts) => (step.status === "completed" ? step.completionSeconds : null);
