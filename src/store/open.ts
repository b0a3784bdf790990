import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.js";

export const DEFAULT_DB_PATH = "./data/stepstore.db";
const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");
const BUSY_TIMEOUT_MS = 30_000;

export interface OpenedDatabase {
  path: string;
  sqlite: Database.Database;
  db: BetterSQLite3Database<typeof schema>;
  close(): void;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Retries what a concurrent opener can make fail at once: switching to WAL answers SQLITE_BUSY
 * without waiting, and two stock `migrate()` calls racing see "already exists" when the other won.
 */
function withOpenRetry<T>(what: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return what();
    } catch (error) {
      const message = String((error as Error).message ?? error);
      const code = (error as { code?: string }).code ?? "";
      const raced = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED") || /already exists|database is locked/.test(message);
      if (!raced || attempt >= 50) throw error;
      sleep(20 + Math.random() * 80);
    }
  }
}

/** Opens (creating if needed) a stepstore database: WAL, a busy timeout, migrations applied. */
export function openDatabase(path: string): OpenedDatabase {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  const sqlite = new Database(absolute);
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    withOpenRetry(() => sqlite.pragma("journal_mode = WAL"));
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("cache_size = -65536");
    sqlite.pragma("temp_store = MEMORY");
    const db = drizzle({ client: sqlite, schema });
    withOpenRetry(() => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }));
    return { path: absolute, sqlite, db, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** A second connection that cannot write: for users' SQL. The database is opened (and migrated) first. */
export function openReadOnly(path: string): Database.Database {
  openDatabase(path).close();
  const sqlite = new Database(resolve(path), { readonly: true, fileMustExist: true });
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma("query_only = ON");
  return sqlite;
}
