import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { rejectionsOf, stepstore, tempDb } from "../helpers/cli.js";

const step = (id: string) => ({
  id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
  type: "message_creation", status: "in_progress", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
});

describe("stdin and files without a telling name: the format is sniffed", () => {
  it("given JSONL whose first line is broken, then the other lines still land and only that line is rejected", async () => {
    const db = tempDb();
    const input = ['{"id":"step_broken",', JSON.stringify(step("step_Sn1")), JSON.stringify(step("step_Sn2"))].join("\n");
    const result = await stepstore(["ingest", "--db", db, "--json", "-"], { input });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    expect(result.stderr).toMatch(/^-:1: invalid JSON: /);
  });

  it("given JSONL whose first line is longer than the sniffed head, plain or gzipped, then every line lands as a JSONL record", async () => {
    const long = { ...step("step_Long1"), metadata: { note: "x".repeat(300_000) } };
    const input = [JSON.stringify(long), JSON.stringify(step("step_Long2"))].join("\n");
    for (const bytes of [Buffer.from(input), gzipSync(input)]) {
      const result = await stepstore(["ingest", "--db", tempDb(), "--json", "-"], { input: bytes });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse(result.stdout)).toEqual({ records: 2, appended: 2, duplicates: 0, rejected: 0 });
    }
  });

  it("given one pretty-printed document, then it is one record", async () => {
    const db = tempDb();
    const result = await stepstore(["ingest", "--db", db, "--json", "-"], { input: JSON.stringify(step("step_Pretty"), null, 2) });
    expect(JSON.parse(result.stdout)).toEqual({ records: 1, appended: 1, duplicates: 0, rejected: 0 });
  });

  it("given two different events with an empty id, then both are appended (an empty id names nothing)", async () => {
    const db = tempDb();
    const events = ["step_E1", "step_E2"].map((id) => JSON.stringify({ id: "", object: "event", type: "thread.run.step.created", data: step(id) }));
    const result = await stepstore(["ingest", "--db", db, "--json", "-"], { input: events.join("\n") });
    expect(JSON.parse(result.stdout)).toEqual({ records: 2, appended: 2, duplicates: 0, rejected: 0 });
  });

  it("given webhook events with a null id, then they are keyed by their content as with no id; a snapshot's own null id is still rejected", async () => {
    const db = tempDb();
    const events = ["step_N1", "step_N2", "step_N1"].map((id) => JSON.stringify({ id: null, object: "event", type: "thread.run.step.created", created_at: null, data: step(id) }));
    const input = [...events, JSON.stringify({ ...step("step_N3"), id: null })].join("\n");
    const result = await stepstore(["ingest", "--db", db, "--json", "-"], { input });
    expect(JSON.parse(result.stdout)).toEqual({ records: 4, appended: 2, duplicates: 1, rejected: 1 });
    // CONTRACT §8's line names the path, then the problem; the stored reason names the field itself (§4).
    expect(result.stderr).toBe("-:4: $.id: expected string, got null\n");
    expect((await rejectionsOf(db)).map((r) => [r.path, r.reason])).toEqual([["$.id", "id: expected string, got null"]]);
  });
});
