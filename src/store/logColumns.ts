/**
 * Whether a store's `events` table is stepstore's log: one rule for SQLite (open.ts) and PostgreSQL (postgres/migrate.ts).
 * `events` is a common name: another application's is not the log, and neither store reads it or migrates beside it.
 */

/** Columns only stepstore's log has together. */
const LOG_COLUMNS = ["event_key", "origin", "received_at", "data"];

const NO_EVENTS_TABLE = "no events table";
export const FOREIGN_EVENTS_TABLE = "an events table that is not stepstore's log";

/** Why a database is not a stepstore store, given its `events` table's columns (null: it has none), or null when it is one. */
export function notAStoreBecause(eventsColumns: readonly string[] | null): string | null {
  if (eventsColumns === null) return NO_EVENTS_TABLE;
  const columns = new Set(eventsColumns);
  return LOG_COLUMNS.every((c) => columns.has(c)) ? null : FOREIGN_EVENTS_TABLE;
}
