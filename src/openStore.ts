import { statSync } from "node:fs";
import { behindTheLog } from "./projections/behind.js";
import type { VerifyProgress, VerifyReport } from "./projections/verify.js";
import { openForReading, type OpenOptions } from "./store/open.js";
import { isPostgresUrl, storeLocationProblem } from "./store/postgres/url.js";
import { SettingError } from "./settings.js";
import type { QueryResult } from "./store/readOnlyQuery.js";
import type { SqlPort } from "./store/sqlPort.js";
import type { Store } from "./store/store.js";

/** What the read commands need of a store opened for reading (it cannot write). */
export interface ReadStore {
  readonly dialect: "sqlite" | "postgres";
  /** As `Store.path`: a file's absolute path, or the URL without its password. */
  readonly path: string;
  readonly sql: SqlPort;
  /** The `sql` command's query: read-only, one statement, stopped after `timeoutMs`, at most `maxRows` rows. */
  query(query: string, options: { timeoutMs: number; maxRows: number }): Promise<QueryResult>;
  /** `verify`: SQLite checks its file first; both compare the tables with the fold of the log, on one snapshot. */
  verify(progress?: VerifyProgress): Promise<VerifyReport>;
  /** `status`'s first line: where the store is and how big. */
  describe(): Promise<string>;
  close(): Promise<void>;
}

async function openSqliteForReading(path: string): Promise<ReadStore> {
  const database = openForReading(path);
  return {
    dialect: "sqlite",
    path: database.path,
    sql: database.sql,
    // In a process of its own: better-sqlite3 cannot stop a running statement (see sqlProcess.ts).
    query: async (query, options) => (await import("./store/sqlProcess.js")).runQueryWithTimeout(database.path, query, options),
    verify: async (progress) => (await import("./projections/verify.js")).verifyStore(database.sqlite, progress),
    describe: async () => {
      const size = ["", "-wal"].reduce((sum, suffix) => sum + (statSync(database.path + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
      return `database     ${database.path} (${size} bytes)`;
    },
    close: async () => database.close(),
  };
}

/**
 * The one way commands and the service open a store: a `postgres://` or `postgresql://` URL is a
 * PostgreSQL database (it must exist), anything else a SQLite file. "write" creates and migrates the
 * store; "read" never creates, migrates or writes, and refuses a store without stepstore's tables.
 */
export function openStore(location: string, options: WriteOptions): Promise<Store>;
export function openStore(location: string, options: { mode: "read" }): Promise<ReadStore>;
export async function openStore(location: string, options: WriteOptions | { mode: "read" }): Promise<Store | ReadStore> {
  const problem = storeLocationProblem(location);
  if (problem !== null) throw new SettingError(problem);
  const postgres = isPostgresUrl(location);
  // Each kind of store loads its own modules when opened: a SQLite read loads neither pg nor the projections' writers.
  if (options.mode === "read") return postgres ? (await import("./postgresReadStore.js")).openPostgresForReading(location) : openSqliteForReading(location);
  const { openPostgresStepstore, openStepstore } = await import("./stepstore.js");
  const store = postgres ? await openPostgresStepstore(location) : openStepstore(location, { cacheKiB: options.cacheKiB });
  if (options.notify === null) return store; // rebuild: it refolds anyway
  try {
    await store.catchUp((behind) =>
      options.notify?.(`${behindTheLog(store.path, behind)}: refolding the log once`));
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

interface WriteOptions {
  mode: "write";
  cacheKiB?: OpenOptions["cacheKiB"];
  /** Told when the store refolds on opening because a read model is behind the log; null: no catching up (rebuild). */
  notify?: ((message: string) => void) | null;
}
