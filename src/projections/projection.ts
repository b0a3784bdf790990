import type { LogEvent } from "../records/events.js";
import type { Fold } from "../store/append.js";
import type { SqlPort } from "../store/sqlPort.js";
import { newBatchChanges, type BatchChanges } from "./changes.js";

/**
 * A read model kept current by the log: it reads what folding a batch needs (`load`), then folds the batch's new
 * events into its tables (`apply`), inside the batch's transaction. The reads are apart so that every projection's
 * go out at once, before any folds: on PostgreSQL in one round trip with the batch's insert (append.ts).
 */
export interface Projection<Loaded = unknown> {
  /** Its checkpoint's name. */
  name: string;
  /**
   * Reads, from its tables as they stood before the batch, what folding these events needs, keyed by what the events
   * name (their positions may not be known yet). `apply` may be given only some of them (those new to the log), or
   * others (loaded for none: SQLite, rebuild), and reads itself whatever else it needs: reading ahead saves round trips,
   * it never changes a fold.
   */
  load(tx: SqlPort, events: readonly LogEvent[]): Promise<Loaded>;
  /** `changes` is the batch's, shared by the projections in their order: earlier ones record, later ones read. */
  apply(tx: SqlPort, events: readonly LogEvent[], changes: BatchChanges, loaded: Loaded): Promise<void>;
  truncate(tx: SqlPort): Promise<void>;
}

/** Sends every projection's reads for these events at once; the fold applies them in order, with one record of the batch's changes between them. */
export async function loadProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[]): Promise<Fold> {
  const loaded = await Promise.all(projections.map((projection) => projection.load(tx, events)));
  return async (fresh) => {
    const changes = newBatchChanges();
    for (const [i, projection] of projections.entries()) await projection.apply(tx, fresh, changes, loaded[i]);
  };
}

/** Folds one batch whose events are all new (rebuild's), each projection reading as it folds: a round trip saved is nothing to a batch of thousands. */
export async function applyProjections(tx: SqlPort, projections: readonly Projection[], events: readonly LogEvent[]): Promise<void> {
  await (await loadProjections(tx, projections, []))(events);
}
