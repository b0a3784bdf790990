import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";

// CONTRACT §3: a delta's key is its document's identity (its first 64 KiB), its step, its ordinal among the step's
// deltas in the document, and its content. A delta that is rejected holds its place too: when the same document is
// read again and that delta is now taken (a corrected copy, a version that accepts it), the step's later deltas keep
// their keys and are duplicates, not appended a second time. (The delta taken late applies after them: one step's
// deltas apply in log order, CONTRACT §5.)

const STEP_ID = "step_0rd1nalKept";
const snapshot = {
  id: STEP_ID, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb",
  thread_id: "thread_Wq3nE8rT5yUi0oPa", run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "tool_calls", status: "in_progress",
  step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "", output: null } }] },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: {}, usage: null,
};
const toolCallDelta = (call: Record<string, unknown>) => ({
  id: STEP_ID, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, type: "function", ...call }] } },
});
// As a stream sends a call: its id and name first, then its arguments a chunk at a time.
const callOpens = toolCallDelta({ id: "call_1", function: { name: "lookup", arguments: "" } });
const argumentsDelta = (chunk: unknown) => toolCallDelta({ function: { arguments: chunk } });
// Past the 64 KiB that name the document: both copies below are the same document.
const padding = { id: "asst_Pad", object: "assistant", created_at: 1755170000, model: "gpt-4o", instructions: "x".repeat(70 * 1024) };

function documentWith(middle: unknown, dir: string, name: string): string {
  const file = join(dir, name);
  const records = [padding, snapshot, callOpens, argumentsDelta('{"q":"'), ...(middle === undefined ? [] : [middle]), argumentsDelta('"}')];
  writeFileSync(file, records.map((record) => JSON.stringify(record)).join("\n") + "\n");
  return file;
}

const argumentsOf = async (db: string) => {
  const { stdout } = await stepstore(["steps", "--db", db]);
  return (JSON.parse(stdout) as { step_details: { tool_calls: { function: { arguments: string } }[] } }).step_details.tool_calls[0]!.function.arguments;
};

const deltasOf = async (db: string) => {
  const { stdout } = await stepstore(["sql", "--db", db, "--format", "json", `SELECT count(*) AS n FROM events WHERE type = 'thread.run.step.delta' AND step_id = '${STEP_ID}'`]);
  return (JSON.parse(stdout) as { n: number }[])[0]!.n;
};

describe("a rejected delta keeps its place among its step's deltas (CONTRACT §3)", () => {
  it("the document read again with that delta taken appends it alone: the step's later deltas are duplicates", async () => {
    const dir = tempDir();
    const rejected = documentWith(argumentsDelta(7), dir, "a.jsonl"); // a number as arguments: rejected (CONTRACT §1 v1.1)
    const corrected = documentWith(argumentsDelta("weather"), dir, "b.jsonl");
    const db = tempDb();

    const first = await stepstore(["ingest", rejected, "--db", db]);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain("a.jsonl:5: $.delta.step_details.tool_calls[0].function.arguments: ");
    const again = await stepstore(["ingest", corrected, "--db", db]);
    expect(again.stdout).toContain("6 records: 1 appended, 5 duplicates, 0 rejected");
    expect(await deltasOf(db)).toBe(4);
    // Each chunk once, the one taken late last (before: the closing '"}' was appended again after it).
    expect(await argumentsOf(db)).toBe('{"q":""}weather');
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("a document an earlier version read, when its deltas' places counted the accepted ones alone, is all duplicates read again", async () => {
    const dir = tempDir();
    const db = tempDb();
    // What such a version stored for a document whose middle delta it rejected: the same document (its first 64 KiB)
    // with that delta left out, which this version keys as that one did.
    const earlier = await stepstore(["ingest", documentWith(undefined, dir, "earlier.jsonl"), "--db", db]);
    expect(earlier.stdout).toContain("5 records: 5 appended, 0 duplicates, 0 rejected");
    const again = await stepstore(["ingest", documentWith(argumentsDelta(7), dir, "a.jsonl"), "--db", db]);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain("6 records: 0 appended, 5 duplicates, 1 rejected");
    expect(await deltasOf(db)).toBe(3);
  });

  it("a delta wrapped in an event without an id keeps its place too", async () => {
    const dir = tempDir();
    const asEvent = (delta: unknown) => ({ event: "thread.run.step.delta", data: delta });
    const file = (middle: unknown, name: string) => {
      const path = join(dir, name);
      const records = [padding, snapshot, asEvent(callOpens), asEvent(argumentsDelta('{"q":"')), asEvent(middle), asEvent(argumentsDelta('"}'))];
      writeFileSync(path, records.map((record) => JSON.stringify(record)).join("\n") + "\n");
      return path;
    };
    const db = tempDb();
    expect((await stepstore(["ingest", file(argumentsDelta(7), "a.jsonl"), "--db", db])).code).toBe(3);
    const again = await stepstore(["ingest", file(argumentsDelta("sun"), "b.jsonl"), "--db", db]);
    expect(again.stdout).toContain("6 records: 1 appended, 5 duplicates, 0 rejected");
    expect(await deltasOf(db)).toBe(4);
    expect(await argumentsOf(db)).toBe('{"q":""}sun');
  });
});
