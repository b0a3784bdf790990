import { describe, expect, it } from "vitest";
import { createEventKeyer } from "../../src/records/eventKey.js";
import { verifyRows } from "../../src/projections/verify.js";
import type { SqlDatabase, SqlValue } from "../../src/store/sqlPort.js";
import { openPostgresStepstore, openStepstore, wireProjections } from "../../src/stepstore.js";
import { heldOf, type HeldSummary } from "../../src/projections/stepStats/summary.js";
import { hold, MAX_HELD } from "../../src/projections/stepStats/held.js";
import type { Store } from "../../src/store/store.js";
import { emptySpecDatabase, openStoreUnderTest } from "../helpers/storeUnderTest.js";
import { generateWorld, type World } from "../world/world.js";
import { keyed } from "./projectionSpec.js";
import { runEvent, stepEvent } from "./specEvents.js";

type Json = Record<string, unknown>;

/** Everything a world sends: webhook events, each polled run's list page, each run's snapshot (some after their steps). */
function worldRecords(world: World): Json[] {
  const values: Json[] = [...(world.events as Json[])];
  for (const steps of world.polledSteps.values()) values.push({ object: "list", data: steps, has_more: false });
  return [...values, ...(world.runs as unknown as Json[])];
}

/** mulberry32: the test's own seeded order. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const summaries = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_summaries ORDER BY cell");
const pages = (sql: SqlDatabase) => sql.all<{ cell: string; page: number; histogram: string }>("SELECT * FROM step_summary_seconds ORDER BY cell, page");
/** The steps each model's summary counts, by model. */
const stepsByModel = async (sql: SqlDatabase) =>
  (await sql.all<{ key: string; steps: number }>("SELECT key, steps FROM step_summaries WHERE dimension = 'model' ORDER BY key")).map((row) => [row.key, Number(row.steps)]);

/** A read-only snapshot source over the store's own port: verify's comparison, as `verify` runs it. */
const sourceOf = (sql: SqlDatabase) => ({
  dialect: sql.dialect,
  all: <T>(text: string, params?: readonly SqlValue[]) => sql.all<T>(text, params as SqlValue[]),
  async *rows<T>(text: string) {
    yield* await sql.all<T>(text);
  },
});

/** Appends the world's records shuffled, in batches of random sizes: steps before or after their run's snapshot, redeliveries and all. */
async function appendShuffled(sql: SqlDatabase, world: World, seed: number) {
  const { append } = wireProjections(sql);
  const next = seeded(seed);
  const records = worldRecords(world);
  for (let i = records.length - 1; i > 0; i--) {
    const j = next(i + 1);
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  const keyOf = createEventKeyer("rollups");
  for (let start = 0; start < records.length;) {
    const size = 1 + next(40);
    await append({ source: "file", accepted: keyed(records.slice(start, start + size), keyOf, start), rejected: [] });
    start += size;
  }
}

/** A fresh store with a 20-run world appended in shuffled batches (seed), for `check`; closed after. */
async function withAppendedWorld(seed: number, check: (sql: SqlDatabase) => Promise<void>): Promise<void> {
  const sql = await emptySpecDatabase();
  try {
    await appendShuffled(sql, generateWorld(seed, { runs: 20 }), seed);
    await check(sql);
  } finally {
    await sql.close();
  }
}

describe("the step rollups (issue 15)", () => {
  it.each([1, 2, 3])("given a world appended in random order and batches (seed %i), then the rollups equal a rebuild's and verify finds nothing", async (seed) => {
    const sql = await emptySpecDatabase();
    try {
      const world = generateWorld(seed * 101, { runs: 30 });
      await appendShuffled(sql, world, seed);
      const appended = await summaries(sql);
      expect(new Set(appended.map((row) => row.dimension)).size, "seven dimensions and the whole").toBe(8);
      expect(appended.every((row) => Number(row.steps) > 0)).toBe(true);
      // Some runs were named by a snapshot after their steps: those steps moved from (unknown) to the run's model.
      expect(appended.some((row) => row.dimension === "model" && row.key !== "(unknown)")).toBe(true);
      expect(appended.some((row) => row.p95_completion_seconds !== null)).toBe(true);
      const appendedPages = await pages(sql);
      expect(new Set(appendedPages.map((page) => page.cell)).size).toBeGreaterThan(7);
      // The world's completion times span several pages: a summary's histogram is kept in more than one.
      expect(new Set(appendedPages.map((page) => Number(page.page))).size).toBeGreaterThan(1);
      expect(appended.every((row) => row.models !== "[]")).toBe(true);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
      await wireProjections(sql).rebuild();
      expect(await summaries(sql)).toEqual(appended);
      expect(await pages(sql)).toEqual(appendedPages);
    } finally {
      await sql.close();
    }
  });

  it("given a run's steps counted under its model, when a later snapshot of the run names another model, then they move to it", async () => {
    const sql = await emptySpecDatabase();
    try {
      const { append } = wireProjections(sql);
      const keyOf = createEventKeyer("rollups");
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      await append({ source: "file", accepted: keyed([runEvent("in_progress", { model: "gpt-4o" }), stepEvent("completed", { completed_at: 1_755_180_030, usage })], keyOf, 0), rejected: [] });
      await append({ source: "file", accepted: keyed([runEvent("completed", { model: "gpt-4o-mini", completed_at: 1_755_180_040 })], keyOf, 2), rejected: [] });
      expect(await stepsByModel(sql)).toEqual([["gpt-4o-mini", 1]]);
      const [whole] = await sql.all<{ models: string }>("SELECT models FROM step_summaries WHERE dimension = 'all'");
      expect(JSON.parse(whole!.models)).toEqual([["gpt-4o-mini", 1, 10, 5]]);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  it("given summaries edited by hand (a percentile, a histogram's count, a model's tokens, a row dropped, a row added, a page of none), verify names each both ways", () =>
    withAppendedWorld(9, async (sql) => {
      const rows = await summaries(sql);
      const [percentile, histogram] = rows.filter((row) => row.dimension === "tool" && row.p95_completion_seconds !== null);
      const model = rows.find((row) => row.dimension === "model" && row.models !== "[]")!;
      const dropped = rows.find((row) => row.dimension === "type")!;
      await sql.run("UPDATE step_summaries SET p95_completion_seconds = p95_completion_seconds + 7 WHERE cell = ?", [percentile!.cell!]);
      const page = (await pages(sql)).find((p) => p.cell === histogram!.cell)!;
      const seconds = JSON.parse(page.histogram) as number[][];
      seconds[0]![1]! += 2;
      await sql.run("UPDATE step_summary_seconds SET histogram = ? WHERE cell = ? AND page = ?", [JSON.stringify(seconds), page.cell, page.page]);
      await sql.run("INSERT INTO step_summary_seconds (cell, page, histogram) VALUES (?, 3, ?)", ['["tool","by_hand"]', "[[200,1]]"]);
      const sums = JSON.parse(String(model.models)) as [string, number, number, number][];
      sums[0]![2] -= 1;
      await sql.run("UPDATE step_summaries SET models = ? WHERE cell = ?", [JSON.stringify(sums), model.cell!]);
      await sql.run("DELETE FROM step_summaries WHERE cell = ?", [dropped.cell!]);
      const columns = Object.keys(dropped).filter((column) => !["cell", "dimension", "key"].includes(column));
      await sql.run(`INSERT INTO step_summaries (cell, dimension, key, ${columns.join(", ")}) SELECT ?, 'assistant', 'asst_by_hand', ${columns.join(", ")} FROM step_summaries WHERE cell = ?`, ['["assistant","asst_by_hand"]', percentile!.cell!]);
      const { differences } = await verifyRows(sourceOf(sql));
      const about = (row: Record<string, SqlValue>) => differences.filter((line) => line.startsWith(`step_summaries ${JSON.stringify([row.dimension, row.key])}: `));
      const tableHas = (...parts: string[]) => expect.stringMatching(new RegExp(`: the table has .*${parts.map(escaped).join(".*")}.*, the steps do not$`));
      const stepsGive = (...parts: string[]) => expect.stringMatching(new RegExp(`: the steps give .*${parts.map(escaped).join(".*")}.*, the table does not$`));
      expect(about(percentile!)).toEqual([
        tableHas(`p95_completion_seconds ${Number(percentile!.p95_completion_seconds) + 7}`), stepsGive(`p95_completion_seconds ${percentile!.p95_completion_seconds}`),
      ]);
      const pageAbout = (row: Record<string, SqlValue>) => differences.filter((line) => line.startsWith(`step_summary_seconds ${JSON.stringify([row.dimension, row.key])}: `));
      expect(pageAbout(histogram!)).toEqual([
        tableHas(`page ${page.page}, histogram ${JSON.stringify(seconds)}`), stepsGive(`page ${page.page}, histogram ${page.histogram}`),
      ]);
      expect(differences).toContain('step_summary_seconds ["tool","by_hand"] page 3: the table has histogram [[200,1]], no summary counts it');
      expect(about(model)).toEqual([tableHas(`models ${JSON.stringify(sums)}`), stepsGive(`models ${model.models}`)]);
      expect(about(dropped)).toEqual([stepsGive(`steps ${dropped.steps}`)]);
      expect(about({ dimension: "assistant", key: "asst_by_hand" })).toEqual([tableHas(`steps ${percentile!.steps}`)]);
      // The dropped summary's pages are then a summary's the steps give and pages of none.
      const droppedPages = (await pages(sql)).filter((p) => p.cell === dropped.cell);
      expect(droppedPages.length).toBeGreaterThan(0);
      expect(pageAbout(dropped)).toEqual(droppedPages.map((p) => stepsGive(`page ${p.page}, histogram ${p.histogram}`)));
      for (const p of droppedPages) expect(differences).toContain(`step_summary_seconds ${p.cell} page ${p.page}: the table has histogram ${p.histogram}, no summary counts it`);
      expect(differences).toHaveLength(9 + 2 * droppedPages.length);
    }));
});

/** Makes the log's checkpoint writes fail until `undo` runs, so an append fails after its projections ran (SQLite, PostgreSQL). */
async function refuseCheckpoints(sql: SqlDatabase): Promise<() => Promise<void>> {
  if (sql.dialect === "sqlite") {
    for (const when of ["INSERT", "UPDATE"]) await sql.run(`CREATE TRIGGER refuse_${when} BEFORE ${when} ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoint refused'); END`);
    return async () => {
      for (const when of ["INSERT", "UPDATE"]) await sql.run(`DROP TRIGGER refuse_${when}`);
    };
  }
  await sql.run("CREATE FUNCTION refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'checkpoint refused'; END $$");
  await sql.run("CREATE TRIGGER refuse_checkpoint BEFORE INSERT OR UPDATE ON checkpoints FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint()");
  return async () => {
    await sql.run("DROP TRIGGER refuse_checkpoint ON checkpoints");
    await sql.run("DROP FUNCTION refuse_checkpoint()");
  };
}

/** A second handle on a store's database: another connection, as a second process has. */
const secondHandle = (store: Store): Promise<Store> => (store.dialect === "sqlite" ? Promise.resolve(openStepstore(store.path)) : openPostgresStepstore(store.path));

/** The world's records in three parts: appended, failed, then appended again by the failed-append test. */
function worldThirds(seed: number): Json[][] {
  const records = worldRecords(generateWorld(seed, { runs: 12 }));
  const third = Math.ceil(records.length / 3);
  return [records.slice(0, third), records.slice(third, 2 * third), records.slice(2 * third)];
}

describe("the summaries a writer holds between its transactions (held.ts)", () => {
  const keyOf = createEventKeyer("held");
  const batch = (records: Json[], start: number) => ({ source: "file" as const, accepted: keyed(records, keyOf, start), rejected: [] });

  it("given two writers on one store taking turns, then each counts the other's appends: the rollups equal a rebuild's", async () => {
    const first = await openStoreUnderTest();
    const second = await secondHandle(first);
    try {
      const records = worldRecords(generateWorld(31, { runs: 12 }));
      for (let start = 0; start < records.length; start += 7) await (start % 14 === 0 ? first : second).append(batch(records.slice(start, start + 7), start));
      const appended = await summaries(first.sql);
      expect(appended.length).toBeGreaterThan(10);
      expect((await verifyRows(sourceOf(first.sql))).differences).toEqual([]);
      await first.rebuild();
      expect(await summaries(first.sql)).toEqual(appended);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it("given an append that fails after its rollups were written, when the next append lands, then the failed one's changes are not counted", async () => {
    const sql = await emptySpecDatabase();
    try {
      const { append, rebuild } = wireProjections(sql);
      const [before, failed, after] = worldThirds(32);
      await append(batch(before!, 0));
      const undo = await refuseCheckpoints(sql);
      await expect(append(batch(failed!, 1_000))).rejects.toThrow("checkpoint refused");
      await undo();
      await append(batch(after!, 2_000));
      const appended = await summaries(sql);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
      await rebuild();
      expect(await summaries(sql)).toEqual(appended);
    } finally {
      await sql.close();
    }
  });

  it("given a batch touching more summaries than the writer holds, some held and some not, then each is counted from what it held", async () => {
    const sql = await emptySpecDatabase();
    try {
      const { append } = wireProjections(sql);
      const hours = MAX_HELD + 500;
      // Step i of a batch in hour i: the second batch finds the later hours held and the earlier ones not.
      const steps = (from: number) => Array.from({ length: hours }, (_, i) => {
        const createdAt = 1_755_180_000 + i * 3_600;
        return stepEvent("completed", { id: `step_held_${from + i}`, created_at: createdAt, completed_at: createdAt + (i % 40) });
      });
      await append(batch(steps(0), 0));
      await append(batch(steps(hours), hours));
      const byHour = await sql.all<{ steps: number }>("SELECT steps FROM step_summaries WHERE dimension = 'hour'");
      expect(byHour.length).toBe(hours);
      expect(byHour.every((row) => Number(row.steps) === 2)).toBe(true);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  describe("a run's model the writer holds", () => {
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const heldModel = [runEvent("in_progress", { model: "gpt-4o" }), stepEvent("completed", { id: "step_held_1", completed_at: 1_755_180_030, usage })];
    const renamed = [runEvent("completed", { model: "gpt-4o-mini", completed_at: 1_755_180_040 })];
    const laterStep = [stepEvent("completed", { id: "step_held_2", completed_at: 1_755_180_035, usage })];

    it("given another writer naming another model, when the writer appends a step of the run, then it counts under the new one", async () => {
      const first = await openStoreUnderTest();
      const second = await secondHandle(first);
      try {
        await first.append(batch(heldModel, 0));
        await second.append(batch(renamed, 10));
        await first.append(batch(laterStep, 20));
        expect(await stepsByModel(first.sql)).toEqual([["gpt-4o-mini", 2]]);
        expect((await verifyRows(sourceOf(first.sql))).differences).toEqual([]);
      } finally {
        await second.close();
        await first.close();
      }
    });

    it("given an append naming another model that rolls back, when the writer appends a step of the run, then it counts under the stored one", async () => {
      const sql = await emptySpecDatabase();
      try {
        const { append } = wireProjections(sql);
        await append(batch(heldModel, 0));
        const undo = await refuseCheckpoints(sql);
        await expect(append(batch(renamed, 10))).rejects.toThrow("checkpoint refused");
        await undo();
        await append(batch(laterStep, 20));
        expect(await stepsByModel(sql)).toEqual([["gpt-4o", 2]]);
        expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
      } finally {
        await sql.close();
      }
    });
  });

  it("given a batch of more runs than the writer holds, some held and some not, then each step counts under its run's model", async () => {
    const sql = await emptySpecDatabase();
    try {
      const { append } = wireProjections(sql);
      const runs = MAX_HELD + 300;
      const runOf = (i: number) => `run_held_${i}`;
      const stepsOf = (from: number) => Array.from({ length: runs }, (_, i) => stepEvent("completed", { id: `step_held_${from + i}`, run_id: runOf(i), completed_at: 1_755_180_030 }));
      const named = Array.from({ length: runs }, (_, i) => runEvent("in_progress", { id: runOf(i), model: i % 2 === 0 ? "gpt-4o" : "gpt-4.1" }));
      await append(batch([...named, ...stepsOf(0)], 0));
      await append(batch(stepsOf(runs), 2 * runs));
      expect(await stepsByModel(sql)).toEqual([["gpt-4.1", runs], ["gpt-4o", runs]]);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  it("holds at most MAX_HELD values, starting again past it", () => {
    const held = new Map<string, HeldSummary>();
    const summary = heldOf(undefined);
    for (let cell = 0; cell < MAX_HELD; cell++) hold(held, String(cell), summary);
    hold(held, "0", summary); // held already: nothing dropped
    expect(held.size).toBe(MAX_HELD);
    hold(held, String(MAX_HELD), summary);
    expect([...held.keys()]).toEqual([String(MAX_HELD)]);
  });
});

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
