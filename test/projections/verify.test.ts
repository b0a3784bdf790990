import Database from "better-sqlite3";
import { openSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stepstore, tempDb } from "../helpers/cli.js";
import { assistantRecords, generateWorld, type World } from "../world/world.js";

/** Everything a world sends, as one JSONL file: its assistants, its webhook events, each polled run's list page, each run's snapshot. */
function worldJsonl(world: World): string {
  const values: unknown[] = [...assistantRecords(world.assistants), ...world.events];
  for (const steps of world.polledSteps.values()) values.push({ object: "list", data: steps, has_more: false });
  values.push(...world.runs);
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}

/**
 * Steps whose ids sort differently by UTF-16 unit and by byte: SQLite orders text by byte, so a
 * comparison of the two sides in JavaScript's own string order would see rows missing and extra.
 */
const ODD_IDS = ["step_\u{1F600}", "step_\uFFFD", "step_\u00E9", "step_Z"];

function oddlyNamedSteps(world: World): string {
  const base = world.steps.find((s) => s.status === "completed")!;
  return ODD_IDS.map((id) => `${JSON.stringify({ ...base, id })}\n`).join("");
}

/** A store ingested from a generated world by the real CLI: 40 runs, every outcome, deltas, polled runs. */
async function worldStore(seed: number): Promise<{ db: string; world: World }> {
  const world = generateWorld(seed, { runs: 40 });
  const db = tempDb();
  const file = join(dirname(db), "world.jsonl");
  writeFileSync(file, worldJsonl(world) + oddlyNamedSteps(world));
  const ingest = await stepstore(["ingest", "--db", db, file]);
  expect(ingest.code, ingest.stderr).toBe(0);
  return { db, world };
}

function withSqlite<T>(db: string, use: (sqlite: Database.Database) => T): T {
  const sqlite = new Database(db);
  try {
    return use(sqlite);
  } finally {
    sqlite.close();
  }
}

describe("stepstore verify (CONTRACT §8 v1.1)", () => {
  let store: { db: string; world: World };
  beforeAll(async () => {
    store = await worldStore(7);
  });

  it("given an untouched store with expired runs' steps and streamed deltas, verify says ok and exits 0", async () => {
    const { world } = store;
    expect(world.steps.some((s) => s.status === "expired" && s.expired_at !== null)).toBe(true);
    expect(world.events.some((e) => e.type === "thread.run.step.delta")).toBe(true);
    const result = await stepstore(["verify", "--db", store.db]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^ok: \d+ events fold to exactly the stored tables\n$/);
    expect(result.code).toBe(0);
  });

  it("given rows changed by hand, verify lists each difference the way it reads, in id order, and exits 1", async () => {
    const { db } = await worldStore(11);
    const changed = withSqlite(db, (sqlite) => {
      const ids = sqlite.prepare<[], string>("SELECT id FROM run_steps WHERE status = 'completed' ORDER BY id LIMIT 3").pluck().all();
      const run = sqlite.prepare<[], { id: string; model: string }>("SELECT id, model FROM runs ORDER BY id LIMIT 1").get()!;
      const tool = sqlite.prepare<[], { step_id: string; tool: string }>("SELECT step_id, tool FROM run_step_tools WHERE tool LIKE 'function:%' LIMIT 1").get()!;
      sqlite.prepare("UPDATE run_steps SET status = 'failed' WHERE id = ?").run(ids[0]);
      sqlite.prepare("DELETE FROM run_steps WHERE id IN (?, ?)").run(ids[1], "step_\uFFFD");
      sqlite.prepare("INSERT INTO run_steps (id, run_id, type, status) VALUES ('step_zz_by_hand', 'run_x', 'tool_calls', 'completed')").run();
      sqlite.prepare("UPDATE runs SET model = 'gpt-by-hand' WHERE id = ?").run(run.id);
      sqlite.prepare("DELETE FROM run_step_tools WHERE step_id = ? AND tool = ?").run(tool.step_id, tool.tool);
      const assistant = sqlite.prepare<[], { id: string; name: string }>("SELECT id, name FROM assistants WHERE name IS NOT NULL ORDER BY id LIMIT 1").get()!;
      sqlite.prepare("UPDATE assistants SET name = 'renamed by hand' WHERE id = ?").run(assistant.id);
      return { ids, run, tool, assistant };
    });
    const result = await stepstore(["verify", "--db", db]);
    const lines = result.stdout.split("\n").filter(Boolean);
    expect(lines.slice(0, 7)).toEqual([
      `run_steps ${changed.ids[0]}: status is "failed", the log gives "completed"`,
      `run_steps ${changed.ids[1]}: missing from the table`,
      "run_steps step_zz_by_hand: in the table, but the log gives no such row",
      // After step_zz_by_hand and before step_😀, in byte order as SQLite sorts (UTF-16 order puts 😀 first).
      "run_steps step_\uFFFD: missing from the table",
      `runs ${changed.run.id}: model is "gpt-by-hand", the log gives ${JSON.stringify(changed.run.model)}`,
      `run_step_tools ${JSON.stringify([changed.tool.step_id, changed.tool.tool])}: missing from the table`,
      `assistants ${changed.assistant.id}: name is "renamed by hand", the log gives ${JSON.stringify(changed.assistant.name)}`,
    ]);
    // Then the summaries, recomputed from the edited tables, differ from the stored ones where the steps changed.
    expect(lines.length).toBeGreaterThan(7);
    expect(lines.slice(7).every((line) => /^step_summar(ies|y_seconds) /.test(line))).toBe(true);
    expect(result.stderr).toMatch(new RegExp(`the tables differ from the fold of \\d+ events \\(first ${lines.length} differences above\\)`));
    expect(result.code).toBe(1);
  });

  it("given a checkpoint moved back by hand, verify names it and exits 1, as report refuses the store as behind", async () => {
    const { db } = await worldStore(12);
    const last = withSqlite(db, (sqlite) => {
      sqlite.prepare("UPDATE checkpoints SET position = 3 WHERE name = 'run_steps'").run();
      return sqlite.prepare<[], number>("SELECT max(position) FROM events").pluck().get()!;
    });
    const result = await stepstore(["verify", "--db", db]);
    expect(result.stdout).toBe(`checkpoints: run_steps at 3, the log at ${last}\n`);
    expect(result.code).toBe(1);
    expect((await stepstore(["report", "--db", db])).code).toBe(1);
    expect((await stepstore(["rebuild", "--db", db])).code).toBe(0);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("given the writer's own state lost or edited (a step's fold state, a run's expiry), verify names it and exits 1; rebuild restores it", async () => {
    const { db } = await worldStore(14);
    const changed = withSqlite(db, (sqlite) => {
      const fold = sqlite.prepare<[], string>("SELECT step_id FROM run_step_folds ORDER BY step_id LIMIT 1").pluck().get()!;
      const expiry = sqlite.prepare<[], { run_id: string; position: number }>("SELECT run_id, position FROM run_expiries ORDER BY run_id LIMIT 1").get()!;
      sqlite.prepare("DELETE FROM run_step_folds WHERE step_id = ?").run(fold);
      sqlite.prepare("UPDATE run_expiries SET position = position + 1000 WHERE run_id = ?").run(expiry.run_id);
      return { fold, expiry };
    });
    const result = await stepstore(["verify", "--db", db]);
    expect(result.stdout.split("\n").filter(Boolean)).toEqual([
      `run_step_folds ${changed.fold}: missing from the table`,
      `run_expiries ${changed.expiry.run_id}: position is ${changed.expiry.position + 1000}, the log gives ${changed.expiry.position}`,
    ]);
    expect(result.code).toBe(1);
    expect((await stepstore(["rebuild", "--db", db])).code).toBe(0);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("given more differences than it reports, verify lists the first 20", async () => {
    const { db } = await worldStore(13);
    withSqlite(db, (sqlite) => sqlite.exec("UPDATE run_steps SET usage = '{}'; DELETE FROM runs;"));
    const result = await stepstore(["verify", "--db", db]);
    const lines = result.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => /^run_steps \S+: usage is "\{\}", the log gives /.test(l))).toBe(true);
    expect(result.code).toBe(1);
  });

  /** Overwrites part of a table's or index's root page in the file (the WAL checkpointed into it first). */
  function overwriteRootPage(db: string, name: string, fill: number, part: (pageSize: number) => { at: number; length: number }) {
    const page = withSqlite(db, (sqlite) => {
      sqlite.pragma("wal_checkpoint(TRUNCATE)");
      const size = sqlite.pragma("page_size", { simple: true }) as number;
      const root = sqlite.prepare<[string], number>("SELECT rootpage FROM sqlite_schema WHERE name = ?").pluck().get(name)!;
      return { size, root };
    });
    const { at, length } = part(page.size);
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(length, fill), 0, length, (page.root - 1) * page.size + at);
    closeSync(fd);
  }

  // Zeros leave the page readable, and integrity_check lists rows missing from the index; letters make it throw "malformed".
  it.each([["zeros", 0x00], ["letters", 0x41]])("given an index page damaged by %s, verify exits 1 naming the database and the damage", async (_, fill) => {
    const { db } = await worldStore(17);
    // 64 bytes at the end of the page: the cell content area, where the index keys are.
    overwriteRootPage(db, "run_steps_status", fill, (size) => ({ at: size - 64, length: 64 }));
    // What the check says, as the sqlite3 shell shows it: the lines it gives, then the failure that stops it, if any.
    const damage = withSqlite(db, (sqlite) => {
      const lines: string[] = [];
      try {
        for (const row of sqlite.prepare<[], string>("PRAGMA integrity_check").pluck().iterate()) lines.push(...row.split("\n"));
      } catch (error) {
        lines.push((error as Error).message);
      }
      return lines;
    });
    expect(damage).not.toEqual(["ok"]);
    // Before, the lines given ahead of a failure were dropped: verify said only "database disk image is malformed".
    if (fill !== 0) expect(damage.length, "the check names pages before it fails").toBeGreaterThan(1);

    const result = await stepstore(["verify", "--db", db]);
    expect(result.stderr).toContain(db);
    for (const line of damage.slice(0, 10)) expect(result.stderr).toContain(`  ${line}\n`);
    expect(result.stdout).not.toMatch(/^ok/);
    expect(result.code).toBe(1);
  });

  it("given a table page damaged past reading, a read command exits 1 naming the database (SQLite's message names no file)", async () => {
    const { db } = await worldStore(19);
    overwriteRootPage(db, "run_steps", 0x41, (size) => ({ at: 0, length: size }));
    // `sql` runs its query in a child process: the error's code must come back with its message.
    for (const args of [["steps"], ["sql", "SELECT data FROM run_steps"]]) {
      const result = await stepstore([...args, "--db", db]);
      expect(result.stderr, args[0]).toMatch(new RegExp(`^stepstore: ${db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*malformed`));
      expect(result.code, args[0]).toBe(1);
    }
  });

  it("agrees with rebuild on a generated world: ok before, rebuild changes no row, ok after", async () => {
    const { db, world } = await worldStore(23);
    const tables = () => withSqlite(db, (sqlite) => ["run_steps", "run_step_tools", "runs", "assistants", "step_summaries"].map((t) => sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
    const before = tables();
    expect(before[3], "every assistant of the world has its row").toHaveLength(world.assistants.length);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
    expect((await stepstore(["rebuild", "--db", db])).code).toBe(0);
    expect(tables()).toEqual(before);
    const after = await stepstore(["verify", "--db", db]);
    expect(after.stdout).toMatch(/^ok/);
    const rows = withSqlite(db, (sqlite) => sqlite.prepare<string[], string>("SELECT data FROM run_steps WHERE id NOT IN (?, ?, ?, ?)").pluck().all(...ODD_IDS));
    expect(rows.sort()).toEqual(world.steps.map((s) => JSON.stringify(s)).sort());
  });
});
