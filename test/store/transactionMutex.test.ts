import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";
import { createAppender, type KeyedRecord } from "../../src/store/append.js";
import { openDatabase } from "../../src/store/open.js";
import { sqliteDatabase } from "../../src/store/sqlite/sqlDatabase.js";

const dir = mkdtempSync(join(tmpdir(), "stepstore-mutex-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thread = (n: number): KeyedRecord => {
  const value = { id: `evt_${n}`, object: "event", type: "thread.created", created_at: 1_755_180_000, data: { id: `thread_${n}`, object: "thread", created_at: 1_755_180_000 } };
  const [record] = [...recordsOf(value, JSON.stringify(value), `mutex:${n}`)];
  if (!record?.ok) throw new Error("fixture rejected");
  return { record, key: `evt_${n}` };
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const countEvents = "SELECT count(*) AS n FROM events";

/** A store whose projections take a while inside the append's transaction: time for other async work to run in between. */
function slowStore(name: string, fail = false) {
  const sql = sqliteDatabase(openDatabase(join(dir, name)).sqlite);
  const append = createAppender(sql, {
    names: ["slow"],
    apply: async () => {
      await pause(30);
      if (fail) throw new Error("projection failed");
    },
  });
  return { sql, append };
}

describe("the SQLite port's write transaction", () => {
  it("a write issued as a transaction begins runs outside it: the transaction's rollback does not take the acknowledged write with it", async () => {
    const sql = sqliteDatabase(openDatabase(join(dir, "gap.db")).sqlite);
    const failing = sql.transaction(async (tx) => {
      await tx.write("INSERT INTO rejections (received_at, source, origin, reason, raw) VALUES ('t', 'file', 'in tx', 'r', 'x')");
      throw new Error("boom");
    });
    const plain = Promise.resolve().then(() => sql.write("INSERT INTO rejections (received_at, source, origin, reason, raw) VALUES ('t', 'file', 'plain', 'r', 'x')"));
    await plain;
    await expect(failing).rejects.toThrow("boom");
    expect(await sql.all<{ origin: string }>("SELECT origin FROM rejections")).toEqual([{ origin: "plain" }]);
    await sql.close();
  });

  it("transactions queued behind another process's lock each fail within the busy timeout from when they were asked, not one after another", async () => {
    const path = join(dir, "queued.db");
    const sqlite = openDatabase(path).sqlite;
    sqlite.pragma("busy_timeout = 300");
    const sql = sqliteDatabase(sqlite);
    const other = new Database(path);
    other.prepare("BEGIN IMMEDIATE").run();
    const started = performance.now();
    const failedAt = await Promise.all([1, 2, 3, 4].map(() => sql.transaction(async () => "x").then(() => null, (error: { code?: string }) => [error.code, performance.now() - started] as const)));
    other.prepare("ROLLBACK").run();
    other.close();
    for (const failure of failedAt) {
      expect(failure![0]).toBe("SQLITE_BUSY");
      // Each within its own 300 ms, give or take a pause: before, the fourth failed after 4 × 300 ms.
      expect(failure![1]).toBeLessThan(900);
    }
    await sql.close();
  });

  it("waits for another process's write lock off the event loop: timers run and reads answer meanwhile, the append commits once it is free", async () => {
    const path = join(dir, "locked.db");
    const sql = sqliteDatabase(openDatabase(path).sqlite);
    const append = createAppender(sql, { names: [], apply: async () => {} });
    const other = new Database(path);
    other.prepare("BEGIN IMMEDIATE").run(); // as a rebuild in another process holds it
    const order: string[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const appending = append({ source: "file", accepted: [thread(10)], rejected: [] }).then(() => order.push("committed"));
    await pause(300);
    const read = await sql.get<{ n: number }>(countEvents);
    order.push("read");
    expect(read!.n).toBe(0);
    expect(ticks).toBeGreaterThan(5);
    other.prepare("COMMIT").run();
    other.close();
    await appending;
    clearInterval(timer);
    expect(order).toEqual(["read", "committed"]);
    expect((await sql.get<{ n: number }>(countEvents))!.n).toBe(1);
    await sql.close();
  });

  it("a read issued while an append's transaction is open waits for its commit: it never sees uncommitted rows", async () => {
    const { sql, append } = slowStore("read-race.db");
    const order: string[] = [];
    const appending = append({ source: "file", accepted: [thread(1), thread(2)], rejected: [] }).then(() => order.push("committed"));
    await pause(5); // the events are inserted, the projection is still working: the transaction is open
    const read = sql.get<{ n: number }>(countEvents).then((row) => (order.push("read"), row!.n));
    expect(await read).toBe(2);
    await appending;
    expect(order).toEqual(["committed", "read"]);
    await sql.close();
  });

  it("a read racing an append that fails sees none of its rows, and a second transaction waits for the first instead of nesting", async () => {
    const { sql, append } = slowStore("rollback-race.db", true);
    const failing = append({ source: "file", accepted: [thread(3)], rejected: [] });
    await pause(5);
    const read = sql.get<{ n: number }>(countEvents);
    const second = sql.transaction(async (tx) => (await tx.get<{ n: number }>(countEvents))!.n);
    await expect(failing).rejects.toThrow("projection failed");
    expect((await read)!.n).toBe(0);
    expect(await second).toBe(0);
    await sql.close();
  });
});
