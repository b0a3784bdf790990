import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDir, tempDb } from "../helpers/cli.js";

const STEP_ID = "step_Str1ctDelta";
const step = (status: string, toolCalls: unknown[], changes: Record<string, unknown> = {}) => ({
  id: STEP_ID, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb",
  thread_id: "thread_Wq3nE8rT5yUi0oPa", run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "tool_calls", status,
  step_details: { type: "tool_calls", tool_calls: toolCalls }, last_error: null, expired_at: null, cancelled_at: null,
  failed_at: null, completed_at: status === "completed" ? 1755180009 : null, metadata: { tenant: "acme" }, usage: null, ...changes,
});
const delta = (...toolCalls: unknown[]) => ({ id: STEP_ID, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: toolCalls } } });
const messageDelta = (messageCreation: unknown) => ({ id: STEP_ID, object: "thread.run.step.delta", delta: { step_details: { type: "message_creation", message_creation: messageCreation } } });
const fileSearch = (fs: unknown) => ({ id: "call_fs", type: "file_search", file_search: fs });

async function ingest(records: unknown[]) {
  const dir = tempDir();
  const db = tempDb();
  const file = join(dir, "in.jsonl");
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const result = await stepstore(["ingest", file, "--db", db]);
  return { ...result, db };
}

async function rowsOf(db: string) {
  const result = await stepstore(["steps", "--db", db]);
  return result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { step_details: { tool_calls: Record<string, Record<string, unknown>>[] } });
}

describe("a delta's fields have the types and ranges a snapshot gives them (CONTRACT §1 v1.1)", () => {
  const BAD: [string, unknown, string][] = [
    ["a number message_id", messageDelta({ message_id: 7 }), "$.delta.step_details.message_creation.message_id"],
    ["a number code_interpreter input", delta({ index: 0, type: "code_interpreter", code_interpreter: { input: 7 } }), "$.delta.step_details.tool_calls[0].code_interpreter.input"],
    ["number logs", delta({ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 0, type: "logs", logs: 7 }] } }), "$.delta.step_details.tool_calls[0].code_interpreter.outputs[0].logs"],
    ["a number function output", delta({ index: 0, type: "function", function: { output: 7 } }), "$.delta.step_details.tool_calls[0].function.output"],
    ["number arguments", delta({ index: 0, type: "function", function: { arguments: 7 } }), "$.delta.step_details.tool_calls[0].function.arguments"],
    ["a score of 1.5", delta({ index: 0, ...fileSearch({ results: [{ file_id: "f", file_name: "a.md", score: 1.5 }] }) }), "$.delta.step_details.tool_calls[0].file_search.results[0].score"],
    ["a score_threshold of 2", delta({ index: 0, ...fileSearch({ ranking_options: { ranker: "auto", score_threshold: 2 } }) }), "$.delta.step_details.tool_calls[0].file_search.ranking_options.score_threshold"],
    ["a tool call of another type without index", delta({ type: "bing_grounding" }), "$.delta.step_details.tool_calls[0].index"],
  ];

  it("a delta with a top-level __proto__ key is rejected like one inside its delta", async () => {
    const result = await ingest([JSON.parse(`{"__proto__":{"a":1},"id":"${STEP_ID}","object":"thread.run.step.delta","delta":{}}`) as unknown]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('in.jsonl:1: $.__proto__: forbidden key "__proto__" in a delta');
  });

  it.each(BAD)("a delta with %s is rejected: ingest exits 3 and names the path", async (_what, record, path) => {
    const result = await ingest([record]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`in.jsonl:1: ${path}: `);
  });

  it.each([
    ["a score of 1.5", { status: "completed", step_details: { type: "tool_calls", tool_calls: [fileSearch({ results: [{ file_id: "f", file_name: "a.md", score: 1.5 }] })] } }, "$.step_details.tool_calls[0].file_search.results[0].score", /expected at most 1, got 1.5/],
    ["a score_threshold of 2", { step_details: { type: "tool_calls", tool_calls: [fileSearch({ ranking_options: { ranker: "auto", score_threshold: 2 } })] } }, "$.step_details.tool_calls[0].file_search.ranking_options.score_threshold", /expected at most 1, got 2/],
    ["a metadata value that is not a string", { metadata: { a: 1 } }, "$.metadata.a", /expected string, got 1/],
    // An own `__proto__` key, as JSON.parse makes it: zod's record alone would skip it.
    ["a metadata __proto__ value that is not a string", { metadata: JSON.parse('{"__proto__":5,"ok":"x"}') as unknown }, "$.metadata.__proto__", /expected string, got 5/],
  ])("a snapshot with %s is rejected with its path", async (_what, changes, path, reason) => {
    const result = await ingest([step("in_progress", [], changes)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`in\\.jsonl:1: ${path.replace(/[.[\]$]/g, "\\$&")}: ${reason.source}`));
  });

  it("a metadata value that is not a string is rejected, as is one in an event's data", async () => {
    const result = await ingest([{ id: "evt_1", object: "event", type: "thread.run.step.created", data: step("in_progress", [], { metadata: { a: 1 } }) }]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("$.data.metadata.a: expected string, got 1");
  });

  it("any ranker and any last_error.code are accepted (newer servers add values)", async () => {
    const result = await ingest([step("failed", [fileSearch({ ranking_options: { ranker: "semantic_2026", score_threshold: 0.5 } })], { last_error: { code: "invalid_prompt", message: "no" } })]);
    expect(result.code).toBe(0);
  });
});

describe("rows carry every key RunStepObject requires (CONTRACT §1 v1.1)", () => {
  it("a function call whose output never came is served with \"output\": null", async () => {
    const { code, db } = await ingest([step("completed", [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } }])]);
    expect(code).toBe(0);
    const [row] = await rowsOf(db);
    expect(row!.step_details.tool_calls[0]!.function).toEqual({ name: "lookup", arguments: "{}", output: null });
  });

  it("a code_interpreter call whose chunks never sent outputs is served with \"outputs\": [], and a function call's missing keys filled", async () => {
    const { code, db } = await ingest([
      step("in_progress", []),
      delta({ index: 0, id: "call_ci", type: "code_interpreter", code_interpreter: { input: "print(1)" } }),
      delta({ index: 1, id: "call_fn", type: "function", function: { arguments: "{}" } }),
    ]);
    expect(code).toBe(0);
    const [row] = await rowsOf(db);
    expect(row!.step_details.tool_calls).toEqual([
      { id: "call_ci", type: "code_interpreter", code_interpreter: { input: "print(1)", outputs: [] } },
      { id: "call_fn", type: "function", function: { arguments: "{}", name: "", output: null } },
    ]);
  });

  it("a tool call of type constructor (or __proto__, toString) is kept whole as another vendor's type, never a crash", async () => {
    const calls = ["constructor", "__proto__", "toString"].map((type, i) => ({ id: `call_${i}`, type, extra: { i } }));
    const { code, db, stderr } = await ingest([step("completed", calls), delta({ index: 0, type: "constructor" })]);
    expect(stderr).not.toMatch(/is not a function/);
    expect(code).toBe(0);
    const [row] = await rowsOf(db);
    expect(row!.step_details.tool_calls).toEqual(calls);
  });

  it("a record whose object is \"constructor\" is rejected as an unknown kind, never a crash", async () => {
    const result = await ingest([{ object: "constructor", id: "x" }, { object: "toString" }]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('in.jsonl:1: $.object: unknown record kind "constructor"');
  });
});
