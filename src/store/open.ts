import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.js";

export const DEFAULT_DB_PATH = "./data/stepstore.db";
const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");
const BUSY_TIMEOUT_MS = 30_000;
const WAL_AUTOCHECKPOINT_PAGES = 16_384;

/** Page cache for batch work (file ingest, rebuild): a 5,000-record transaction revisits many pages. */
const BATCH_CACHE_KIB = 65_536;

/**
 * Page cache for the service's many small commits. SQLite walks its whole page cache at the end of
 * a transaction that split a b-tree page (balance_nonroot renumbers pages through the pending-byte
 * page, which sends pcache1Truncate down its full-scan branch), so at ~10 events a commit a 64 MiB
 * cache costs more than its hits save. Measured at 16 connections: 8 MiB +15% webhooks/s over
 * 64 MiB, 2 MiB the same as 8; a file ingest at 8 MiB loses about 4%, hence the two sizes.
 */
export const SERVICE_CACHE_KIB = 8_192;

export interface OpenOptions {
  /** The page cache in KiB (default: the batch size). */
  cacheKiB?: number;
}

export interface OpenedDatabase {
  path: string;
  sqlite: Database.Database;
  db: BetterSQLite3Database<typeof schema>;
  close(): void;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Retries switching to WAL, which answers SQLITE_BUSY at once (no busy wait) while another opener holds the file. */
function withOpenRetry<T>(what: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return what();
    } catch (error) {
      const message = String((error as Error).message ?? error);
      const code = (error as { code?: string }).code ?? "";
      const raced = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED") || /database is locked/.test(message);
      if (!raced || attempt >= 50) throw error;
      sleep(20 + Math.random() * 80);
    }
  }
}

const MIGRATIONS_TABLE = "__drizzle_migrations";

/**
 * Applies the drizzle-kit migrations not yet applied, as drizzle's own migrator does and in its
 * journal table, but race-free: drizzle's reads the last applied migration before its (deferred)
 * BEGIN, so two processes opening a fresh file both apply the first one and one fails with "table
 * already exists". Here the check is repeated inside a BEGIN IMMEDIATE, which waits for the other.
 */
function applyMigrations(sqlite: Database.Database): void {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const latest = Math.max(0, ...migrations.map((m) => m.folderMillis));
  const journal = () =>
    sqlite.prepare<[], { created_at: number | string | null }>(`SELECT created_at FROM "${MIGRATIONS_TABLE}" ORDER BY created_at DESC LIMIT 1`);
  const hasJournal = () => sqlite.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(MIGRATIONS_TABLE) !== undefined;
  const applied = () => (hasJournal() ? Number(journal().get()?.created_at ?? 0) : 0);
  if (applied() >= latest) return; // the usual open: nothing to do, no write lock taken
  sqlite
    .transaction(() => {
      sqlite.exec(`CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
      const last = applied();
      const record = sqlite.prepare(`INSERT INTO "${MIGRATIONS_TABLE}" ("hash", "created_at") VALUES (?, ?)`);
      for (const migration of migrations) {
        if (migration.folderMillis <= last) continue;
        for (const statement of migration.sql) if (statement.trim() !== "") sqlite.exec(statement);
        record.run(migration.hash, migration.folderMillis);
      }
    })
    .immediate();
}

/** Opens (creating if needed) a stepstore database: WAL, a busy timeout, migrations applied. */
export function openDatabase(path: string, options: OpenOptions = {}): OpenedDatabase {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  const sqlite = new Database(absolute);
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    withOpenRetry(() => sqlite.pragma("journal_mode = WAL"));
    sqlite.pragma("synchronous = FULL");
    // A checkpoint copies each page once however often it changed since the last: a 64 MiB WAL
    // (not the default 4 MiB) lets the projections' hot index pages be copied once for many batches.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    sqlite.pragma(`cache_size = -${options.cacheKiB ?? BATCH_CACHE_KIB}`);
    sqlite.pragma("temp_store = MEMORY");
    applyMigrations(sqlite);
    const db = drizzle({ client: sqlite, schema });
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
