import type { LogEvent } from "../records/events.js";
import type { SqlPort } from "../store/sqlPort.js";
import { newBatchChanges, type BatchChanges } from "./changes.js";

/** A read model kept current by the log: it folds each batch's new events into its tables, inside the batch's transaction. */
export interface Projection {
  /** Its checkpoint's name. */
  name: string;
  /** `changes` is the batch's, shared by the projections in their order: earlier ones record, later ones read. */
  apply(tx: SqlPort, events: readonly LogEvent[], changes: BatchChanges): Promise<void>;
  truncate(tx: SqlPort): Promise<void>;
}

/** Applies one batch's new events to each projection in order, with one record of the batch's changes between them. */
export async function applyProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[]): Promise<void> {
  const changes = newBatchChanges();
  for (const projection of projections) await projection.apply(tx, events, changes);
}
