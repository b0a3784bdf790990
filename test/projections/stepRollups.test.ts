import { describe, expect, it } from "vitest";
import { createEventKeyer } from "../../src/records/eventKey.js";
import { verifyRows } from "../../src/projections/verify.js";
import type { SqlDatabase, SqlValue } from "../../src/store/sqlPort.js";
import { wireProjections } from "../../src/stepstore.js";
import { emptySpecDatabase } from "../helpers/storeUnderTest.js";
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

const rollups = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_rollups ORDER BY cell");
const summaries = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_summaries ORDER BY cell");
const histograms = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_seconds ORDER BY cell");
const costs = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_costs ORDER BY cell");
const toolSets = (sql: SqlDatabase) => sql.all<Record<string, SqlValue>>("SELECT * FROM step_rollup_tools ORDER BY tool_set, tool");

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
      const appended = await rollups(sql);
      expect(appended.length).toBeGreaterThan(10);
      expect(appended.every((row) => Number(row.steps) > 0)).toBe(true);
      // Some runs were named by a snapshot after their steps: those steps moved from (unknown) to the run's model.
      expect(appended.some((row) => row.model !== "(unknown)")).toBe(true);
      const appendedSummaries = await summaries(sql);
      const appendedHistograms = await histograms(sql);
      const appendedCosts = await costs(sql);
      const appendedToolSets = await toolSets(sql);
      expect(appendedCosts.length).toBeGreaterThan(7);
      expect(new Set(appendedSummaries.map((row) => row.dimension)).size, "seven dimensions and the whole").toBe(8);
      expect(appendedSummaries.some((row) => row.p95_completion_seconds !== null)).toBe(true);
      expect(appendedHistograms.length).toBeGreaterThan(7);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
      await wireProjections(sql).rebuild();
      expect(await rollups(sql)).toEqual(appended);
      expect(await summaries(sql)).toEqual(appendedSummaries);
      expect(await histograms(sql)).toEqual(appendedHistograms);
      expect(await costs(sql)).toEqual(appendedCosts);
      // Steps moved from one tool set to another as their tools streamed in: a set no cell names any more is gone.
      expect(await toolSets(sql)).toEqual(appendedToolSets);
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
      const byModel = await sql.all<{ model: string; steps: number }>("SELECT model, sum(steps) AS steps FROM step_rollups GROUP BY model ORDER BY model");
      expect(byModel.map((row) => [row.model, Number(row.steps)])).toEqual([["gpt-4o-mini", 1]]);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  it("given a rollup row edited, added or removed by hand, verify names each", () =>
    withAppendedWorld(7, async (sql) => {
      const [first, second, third] = await rollups(sql);
      await sql.run("UPDATE step_rollups SET steps = steps + 1 WHERE cell = ?", [first!.cell!]);
      await sql.run("DELETE FROM step_rollups WHERE cell = ?", [second!.cell!]);
      await sql.run("UPDATE step_rollups SET model = 'gpt-by-hand' WHERE cell = ?", [third!.cell!]);
      const { differences } = await verifyRows(sourceOf(sql));
      // The totals, compared with the edited rollups, differ too: after the rollups' own lines.
      const ofRollups = differences.filter((line) => line.startsWith("step_rollups "));
      expect(differences.slice(0, 4)).toEqual(ofRollups);
      expect(ofRollups).toEqual(expect.arrayContaining([
        `step_rollups ${first!.cell}: steps is ${Number(first!.steps) + 1}, the steps give ${Number(first!.steps)}`,
        `step_rollups ${second!.cell}: missing from the table`,
        `step_rollups ${third!.cell}: its cell does not name its columns (${String(third!.cell).replace(JSON.stringify(third!.model), '"gpt-by-hand"')})`,
        `step_rollups ${third!.cell}: missing from the table`,
      ]));
      expect(ofRollups).toHaveLength(4);
    }));

  it("given a summary, a histogram row and a costs row edited by hand, verify names each both ways", () =>
    withAppendedWorld(9, async (sql) => {
      const row = (await sql.all<Record<string, SqlValue>>("SELECT * FROM step_summaries WHERE dimension = 'tool' AND p95_completion_seconds IS NOT NULL ORDER BY cell LIMIT 1"))[0]!;
      await sql.run("UPDATE step_summaries SET p95_completion_seconds = p95_completion_seconds + 7 WHERE cell = ?", [row.cell!]);
      const values = (p95: number) => ["steps", "in_progress", "cancelled", "failed", "completed", "expired", "timed_steps", "timed_seconds", "prompt_tokens",
        "completion_tokens", "total_tokens", "p50_completion_seconds"].map((c) => `${c} ${row[c]}`).join(", ") + `, p95_completion_seconds ${p95}`;
      const bucket = (await sql.all<Record<string, SqlValue>>("SELECT * FROM step_seconds WHERE summary = ? ORDER BY seconds LIMIT 1", [row.cell!]))[0]!;
      await sql.run("UPDATE step_seconds SET steps = steps + 2 WHERE cell = ?", [bucket.cell!]);
      const cost = (await sql.all<Record<string, SqlValue>>("SELECT * FROM step_costs WHERE dimension = 'model' ORDER BY cell LIMIT 1"))[0]!;
      await sql.run("UPDATE step_costs SET prompt_tokens = prompt_tokens - 1 WHERE cell = ?", [cost.cell!]);
      const costSums = (prompt: number) => `steps ${cost.steps}, prompt_tokens ${prompt}, completion_tokens ${cost.completion_tokens}`;
      const named = (...keys: SqlValue[]) => JSON.stringify(keys);
      expect((await verifyRows(sourceOf(sql))).differences).toEqual([
        `step_summaries ${named("tool", row.key!)}: the table has ${values(Number(row.p95_completion_seconds) + 7)}, the rollups do not`,
        `step_summaries ${named("tool", row.key!)}: the rollups give ${values(Number(row.p95_completion_seconds))}, the table does not`,
        `step_seconds ${named("tool", row.key!, bucket.seconds!)}: the table has steps ${Number(bucket.steps) + 2}, the rollups do not`,
        `step_seconds ${named("tool", row.key!, bucket.seconds!)}: the rollups give steps ${bucket.steps}, the table does not`,
        `step_costs ${named("model", cost.key!, cost.model!)}: the table has ${costSums(Number(cost.prompt_tokens) - 1)}, the rollups do not`,
        `step_costs ${named("model", cost.key!, cost.model!)}: the rollups give ${costSums(Number(cost.prompt_tokens))}, the table does not`,
      ]);
    }));

  it("given a tool set's tools edited by hand (a set no cell names, a tool its set lacks, a tool lost), verify names step_rollup_tools first", () =>
    withAppendedWorld(11, async (sql) => {
      const [kept, lost] = await sql.all<{ tool_set: string; tool: string }>("SELECT tool_set, tool FROM step_rollup_tools ORDER BY tool_set, tool LIMIT 2");
      await sql.run("INSERT INTO step_rollup_tools VALUES ('zz', 'zz'), (?, 'function:phantom')", [kept!.tool_set]);
      await sql.run("DELETE FROM step_rollup_tools WHERE tool_set = ? AND tool = ?", [lost!.tool_set, lost!.tool]);
      const { differences } = await verifyRows(sourceOf(sql));
      expect(differences.slice(0, 3).sort()).toEqual([
        `step_rollup_tools ${JSON.stringify([kept!.tool_set, "function:phantom"])}: in the table, but no step of that tool set has that tool`,
        `step_rollup_tools ${JSON.stringify([lost!.tool_set, lost!.tool])}: missing from the table`,
        `step_rollup_tools ${JSON.stringify(["zz", "zz"])}: in the table, but no step of that tool set has that tool`,
      ].sort());
    }));
});
