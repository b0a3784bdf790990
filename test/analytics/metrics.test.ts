import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { storeRows } from "../helpers/storeRows.js";
import { countRowSteps, pageRowSteps } from "../../src/analytics/drilldown.js";
import { utcDayStart, viewSelect, VIEW_NAMES } from "../../src/analytics/metrics.js";
import { openStore } from "../../src/openStore.js";
import { ROOT, stepstore, tempDb, tempDir, type CliResult } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";
import { generateWorld, type World } from "../world/world.js";
import {
  DIMENSIONS, expectRows, KEY_COLUMN, snapshotRuns, snapshotSteps, storeOf, testPricesFile, truthRows, utcDay, type Filter, type Truth,
} from "./truth.js";

let world: World;
let truth: Truth;
let db: string;
let prices: string;
let filters: [string, Filter][];

beforeAll(async () => {
  world = generateWorld(20261125, { runs: 60 });
  const snapshots = snapshotSteps(400);
  const runs = snapshotRuns(snapshots);
  truth = { steps: [...world.steps, ...snapshots], runs: [...world.runs, ...runs] };
  db = await storeOf(world, snapshots, runs);
  prices = testPricesFile();
  const days = [...new Set(snapshots.map((s) => utcDay(s.created_at)))].sort();
  const middle = days[Math.floor(days.length / 2)]!;
  filters = [
    ["no filter", {}],
    ["--from and --to", { from: days[2]!, to: days.at(-3)! }],
    ["--assistant", { assistant: world.assistants[0]! }],
    ["--from, --to and --assistant", { from: middle, to: days.at(-2)!, assistant: "asst_Émile" }],
    ["--model (a dated snapshot)", { model: "gpt-4o-2024-08-06" }],
    ["--model (unknown)", { model: "(unknown)" }],
    ["--from, --to and --model", { from: days[1]!, to: days.at(-2)!, model: "gpt-4o-mini" }],
  ];
});

const filterArgs = (filter: Filter) => Object.entries(filter).flatMap(([name, value]) => [`--${name}`, value as string]);

describe("the generated world covers what the metrics distinguish", () => {
  it("given the world, then it has every status, both types, several tools, error codes, days, hours, assistants and models", () => {
    const statuses = new Set(truth.steps.map((s) => s.status));
    expect([...statuses].sort()).toEqual(["cancelled", "completed", "expired", "failed", "in_progress"]);
    expect(new Set(truth.steps.map((s) => s.type)).size).toBe(2);
    expect(truthRows(truth, "hour").length).toBeGreaterThanOrEqual(24);
    const models = truthRows(truth, "model");
    // Priced exactly and by family, unpriced (no cost), and unknown (no run snapshot).
    expect(models.map((row) => row.key)).toEqual(expect.arrayContaining(["(unknown)", "ft:acme-support", "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"]));
    expect(models.filter((row) => row.cost_usd === null).map((row) => row.key)).toEqual(["(unknown)", "ft:acme-support"]);
    expect(truthRows(truth, "tool").length).toBeGreaterThanOrEqual(4);
    expect(truthRows(truth, "error").length).toBeGreaterThanOrEqual(2);
    expect(truthRows(truth, "day").length).toBeGreaterThanOrEqual(8);
    expect(truthRows(truth, "assistant").length).toBeGreaterThanOrEqual(2);
  });
});

describe("the stats_by_* views (CONTRACT §6, §7)", () => {
  it("given a store of the world, when each view is read, then every row equals the metrics computed from the ground truth", async () => {
    {
      for (const dimension of DIMENSIONS) {
        const rows = await storeRows(db, `SELECT * FROM ${VIEW_NAMES[dimension]}`);
        // The views carry every §7 column but cost_usd.
        const expected = truthRows(truth, dimension).map(({ key, cost_usd: _cost, ...metrics }) => ({ [KEY_COLUMN[dimension]]: key, ...metrics }));
        expect(rows, dimension).toEqual(expected);
        // Exactly the §7 columns, in order, after the key column.
        expect(rows[0] && Object.keys(rows[0]), dimension).toEqual(Object.keys(expected[0]!));
      }
    }
  });

  it("given the migrations, then the views are created from exactly the SELECT src/analytics/metrics.ts writes", () => {
    const folder = join(ROOT, "migrations");
    // Each migration file's statements, in order (a file's last statement has no breakpoint after it).
    const statements = readdirSync(folder).filter((f) => f.endsWith(".sql")).sort()
      .flatMap((f) => readFileSync(join(folder, f), "utf8").split("--> statement-breakpoint"))
      .map((s) => s.trim().replace(/;$/, ""));
    for (const dimension of DIMENSIONS) {
      const created = statements.filter((s) => s.startsWith(`CREATE VIEW \`${VIEW_NAMES[dimension]}\``));
      expect(created.at(-1), dimension).toBe(`CREATE VIEW \`${VIEW_NAMES[dimension]}\` AS ${viewSelect("sqlite", dimension)}`);
    }
  });
});

describe("stepstore report --format json (CONTRACT §8)", () => {
  it("given a store of the world, when reported by every dimension with and without --from/--to/--assistant/--model, then every row equals the ground truth", async () => {
    const cases = DIMENSIONS.flatMap((dimension) => filters.map(([label, filter]) => ({ dimension, label, filter })));
    const results: CliResult[] = [];
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      results.push(...(await Promise.all(
        batch.map(({ dimension, filter }) => stepstore(["report", "--db", db, "--by", dimension, "--prices", prices, "--format", "json", ...filterArgs(filter)])),
      )));
    }
    cases.forEach(({ dimension, label, filter }, i) => {
      const result = results[i]!;
      expect(result.code, `${dimension} ${label}: ${result.stderr}`).toBe(0);
      const report = JSON.parse(result.stdout) as { dimension: string; filters: unknown; rows: unknown[] };
      expect(report.dimension).toBe(dimension);
      expect(report.filters).toEqual({ from: filter.from ?? null, to: filter.to ?? null, assistant: filter.assistant ?? null, model: filter.model ?? null });
      expectRows(report.rows as Record<string, unknown>[], truthRows(truth, dimension, filter), `${dimension} ${label}`);
      // At 12 significant digits: each engine sums floating point in its own order, and both stores must print the same.
      const costs = (report.rows as { cost_usd: number | null }[]).flatMap((row) => (row.cost_usd === null ? [] : [row.cost_usd]));
      expect(costs, `${dimension} ${label}`).toEqual(costs.map((cost) => Number(cost.toPrecision(12))));
    });
    // The filters do select.
    const kept = (filter: Filter) => truthRows(truth, "type", filter).reduce((sum, row) => sum + row.steps, 0);
    for (const [label, filter] of filters.slice(1)) {
      expect(kept(filter), label).toBeGreaterThan(0);
      expect(kept(filter), label).toBeLessThan(kept({}));
    }
  });

  it("given a filter that keeps no step, when reported, then the rows are empty and it still succeeds", async () => {
    const result = await stepstore(["report", "--db", db, "--by", "tool", "--assistant", "asst_nobody"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ dimension: "tool", filters: { from: null, to: null, assistant: "asst_nobody", model: null }, rows: [] });
  });
});

describe("--from/--to dates (CONTRACT §8: inclusive UTC dates)", () => {
  it.each([
    ["2025-08-14", Date.parse("2025-08-14T00:00:00Z") / 1000],
    ["2024-02-29", Date.parse("2024-02-29T00:00:00Z") / 1000],
    ["0050-01-01", Date.parse("0050-01-01T00:00:00Z") / 1000],
    ["2025-02-29", null],
    ["2025-13-01", null],
    ["2025-8-14", null],
  ])("given %s, then the day starts at %s", (date, seconds) => {
    expect(utcDayStart(date)).toBe(seconds);
  });
});

describe("day and hour keys at the ends of the years a record may hold (0001-01-01 to 9999-12-31 UTC, CONTRACT §7, §10)", () => {
  /** created_at of years 1, 2025 and 9999 (the ends and a year between), and of years −1, 0, 10000 and past JavaScript's dates, which validation refuses. */
  const TIMES = { one: -62135596800, now: 1735689600, last: 253402300799 };
  const REFUSED = { minusOne: -62167219201, zero: -62167219200, tenThousand: 253402300800, far: 1e15 };
  let edges: string;
  let ingested: CliResult;
  beforeAll(async () => {
    edges = tempDb();
    const file = join(tempDir(), "edges.jsonl");
    const lines = Object.entries({ ...TIMES, ...REFUSED }).map(([name, t]) => `${stepLine(`step_${name}`, { created_at: t, assistant_id: "asst_Edge", status: "completed", completed_at: t === TIMES.last ? t : t + 5 })}\n`);
    writeFileSync(file, lines.join(""));
    ingested = await stepstore(["ingest", "--db", edges, file]);
  });

  it("given steps of years −1, 0, 10000 and 1e15, then each is rejected naming its created_at, and the steps beside them land", () => {
    expect(ingested.code).toBe(3);
    const reasons = ingested.stderr.trim().split("\n");
    expect(reasons).toHaveLength(Object.keys(REFUSED).length);
    for (const [i, t] of Object.values(REFUSED).entries()) {
      expect(reasons[i]).toContain(`:${Object.keys(TIMES).length + i + 1}: $.created_at: expected a Unix time from 0001-01-01 to 9999-12-31 UTC (-62135596800 to 253402300799), got ${t}`);
    }
  });

  it("given steps of years 1, 2025 and 9999, then the views, the reports (filtered or not) and verify agree on their keys", async () => {
    const verified = await stepstore(["verify", "--db", edges]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const expected = { day: ["0001-01-01", "2025-01-01", "9999-12-31"], hour: ["0001-01-01T00", "2025-01-01T00", "9999-12-31T23"] };
    for (const dimension of ["day", "hour"] as const) {
      const view = await storeRows<Record<string, unknown>>(edges, `SELECT * FROM ${VIEW_NAMES[dimension]}`);
      expect(view.map((row) => row[dimension]), dimension).toEqual(expected[dimension]);
      for (const filter of [[], ["--assistant", "asst_Edge"]]) {
        const report = await stepstore(["report", "--db", edges, "--by", dimension, ...filter]);
        expect(report.code, report.stderr).toBe(0);
        const rows = (JSON.parse(report.stdout) as { rows: { key: string | null; steps: number }[] }).rows;
        expect(rows.map((row) => [row.key, row.steps]), `${dimension} ${filter.join(" ")}`).toEqual(view.map((row) => [row[dimension], row.steps]));
      }
    }
  });

  it("given those steps, when filtered by --from or --to, then the steps of those days are kept, by day as by any other dimension", async () => {
    const stepsBy = async (by: string, filter: string[]) => {
      const report = await stepstore(["report", "--db", edges, "--by", by, ...filter]);
      expect(report.code, report.stderr).toBe(0);
      return (JSON.parse(report.stdout) as { rows: { key: string | null; steps: number }[] }).rows.map((row) => [row.key, row.steps]);
    };
    for (const [filter, days] of [[["--from", "2025-01-01"], [["2025-01-01", 1], ["9999-12-31", 1]]], [["--to", "0001-01-01"], [["0001-01-01", 1]]]] as const) {
      expect(await stepsBy("day", [...filter]), filter.join(" ")).toEqual(days);
      expect(await stepsBy("assistant", [...filter]), filter.join(" ")).toEqual([["asst_Edge", days.length]]);
    }
  });

  it("given those steps, then the console's drill-down of a day or hour row at either end lists exactly its step, and year 0 is no key", async () => {
    const store = await openStore(edges, { mode: "read" });
    try {
      const none = { from: null, to: null, assistant: null, model: null };
      for (const [dimension, first, last] of [["day", "0001-01-01", "9999-12-31"], ["hour", "0001-01-01T00", "9999-12-31T23"]] as const) {
        for (const [key, step] of [[first, "step_one"], [last, "step_last"]] as const) {
          expect(await countRowSteps(store.sql, { dimension, key }, none), key).toBe(1);
          expect((await pageRowSteps(store.sql, { dimension, key }, none, undefined, 10)).steps.map((s) => s.id), key).toEqual([step]);
        }
        expect(await countRowSteps(store.sql, { dimension, key: null }, none), "no step without a key").toBe(0);
        expect(await countRowSteps(store.sql, { dimension, key: dimension === "day" ? "0000-01-01" : "0000-01-01T00" }, none), "year 0 is no key").toBe(0);
      }
    } finally {
      await store.close();
    }
  });
});
