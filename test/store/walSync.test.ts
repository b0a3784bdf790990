import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/open.js";
import { sqliteDatabase } from "../../src/store/sqlite/sqlDatabase.js";

const dir = mkdtempSync(join(tmpdir(), "stepstore-walsync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL sync the test ends by hand: each flush waits until `finish` (or `fail`) is called for it. */
function gatedFlusher() {
  const flushes: { finish(): void; fail(error: Error): void }[] = [];
  return {
    flushes,
    flush: () => new Promise<void>((finish, fail) => flushes.push({ finish, fail })),
    close: async () => {},
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const INSERT = "INSERT INTO checkpoints (name, position) VALUES (?, 0)";

/** A store whose commits are synced by `flusher`, and a second connection reading what is committed. */
function storeWith(name: string, flusher: ReturnType<typeof gatedFlusher>) {
  const path = join(dir, name);
  const sql = sqliteDatabase(openDatabase(path).sqlite, flusher);
  const reader = new Database(path, { readonly: true });
  const committed = () => reader.prepare<[], { name: string }>("SELECT name FROM checkpoints ORDER BY name").all().map((r) => r.name);
  return { sql, committed, close: async () => (reader.close(), sql.close()) };
}

/** A settled flag for a promise, to see whether it has been answered yet. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(() => (state.settled = true), (error: unknown) => ((state.settled = true), (state.error = error)));
  return state;
}

describe("the SQLite store's commits, synced off the event loop", () => {
  it("a transaction is answered only once a sync begun after its commit has ended; the next commits meanwhile", async () => {
    const flusher = gatedFlusher();
    const store = storeWith("answered.db", flusher);
    const first = watch(store.sql.transaction((tx) => tx.run(INSERT, ["a"])));
    await tick();
    expect(store.committed()).toEqual(["a"]); // committed, visible
    expect(first.settled).toBe(false); // not answered: not yet on disk
    const second = watch(store.sql.transaction((tx) => tx.run(INSERT, ["b"])));
    await tick();
    expect(store.committed()).toEqual(["a", "b"]);
    expect(flusher.flushes).toHaveLength(1); // b committed after the running sync began: it needs another
    flusher.flushes[0]!.finish();
    await tick();
    expect([first.settled, second.settled]).toEqual([true, false]);
    expect(flusher.flushes).toHaveLength(2);
    flusher.flushes[1]!.finish();
    await tick();
    expect(second.settled).toBe(true);
    await store.close();
  });

  it("commits made while one sync runs share the next", async () => {
    const flusher = gatedFlusher();
    const store = storeWith("shared.db", flusher);
    const first = watch(store.sql.transaction((tx) => tx.run(INSERT, ["a"])));
    await tick();
    const later = ["b", "c", "d"].map((name) => watch(store.sql.transaction((tx) => tx.run(INSERT, [name]))));
    await tick();
    flusher.flushes[0]!.finish();
    await tick();
    expect(first.settled).toBe(true);
    flusher.flushes[1]!.finish();
    await tick();
    expect(later.map((w) => w.settled)).toEqual([true, true, true]);
    expect(flusher.flushes).toHaveLength(2);
    await store.close();
  });

  it("a failed sync fails the transactions waiting on it, and the next commit's sync is tried afresh", async () => {
    const flusher = gatedFlusher();
    const store = storeWith("failed.db", flusher);
    const failing = watch(store.sql.transaction((tx) => tx.run(INSERT, ["a"])));
    await tick();
    flusher.flushes[0]!.fail(new Error("EIO: i/o error, fdatasync"));
    await tick();
    expect(failing.settled).toBe(true);
    expect(String(failing.error)).toContain("EIO");
    const next = watch(store.sql.transaction((tx) => tx.run(INSERT, ["b"])));
    await tick();
    flusher.flushes[1]!.finish();
    await tick();
    expect(next).toEqual({ settled: true, error: undefined });
    await store.close();
  });

  it("a store file leaves syncing to the store (NORMAL) and its appends sync its real WAL file", async () => {
    const path = join(dir, "real.db");
    const sql = sqliteDatabase(openDatabase(path).sqlite);
    await sql.transaction((tx) => tx.run(INSERT, ["a"]));
    expect(await sql.all("SELECT name FROM checkpoints")).toEqual([{ name: "a" }]);
    expect(await sql.get("PRAGMA synchronous")).toEqual({ synchronous: 1 }); // NORMAL: COMMIT leaves the sync to us
    await sql.close();
  });
});
