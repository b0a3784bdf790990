import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { naming } from "../../src/store/storeErrors.js";
import { EXAMPLES, stepstore, tempDir } from "../helpers/cli.js";

/** An error as better-sqlite3 or node:fs throws it: SQLite's (or the system's) words and its code. */
const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("an error about the store file says which file, what it means and what to do", () => {
  it.each([
    ["SQLITE_FULL", "database or disk is full", "(the disk is full: the write that failed stored nothing; free space and run it again)"],
    ["SQLITE_IOERR_SHMSIZE", "disk I/O error", "(its shared-memory file (-shm) could not be made or grown: is the disk full?)"],
    ["SQLITE_READONLY", "attempt to write a readonly database", "(its file, folder or medium is read-only: write commands cannot use it, the read commands can)"],
    ["SQLITE_CORRUPT", "database disk image is malformed", "(the file is damaged: restore a backup, or ingest the sources again into a new file)"],
    ["SQLITE_NOTADB", "file is not a database", "(the file is no SQLite database, or its first page is damaged: give --db a stepstore database or a new file)"],
    ["SQLITE_BUSY", "database is locked", "(another process held its write lock for over 30 s, a rebuild perhaps: the write that waited stored nothing, run it again)"],
  ])("%s", (code, message, advice) => {
    expect(naming("/data/s.db", failure(code, message)).message).toBe(`/data/s.db: ${message} ${advice}`);
  });

  it("a query's own error gets no advice", () => {
    expect(naming("/data/s.db", failure("SQLITE_ERROR", "no such table: x")).message).toBe("/data/s.db: no such table: x");
  });

  it("--db naming a folder: every command says it is a folder, reading or writing", async () => {
    const folder = join(tempDir(), "s.db");
    mkdirSync(folder);
    for (const args of [["status"], ["steps"], ["ingest", join(EXAMPLES, "relayed-events.jsonl")]]) {
      const result = await stepstore([...args, "--db", folder]);
      expect(result.code, args[0]).toBe(1);
      expect(result.stderr, args[0]).toMatch(new RegExp(`^stepstore: ${folder}: .*\\(that is a folder: give --db a file\\)\\n$`));
    }
  });
});
