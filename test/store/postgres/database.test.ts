import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPostgresDatabase, type PostgresDatabase } from "../../../src/store/postgres/database.js";
import { describePostgres, useFreshDatabase } from "../../helpers/postgres.js";

describePostgres("the PostgreSQL SqlDatabase", () => {
  const url = useFreshDatabase();
  let db: PostgresDatabase;

  beforeAll(async () => {
    db = await openPostgresDatabase(url());
    await db.run("CREATE TABLE items (id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, n bigint, ratio double precision, data text)");
  });
  afterAll(() => db?.close());

  it("binds ? parameters, and returns what RETURNING names", async () => {
    const row = await db.get<{ id: number; key: string; n: number }>("INSERT INTO items (key, n) VALUES (?, ?) RETURNING id, key, n", ["a", 7]);
    expect(row).toEqual({ id: 1, key: "a", n: 7 });
    expect(await db.all("SELECT key, 'it''s ?' AS text FROM items WHERE n = ?", [7])).toEqual([{ key: "a", text: "it's ?" }]);
  });

  it("counts the rows a statement changed, and an ON CONFLICT DO NOTHING that changed none", async () => {
    expect(await db.run("INSERT INTO items (key, n) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["b", 1])).toEqual({ changes: 1 });
    expect(await db.run("INSERT INTO items (key, n) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["b", 2])).toEqual({ changes: 0 });
    expect(await db.get("SELECT n FROM items WHERE key = ?", ["b"])).toEqual({ n: 1 });
  });

  it("updates on conflict with excluded values", async () => {
    await db.run("INSERT INTO items (key, n) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET n = excluded.n", ["b", 5]);
    expect(await db.get("SELECT n FROM items WHERE key = ?", ["b"])).toEqual({ n: 5 });
  });

  it("reads integers as numbers: bigint columns, count(*), sums; reals as numbers; NULL as null", async () => {
    await db.run("INSERT INTO items (key, n, ratio) VALUES (?, ?, ?)", ["big", 2 ** 53 - 1, 0.1]);
    const row = await db.get("SELECT n, ratio, (SELECT count(*) FROM items) AS count, (SELECT sum(n) FROM items WHERE key <> 'big') AS total, NULL::bigint AS nothing FROM items WHERE key = ?", ["big"]);
    expect(row).toEqual({ n: 2 ** 53 - 1, ratio: 0.1, count: 3, total: 12, nothing: null });
    expect(await db.get("SELECT ?::bigint AS n", [12n])).toEqual({ n: 12 });
  });

  it("refuses to round an integer past 2^53-1", async () => {
    await expect(db.get("SELECT 9007199254740993::bigint AS n")).rejects.toThrow(/past 2\^53-1/);
  });

  it("keeps JSON text byte for byte", async () => {
    const data = '{"b":1,  "a":[1.0,2e3],"s":"\\u00e9\\n"}';
    await db.run("INSERT INTO items (key, data) VALUES (?, ?)", ["json", data]);
    expect(await db.get("SELECT data FROM items WHERE key = ?", ["json"])).toEqual({ data });
  });

  it("commits a transaction's statements together", async () => {
    const result = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO items (key) VALUES (?)", ["t1"]);
      await tx.run("INSERT INTO items (key) VALUES (?)", ["t2"]);
      return (await tx.get<{ n: number }>("SELECT count(*) AS n FROM items WHERE key LIKE 't%'"))!.n;
    });
    expect(result).toBe(2);
    expect(await db.all("SELECT key FROM items WHERE key LIKE 't%' ORDER BY key")).toEqual([{ key: "t1" }, { key: "t2" }]);
  });

  it("rolls a transaction back when its function throws, and the error comes through", async () => {
    const failed = db.transaction(async (tx) => {
      await tx.run("INSERT INTO items (key) VALUES (?)", ["r1"]);
      throw new Error("stop here");
    });
    await expect(failed).rejects.toThrow("stop here");
    const violated = db.transaction(async (tx) => {
      await tx.run("INSERT INTO items (key) VALUES (?)", ["r2"]);
      await tx.run("INSERT INTO items (key) VALUES (?)", ["r2"]);
    });
    await expect(violated).rejects.toThrow(/duplicate key/);
    expect(await db.all("SELECT key FROM items WHERE key LIKE 'r%'")).toEqual([]);
  });

  it("runs one write transaction at a time per handle", async () => {
    const order: string[] = [];
    const slow = db.transaction(async (tx) => {
      order.push("first begins");
      await tx.get("SELECT pg_sleep(0.2)");
      order.push("first ends");
    });
    const quick = db.transaction(async () => {
      order.push("second begins");
    });
    await Promise.all([slow, quick]);
    expect(order).toEqual(["first begins", "first ends", "second begins"]);
  });

  it("serves statements beside a transaction from other pooled connections", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.run("INSERT INTO items (key) VALUES (?)", ["uncommitted"]);
      await held;
    });
    expect(await db.get("SELECT count(*) AS n FROM items WHERE key = ?", ["uncommitted"])).toEqual({ n: 0 });
    release();
    await transaction;
    expect(await db.get("SELECT count(*) AS n FROM items WHERE key = ?", ["uncommitted"])).toEqual({ n: 1 });
  });

  it("opened read-only, refuses every write, in a transaction or not", async () => {
    const reader = await openPostgresDatabase(url(), { readOnly: true });
    try {
      expect(await reader.get("SELECT count(*) AS n FROM items WHERE key = ?", ["a"])).toEqual({ n: 1 });
      await expect(reader.run("INSERT INTO items (key) VALUES (?)", ["ro"])).rejects.toThrow(/read-only transaction/);
      await expect(reader.transaction((tx) => tx.run("DELETE FROM items"))).rejects.toThrow(/read-only transaction/);
      expect(await db.get("SELECT count(*) AS n FROM items WHERE key = ?", ["a"])).toEqual({ n: 1 });
    } finally {
      await reader.close();
    }
  });

  it("keeps a failed statement's own message (a statement timeout is not a lost connection)", async () => {
    const timedOut = db.transaction(async (tx) => {
      await tx.run("SET LOCAL statement_timeout = 50");
      await tx.get("SELECT pg_sleep(1)");
    });
    // Named by the database first, as every error about the store is (CONTRACT §8).
    await expect(timedOut).rejects.toThrow(`${url()}: canceling statement due to statement timeout`);
    await expect(timedOut).rejects.not.toThrow(/connection lost/);
  });

  it("names the database and the cause when a transaction's connection is lost, without ending the process, and goes on", async () => {
    // Before: pg's 'error' event on the checked-out client had no listener and ended the process with a stack trace.
    const writer = await openPostgresDatabase(url(), { pipeline: true });
    try {
      const lost = writer.transaction((tx) => tx.get("SELECT pg_terminate_backend(pg_backend_pid())"));
      await expect(lost).rejects.toThrow(`${url()}: connection lost: terminating connection due to administrator command`);
      expect(await writer.transaction((tx) => tx.get("SELECT 1 AS one"))).toEqual({ one: 1 });
    } finally {
      await writer.close();
    }
  });

  it("calls a reset of a transaction's connection lost, not a failure to connect (the server was reached)", async () => {
    // A proxy in front of the server resets every connection it carries once asked to: ECONNRESET mid-transaction.
    const carried = new Set<net.Socket>();
    const target = new URL(url());
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      socket.pipe(upstream).pipe(socket);
      carried.add(socket);
      socket.on("error", () => {});
      upstream.on("error", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
    });
    await new Promise<void>((listening) => proxy.listen(0, "127.0.0.1", listening));
    const proxied = new URL(url());
    proxied.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const writer = await openPostgresDatabase(proxied.toString(), { pipeline: true });
    try {
      const reset = writer.transaction(async (tx) => {
        await tx.get("SELECT 1 AS one");
        for (const socket of carried) socket.resetAndDestroy();
        await tx.get("SELECT pg_sleep(0.2)");
      });
      await expect(reset).rejects.toThrow(`${proxied.toString()}: connection lost: `);
    } finally {
      await writer.close();
      await new Promise((closed) => proxy.close(closed));
    }
  });

  it("opened to pipeline, sends a transaction's writes without waiting: later reads see them, and the first that fails fails the transaction", async () => {
    const writer = await openPostgresDatabase(url(), { pipeline: true });
    try {
      const seen = await writer.transaction(async (tx) => {
        for (const key of ["p1", "p2", "p3"]) await tx.write("INSERT INTO items (key) VALUES (?)", [key]);
        return tx.all("SELECT key FROM items WHERE key LIKE 'p%' ORDER BY key");
      });
      expect(seen).toEqual([{ key: "p1" }, { key: "p2" }, { key: "p3" }]);
      let after: unknown = "not reached";
      const failed = writer.transaction(async (tx) => {
        await tx.write("INSERT INTO items (key) VALUES (?)", ["q1"]);
        await tx.write("INSERT INTO items (key) VALUES (?)", ["p1"]); // already there: fails, unseen until later
        await tx.write("INSERT INTO items (key) VALUES (?)", ["q2"]);
        after = await tx.get("SELECT 1 AS one").catch((error: Error) => error.message);
      });
      // The write's own error, not the "transaction is aborted" of the statements behind it.
      await expect(failed).rejects.toThrow(/duplicate key value violates unique constraint/);
      expect(after).toMatch(/current transaction is aborted/);
      expect(await writer.all("SELECT key FROM items WHERE key LIKE 'q%'")).toEqual([]);
      // Its connection is clean again for the next transaction.
      expect(await writer.transaction((tx) => tx.get("SELECT count(*) AS n FROM items WHERE key LIKE 'p%'"))).toEqual({ n: 3 });
    } finally {
      await writer.close();
    }
  });

  it("opened to pipeline, fails a transaction with a read's own error when its caller set the failure aside, even as the last statement before COMMIT", async () => {
    const writer = await openPostgresDatabase(url(), { pipeline: true });
    try {
      // A read ahead the batch turned out not to need: its caller never awaits it; the statements after it fail.
      const later = writer.transaction(async (tx) => {
        void tx.all("SELECT 1 / 0 AS x").catch(() => {});
        await tx.write("INSERT INTO items (key) VALUES (?)", ["r1"]);
        await tx.get("SELECT 1 AS one");
      });
      await expect(later).rejects.toThrow(/division by zero/);
      // Nothing after it: COMMIT on an aborted transaction rolls back without an error, which must not read as committed.
      const last = writer.transaction(async (tx) => {
        await tx.write("INSERT INTO items (key) VALUES (?)", ["r2"]);
        void tx.all("SELECT 1 / 0 AS x").catch(() => {});
      });
      await expect(last).rejects.toThrow(/division by zero/);
      expect(await writer.all("SELECT key FROM items WHERE key LIKE 'r%'")).toEqual([]);
    } finally {
      await writer.close();
    }
  });

  it("opened to pipeline, sends writes that end a transaction with its COMMIT: they commit, or their failure comes through", async () => {
    const writer = await openPostgresDatabase(url(), { pipeline: true });
    try {
      await writer.transaction(async (tx) => {
        for (const key of ["w1", "w2"]) await tx.write("INSERT INTO items (key) VALUES (?)", [key]);
      });
      expect(await writer.all("SELECT key FROM items WHERE key LIKE 'w%' ORDER BY key")).toEqual([{ key: "w1" }, { key: "w2" }]);
      const failed = writer.transaction(async (tx) => {
        await tx.write("INSERT INTO items (key) VALUES (?)", ["w3"]);
        await tx.write("INSERT INTO items (key) VALUES (?)", ["w1"]);
      });
      await expect(failed).rejects.toThrow(/duplicate key value violates unique constraint/);
      expect(await writer.all("SELECT key FROM items WHERE key = 'w3'")).toEqual([]);
    } finally {
      await writer.close();
    }
  });

  it("prepares a transaction's statements by name, once per connection; a long one from its second use, and only so many", async () => {
    const short = "SELECT count(*) AS n FROM items WHERE key = ?";
    // Long: a many-row text (over 8,000 characters), the i-th with i extra placeholders so that each is another text.
    const long = (i: number) => `SELECT count(*) AS n FROM items WHERE key IN (${Array.from({ length: 3000 + i }, () => "?").join(", ")})`;
    const keys = (i: number) => Array.from({ length: 3000 + i }, (_, k) => `k${k}`);
    const preparedAfter = (texts: number[]) => db.transaction(async (tx) => {
      await tx.get(short, ["a"]);
      for (const i of texts) await tx.get(long(i), keys(i));
      const rows = await tx.all<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) AS n FROM items%'");
      return rows.map((r) => (r.statement.length > 100 ? `long ${r.statement.split("$").length - 1 - 3000}` : r.statement)).sort();
    });
    expect(await preparedAfter([0])).toEqual(["SELECT count(*) AS n FROM items WHERE key = $1"]);
    expect(await preparedAfter([0])).toEqual(["SELECT count(*) AS n FROM items WHERE key = $1", "long 0"]);
    // Sixteen long texts at most: each costs a connection ~3 MB once planned.
    const more = Array.from({ length: 20 }, (_, i) => i + 1);
    await preparedAfter(more);
    const named = await preparedAfter(more);
    expect(named.filter((s) => s.startsWith("long"))).toHaveLength(16);
    expect(named).toContain("long 15");
    expect(named).not.toContain("long 16");
  });
});
