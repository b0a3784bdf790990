import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";

/** How long a store waits for another process's write lock before the write fails (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 30_000;

/** SQLite's codes about the file rather than a query (a damaged page, a lock, the disk, permissions): their messages then name it. */
const ABOUT_THE_FILE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|BUSY|LOCKED|READONLY|FULL|PERM|PROTOCOL)/;
export const isAboutTheFile = (code: unknown): code is string => typeof code === "string" && ABOUT_THE_FILE.test(code);

/** An error's code (SQLite's `SQLITE_BUSY_…`, the system's `EISDIR`, PostgreSQL's SQLSTATE under the error naming its store), or "". */
const codeOf = (error: unknown) => {
  const coded = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return String(coded?.code ?? coded?.cause?.code ?? "");
};

/** PostgreSQL's SQLSTATE when a lock was not granted within `lock_timeout` (lock_not_available). */
const PG_LOCK_TIMEOUT = "55P03";

/**
 * The store's answer when another process held the write lock past the busy timeout (SQLite's SQLITE_BUSY, PostgreSQL's
 * lock timeout on the append lock): the write was not made, a retry may succeed.
 */
export const isStoreBusy = (error: unknown): boolean => codeOf(error).startsWith("SQLITE_BUSY") || codeOf(error) === PG_LOCK_TIMEOUT;
const BUSY_REASON = `another process held the store's write lock for over ${BUSY_TIMEOUT_MS / 1000} s (a rebuild?)`;
export const STORE_BUSY_MESSAGE = `${BUSY_REASON}; nothing was stored, retry`;

/** SQLite's answer when the disk is full: the write was not made; one may succeed once space is freed. */
export const isStoreFull = (error: unknown): boolean => codeOf(error).startsWith("SQLITE_FULL");
export const STORE_FULL_MESSAGE = "the store's disk is full: nothing was stored; retry once space is freed";

/**
 * A write the store could not make now but may later (busy, disk full), as a service answers it (503 with Retry-After);
 * null for any other error. `committed`: the records of the same request committed before it (a bulk ingest commits a
 * batch at a time), which the answer must not call "nothing".
 */
export function storeUnavailable(error: unknown, committed = 0): { message: string; retryAfterSeconds: number } | null {
  const part = `the ${committed} records before it were committed (sending them again appends nothing), the rest were not`;
  if (isStoreBusy(error)) return { message: committed ? `${BUSY_REASON}; ${part}: retry` : STORE_BUSY_MESSAGE, retryAfterSeconds: 1 };
  if (isStoreFull(error)) return { message: committed ? `the store's disk is full: ${part}; retry once space is freed` : STORE_FULL_MESSAGE, retryAfterSeconds: 10 };
  return null;
}

/** A problem with the store file itself; the message names the file. */
export class StoreError extends Error {}

/** What SQLite's words about the file mean to whoever runs the command, and what to do: "disk I/O error" suggests a broken disk. */
const A_FOLDER = "that is a folder: give --db a file";
const STORE_ADVICE: readonly [RegExp, string][] = [
  [/^SQLITE_FULL/, "the disk is full: the write that failed stored nothing; free space and run it again"],
  [/^SQLITE_IOERR_SHM/, "its shared-memory file (-shm) could not be made or grown: is the disk full?"],
  [/^SQLITE_READONLY/, "its file, folder or medium is read-only: write commands cannot use it, the read commands can"],
  // Not "run verify": verify itself ends here when the damage is in the schema, where SQLite reads nothing further.
  [/^SQLITE_CORRUPT/, "the file is damaged: restore a backup, or ingest the sources again into a new file"],
  [/^SQLITE_NOTADB/, "the file is no SQLite database, or its first page is damaged: give --db a stepstore database or a new file"],
  [/^SQLITE_BUSY/, `another process held its write lock for over ${BUSY_TIMEOUT_MS / 1000} s, a rebuild perhaps: the write that waited stored nothing, run it again`],
  [/^EISDIR$/, A_FOLDER],
];

/** Why SQLite could not open the file, where it can be told: "unable to open database file" says neither. */
function cannotOpen(path: string): string | undefined {
  const file = statSync(path, { throwIfNoEntry: false });
  if (file?.isDirectory()) return A_FOLDER;
  if (file && !allowed(path, constants.R_OK)) return "this user may not read it (its permissions)";
  if (!allowed(dirname(path), constants.W_OK)) {
    return "its folder or medium is read-only, and SQLite writes its -wal and -shm beside it: write commands cannot use it, the read commands can";
  }
  return undefined;
}

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** SQLite's own messages ("unable to open database file", "file is not a database") do not say which file, nor what to do. */
export function naming(path: string, error: unknown): Error {
  if (error instanceof StoreError) return error;
  const message = String((error as Error).message ?? error);
  const code = codeOf(error);
  const advice = code === "SQLITE_CANTOPEN" ? cannotOpen(path) : STORE_ADVICE.find(([pattern]) => pattern.test(code))?.[1];
  const named = message.includes(path) ? message : `${path}: ${message}`;
  return new StoreError(advice === undefined ? named : `${named} (${advice})`);
}
