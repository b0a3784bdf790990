import Database from "better-sqlite3";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, stepstore, tempDir } from "../helpers/cli.js";

/** Metadata values a careless tool would splice into SQL. */
const HOSTILE = {
  note: "'; DROP TABLE run_steps; --",
  bobby: "Robert'); DELETE FROM events WHERE ('1'='1",
  quoted: 'say "hi", then; leave',
  multiline: "line one\nline two\r\n\ttabbed",
  unicode: "Grüße 👋 ünïcödé",
  pragma: "PRAGMA user_version = 7; ATTACH DATABASE '/tmp/evil.db' AS evil",
};

const step = (id: string, createdAt: number, metadata: Record<string, string> | null) => ({
  id, object: "thread.run.step", created_at: createdAt, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb", thread_id: "thread_Wq3nE8rT5yUi0oPa",
  run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "message_creation", status: "completed",
  step_details: { type: "message_creation", message_creation: { message_id: `msg_${id}` } }, last_error: null,
  expired_at: null, cancelled_at: null, failed_at: null, completed_at: createdAt + 3, metadata,
  usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
});

let dir: string;
let db: string;
let counts: string;

// `--` ends the options, so a query may begin with `-- a comment`.
const sql = (query: string, format?: string) => stepstore(["sql", "--db", db, ...(format ? ["--format", format] : []), "--", query]);
const COUNTS = "SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM run_steps) AS steps, (SELECT count(*) FROM rejections) AS rejections, (SELECT count(*) FROM sqlite_schema) AS schema_objects";

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, "store.db");
  const file = join(dir, "steps.jsonl");
  writeFileSync(file, [step("step_Sq1Hostile", 1755180000, HOSTILE), step("step_Sq2Plain", 1755180100, { tenant: "acme" })].map((s) => JSON.stringify(s)).join("\n") + "\n");
  const ingest = await stepstore(["ingest", "--db", db, file]);
  expect(ingest.code).toBe(0);
  counts = (await sql(COUNTS, "json")).stdout;
  expect(JSON.parse(counts)).toEqual([expect.objectContaining({ events: 2, steps: 2, rejections: 0 })]);
});

describe("stepstore sql runs on a read-only connection", () => {
  const writes = [
    "DROP TABLE run_steps",
    "UPDATE run_steps SET status = 'failed'",
    "DELETE FROM events",
    "INSERT INTO rejections (received_at, source, origin, reason, raw) VALUES ('now', 'file', 'x', 'y', 'z')",
    "CREATE TABLE notes (text TEXT)",
    "CREATE TEMP TABLE scratch (a)",
    "CREATE INDEX evil ON events (type)",
    "ATTACH DATABASE 'ATTACHED' AS other",
    "DETACH DATABASE main",
    "VACUUM INTO 'COPY'",
    "VACUUM",
    "REINDEX",
    "PRAGMA user_version = 7",
    "PRAGMA journal_mode = DELETE",
    "pragma JOURNAL_MODE=delete",
    "PRAGMA wal_checkpoint(TRUNCATE)",
    "WITH doomed AS (SELECT position FROM events) DELETE FROM events WHERE position IN doomed",
    "-- a comment first\n/* and another */ DROP TABLE events",
    "SELECT 1; DROP TABLE events",
    "BEGIN IMMEDIATE",
  ];

  it.each(writes)("refuses %j with a clear error, a non-zero exit and nothing on stdout", async (statement) => {
    const query = statement.replace("'ATTACHED'", `'${join(dir, "attached.db")}'`).replace("'COPY'", `'${join(dir, "copy.db")}'`);
    const result = await sql(query);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^stepstore: refused: .*stepstore sql is read-only/);
  });

  it("refuses load_extension naming it, where SQLite says only 'not authorized'", async () => {
    const result = await sql("SELECT load_extension('/tmp/no-such-extension')");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("stepstore: refused: SELECT calls load_extension (SQLite: not authorized); stepstore sql loads no extensions\n");
  });

  it("refuses a function that writes while it runs as a read-only refusal, not as a read-only file", async () => {
    const result = await sql("SELECT * FROM pragma_optimize");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^stepstore: refused: SELECT tried to write while it ran \(.*\); stepstore sql is read-only/);
    expect(result.stderr).not.toContain("medium is read-only");
  });

  // Runs after the refusals above (a file's tests run in order).
  it("after every refused write the database is unchanged: counts, schema, user_version, journal mode, no files made", async () => {
    expect((await sql(COUNTS, "json")).stdout).toBe(counts);
    expect(JSON.parse((await sql("PRAGMA user_version", "json")).stdout)).toEqual([{ user_version: 0 }]);
    const sqlite = new Database(db, { readonly: true }); // `PRAGMA journal_mode` itself counts as a write for stepstore sql
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    sqlite.close();
    expect(existsSync(join(dir, "attached.db"))).toBe(false);
    expect(existsSync(join(dir, "copy.db"))).toBe(false);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("metadata holding SQL text is stored and returned intact by steps, events and sql", async () => {
    const steps = (await stepstore(["steps", "--db", db])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; metadata: unknown });
    expect(steps.find((s) => s.id === "step_Sq1Hostile")!.metadata).toEqual(HOSTILE);
    const events = await stepstore(["events", "--db", db, "--step", "step_Sq1Hostile"]);
    expect((JSON.parse(events.stdout) as { data: { metadata: unknown } }).data.metadata).toEqual(HOSTILE);
    const viaSql = await sql("SELECT metadata, json_extract(metadata, '$.note') AS note FROM run_steps WHERE id = 'step_Sq1Hostile'", "json");
    const [row] = JSON.parse(viaSql.stdout) as { metadata: string; note: string }[];
    expect(JSON.parse(row!.metadata)).toEqual(HOSTILE);
    expect(row!.note).toBe(HOSTILE.note);
    const filtered = await sql(`SELECT id FROM run_steps WHERE json_extract(metadata, '$.bobby') = '${HOSTILE.bobby.replace(/'/g, "''")}'`, "jsonl");
    expect(filtered.stdout).toBe('{"id":"step_Sq1Hostile"}\n');
  });

  describe("output formats", () => {
    const query = "SELECT id, status, total_tokens, json_extract(metadata, '$.quoted') AS quoted FROM run_steps ORDER BY id";
    const rows = [
      { id: "step_Sq1Hostile", status: "completed", total_tokens: 12, quoted: HOSTILE.quoted },
      { id: "step_Sq2Plain", status: "completed", total_tokens: 12, quoted: null },
    ];

    it("json is one array of objects", async () => {
      const result = await sql(query, "json");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(rows);
    });

    it("jsonl is one object a line", async () => {
      const result = await sql(query, "jsonl");
      expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    });

    it("csv is a header, then one quoted line a row", async () => {
      const result = await sql(query, "csv");
      expect(result.stdout).toBe(`id,status,total_tokens,quoted\nstep_Sq1Hostile,completed,12,"say ""hi"", then; leave"\nstep_Sq2Plain,completed,12,\n`);
    });

    it("table (the default) has the column names, a rule and one line a row", async () => {
      const result = await sql(query);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^id\s+status\s+total_tokens\s+quoted$/);
      expect(lines[1]).toMatch(/^-+\s+-+\s+-+\s+-+$/);
      expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual(["step_Sq1Hostile", "step_Sq2Plain"]);
    });

    it("a query with no rows prints its columns (csv header, table) or nothing (json [], jsonl)", async () => {
      const none = "SELECT id, status FROM run_steps WHERE 0";
      expect((await sql(none, "csv")).stdout).toBe("id,status\n");
      expect(JSON.parse((await sql(none, "json")).stdout)).toEqual([]);
      expect((await sql(none, "jsonl")).stdout).toBe("");
      expect((await sql(none, "table")).stdout.split("\n")[0]).toMatch(/^id\s+status$/);
    });
  });
});

describe("sql's table", () => {
  it("shortens a long cell without splitting a character: no U+FFFD where the cut falls inside an emoji", async () => {
    const result = await sql("SELECT printf('%.58c', 'x') || '😀😀' AS s");
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\uFFFD");
    expect(result.stdout.split("\n")[2]).toBe(`${"x".repeat(58)}…`);
    expect((await sql("SELECT printf('%.58c', 'x') || '😀😀' AS s", "jsonl")).stdout).toBe(`${JSON.stringify({ s: `${"x".repeat(58)}😀😀` })}\n`);
  });
});

describe("sql limits", () => {
  const FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c";

  it("a query running past --timeout is stopped: exit 1 and a message naming the limit", async () => {
    // The real binary, end to end: its query's process is killed, the command's exits 1.
    const result = await stepstore(["sql", "--db", db, "--timeout", "1", "--", FOREVER], { subprocess: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/query stopped after 1 s \(--timeout 1\)/);
    expect(result.stdout).toBe("");
  });

  it("the command stopped by SIGTERM (or Ctrl-C) while its query runs stops the query's process too", async () => {
    // Before: the query's process was left running, at full CPU and with no time limit, holding a read snapshot.
    const command = spawn(process.execPath, [BIN, "sql", "--db", db, "--", FOREVER]);
    const queryProcess = () => execFileSync("ps", ["-o", "pid=", "--ppid", String(command.pid)], { encoding: "utf8" }).trim();
    let child = "";
    for (const deadline = Date.now() + 30_000; child === "" && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      try {
        child = queryProcess();
      } catch {} // ps exits 1 while there is none yet
    }
    expect(child).toMatch(/^\d+$/);
    const ended = new Promise((resolve) => command.on("close", (code, signal) => resolve(signal ?? code)));
    command.kill("SIGTERM");
    expect(await ended).toBe("SIGTERM");
    // Gone, or dead and not yet reaped by whatever adopted it (a zombie, state Z).
    const state = () => (existsSync(`/proc/${child}`) ? readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1]!.charAt(0) : "gone");
    for (const deadline = Date.now() + 5000; !["gone", "Z"].includes(state()) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(["gone", "Z"]).toContain(state());
  });

  it("a --timeout past what a timer can wait, or a --max-rows that is not whole, is a usage error, not a query stopped at once", async () => {
    const long = await stepstore(["sql", "--db", db, "--timeout", "3000000", "--", "SELECT 1 AS x"], { subprocess: true });
    expect(long).toMatchObject({ code: 2, stdout: "" });
    expect(long.stderr).toMatch(/--timeout must be a number of seconds from 0.001 to 2147483, got "3000000"/);
    expect(long.stderr).not.toMatch(/TimeoutOverflowWarning|query stopped/);
    const longest = await stepstore(["sql", "--db", db, "--timeout", "2147483", "--format", "jsonl", "--", "SELECT 1 AS x"]);
    expect(longest).toMatchObject({ code: 0, stdout: '{"x":1}\n' });
    const half = await stepstore(["sql", "--db", db, "--max-rows", "1.5", "--", "SELECT 1 AS x"]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--max-rows must be a whole number from 1 to 9007199254740991, got "1.5"/);
  });

  it("an empty or blank query, or one of comments and semicolons only, is a usage error (exit 2) saying what to give, as an empty option value is", async () => {
    for (const query of ["", "  \n ", ";", "/* only a note */", "-- a note\n ; ;"]) {
      const result = await stepstore(["sql", "--db", db, "--", query]);
      expect(result).toMatchObject({ code: 2, stdout: "" });
      expect(result.stderr).toBe('stepstore: the query is empty: give one SQL statement, e.g. stepstore sql "SELECT count(*) FROM run_steps"\n');
    }
  });

  it("--max-rows cuts the rows printed and says so on stderr, with how to raise it", async () => {
    const many = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50) SELECT x FROM c";
    const result = await stepstore(["sql", "--db", db, "--max-rows", "10", "--format", "jsonl", "--", many], { subprocess: true });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { x: number })).toEqual(Array.from({ length: 10 }, (_, i) => ({ x: i + 1 })));
    expect(result.stderr).toMatch(/rows cut at 10 \(--max-rows 10\): the query returns more; raise --max-rows or add a LIMIT/);
    const all = await stepstore(["sql", "--db", db, "--format", "jsonl", "--", many]);
    expect(all.stdout.trim().split("\n")).toHaveLength(50);
    expect(all.stderr).toBe("");
  });

  it("a query's own error (a value past SQLite's size limit) is the query's: exit 1, not blamed on the store", async () => {
    const result = await sql("SELECT length(randomblob(2000000000)) AS n");
    expect(result.stderr).toBe("stepstore: string or blob too big\n");
    expect(result.code).toBe(1);
  });
});

describe("sql values", () => {
  it("prints an integer past 2^53 as its exact digits and a BLOB as \\x and hex, as the PostgreSQL store does, not rounded or as a Buffer", async () => {
    const result = await sql("SELECT 9007199254740993 AS big, 9007199254740991 AS safe, -9007199254740993 AS least, x'00ff10' AS blob, 1.5 AS real", "jsonl");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ big: "9007199254740993", safe: 9007199254740991, least: "-9007199254740993", blob: "\\x00ff10", real: 1.5 });
  });

  it("a join whose tables share column names prints every column: a name given again is name:2, in every format", async () => {
    const query = "SELECT s.id, s.status, r.id, 'x' AS \"id:2\", 'p' AS __proto__ FROM run_steps s JOIN (SELECT 'run_1' AS id) r ORDER BY s.id LIMIT 1";
    const row = { id: "step_Sq1Hostile", status: "completed", "id:2": "run_1", "id:2:2": "x", ["__proto__"]: "p" };
    expect(JSON.parse((await sql(query, "json")).stdout)).toEqual([row]);
    expect(JSON.parse((await sql(query, "jsonl")).stdout)).toEqual(row);
    expect((await sql(query, "csv")).stdout).toBe("id,status,id:2,id:2:2,__proto__\nstep_Sq1Hostile,completed,run_1,x,p\n");
    expect((await sql(query, "table")).stdout.split("\n")[2]).toMatch(/^step_Sq1Hostile\s+completed\s+run_1\s+x\s+p$/);
  });
});

describe("stepstore sql on a store whose rollups are not yet refolded", () => {
  it("given the rollups behind the log (an upgrade not yet refolded), then the answer stands and stderr says the views are as last folded", async () => {
    const behind = join(dir, "behind.db");
    const file = join(dir, "steps.jsonl");
    expect((await stepstore(["ingest", "--db", behind, file])).code).toBe(0);
    const query = ["sql", "--db", behind, "--format", "json", "SELECT assistant_id, steps FROM stats_by_assistant"];
    const current = await stepstore(query);
    expect(JSON.parse(current.stdout)).toEqual([{ assistant_id: "asst_Q8fKx2LmZp0Rt4Vb", steps: 2 }]);
    expect(current.stderr).toBe("");
    const sqlite = new Database(behind);
    sqlite.prepare("DELETE FROM checkpoints WHERE name = 'step_rollups'").run();
    sqlite.close();
    const stale = await stepstore(query);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toBe(current.stdout);
    expect(stale.stderr).toBe(`${behind}: read model step_rollups behind the log (added by an upgrade): its tables and the stats_by_* views are as last folded; run \`stepstore rebuild\` (or any write command) once\n`);
  });
});
