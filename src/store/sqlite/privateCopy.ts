import { accessSync, chmodSync, closeSync, constants, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** Bytes 18 and 19 of the header are 2 in a WAL database, which SQLite reads through a -shm index beside it. */
function isWal(path: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(path, "r");
  try {
    return readSync(fd, header, 0, 20, 0) === 20 && header.toString("latin1", 0, 16) === "SQLite format 3\0" && header[19] === 2;
  } finally {
    closeSync(fd);
  }
}

function canWrite(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A private copy of the file (and its -wal, if any) for SQLite to read where it cannot create the
 * -shm index a WAL database needs. SQLite's answer is `file:…?immutable=1`, but better-sqlite3 is
 * built with SQLITE_USE_URI=0 and opens without SQLITE_OPEN_URI, so it takes that for a file name;
 * `locking_mode = EXCLUSIVE` (no -shm) needs a write lock a read-only descriptor cannot take.
 * Like immutable=1, it is a snapshot: rows a writer commits while the command runs are not seen.
 */
function privateCopy(path: string): { path: string; remove(): void } {
  const folder = mkdtempSync(join(tmpdir(), "stepstore-read-"));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  const copy = join(folder, basename(path));
  try {
    for (const suffix of existsSync(`${path}-wal`) ? ["", "-wal"] : [""]) {
      copyFileSync(path + suffix, copy + suffix);
      chmodSync(copy + suffix, 0o600);
    }
    return { path: copy, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The private copy a read-only command reads instead of `path` when SQLite could not read it in place, else undefined. */
export function copyIfUnreadable(path: string): { path: string; remove(): void } | undefined {
  return isWal(path) && !canWrite(dirname(path)) ? privateCopy(path) : undefined;
}
