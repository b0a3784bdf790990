import { describe, expect, it } from "vitest";
import { recordsOfResponse } from "../../src/ingest/poll/index.js";
import { listRunSteps } from "../../src/projections/runSteps/queries.js";
import { appendAll } from "../../src/store/appendAll.js";
import { snapshotSteps } from "../analytics/truth.js";
import { openStoreUnderTest } from "../helpers/storeUnderTest.js";

const STEPS = 2500; // more than one statement's chunk of rows or keys on PostgreSQL (1,000)

const records = (data: readonly unknown[]) => (async function* () {
  yield* recordsOfResponse({ object: "list", data }, "http://127.0.0.1/v1/fixture");
})();

describe("one batch larger than a statement's chunk", () => {
  it("given 2,500 step snapshots in one batch, every step lands once, in the batch's order, as its snapshot; sent again, all are duplicates at the same positions", async () => {
    const store = await openStoreUnderTest();
    try {
      const snapshots = snapshotSteps(STEPS);
      const first = await appendAll(store.append, records(snapshots), { source: "poll", batchSize: 5000 });
      expect(first).toEqual({ records: STEPS, appended: STEPS, duplicates: 0, rejected: 0 });
      const log = await store.sql.all<{ position: number; step_id: string }>("SELECT position, step_id FROM events ORDER BY position");
      expect(log.map((e) => e.step_id)).toEqual(snapshots.map((s) => s.id));
      expect(log.map((e) => e.position)).toEqual(snapshots.map((_, i) => i + 1));

      const byOrder = [...snapshots].sort((a, b) => (a.created_at - b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      expect(await listRunSteps(store.sql, {})).toEqual(byOrder);

      const again = await appendAll(store.append, records([...snapshots].reverse()), { source: "poll", batchSize: 5000 });
      expect(again).toEqual({ records: STEPS, appended: 0, duplicates: STEPS, rejected: 0 });
      expect((await store.sql.get<{ n: number }>("SELECT count(*) AS n FROM events"))!.n).toBe(STEPS);
      const tools = await store.sql.get<{ n: number }>("SELECT count(DISTINCT step_id) AS n FROM run_step_tools");
      expect(tools!.n).toBe(STEPS); // every step has a tool row (message_creation counts as one)
    } finally {
      await store.close();
    }
  });
});

describe("a batch of large records", () => {
  it("given five records of 17 MB each, when appended with room for 5,000 a batch, then they commit 64 MiB of text at a time (four, then one), each once", async () => {
    const store = await openStoreUnderTest();
    try {
      const padded = snapshotSteps(5).map((step, i) => ({ ...step, x_pad: `${i}`.padEnd(17_000_000, "p") }));
      const commits: number[] = [];
      const result = await appendAll(store.append, records(padded), { source: "poll", batchSize: 5000, onCommit: (batch) => commits.push(batch.appended) });
      expect(result).toEqual({ records: 5, appended: 5, duplicates: 0, rejected: 0 });
      expect(commits).toEqual([4, 1]);
    } finally {
      await store.close();
    }
  });
});
