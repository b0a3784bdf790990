import { getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { LogEvent } from "../records/events.js";
import { insertRows, rowsInsert, selectByKeys } from "../store/sqlBatch.js";
import { deleteAllSql, upsertOf } from "../store/sqlText.js";
import type { BatchChanges } from "./changes.js";
import type { Projection } from "./projection.js";
import { readAhead, valuesOf, type ReadAhead } from "./readAhead.js";
import type { SqlPort } from "../store/sqlPort.js";

interface SnapshotModel<T extends { id: string }, Table extends SQLiteTable> {
  name: string;
  /** Keyed by `id`, with the winning snapshot as JSON in `data`. */
  table: Table;
  /** The snapshot an event carries, or null when the event is not about this model. */
  snapshotOf(event: LogEvent): T | null;
  /** The winner after one more event (pure). */
  evolve(current: T | null, event: LogEvent): T | null;
  values(snapshot: T): Table["$inferInsert"];
  /** Told of each object whose winner changed, to record in the batch's changes what later projections need. */
  changed?(changes: BatchChanges, stored: T | null, winner: T): void;
}

/**
 * A read model of one row per object, its winning snapshot (runs, assistants): each object a batch
 * touches is read once and written once, whatever number of its events the batch holds, and all of
 * them together (a round trip per chunk on PostgreSQL).
 */
export function snapshotProjection<T extends { id: string }, Table extends SQLiteTable>(model: SnapshotModel<T, Table>): Projection<ReadAhead<T>> {
  const save = rowsInsert(upsertOf(model.table));
  const load = `SELECT id, data FROM ${getTableName(model.table)} WHERE`;
  const loadSnapshots = async (tx: SqlPort, ids: readonly string[]) =>
    new Map((await selectByKeys<{ id: string; data: string }>(tx, load, "id", ids)).map((saved) => [saved.id, JSON.parse(saved.data) as T]));
  const snapshotsIn = (events: readonly LogEvent[]) => events.flatMap((event) => {
    const snapshot = model.snapshotOf(event);
    return snapshot === null ? [] : [{ event, id: snapshot.id }];
  });
  return {
    name: model.name,
    readAhead(tx, events) {
      const ids = [...new Set(snapshotsIn(events).map((s) => s.id))];
      return readAhead(loadSnapshots(tx, ids).then((values) => ({ asked: new Set(ids), values })));
    },
    async apply(tx, events, changes, ahead) {
      const snapshots = snapshotsIn(events);
      if (snapshots.length === 0) return;
      const stored = await valuesOf(ahead, [...new Set(snapshots.map((s) => s.id))], (ids) => loadSnapshots(tx, ids));
      const current = new Map<string, T | null>();
      for (const { event, id } of snapshots) current.set(id, model.evolve(current.has(id) ? current.get(id)! : (stored.get(id) ?? null), event));
      const changed = [...current].flatMap(([id, winner]) => (winner !== null && winner !== (stored.get(id) ?? null) ? [{ stored: stored.get(id) ?? null, winner }] : []));
      await insertRows(tx, save, changed.map(({ winner }) => save.values(model.values(winner))));
      for (const { stored: before, winner } of changed) model.changed?.(changes, before, winner);
    },
    async truncate(tx) {
      await tx.run(deleteAllSql(model.table));
    },
  };
}
