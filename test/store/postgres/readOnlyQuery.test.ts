import { afterAll, beforeAll, expect, it } from "vitest";
import { ReadOnlyViolation } from "../../../src/store/readOnlyQuery.js";
import { QueryTimeout } from "../../../src/store/sqlProcess.js";
import { APPEND_LOCK_KEY } from "../../../src/store/postgres/appendLock.js";
import { openPostgresDatabase, type PostgresDatabase } from "../../../src/store/postgres/database.js";
import { runPostgresReadOnlyQuery } from "../../../src/store/postgres/readOnlyQuery.js";
import { describePostgres, useFreshDatabase } from "../../helpers/postgres.js";

describePostgres("the sql command's query on PostgreSQL", () => {
  const url = useFreshDatabase();
  let db: PostgresDatabase;
  const query = (sql: string, options: { timeoutMs?: number; maxRows?: number } = {}) =>
    runPostgresReadOnlyQuery(db.pool, url(), sql, { timeoutMs: options.timeoutMs ?? 10_000, maxRows: options.maxRows ?? 1_000 });

  beforeAll(async () => {
    db = await openPostgresDatabase(url());
    await db.run("CREATE TABLE t (id bigint PRIMARY KEY, name text)");
    await db.run("INSERT INTO t SELECT n, 'row ' || n FROM generate_series(1, 2500) n");
    await db.run("CREATE SEQUENCE s");
  });
  afterAll(() => db?.close());

  it("answers the columns in the statement's order and the rows, integers as numbers", async () => {
    expect(await query("SELECT name, id, id * 2 AS twice FROM t WHERE id <= 2 ORDER BY id")).toEqual({
      columns: ["name", "id", "twice"],
      rows: [{ name: "row 1", id: 1, twice: 2 }, { name: "row 2", id: 2, twice: 4 }],
      cut: false,
    });
  });

  it("answers a numeric a double would round (a sum over bigint past 2^53, 20 digits) as its exact digits, the others as numbers", async () => {
    const sql = `SELECT sum(x) AS total, 12345678901234567890.12345::numeric AS long, 'NaN'::numeric AS nan, 0.15::numeric(10, 4) AS rate,
      sum(y) AS small, -1234.5::numeric AS negative FROM (VALUES (9007199254740993::bigint, 1::bigint)) t(x, y)`;
    expect((await query(sql)).rows).toEqual([{ total: "9007199254740993", long: "12345678901234567890.12345", nan: "NaN", rate: 0.15, small: 1, negative: -1234.5 }]);
  });

  it("answers an integer past 2^53 as its exact digits, not a rounded number nor a crash, and bytea as its text form", async () => {
    expect((await query("SELECT 9007199254740993::bigint AS big, 9007199254740991::bigint AS safe, '\\x00ff10'::bytea AS blob")).rows)
      .toEqual([{ big: "9007199254740993", safe: 9007199254740991, blob: "\\x00ff10" }]);
  });

  it("answers dates, timestamps and intervals as the server writes them, not as a Date in this process's time zone", async () => {
    expect(await query("SELECT date '2025-08-13' AS d, timestamp '2025-08-13 01:02:03' AS t, interval '1 day' AS i")).toEqual({
      columns: ["d", "t", "i"],
      rows: [{ d: "2025-08-13", t: "2025-08-13 01:02:03", i: "1 day" }],
      cut: false,
    });
  });

  it("keeps every column of a name given twice, the second as name:2, as on SQLite", async () => {
    expect(await query("SELECT a.id, a.name, b.id FROM t a JOIN t b ON b.id = a.id + 1 WHERE a.id = 1")).toEqual({
      columns: ["id", "name", "id:2"],
      rows: [{ id: 1, name: "row 1", "id:2": 2 }],
      cut: false,
    });
  });

  it("names the columns of a query with no rows", async () => {
    expect(await query("SELECT id, name FROM t WHERE false")).toEqual({ columns: ["id", "name"], rows: [], cut: false });
  });

  it("reads every row across cursor batches, and says when it cut them at maxRows", async () => {
    expect((await query("SELECT id FROM t", { maxRows: 2500 })).rows).toHaveLength(2500);
    expect(await query("SELECT id FROM t", { maxRows: 2500 })).toMatchObject({ cut: false });
    const cut = await query("SELECT id FROM t ORDER BY id", { maxRows: 1200 });
    expect(cut.cut).toBe(true);
    expect(cut.rows.map((row) => row.id)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  it("takes WITH, VALUES, TABLE, EXPLAIN and SHOW, after comments", async () => {
    for (const sql of ["-- why\n/* how */ WITH x AS (SELECT 1 AS a) SELECT a FROM x", "VALUES (1)", "TABLE t", "EXPLAIN SELECT * FROM t", "SHOW statement_timeout", "(SELECT 1) UNION SELECT 2"]) {
      expect((await query(sql)).rows.length, sql).toBeGreaterThan(0);
    }
  });

  it.each([
    ["INSERT INTO t VALUES (0, 'x')", /refused: INSERT is not allowed; stepstore sql is read-only/],
    ["COPY t TO '/tmp/stepstore-copy'", /refused: COPY is not allowed/],
    ["SET statement_timeout = 0", /refused: SET is not allowed/],
    ["WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone", /refused: the query writes \(PostgreSQL: cannot execute \w+ in a read-only transaction\)/],
    ["SELECT nextval('s')", /refused: the query writes \(PostgreSQL: cannot execute nextval\(\) in a read-only transaction\)/],
    ["SELECT 1; DELETE FROM t", /refused: more than one statement/],
  ])("refuses %s, and nothing changes", async (sql, message) => {
    const error = await query(sql).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ReadOnlyViolation);
    expect((error as Error).message).toMatch(message);
    expect(await db.get("SELECT count(*) AS n FROM t")).toEqual({ n: 2500 });
  });

  it("says a query beginning with no statement's word (a typo) is a syntax error, as PostgreSQL would, not a write refused", async () => {
    for (const [sql, near] of [["SELEC 1", "SELEC"], ["-- note\n  selct * from t", "SELCT"], ["42", "42"]]) {
      const error = await query(sql!).catch((e: Error) => e);
      expect(error).not.toBeInstanceOf(ReadOnlyViolation);
      expect((error as Error).message).toBe(`syntax error at or near "${near}"`);
    }
  });

  it("stops a query at the timeout", async () => {
    const started = Date.now();
    const error = await query("SELECT pg_sleep(5)", { timeoutMs: 300 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(QueryTimeout);
    expect((error as Error).message).toBe("query stopped after 0.3 s (--timeout 0.3); raise --timeout for a longer query");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("stops a query that turned its own statement timeout off (set_config in its SELECT), its session and its locks ended", async () => {
    // The first cursor batch sets statement_timeout to 0 for the rest of the transaction; the second sleeps, holding the append lock.
    const sql = `SELECT g, CASE WHEN g = 1 THEN pg_advisory_lock(${APPEND_LOCK_KEY})::text WHEN g <= 1000 THEN set_config('statement_timeout', '0', true)
      ELSE pg_sleep(20)::text END FROM generate_series(1, 1002) g`;
    const started = Date.now();
    const error = await query(sql, { timeoutMs: 500 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(QueryTimeout);
    expect(Date.now() - started).toBeLessThan(5_000);
    const taken = await db.transaction((tx) => tx.get<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${APPEND_LOCK_KEY}) AS got`));
    expect(taken?.got).toBe(true);
  });

  it("says a query cancelled by pg_cancel_backend was cancelled, not that it reached the timeout", async () => {
    const error = await query("SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(2)").catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(QueryTimeout);
    expect((error as Error).message).toBe("query cancelled: canceling statement due to user request");
  });

  it("answers the OID of a large object it creates (PostgreSQL allows it in a READ ONLY transaction), which is gone afterwards: the known limit README names", async () => {
    const { rows } = await query("SELECT lo_create(0)::bigint AS oid");
    expect(rows[0]!.oid).toBeGreaterThan(0);
    expect(await db.get("SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = ?::bigint::oid", [rows[0]!.oid as number])).toEqual({ n: 0 });
  });

  it("names the database and the cause when the query's connection is lost, without ending the process", async () => {
    // Before: an unhandled 'error' event (write ECONNRESET) ended the process with a stack trace.
    const error = await query("SELECT pg_terminate_backend(pg_backend_pid())").catch((e: Error) => e);
    expect((error as Error).message).toBe(`${url()}: connection lost: terminating connection due to administrator command`);
    expect((await query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("does not hand what a query left on its connection (a session advisory lock) to the next user of the pool", async () => {
    await query(`SELECT pg_advisory_lock(${APPEND_LOCK_KEY})`);
    const taken = await Promise.all(Array.from({ length: 8 }, () => db.transaction((tx) => tx.get<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${APPEND_LOCK_KEY}) AS got`))));
    expect(taken.every((row) => row!.got)).toBe(true);
  });
});
