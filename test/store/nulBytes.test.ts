import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";

describe("a record holding a NUL byte", () => {
  it("given a file with a NUL line beside a valid one, when ingested, then the valid one lands and the bad one is kept byte for byte (as base64)", async () => {
    const bad = '{"id":"evt_x","object":"event"\u0000}';
    const good = JSON.stringify({ id: "thread_1", object: "thread", created_at: 1755180000, metadata: {} });
    const file = join(tempDir(), "nul.jsonl");
    writeFileSync(file, `${bad}\n${good}\n`);
    const db = tempDb();
    const ingested = await stepstore(["ingest", "--json", "--db", db, file]);
    expect(ingested.code).toBe(3);
    expect(JSON.parse(ingested.stdout)).toEqual({ records: 2, appended: 1, duplicates: 0, rejected: 1 });
    const [rejection] = (await stepstore(["rejections", "--db", db])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(rejection.origin).toBe(`${file}:1`);
    expect(rejection.reason).toMatch(/\(raw is base64: it holds U\+0000\)$/);
    expect(Buffer.from(rejection.raw.replace(/^base64:/, ""), "base64").toString("utf8")).toBe(bad);
  });

  it("given a line that starts with a NUL byte (the token JSON.parse names), then its reason writes it as \\u0000 and the records beside it land (on PostgreSQL the batch failed)", async () => {
    const good = JSON.stringify({ id: "thread_2", object: "thread", created_at: 1755180000, metadata: {} });
    const file = join(tempDir(), "nul-first.jsonl");
    writeFileSync(file, `\u0000oops\n${good}\n`);
    const db = tempDb();
    const ingested = await stepstore(["ingest", "--db", db, file]);
    expect([ingested.code, ingested.stdout.trim().split("\n").at(-1)]).toEqual([3, "2 records: 1 appended, 0 duplicates, 1 rejected"]);
    expect(ingested.stderr).toContain(`${file}:1: invalid JSON: Unexpected token \\u0000 at column 1`);
    expect(ingested.stderr).not.toContain("\u0000");
    const [rejection] = (await stepstore(["rejections", "--db", db])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(rejection.reason).toBe("invalid JSON: Unexpected token \\u0000 at column 1 (raw is base64: it holds U+0000)");
  });
});

describe("U+0000, a lone surrogate or a very long value in a record's text", () => {
  const step = (id: string, changes: Record<string, unknown> = {}) => ({
    id, object: "thread.run.step", created_at: 1755500000, assistant_id: "asst_nul", thread_id: "thread_nul", run_id: "run_nul",
    type: "message_creation", status: "failed", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
    last_error: { code: "server_error", message: "x" }, expired_at: null, cancelled_at: null, failed_at: 1755500005, completed_at: null,
    metadata: null, usage: null, ...changes,
  });
  const toolStep = (id: string, name: string) => step(id, {
    type: "tool_calls", status: "completed", last_error: null, failed_at: null, completed_at: 1755500009,
    step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: "{\"q\":\"a\u0000b\"}", output: null } }] },
  });

  it("in a value kept in a column is that record's rejection, naming its path, and the records beside it land (on PostgreSQL it failed the batch)", async () => {
    const lines = [
      step("step_ok1"),
      step("step_nul_code", { last_error: { code: "bad\u0000code", message: "m" } }),
      step("step_nul_asst", { assistant_id: "asst_\u0000" }),
      toolStep("step_nul_tool", "f\u0000n"),
      { id: "evt_\u0000x", object: "event", type: "thread.created", created_at: 1755500000, data: { id: "thread_e", object: "thread", created_at: 1755500000 } },
      { id: "run_nul", object: "thread.run", created_at: 1755500000, thread_id: "thread_nul", assistant_id: "asst_nul", status: "completed", model: "gpt-4o\u0000" },
      // Free text holds it as sent: metadata values, a function's arguments.
      step("step_ok2", { metadata: { note: "a\u0000b" } }),
      toolStep("step_ok3", "lookup"),
      // PostgreSQL made the lone half U+FFFD: the two were one step there.
      step("step_\ud800"),
      step("step_\ufffd"),
      step(`step_${"é".repeat(600)}`), // 600 characters, 1,205 bytes
    ];
    const file = join(tempDir(), "escaped-nul.jsonl");
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
    const db = tempDb();
    const ingested = await stepstore(["ingest", "--json", "--db", db, file]);
    expect(ingested.code).toBe(3);
    expect(JSON.parse(ingested.stdout)).toEqual({ records: 11, appended: 4, duplicates: 0, rejected: 7 });
    expect(ingested.stderr).toContain(`${file}:2: $.last_error.code: U+0000 in text stepstore keeps in a column`);
    for (const [line, path] of [[3, "$.assistant_id"], [4, "$.step_details.tool_calls[0].function.name"], [5, "$.id"], [6, "$.model"]] as const) {
      expect(ingested.stderr).toContain(`${file}:${line}: ${path}: U+0000`);
    }
    expect(ingested.stderr).toContain(`${file}:9: $.id: a lone surrogate (\\ud800)`);
    expect(ingested.stderr).toContain(`${file}:11: $.id: 1205 bytes of UTF-8, more than the 1024`);
    const steps = (await stepstore(["steps", "--db", db])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; metadata: unknown; step_details: unknown });
    expect(steps.map((s) => s.id).sort()).toEqual(["step_ok1", "step_ok2", "step_ok3", "step_\ufffd"]);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
    expect(steps.find((s) => s.id === "step_ok2")!.metadata).toEqual({ note: "a\u0000b" });
    expect(JSON.stringify(steps.find((s) => s.id === "step_ok3")!.step_details)).toContain("a\\u0000b");
  });
});
