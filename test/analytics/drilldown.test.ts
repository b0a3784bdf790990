import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRowSteps, pageRowSteps } from "../../src/analytics/drilldown.js";
import { DIMENSIONS } from "../../src/analytics/metrics.js";
import { loadPriceTable } from "../../src/analytics/prices.js";
import { buildReport, type ReportFilters } from "../../src/analytics/report.js";
import { openStore, type ReadStore } from "../../src/openStore.js";
import { generateWorld } from "../world/world.js";
import { snapshotRuns, snapshotSteps, storeOf, testPricesFile } from "./truth.js";

let store: ReadStore;
const steps = snapshotSteps(240, 9);

beforeAll(async () => {
  store = await openStore(await storeOf(generateWorld(5, { runs: 10 }), steps, snapshotRuns(steps)), { mode: "read" });
});
afterAll(() => store?.close());

const none: ReportFilters = { from: null, to: null, assistant: null, model: null };
const FILTERS: [string, ReportFilters][] = [
  ["no filter", none],
  ["two days", { ...none, from: "2025-01-30", to: "2025-01-31" }],
  ["one model, one assistant", { ...none, model: "gpt-4o-mini", assistant: "asst_alpha" }],
];

describe("a report row's steps (the console's drill-down)", () => {
  for (const [label, filters] of FILTERS) {
    it(`are exactly as many as the row counts, for every row of every dimension (${label}), paged without loss or repeat`, async () => {
      let rows = 0;
      for (const dimension of DIMENSIONS) {
        const report = await buildReport(store.sql, dimension, filters, await loadPriceTable(testPricesFile()));
        for (const row of report.rows) {
          const ref = { dimension, key: row.key };
          expect(await countRowSteps(store.sql, ref, filters), `${dimension} ${row.key}`).toBe(row.steps);
          const ids: string[] = [];
          let before: { createdAt: number; id: string } | undefined;
          for (;;) {
            const page = await pageRowSteps(store.sql, ref, filters, before, 25);
            ids.push(...page.steps.map((s) => s.id));
            if (!page.hasMore) break;
            const last = page.steps[page.steps.length - 1]!;
            before = { createdAt: last.created_at!, id: last.id };
          }
          expect(new Set(ids).size, `${dimension} ${row.key}`).toBe(row.steps);
          expect(ids.length).toBe(row.steps);
          rows++;
        }
      }
      expect(rows).toBeGreaterThan(DIMENSIONS.length);
    });
  }
});
