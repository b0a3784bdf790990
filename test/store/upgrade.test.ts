import Database from "better-sqlite3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { stepstore, tempDb } from "../helpers/cli.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { earlierReleaseDatabase } from "../helpers/oldStore.js";
import { stepLine } from "../helpers/hostile.js";
import { keyedAsBefore } from "../helpers/legacyStore.js";
import { openStore } from "../../src/openStore.js";
import type { Store } from "../../src/store/store.js";
import type { JsonObject } from "../../src/records/json.js";
import { afterAll, describe, expect, it } from "vitest";
import { verifyProjections } from "../../src/projections/verify.js";
import { recordsOf } from "../../src/records/classify.js";
import { createEventKeyer } from "../../src/records/eventKey.js";
import { createAppender, type KeyedRecord } from "../../src/store/append.js";
import { applyProjections } from "../../src/projections/projection.js";
import { runStepsProjection } from "../../src/projections/runSteps/writer.js";
import { runsProjection } from "../../src/projections/runs/writer.js";
import { assistantsProjection } from "../../src/projections/assistants/writer.js";
import { PROJECTION_NAMES } from "../../src/projections/behind.js";
import { openStepstore } from "../../src/stepstore.js";
import { sqliteDatabase } from "../../src/store/sqlite/sqlDatabase.js";
import { generateWorld } from "../world/world.js";

const dir = mkdtempSync(join(tmpdir(), "stepstore-upgrade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyed(events: Record<string, unknown>[]): KeyedRecord[] {
  const keyOf = createEventKeyer("upgrade.jsonl");
  return events.map((event) => {
    const raw = JSON.stringify(event);
    const [record] = [...recordsOf(event, raw, "upgrade.jsonl")];
    if (!record?.ok) throw new Error("the world made an invalid record");
    return { record, key: keyOf.key(record) };
  });
}

describe("opening a database an earlier release wrote", () => {
  it("given steps still in progress in a first-release database, when this version opens it and the rest of their events arrive, then the rows are a fresh store's", async () => {
    const world = generateWorld(8, { runs: 12 });
    // Cut twice, so that steps are in progress both when the old release stops and when the comparison is made.
    const third = Math.floor(world.events.length / 3);
    const [before, after] = [world.events.slice(0, third), world.events.slice(third, 2 * third)];

    const oldPath = join(dir, "first-release.db");
    const old = earlierReleaseDatabase(oldPath, 2);
    // The log and the fold states written on that schema (its run_step_folds has run_id, indexed).
    // The projections that release had: no assistants and no rollups, which this version refolds the log for when it first opens the store for writing.
    const released = [runStepsProjection, runsProjection];
    const append = createAppender(sqliteDatabase(old), { names: released.map((p) => p.name), apply: (tx, events) => applyProjections(tx, released, events) });
    await append({ source: "file", accepted: keyed(before), rejected: [] });
    const inProgress = old.prepare<[], { n: number }>("SELECT count(*) AS n FROM run_step_folds").get()!.n;
    old.close();
    expect(inProgress, "the old release leaves steps in progress").toBeGreaterThan(0);

    const upgraded = openStepstore(oldPath);
    const behind: string[] = [];
    expect(await upgraded.catchUp((names) => behind.push(...names)), "the log is refolded once").toMatchObject({ events: before.length });
    expect(behind).toEqual(["assistants", "step_rollups"]);
    expect(await upgraded.catchUp(() => expect.unreachable("caught up already")), "then nothing is behind").toBeNull();
    await upgraded.append({ source: "file", accepted: keyed(after), rejected: [] });
    const fresh = openStepstore(join(dir, "fresh.db"));
    await fresh.append({ source: "file", accepted: keyed([...before, ...after]), rejected: [] });
    try {
      const rows = (store: typeof fresh, table = "run_steps") => store.sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1`).all();
      expect(rows(upgraded)).toEqual(rows(fresh));
      for (const table of ["assistants", "step_summaries"]) expect(rows(upgraded, table), table).toEqual(rows(fresh, table));
      expect(upgraded.sqlite.prepare("SELECT count(*) AS n FROM run_steps WHERE status = 'in_progress'").get()).not.toEqual({ n: 0 });
      expect((await verifyProjections(upgraded.sqlite)).differences).toEqual([]);
      const indexes = upgraded.sqlite.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index'").all().map((r) => r.name);
      expect(indexes).not.toContain("run_steps_assistant");
      expect(indexes).toContain("run_steps_stats");
      const foldColumns = upgraded.sqlite.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('run_step_folds')").all().map((r) => r.name);
      expect(foldColumns).toEqual(["step_id", "state"]);
    } finally {
      upgraded.close();
      fresh.close();
    }
  });

  // The release before the assistants and the rollups (5 migrations), and the one whose rollups kept per-status totals
  // (6 migrations: its rollup tables are left out here, its checkpoint kept, as that release left it).
  it.each([
    { release: "before the assistants and the rollups", migrations: 5, released: [runStepsProjection, runsProjection], checkpointed: [], behind: "read models assistants, step_rollups" },
    { release: "with per-status totals", migrations: 6, released: [runStepsProjection, runsProjection, assistantsProjection], checkpointed: [PROJECTION_NAMES.stepStats], behind: "read model step_rollups" },
  ])("given a database of the release $release, when `ingest` opens it, then it says it refolds the log once and every report equals a fresh store's", async ({ migrations, released, checkpointed, behind }) => {
    const world = generateWorld(11, { runs: 10 });
    const half = Math.floor(world.events.length / 2);
    const oldPath = join(dir, `release-${migrations}.db`);
    const old = earlierReleaseDatabase(oldPath, migrations);
    const names = [...released.map((p) => p.name), ...checkpointed];
    const append = createAppender(sqliteDatabase(old), { names, apply: (tx, events) => applyProjections(tx, released, events) });
    await append({ source: "file", accepted: keyed(world.events.slice(0, half)), rejected: [] });
    old.close();
    const [first, rest] = [join(dir, "first.jsonl"), join(dir, "rest.jsonl")];
    writeFileSync(first, world.events.slice(0, half).map((e) => JSON.stringify(e)).join("\n") + "\n");
    writeFileSync(rest, world.events.slice(half).map((e) => JSON.stringify(e)).join("\n") + "\n");

    const ingested = await stepstore(["ingest", "--db", oldPath, rest]);
    expect(ingested.code).toBe(0);
    expect(ingested.stderr).toContain(`${oldPath}: ${behind} behind the log (added by an upgrade): refolding the log once`);
    expect((await stepstore(["ingest", "--db", oldPath, rest])).stderr, "said once: then nothing is behind").not.toContain("behind the log");
    const fresh = join(dir, `fresh-${migrations}.db`);
    expect((await stepstore(["ingest", "--db", fresh, first, rest])).code).toBe(0);
    for (const by of ["assistant", "model", "hour", "tool"]) {
      const [upgraded, made] = await Promise.all([oldPath, fresh].map((db) => stepstore(["report", "--by", by, "--db", db])));
      expect(upgraded!.stdout, by).toBe(made!.stdout);
    }
    expect((await stepstore(["verify", "--db", oldPath])).code).toBe(0);
  });
});

describe("opening a store whose rollups keyed year 0 (the release before migration 0011)", () => {
  it("given a step of year 0 keyed '0000-01-01', when `ingest` opens the store, then its rollups are refolded once: it is keyed null and verify passes", async () => {
    const path = join(dir, "year-zero.db");
    // As that release left it (its first 11 migrations): the steps, and the year-0 step's keys in its summaries, which
    // this test writes itself (that release's rollups writer is gone), their checkpoint at the log's end.
    const old = earlierReleaseDatabase(path, 11);
    const released = [runStepsProjection, runsProjection, assistantsProjection];
    const names = [...released.map((p) => p.name), PROJECTION_NAMES.stepStats];
    const append = createAppender(sqliteDatabase(old), { names, apply: (tx, events) => applyProjections(tx, released, events) });
    const event = (id: string, t: number) => JSON.parse(stepLine(id, { created_at: t, status: "completed", completed_at: t + 5 })) as Record<string, unknown>;
    // Year 0 is refused since 2026-12-05; that release took it.
    await append({ source: "file", accepted: keyedAsBefore([event("step_YearZero", -62167219200), event("step_2025", 1735689600)] as JsonObject[]), rejected: [] });
    const counts = "steps, completed, failed, cancelled, expired, in_progress, timed_steps, timed_seconds, prompt_tokens, completion_tokens, total_tokens";
    for (const [dimension, key] of [["day", "0000-01-01"], ["hour", "0000-01-01T00"]]) {
      old.prepare(`INSERT INTO step_summaries (cell, dimension, key, ${counts}) VALUES (?, ?, ?, 1, 1, 0, 0, 0, 0, 1, 5, 0, 0, 0)`).run(JSON.stringify([dimension, key]), dimension, key);
    }
    old.close();
    writeFileSync(join(dir, "nothing.jsonl"), "");
    expect((await stepstore(["ingest", "--db", path, join(dir, "nothing.jsonl")])).stderr).toContain("refolding the log once");
    const verified = await stepstore(["verify", "--db", path]);
    expect(verified.code, verified.stdout).toBe(0);
    const report = JSON.parse((await stepstore(["report", "--db", path, "--by", "day"])).stdout) as { rows: { key: string | null }[] };
    expect(report.rows.map((row) => row.key)).toEqual([null, "2025-01-01"]);
  });
});

describe("opening a store a newer stepstore migrated (its journal holds a migration this build does not know)", () => {
  it("given such a file, every command, reading or writing, exits 1 naming it and asking for a newer stepstore, and leaves it as it was", async () => {
    const db = join(dir, "newer.db");
    expect((await stepstore(["ingest", "--db", db, "-"], { input: `${stepLine("step_Newer")}\n` })).code).toBe(0);
    const sqlite = new Database(db);
    sqlite.prepare(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES ('future', 99999999999999)`).run();
    const steps = () => sqlite.prepare("SELECT id, status FROM run_steps").all();
    const before = steps();
    for (const args of [["ingest", "-"], ["rebuild"], ["steps"], ["report"]]) {
      const result = await stepstore([args[0]!, "--db", db, ...args.slice(1)], { input: `${stepLine("step_Newer", { status: "completed", completed_at: 1755180009 })}\n` });
      expect(result.stderr, args[0]).toContain(`${db} was made by a newer stepstore: upgrade stepstore to read or write it`);
      expect(result.code, args[0]).toBe(1);
    }
    expect(steps()).toEqual(before);
    sqlite.close();
  });
});

describe("a store whose kept fold states predate the deltas' running size (before 2026-12-05)", () => {
  it("given an unfinished step's state without deltaSize, then verify passes, and its next delta folds the step again from the log, size counted", async () => {
    const db = tempDb();
    const step = JSON.parse(stepLine("step_Unsized", { status: "in_progress", type: "tool_calls", step_details: { type: "tool_calls", tool_calls: [] }, completed_at: null })) as JsonObject;
    const delta = (args: string) => ({ id: "step_Unsized", object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: args } }] } } });
    const sizeOf = (...deltas: ReturnType<typeof delta>[]) => deltas.reduce((n, d) => n + JSON.stringify(d.delta.step_details).length, 0);
    const withStore = async <T>(use: (store: Store) => Promise<T>): Promise<T> => {
      const store = await openStore(db, { mode: "write", notify: null });
      try {
        return await use(store);
      } finally {
        await store.close();
      }
    };
    const kept = (store: Store) =>
      store.sql.get<{ state: string }>("SELECT state FROM run_step_folds WHERE step_id = ?", ["step_Unsized"]).then((r) => JSON.parse(r!.state) as Record<string, unknown>);
    await withStore(async (store) => {
      await store.append({ source: "file", accepted: keyedAsBefore([step, delta("{")]), rejected: [] });
      const first = await kept(store);
      expect(first.deltaSize).toBe(sizeOf(delta("{")));
      // As a store made before the size was counted kept it.
      await store.sql.run("UPDATE run_step_folds SET state = ? WHERE step_id = ?", [JSON.stringify({ ...first, deltaSize: undefined }), "step_Unsized"]);
    });
    const upgraded = await stepstore(["verify", "--db", db]);
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0);
    await withStore(async (store) => {
      await store.append({ source: "file", accepted: keyedAsBefore([delta("}")]), rejected: [] });
      expect((await kept(store)).deltaSize, "counted over every delta, as a fresh fold counts").toBe(sizeOf(delta("{"), delta("}")));
    });
    const after = await stepstore(["verify", "--db", db]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });
});
