import type BetterSqlite3 from "better-sqlite3";
import { createRequire } from "node:module";
import { newestMigration, refuseNewerStore } from "./newestMigration.js";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { notAStoreBecause } from "./logColumns.js";
import { BUSY_TIMEOUT_MS, naming, StoreError } from "./storeErrors.js";
import type { SqlPort } from "./sqlPort.js";
import { copyIfUnreadable } from "./sqlite/privateCopy.js";
import { sqliteDatabase } from "./sqlite/sqlDatabase.js";

const requireHere = createRequire(import.meta.url);
/** better-sqlite3, required rather than imported: Node 20 reads a CommonJS package's source for its export names when ESM imports it (a few ms of every command's start). */
const Database = requireHere("better-sqlite3") as typeof BetterSqlite3;

/**
 * The addon where npm builds it, handed to each connection: else better-sqlite3 asks the `bindings` package, which
 * loads two modules and probes a dozen paths (~4 ms of every command's start). Elsewhere better-sqlite3 searches itself.
 */
const ADDON: BetterSqlite3.Options = (() => {
  try {
    return { nativeBinding: requireHere.resolve("better-sqlite3/build/Release/better_sqlite3.node") };
  } catch {
    return {};
  }
})();

export const DEFAULT_DB_PATH = "./data/stepstore.db";
const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");
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

interface OpenedDatabase {
  path: string;
  sqlite: BetterSqlite3.Database;
  close(): void;
}

/** A database opened for reading, with the port the projections' and the log's queries read through. */
interface ReadingDatabase extends OpenedDatabase {
  sql: SqlPort;
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

const hasTable = (sqlite: BetterSqlite3.Database, name: string) =>
  sqlite.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** Why the file is not a stepstore store (its tables are another application's), or null when it is one. */
function notAStore(sqlite: BetterSqlite3.Database): string | null {
  if (!hasTable(sqlite, "events")) return notAStoreBecause(null);
  return notAStoreBecause(sqlite.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all().map((c) => c.name));
}

const newestOf = (migrations: { folderMillis: number }[]) => Math.max(0, ...migrations.map((m) => m.folderMillis));

/** The newest migration recorded in the file (0: none). */
function appliedMigration(sqlite: BetterSqlite3.Database): number {
  if (!hasTable(sqlite, MIGRATIONS_TABLE)) return 0;
  const last = sqlite.prepare<[], { created_at: number | string | null }>(`SELECT created_at FROM "${MIGRATIONS_TABLE}" ORDER BY created_at DESC LIMIT 1`).get();
  return Number(last?.created_at ?? 0);
}

/**
 * drizzle's migration reader, loaded only by a store opened for writing (it loads node:crypto to hash each file): a read
 * checks the schema's age from the journal (newestMigration.ts). Synchronous, as opening is: its CommonJS build.
 */
const readMigrationFiles = (): typeof import("drizzle-orm/migrator").readMigrationFiles =>
  (createRequire(import.meta.url)("drizzle-orm/migrator") as typeof import("drizzle-orm/migrator")).readMigrationFiles;

/**
 * Applies the drizzle-kit migrations not yet applied, as drizzle's own migrator does and in its
 * journal table, but race-free: drizzle's reads the last applied migration before its (deferred)
 * BEGIN, so two processes opening a fresh file both apply the first one and one fails with "table
 * already exists". Here the check is repeated inside a BEGIN IMMEDIATE, which waits for the other.
 */
function applyMigrations(sqlite: BetterSqlite3.Database, path: string): void {
  const migrations = readMigrationFiles()({ migrationsFolder: MIGRATIONS_FOLDER });
  const latest = newestOf(migrations);
  const applied = () => appliedMigration(sqlite);
  refuseNewerStore(path, applied(), latest);
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

/**
 * A write command given another application's SQLite file (a mistyped `--db`) refuses it instead of adding stepstore's
 * tables and switching it to WAL: a store is a new file, an empty one, or one with stepstore's tables.
 */
function refuseForeign(sqlite: BetterSqlite3.Database, path: string): void {
  const why = notAStore(sqlite);
  if (why === null) return;
  const tables = sqlite.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name LIMIT 4").all();
  if (tables.length === 0) return;
  const named = tables.slice(0, 3).map((t) => t.name).join(", ") + (tables.length > 3 ? ", …" : "");
  throw new StoreError(`${path} is not a stepstore database (it has other tables: ${named}; ${why}); stepstore leaves it as it is: give --db a new file or a stepstore database`);
}

/** The nearest of `path` and its parents that exists: where a folder could not be made, the file in its way. */
function nearestExisting(path: string): string {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * `dir` and its missing parents, made one at a time: Node 20's recursive mkdir loops for ever where mkdir answers
 * ENOENT under a parent that exists (`/proc/x`). A folder another process made first is no failure.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  if (missing.length === 0 && !statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: "ENOTDIR" });
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(folder).isDirectory()) throw error;
    }
  }
}

/** Opens (creating if needed) a stepstore database: WAL, a busy timeout, migrations applied. For the commands that write. */
export function openDatabase(path: string, options: OpenOptions = {}): OpenedDatabase {
  const absolute = resolve(path);
  let sqlite: BetterSqlite3.Database;
  try {
    makeFolders(dirname(absolute));
    sqlite = new Database(absolute, ADDON);
  } catch (error) {
    // mkdir's own words ("EEXIST: file already exists") read as if the folder were there.
    const { code } = error as NodeJS.ErrnoException;
    if (code === "EEXIST" || code === "ENOTDIR") throw new StoreError(`${absolute}: cannot make its folder: ${nearestExisting(dirname(absolute))} is a file, not a folder`);
    throw naming(absolute, error);
  }
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    refuseForeign(sqlite, absolute); // before WAL: a refused file stays as it was
    withOpenRetry(() => sqlite.pragma("journal_mode = WAL"));
    sqlite.pragma("synchronous = FULL");
    // A checkpoint copies each page once however often it changed since the last: a 64 MiB WAL
    // (not the default 4 MiB) lets the projections' hot index pages be copied once for many batches.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    sqlite.pragma(`cache_size = -${options.cacheKiB ?? BATCH_CACHE_KIB}`);
    sqlite.pragma("temp_store = MEMORY");
    applyMigrations(sqlite, absolute);
    return { path: absolute, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw naming(absolute, error);
  }
}

/** A store in memory, migrations applied: for projection specs, which need no file and no durability. */
export function openInMemory(): OpenedDatabase {
  const sqlite = new Database(":memory:", ADDON);
  applyMigrations(sqlite, ":memory:");
  return { path: ":memory:", sqlite, close: () => sqlite.close() };
}

/** Refuses a file this build cannot read as it is: not a stepstore database, or one whose schema predates this build's. */
function checkSchema(sqlite: BetterSqlite3.Database, path: string): void {
  // No table at all: an empty file, or one a write command is creating now (its migrations commit as one transaction).
  if (sqlite.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1").get() === undefined) {
    throw new StoreError(`${path} holds no stepstore tables yet: an empty file, or a store being created right now (retry in a moment); a write command (ingest, poll, rebuild, serve) makes one there`);
  }
  const why = notAStore(sqlite);
  if (why !== null) throw new StoreError(`${path} is not a stepstore database (${why})`);
  const applied = appliedMigration(sqlite);
  const newest = newestMigration(MIGRATIONS_FOLDER);
  refuseNewerStore(path, applied, newest);
  if (applied < newest) {
    throw new StoreError(`${path} was made by an older stepstore: run any write command (ingest, rebuild) once to upgrade it`);
  }
}

/**
 * Opens an existing stepstore database for the commands that only read: never creates it or its
 * folder, never migrates, and cannot write (read-only and query_only). On read-only media or in a
 * folder this user cannot write, a WAL database is read from a private copy (sqlite/privateCopy.ts).
 */
export function openForReading(path: string): ReadingDatabase {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new StoreError(`no stepstore database at ${absolute} (stepstore ingest, poll, rebuild or serve creates one)`);
  let sqlite: BetterSqlite3.Database;
  let copy: ReturnType<typeof copyIfUnreadable>;
  try {
    copy = copyIfUnreadable(absolute);
    sqlite = new Database(copy?.path ?? absolute, { ...ADDON, readonly: true, fileMustExist: true });
  } catch (error) {
    copy?.remove();
    throw naming(absolute, error);
  }
  const close = () => {
    sqlite.close();
    copy?.remove();
  };
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma("query_only = ON");
    sqlite.pragma(`cache_size = -${BATCH_CACHE_KIB}`);
    sqlite.pragma("temp_store = MEMORY");
    checkSchema(sqlite, absolute);
    return { path: absolute, sqlite, sql: sqliteDatabase(sqlite), close };
  } catch (error) {
    close();
    throw naming(absolute, error);
  }
}
