import { describe, expect, it } from "vitest";
import { recordsOfResponse } from "../../src/ingest/poll/index.js";
import { openRuns } from "../../src/projections/runs/queries.js";
import { appendAll } from "../../src/store/appendAll.js";
import type { Json } from "../helpers/fakeAssistants.js";
import { openStoreUnderTest } from "../helpers/storeUnderTest.js";
import { exampleExport } from "./fixtures.js";

/** A store holding these snapshots, as a poll would have appended them. */
async function storeOf(snapshots: Json[]) {
  const store = await openStoreUnderTest();
  const records = recordsOfResponse({ object: "list", data: snapshots }, "http://127.0.0.1/v1/fixture");
  await appendAll(store.append, (async function* () { yield* records; })(), { source: "poll" });
  return store;
}

const { run, steps } = exampleExport();
const at = (status: string, extra: Json = {}) => ({ ...run, status, ...extra });
const stepAt = (status: string, extra: Json = {}) => ({ ...steps[0]!, status, completed_at: null, usage: null, ...extra });
const ref = { threadId: run.thread_id as string, runId: run.id as string };

describe("openRuns: the runs poll --open polls", () => {
  it.each(["queued", "in_progress", "requires_action", "cancelling"])("a run whose winning snapshot is %s is open", async (status) => {
    const store = await storeOf([at(status)]);
    expect(await openRuns(store.sql)).toEqual([ref]);
    await store.close();
  });

  it.each(["completed", "failed", "cancelled", "incomplete"])("a %s run whose steps are all finished is not open", async (status) => {
    const store = await storeOf([at("in_progress"), at(status), ...steps]);
    expect(await openRuns(store.sql)).toEqual([]);
    await store.close();
  });

  it("a completed run with a step still in progress (a stream cut short) is open", async () => {
    const store = await storeOf([at("completed"), stepAt("in_progress")]);
    expect(await openRuns(store.sql)).toEqual([ref]);
    await store.close();
  });

  it("a run known only by an in-progress step is open", async () => {
    const store = await storeOf([stepAt("in_progress")]);
    expect(await openRuns(store.sql)).toEqual([ref]);
    await store.close();
  });

  it("an expired run is not open: its unfinished steps expired with it (rule 4)", async () => {
    const store = await storeOf([at("expired", { expires_at: 1755094200 }), stepAt("in_progress")]);
    expect(await openRuns(store.sql)).toEqual([]);
    await store.close();
  });
});
