import type { LogEvent } from "../records/events.js";
import type { ProjectionRunner } from "../store/append.js";
import type { SqlPort } from "../store/sqlPort.js";
import { newBatchChanges, type BatchChanges } from "./changes.js";

/** A read model kept current by the log: it folds each batch's new events into its tables, inside the batch's transaction. */
export interface Projection<Ahead = unknown> {
  /** Its checkpoint's name. */
  name: string;
  /**
   * True for a projection that reads what earlier ones recorded in `changes`: it starts once they have finished.
   * The others own disjoint tables and record without reading, so they run side by side.
   */
  buildsOnChanges?: boolean;
  /**
   * Starts the reads `apply` will make, by what the batch's events name, before they are appended (readAhead.ts); the
   * events' positions are not drawn yet and some may turn out duplicates. `apply` is handed what it returns.
   */
  readAhead?(tx: SqlPort, events: readonly LogEvent[]): Ahead;
  /** `changes` is the batch's, shared by the projections in their order: earlier ones record, later ones read. `ahead`: its readAhead's, if it was started. */
  apply(tx: SqlPort, events: readonly LogEvent[], changes: BatchChanges, ahead?: Ahead): Promise<void>;
  truncate(tx: SqlPort): Promise<void>;
}

/** Waits for every one (none is left running behind the transaction's end), then fails with the first failure. */
async function allFinished(running: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(running)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** What each projection's readAhead started, in the projections' order. */
type ReadAheads = readonly unknown[];

/** Starts every projection's reads ahead of appending `events` (positions not drawn yet). */
function readAheadProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[]): ReadAheads {
  return projections.map((projection) => projection.readAhead?.(tx, events));
}

/** What the log's appender runs: these projections, each batch read ahead (where the store reads ahead) and applied. */
export function projectionRunner(projections: readonly Projection[]): ProjectionRunner<ReadAheads> {
  return {
    names: projections.map((p) => p.name),
    readAhead: (tx, events) => readAheadProjections(tx, projections, events),
    apply: (tx, events, ahead) => applyProjections(tx, projections, events, ahead),
  };
}

/**
 * Applies one batch's new events to each projection with one record of the batch's changes between them. Projections
 * that do not build on changes run side by side: on PostgreSQL their reads leave together, one round trip for all.
 */
export async function applyProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[], aheads?: ReadAheads): Promise<void> {
  const changes = newBatchChanges();
  let running: Promise<void>[] = [];
  for (const [i, projection] of projections.entries()) {
    if (projection.buildsOnChanges) {
      await allFinished(running);
      running = [];
    }
    running.push(projection.apply(tx, events, changes, aheads?.[i]));
  }
  await allFinished(running);
}
