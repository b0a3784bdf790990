import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/open.js";
import { openPostgresDatabase } from "../../src/store/postgres/database.js";
import type { SqlDatabase, SqlValue } from "../../src/store/sqlPort.js";
import { sqliteDatabase } from "../../src/store/sqlite/sqlDatabase.js";
import { describePostgres, useFreshDatabase } from "../helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "stepstore-row-pages-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every page `rowPages` hands on, in the order handed. */
async function pagesOf(db: SqlDatabase, sql: string, params: SqlValue[], size: number): Promise<SqlValue[][][]> {
  const pages: SqlValue[][][] = [];
  await db.rowPages(sql, params, size, (page) => void pages.push(page));
  return pages;
}

/** The same behaviour asked of each store: 250 rows `(n, label)`, n = 1…250, in a table `items`. */
function rowPagesSpec(open: () => Promise<SqlDatabase>) {
  const select = "SELECT n, label FROM items WHERE n > ? ORDER BY n";

  it("hands every row of the answer, in its order, in pages of the size asked and a last page of the rest", async () => {
    const db = await open();
    const pages = await pagesOf(db, select, [0], 100);
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    expect(pages.flat()).toEqual(await db.rows(select, [0]));
    expect(pages.flat().map(([n]) => n)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    await db.close();
  });

  it("binds its parameters, and hands no page for an answer with no rows", async () => {
    const db = await open();
    expect((await pagesOf(db, select, [240], 4)).map((page) => page.map(([n]) => n))).toEqual([[241, 242, 243, 244], [245, 246, 247, 248], [249, 250]]);
    expect(await pagesOf(db, select, [250], 4)).toEqual([]);
    await db.close();
  });

  it("hands the next page only once its reader has taken the last (its promise settled)", async () => {
    const db = await open();
    const taken: string[] = [];
    await db.rowPages(select, [200], 20, async (page) => {
      taken.push(`start ${page[0]![0]}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      taken.push(`end ${page[0]![0]}`);
    });
    expect(taken).toEqual(["start 201", "end 201", "start 221", "end 221", "start 241", "end 241"]);
    await db.close();
  });

  it("stops at a page its reader throws on, with that error, and the store answers the next statement", async () => {
    const db = await open();
    let handed = 0;
    const stopped = db.rowPages(select, [0], 100, () => {
      handed += 1;
      throw new Error("the reader's own failure");
    });
    await expect(stopped).rejects.toThrow("the reader's own failure");
    expect(handed).toBe(1);
    expect(await db.get("SELECT count(*) AS n FROM items")).toEqual({ n: 250 });
    await db.close();
  });
}

const ITEMS = "INSERT INTO items (n, label) SELECT n, 'item ' || n FROM ";

describe("SqlPort.rowPages on SQLite", () => {
  let made = 0;
  const open = async () => {
    const db = sqliteDatabase(openDatabase(join(dir, `pages-${(made += 1)}.db`)).sqlite);
    await db.run("CREATE TABLE items (n INTEGER PRIMARY KEY, label TEXT NOT NULL)");
    await db.run(`${ITEMS}(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 250) SELECT n FROM c)`);
    return db;
  };
  rowPagesSpec(open);

  it("holds the one connection while its reader waits: a read, a write and a transaction asked meanwhile run after the last page", async () => {
    const db = await open();
    const order: string[] = [];
    const asked: Promise<unknown>[] = [];
    await db.rowPages("SELECT n, label FROM items ORDER BY n", [], 100, async (page) => {
      order.push(`page of ${page.length}, last ${page.at(-1)![1]}`);
      if (asked.length === 0) {
        asked.push(
          db.get<{ n: number }>("SELECT count(*) AS n FROM items").then((row) => order.push(`read ${row!.n}`)),
          db.run("UPDATE items SET label = 'changed' WHERE n = 250").then(() => order.push("write")),
          db.transaction((tx) => tx.run("DELETE FROM items WHERE n = 1")).then(() => order.push("transaction")),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await Promise.all(asked);
    expect(order).toEqual(["page of 100, last item 100", "page of 100, last item 200", "page of 50, last item 250", "read 250", "write", "transaction"]);
    expect(await db.get("SELECT count(*) AS n FROM items WHERE label = 'changed'")).toEqual({ n: 1 });
    await db.close();
  });
});

describePostgres("SqlPort.rowPages on PostgreSQL", () => {
  const url = useFreshDatabase();
  let made = false;
  rowPagesSpec(async () => {
    const db = await openPostgresDatabase(url());
    if (!made) {
      await db.run("CREATE TABLE items (n bigint PRIMARY KEY, label text NOT NULL)");
      await db.run(`${ITEMS}generate_series(1, 250) AS n`);
      made = true;
    }
    return db;
  });
});
