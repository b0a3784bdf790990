import { describe, expect, it } from "vitest";
import { recordsOf, type AcceptedRecord } from "../../src/records/classify.js";
import type { AppendBatch, AppendResult, LateBatch } from "../../src/store/append.js";
import { createGroupCommit } from "../../src/store/groupCommit.js";
import { eventsOfStep } from "../helpers/storeRows.js";
import { openStoreUnderTest } from "../helpers/storeUnderTest.js";

function stepEvent(id: string, stepId: string): AcceptedRecord {
  const value = {
    id, object: "event", type: "thread.run.step.created", created_at: 1755180000,
    data: {
      id: stepId, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
      type: "message_creation", status: "in_progress", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
      last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: null, usage: null,
    },
  };
  const [record] = recordsOf(value, JSON.stringify(value), `test ${id}`);
  return record as AcceptedRecord;
}

/** A store whose appends are counted: `calls` holds each transaction's batch as it took it, `started` the appends begun. */
async function countedStore() {
  const store = await openStoreUnderTest();
  const calls: AppendBatch[] = [];
  let started = 0;
  const taken = (batch: AppendBatch) => (calls.push(batch), batch);
  const append = (batch: LateBatch): Promise<AppendResult> => {
    started++;
    return store.append(typeof batch === "function" ? () => taken(batch()) : taken(batch));
  };
  return { store, calls, append, started: () => started };
}

describe("group commit", () => {
  it("batches submitted in the same turn share one append transaction, each answered with its own share", async () => {
    const { store, calls, append } = await countedStore();
    const commit = createGroupCommit(append, { source: "webhook" });
    const answers = await Promise.all([
      commit.submit({ accepted: [{ record: stepEvent("evt_1", "step_1"), key: "evt_1" }], rejected: [] }),
      commit.submit({ accepted: [], rejected: [{ ok: false, reason: "bad", path: "$", origin: "test", raw: "{}" }] }),
      commit.submit({ accepted: [{ record: stepEvent("evt_2", "step_2"), key: "evt_2" }, { record: stepEvent("evt_1", "step_1"), key: "evt_1" }], rejected: [] }),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.source).toBe("webhook");
    const [first, rejected, third] = answers;
    expect(first).toEqual({ appended: 1, duplicates: 0, rejected: 0, results: [{ status: "appended", position: 1 }], lastPosition: 1 });
    expect(rejected).toEqual({ appended: 0, duplicates: 0, rejected: 1, results: [], lastPosition: 0 });
    expect(third).toEqual({
      appended: 1, duplicates: 1, rejected: 0,
      results: [{ status: "appended", position: 2 }, { status: "duplicate", position: 1 }],
      lastPosition: 2,
    });
    expect((await eventsOfStep(store.sql, "step_2")).map((e) => e.position)).toEqual([2]);
    await store.close();
  });

  it("a group that reaches its record limit commits at once, without waiting for the turn to end", async () => {
    const { store, calls, append, started } = await countedStore();
    const commit = createGroupCommit(append, { source: "webhook", maxRecords: 2 });
    const pending = [1, 2, 3].map((i) => commit.submit({ accepted: [{ record: stepEvent(`evt_${i}`, `step_${i}`), key: `evt_${i}` }], rejected: [] }));
    expect(started()).toBe(1);
    await Promise.all(pending);
    expect(calls.map((c) => c.accepted.length)).toEqual([2, 1]);
    await store.close();
  });

  it("the group is taken once the transaction holds the log: batches submitted while it waited for the lock go in it", async () => {
    const { store, calls, append } = await countedStore();
    let letIn!: () => void;
    const lockFree = new Promise<void>((resolve) => (letIn = resolve));
    // The first append waits, as for another process's append lock, before its transaction takes the group.
    const commit = createGroupCommit(async (batch) => (await lockFree, append(batch)), { source: "webhook" });
    const submit = (i: number) => commit.submit({ accepted: [{ record: stepEvent(`evt_${i}`, `step_${i}`), key: `evt_${i}` }], rejected: [] });
    const first = submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // its commit has started
    const later = [submit(2), submit(3)];
    letIn();
    const answers = await Promise.all([first, ...later]);
    expect(calls.map((c) => c.accepted.length)).toEqual([3]);
    expect(answers.map((a) => a.results)).toEqual([1, 2, 3].map((position) => [{ status: "appended", position }]));
    await store.close();
  });

  it("nothing is answered before its commit, and a failed commit fails every batch of its group but not the next group", async () => {
    const { store, append } = await countedStore();
    let failNext = true;
    const commit = createGroupCommit((batch) => {
      if (failNext) {
        failNext = false;
        throw new Error("disk full");
      }
      return append(batch);
    }, { source: "webhook" });
    const doomed = [1, 2].map((i) => commit.submit({ accepted: [{ record: stepEvent(`evt_${i}`, `step_${i}`), key: `evt_${i}` }], rejected: [] }));
    await expect(Promise.all(doomed)).rejects.toThrow("disk full");
    await expect(doomed[1]).rejects.toThrow("disk full");
    expect((await eventsOfStep(store.sql, "step_1"))).toEqual([]);
    const next = await commit.submit({ accepted: [{ record: stepEvent("evt_1", "step_1"), key: "evt_1" }], rejected: [] });
    expect(next.results).toEqual([{ status: "appended", position: 1 }]);
    await store.close();
  });

  it("under load (the last group was shared) a batch submitted a turn later still joins the next group; an idle service commits at once", async () => {
    const { store, calls, append } = await countedStore();
    const commit = createGroupCommit(append, { source: "webhook", loadedWaitMs: 200 });
    const submit = (i: number) => commit.submit({ accepted: [{ record: stepEvent(`evt_${i}`, `step_${i}`), key: `evt_${i}` }], rejected: [] });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    // Idle: a lone batch is committed at the end of its turn.
    await submit(1);
    expect(calls.map((c) => c.accepted.length)).toEqual([1]);
    // Two in one turn: a shared group, so the service now counts as loaded.
    await Promise.all([submit(2), submit(3)]);
    expect(calls.map((c) => c.accepted.length)).toEqual([1, 2]);
    // Loaded: the next group waits for batches from later turns.
    const first = submit(4);
    await nextTurn();
    await nextTurn();
    const second = submit(5);
    await Promise.all([first, second]);
    expect(calls.map((c) => c.accepted.length)).toEqual([1, 2, 2]);
    await store.close();
  });
});

