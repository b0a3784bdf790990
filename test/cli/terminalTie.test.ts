import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";

const step = {
  id: "step_T1eBreak", object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_1", thread_id: "thread_1",
  run_id: "run_1", type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1755180009,
};
// The same completion twice, as a stream and a poll might give it: one leaves metadata out, one sends null.
const leavesOut = { ...step, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
const sendsNull = { ...step, metadata: null, usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } };

describe("a terminal tie arriving in a later batch (CONTRACT §5 rule 2)", () => {
  it.each([
    ["the snapshot that leaves metadata out first", [leavesOut, sendsNull]],
    ["the snapshot that sends null first", [sendsNull, leavesOut]],
  ])("given %s, when each is ingested on its own, then the row is the larger canonical JSON and verify agrees", async (_what, order) => {
    const db = tempDb();
    const dir = tempDir(); // in the PostgreSQL half the store is a URL, not a folder
    for (const [i, snapshot] of order.entries()) {
      const file = join(dir, `poll-${i}.jsonl`);
      writeFileSync(file, `${JSON.stringify(snapshot)}\n`);
      expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    }
    const steps = await stepstore(["steps", "--db", db]);
    expect(JSON.parse(steps.stdout)).toMatchObject({ metadata: null, usage: leavesOut.usage });
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });
});
