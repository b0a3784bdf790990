import { getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { LogEvent } from "../records/events.js";
import { deleteAllSql, upsertOf } from "../store/sqlText.js";
import type { Projection } from "./projection.js";

interface SnapshotModel<T extends { id: string }, Table extends SQLiteTable> {
  name: string;
  /** Keyed by `id`, with the winning snapshot as JSON in `data`. */
  table: Table;
  /** The snapshot an event carries, or null when the event is not about this model. */
  snapshotOf(event: LogEvent): T | null;
  /** The winner after one more event (pure). */
  evolve(current: T | null, event: LogEvent): T | null;
  values(snapshot: T): Table["$inferInsert"];
}

/**
 * A read model of one row per object, its winning snapshot (runs, assistants): each object a batch
 * touches is read once and written once, whatever number of its events the batch holds.
 */
export function snapshotProjection<T extends { id: string }, Table extends SQLiteTable>(model: SnapshotModel<T, Table>): Projection {
  const save = upsertOf(model.table);
  const load = `SELECT data FROM ${getTableName(model.table)} WHERE id = ?`;
  return {
    name: model.name,
    async apply(tx, events) {
      const touched = new Map<string, { stored: T | null; current: T | null }>();
      for (const event of events) {
        const snapshot = model.snapshotOf(event);
        if (snapshot === null) continue;
        let entry = touched.get(snapshot.id);
        if (!entry) {
          const saved = await tx.get<{ data: string }>(load, [snapshot.id]);
          const stored = saved ? (JSON.parse(saved.data) as T) : null;
          entry = { stored, current: stored };
          touched.set(snapshot.id, entry);
        }
        entry.current = model.evolve(entry.current, event);
      }
      for (const { stored, current } of touched.values()) if (current !== stored && current !== null) await tx.run(save.sql, save.values(model.values(current)));
    },
    async truncate(tx) {
      await tx.run(deleteAllSql(model.table));
    },
  };
}
