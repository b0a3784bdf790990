import { beforeAll, describe, expect, it } from "vitest";
import { stepstore } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";
import { DIMENSIONS, expectRows, snapshotRuns, snapshotSteps, storeOf, testPricesFile, truthRows, type Filter, type Truth } from "./truth.js";

/**
 * CONTRACT §7: a step of a priced model counts in `cost_usd` even without tokens (a NULL usage adds 0), so a group whose
 * priced steps have none costs 0, not NULL; NULL is for a group with no priced step. Without a filter the report reads
 * the per-key cost cells, with one the rollups: both must say so.
 */
describe("cost_usd of groups whose priced steps have no tokens", () => {
  let truth: Truth;
  let db: string;
  let prices: string;

  beforeAll(async () => {
    const world = generateWorld(11, { runs: 1 });
    // Every snapshot step without tokens: half with a NULL usage, half with zeros.
    const snapshots = snapshotSteps(60, 5).map((step, i) => ({ ...step, usage: i % 2 === 0 ? null : { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }));
    const runs = snapshotRuns(snapshots);
    truth = { steps: [...world.steps, ...snapshots], runs: [...world.runs, ...runs] };
    db = await storeOf(world, snapshots, runs);
    prices = testPricesFile();
  });

  it.each(DIMENSIONS)("by %s: as the truth has it, with and without a filter", async (dimension) => {
    for (const filter of [{}, { from: "2020-01-01" }] as Filter[]) {
      const args = filter.from ? ["--from", filter.from] : [];
      const report = await stepstore(["report", "--db", db, "--by", dimension, "--prices", prices, ...args]);
      expect(report.code, report.stderr).toBe(0);
      expectRows(JSON.parse(report.stdout).rows, truthRows(truth, dimension, filter), `--by ${dimension} ${args.join(" ")}`);
    }
  });

  it("the world holds groups that cost 0 and groups that cost nothing", () => {
    const costs = DIMENSIONS.flatMap((dimension) => truthRows(truth, dimension).map((row) => row.cost_usd));
    expect(costs).toContain(0);
    expect(costs).toContain(null);
  });
});
