import type { Database } from "better-sqlite3";
import { PROJECTIONS } from "./projections/index.js";
import { projectionRunner } from "./projections/projection.js";
import { catchUpProjections, rebuildProjections, type FoldProgress } from "./projections/rebuild.js";
import { createAppender } from "./store/append.js";
import { openDatabase, type OpenOptions } from "./store/open.js";
import type { SqlDatabase } from "./store/sqlPort.js";
import { sqliteDatabase } from "./store/sqlite/sqlDatabase.js";
import type { Store } from "./store/store.js";

/** The log's appender with every projection wired to it, on a database already open. */
export function wireProjections(sql: SqlDatabase) {
  const append = createAppender(sql, projectionRunner(PROJECTIONS));
  const rebuild = (onProgress?: FoldProgress) => rebuildProjections(sql, PROJECTIONS, onProgress);
  const catchUp = (onStart: (behind: readonly string[]) => void) => catchUpProjections(sql, PROJECTIONS, onStart);
  return { append, rebuild, catchUp };
}

/** A SQLite file with the log and every projection wired: what commands and the service open. `sqlite` stays for what only SQLite does (verify's file check, `sql`). */
export function openStepstore(path: string, options: OpenOptions = {}): Store & { sqlite: Database } {
  const database = openDatabase(path, options);
  const sql = sqliteDatabase(database.sqlite);
  return { dialect: "sqlite", path: database.path, sqlite: database.sqlite, sql, ...wireProjections(sql), close: () => sql.close() };
}

/**
 * A PostgreSQL database (it must exist) with its tables migrated and every projection wired. Every
 * write transaction (append, rebuild) takes the log's append lock first: see appendLock.ts for why.
 */
export async function openPostgresStepstore(url: string): Promise<Store> {
  // Loaded here, not on top: a SQLite store never loads pg.
  const [{ BEGIN_APPEND, COMMIT_APPEND, LOCK_LOG_FOR_APPEND }, { openPostgresDatabase }, { migratePostgres }] = await Promise.all([
    import("./store/postgres/appendLock.js"), import("./store/postgres/database.js"), import("./store/postgres/migrate.js"),
  ]);
  const database = await openPostgresDatabase(url, { ends: { begin: BEGIN_APPEND, lock: LOCK_LOG_FOR_APPEND, commit: COMMIT_APPEND }, pipeline: true, prepare: (pool) => migratePostgres(pool, url) });
  return { dialect: "postgres", path: database.shownUrl, sql: database, ...wireProjections(database), close: () => database.close() };
}
