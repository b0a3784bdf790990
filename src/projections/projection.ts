import type { LogEvent } from "../records/events.js";
import type { SqlPort } from "../store/sqlPort.js";
import { newBatchChanges, type BatchChanges } from "./changes.js";

/** A read model kept current by the log: it folds each batch's new events into its tables, inside the batch's transaction. */
export interface Projection {
  /** Its checkpoint's name. */
  name: string;
  /**
   * True for a projection that reads what earlier ones recorded in `changes`: it starts once they have finished.
   * The others own disjoint tables and record without reading, so they run side by side.
   */
  buildsOnChanges?: boolean;
  /** `changes` is the batch's, shared by the projections in their order: earlier ones record, later ones read. */
  apply(tx: SqlPort, events: readonly LogEvent[], changes: BatchChanges): Promise<void>;
  truncate(tx: SqlPort): Promise<void>;
}

/** Waits for every one (none is left running behind the transaction's end), then fails with the first failure. */
async function allFinished(running: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(running)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * Applies one batch's new events to each projection with one record of the batch's changes between them. Projections
 * that do not build on changes run side by side: on PostgreSQL their reads leave together, one round trip for all.
 */
export async function applyProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[]): Promise<void> {
  const changes = newBatchChanges();
  let running: Promise<void>[] = [];
  for (const projection of projections) {
    if (projection.buildsOnChanges) {
      await allFinished(running);
      running = [];
    }
    running.push(projection.apply(tx, events, changes));
  }
  await allFinished(running);
}
