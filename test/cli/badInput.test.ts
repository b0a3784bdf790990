import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { afterField } from "../../src/records/reason.js";
import { stepstore, tempDir, tempDb, rejectionsOf } from "../helpers/cli.js";

const STEP_ID = "step_Bad1nput0k";
const step = {
  id: STEP_ID, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb",
  thread_id: "thread_Wq3nE8rT5yUi0oPa", run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "tool_calls", status: "in_progress",
  step_details: { type: "tool_calls", tool_calls: [] }, last_error: null, expired_at: null, cancelled_at: null,
  failed_at: null, completed_at: null, metadata: { tenant: "acme" }, usage: null,
};
const event = (id: string, type: string, data: unknown) => JSON.stringify({ id, object: "event", type, created_at: 1755180001, data });
const delta = (toolCall: string) =>
  `{"id":"evt_d","object":"event","type":"thread.run.step.delta","data":{"id":"${STEP_ID}","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls","tool_calls":[${toolCall}]}}}}`;
const { run_id: _runId, ...withoutRunId } = step;
/** A rejection as ingest prints it (CONTRACT §8): where, the JSON path, the reason after the field it leads with. */
const printedLine = (r: { origin: string; path: string | null; reason: string }) => `${r.origin}: ${r.path ? `${r.path}: ${afterField(r.reason, r.path)}` : r.reason}`;

interface Case {
  what: string;
  line: string;
  path: string | null;
  reason: RegExp;
}

const VALID = [
  event("evt_valid_created", "thread.run.step.created", step),
  event("evt_valid_delta", "thread.run.step.delta", {
    id: STEP_ID, object: "thread.run.step.delta",
    delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "lookup", arguments: "{}", output: null } }] } },
  }),
  JSON.stringify({ ...step, status: "completed", completed_at: 1755180009, step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}", output: "ok" } }] } }),
];

const BAD: Case[] = [
  { what: "broken JSON", line: '{"id":"evt_b1","object":"event","type":"thread.run.step.created","data":{"id":', path: null, reason: /^invalid JSON: .+ at column \d+$/ },
  { what: "a wrong type", line: event("evt_b2", "thread.run.step.created", { ...step, created_at: "yesterday" }), path: "$.data.created_at", reason: /^created_at: expected (number|integer), got "yesterday"$/ },
  { what: "an unknown status", line: event("evt_b3", "thread.run.step.in_progress", { ...step, status: "done" }), path: "$.data.status", reason: /^status: expected one of in_progress\|cancelled\|failed\|completed\|expired, got "done"$/ },
  { what: "an unknown event type", line: event("evt_b4", "thread.run.step.exploded", step), path: "$.type", reason: /^type: unknown event type "thread\.run\.step\.exploded"$/ },
  { what: "a missing field", line: event("evt_b5", "thread.run.step.created", withoutRunId), path: "$.data.run_id", reason: /^run_id: missing required key \(expected string\)$/ },
  { what: "a __proto__ key in a delta", line: delta('{"index":0,"type":"function","function":{"__proto__":{"polluted":true},"arguments":"x"}}'), path: "$.data.delta.step_details.tool_calls[0].function.__proto__", reason: /forbidden key "__proto__"/ },
  { what: "a __proto__ key on a tool call in a delta", line: delta('{"index":0,"type":"function","__proto__":{"polluted":true}}'), path: "$.data.delta.step_details.tool_calls[0].__proto__", reason: /forbidden key "__proto__"/ },
  { what: "a constructor key in a delta", line: delta('{"index":0,"type":"function","constructor":{"prototype":{"polluted":true}}}'), path: "$.data.delta.step_details.tool_calls[0].constructor", reason: /forbidden key "constructor"/ },
  { what: "an index above 1023 in a delta", line: delta('{"index":1024,"type":"function","function":{"arguments":"y"}}'), path: "$.data.delta.step_details.tool_calls[0].index", reason: /index must be an integer from 0 to 1023, got 1024/ },
  // Without its index a delta's entry would merge into whatever slot its position names (two calls fused into one).
  { what: "a function call without its index in a delta", line: delta('{"id":"call_2","type":"function","function":{"name":"refund","arguments":"{}"}}'), path: "$.data.delta.step_details.tool_calls[0].index", reason: /^delta\.step_details\.tool_calls\[0\]\.index: missing required key \(expected number\)$/ },
  { what: "a code_interpreter output without its index in a delta", line: delta('{"index":0,"type":"code_interpreter","code_interpreter":{"outputs":[{"type":"logs","logs":"b"}]}}'), path: "$.data.delta.step_details.tool_calls[0].code_interpreter.outputs[0].index", reason: /^delta\.step_details\.tool_calls\[0\]\.code_interpreter\.outputs\[0\]\.index: missing required key \(expected number\)$/ },
  { what: "data of the wrong kind for its event type", line: event("evt_b9", "thread.run.step.completed", { id: "run_1", object: "thread.run", status: "completed" }), path: "$.data.object", reason: /^object: expected "thread\.run\.step" .*got "thread\.run"$/ },
  { what: "a non-object", line: "42", path: "$", reason: /^expected a JSON object, got 42$/ },
  { what: "an event without data", line: '{"id":"evt_b11","object":"event","type":"thread.run.step.created"}', path: "$.data", reason: /^data: missing required key/ },
  { what: "a tool call missing its function name", line: event("evt_b12", "thread.run.step.completed", { ...step, status: "completed", step_details: { type: "tool_calls", tool_calls: [{ id: "c", type: "function", function: { arguments: "{}" } }] } }), path: "$.data.step_details.tool_calls[0].function.name", reason: /^step_details\.tool_calls\[0\]\.function\.name: missing required key \(expected string\)$/ },
  { what: "a message with an unknown role", line: event("evt_b13", "thread.message.created", { id: "msg_1", object: "thread.message", created_at: 1755180000, thread_id: "thread_1", role: "robot", status: "completed", content: [] }), path: "$.data.role", reason: /^role: expected one of user\|assistant, got "robot"$/ },
  { what: "an error event without its message", line: JSON.stringify({ event: "error", data: { code: "server_error" } }), path: "$.data.message", reason: /^message: missing required key \(expected string\)$/ },
  { what: "an unknown step_details type", line: JSON.stringify({ ...step, step_details: { type: "thinking" } }), path: "$.step_details.type", reason: /^step_details\.type: expected one of message_creation\|tool_calls, got "thinking"$/ },
];

/** The valid records first and last, the bad ones between, a blank line and a redelivery among them. */
function mixedLines(): { lines: string[]; badAt: Map<number, Case> } {
  const lines = [VALID[0]!, ""];
  const badAt = new Map<number, Case>();
  for (const bad of BAD) {
    lines.push(bad.line);
    badAt.set(lines.length, bad);
  }
  lines.push(VALID[1]!, VALID[0]!, VALID[2]!);
  return { lines, badAt };
}

describe("bad input: the valid records land, every bad one is kept with why and where", () => {
  it("a JSONL file mixing valid and malformed records lands every valid one, keeps each bad line verbatim with reason, JSON path and file:line, prints those locations and exits 3", async () => {
    const dir = tempDir();
    const file = join(dir, "mixed.jsonl");
    const db = tempDb();
    const { lines, badAt } = mixedLines();
    writeFileSync(file, `${lines.join("\n")}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    const summary = JSON.parse(ingest.stdout) as { records: number; appended: number; duplicates: number; rejected: number };
    expect(summary).toEqual({ records: VALID.length + 1 + BAD.length, appended: VALID.length, duplicates: 1, rejected: BAD.length });
    expect(summary.records).toBe(summary.appended + summary.duplicates + summary.rejected);

    const printed = ingest.stderr.trim().split("\n");
    const rejections = await rejectionsOf(db);
    expect(rejections).toHaveLength(BAD.length);
    [...badAt].forEach(([lineNumber, bad], i) => {
      const rejection = rejections[i]!;
      expect(rejection.origin, bad.what).toBe(`${file}:${lineNumber}`);
      expect(rejection.path, bad.what).toBe(bad.path);
      expect(rejection.reason, bad.what).toMatch(bad.reason);
      expect(rejection.raw, bad.what).toBe(bad.line);
      expect(rejection.source).toBe("file");
      expect(printed[i], bad.what).toBe(printedLine(rejection));
    });
    expect(printed).toHaveLength(BAD.length);

    const steps = await stepstore(["steps", "--db", db]);
    const rows = steps.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: STEP_ID, status: "completed", metadata: { tenant: "acme" } });
    const events = await stepstore(["events", "--db", db, "--step", STEP_ID]);
    expect(events.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { origin: string }).origin)).toEqual(
      [1, lines.length - 2, lines.length].map((n) => `${file}:${n}`),
    );

    // Again: the valid records are duplicates, the bad ones rejected (and kept) again.
    const again = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toEqual({ records: summary.records, appended: 0, duplicates: VALID.length + 1, rejected: BAD.length });
  });

  it("a JSONL line of other blanks than JSON's (no-break space, form feed, U+2028, a BOM past the first line) is a rejection naming the character, not skipped", async () => {
    const file = join(tempDir(), "blanks.jsonl");
    const db = tempDb();
    const odd = ["\u00a0", "\f", "\u2028", "\ufeff"];
    writeFileSync(file, [VALID[0]!, " \t\r", ...odd, VALID[1]!, ""].join("\n"));

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 6, appended: 2, duplicates: 0, rejected: 4 });
    const rejections = await rejectionsOf(db);
    expect(rejections.map((r) => [r.origin, r.raw])).toEqual(odd.map((line, i) => [`${file}:${i + 3}`, line]));
    expect(rejections.map((r) => r.reason.replace(/ \(.*\)$/, ""))).toEqual(
      ["\\u00a0", "\\u000c", "\\u2028", "\\ufeff"].map((escaped) => `invalid JSON: Unexpected token ${escaped} at column 1`),
    );
  });

  it("a JSONL file of many empty lines is read as fast as it is counted, each record after them named by its own line", async () => {
    const file = join(tempDir(), "blank.jsonl");
    const db = tempDb();
    writeFileSync(file, `${"\n".repeat(200_000)}{bad\n${"\r\n".repeat(3)}${JSON.stringify({ ...step, id: "step_AfterBlank" })}\n{bad2\n`);
    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 1, duplicates: 0, rejected: 2 });
    expect(ingest.stderr.split("\n").map((line) => line.split(": ")[0])).toEqual([`${file}:200001`, `${file}:200006`, ""]);
  });

  it("a .json array mixing valid and malformed items names each bad item file.json:$[i]", async () => {
    const dir = tempDir();
    const file = join(dir, "mixed.json");
    const db = tempDb();
    // Every case that is JSON at all, as items of one array, between the valid ones.
    const parseable = BAD.filter((b) => b.what !== "broken JSON");
    const items = [VALID[0]!, ...parseable.map((b) => b.line), VALID[1]!, VALID[2]!];
    writeFileSync(file, `[\n${items.join(",\n")}\n]\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    const summary = JSON.parse(ingest.stdout) as { records: number; appended: number; duplicates: number; rejected: number };
    expect(summary).toEqual({ records: items.length, appended: VALID.length, duplicates: 0, rejected: parseable.length });

    const rejections = await rejectionsOf(db);
    const printed = ingest.stderr.trim().split("\n");
    parseable.forEach((bad, i) => {
      const rejection = rejections[i]!;
      // The non-object's path is the item itself; every other path is inside the item.
      expect(rejection.origin, bad.what).toBe(`${file}:$[${i + 1}]`);
      expect(rejection.path, bad.what).toBe(bad.path);
      expect(rejection.reason, bad.what).toMatch(bad.reason);
      expect(JSON.parse(rejection.raw), bad.what).toEqual(JSON.parse(bad.line));
      expect(printed[i]).toBe(`${file}:$[${i + 1}]: ${bad.path}: ${afterField(rejection.reason, bad.path)}`);
    });
  });

  it("a .json array is read item by item: a broken item is rejected alone, the items after it land, text after ] is kept", async () => {
    const dir = tempDir();
    const file = join(dir, "broken-item.json");
    const db = tempDb();
    const broken = '{"id":"evt_b1","object":"event","type":"thread.run.step.created","data":{"id": }}';
    writeFileSync(file, `[\n${VALID[0]},\n${broken},,\n${VALID[1]},\n  ${VALID[2]},\n] trailing`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 6, appended: 3, duplicates: 0, rejected: 3 });
    const rejections = await rejectionsOf(db);
    expect(rejections.map((r) => [r.origin, r.reason, r.raw])).toEqual([
      [`${file}:$[1]`, "invalid JSON: Unexpected token } at line 3, column 80", broken],
      [`${file}:$[2]`, "invalid JSON: Unexpected end of JSON input at line 3, column 83", ""],
      [file, "invalid JSON: unexpected text after the array's closing ]", "trailing"],
    ]);
    const origins = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT origin FROM events ORDER BY position"]);
    expect(origins.stdout).toBe([0, 3, 4].map((i) => `${JSON.stringify({ origin: `${file}:$[${i}]` })}\n`).join(""));
  });

  it("a path that does not exist fails the command before anything is read: exit 1, the path named, nothing ingested", async () => {
    const dir = tempDir();
    const file = join(dir, "good.jsonl");
    const db = tempDb();
    writeFileSync(file, `${VALID[0]}\n`);
    const result = await stepstore(["ingest", "--db", db, file, join(dir, "typo.jsonl")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`stepstore: no such file or folder: ${join(dir, "typo.jsonl")} (nothing was ingested)\n`);
    // Nothing ingested: the paths are checked before the store is even created, so a read finds none.
    expect((await stepstore(["sql", "--db", db, "SELECT count(*) AS n FROM events"])).stderr).toContain(db);
  });

  it("a --db under a file names the file in the way (mkdir said 'EEXIST: file already exists', as if the folder were there)", async () => {
    const dir = tempDir();
    const file = join(dir, "in.jsonl");
    writeFileSync(file, `${VALID[0]}\n`);
    writeFileSync(join(dir, "afile"), "");
    for (const db of [join(dir, "afile", "x.db"), join(dir, "afile", "sub", "x.db")]) {
      const result = await stepstore(["ingest", "--db", db, file]);
      expect(result.stderr).toBe(`stepstore: ${db}: cannot make its folder: ${join(dir, "afile")} is a file, not a folder\n`);
      expect(result.code).toBe(1);
    }
  });

  it("a --db whose folder the system cannot make (under /proc) fails naming it, where Node's recursive mkdir looped for ever", async () => {
    const file = join(tempDir(), "in.jsonl");
    writeFileSync(file, `${VALID[0]}\n`);
    const result = await stepstore(["ingest", "--db", "/proc/stepstore-none/x.db", file]);
    expect(result.stderr).toBe("stepstore: /proc/stepstore-none/x.db: ENOENT: no such file or directory, mkdir '/proc/stepstore-none'\n");
    expect(result.code).toBe(1);
  }, 20_000);

  it.each([["LF", "\n"], ["CRLF", "\r\n"], ["a lone CR", "\r"]])("an SSE transcript's lines that are no field, a named event with no data, and a step event whose data is [DONE] are rejections, not silently skipped, raw as written (%s)", async (_, end) => {
    const dir = tempDir();
    const file = join(dir, "broken.sse");
    const db = tempDb();
    const good = JSON.stringify({ ...step, id: "step_SseG00d" });
    const transcript = [
      "event: thread.run.step.created", JSON.stringify({ ...step, id: "step_SseNoPrefix" }), "",
      "event: thread.run.step.created", `data: ${good}`, "",
      "event: thread.run.step.completed", "id: 9", "",
      ": only a comment", "retry: 1000", "",
      "event: thread.run.step.created", 'data: {"id":"step_SseNoObject"}', "",
      "event: thread.run.step.completed", "data: [DONE]", "",
      "data: [DONE]", "",
      "event: message", "data: [DONE]", "",
      "event: done", "",
    ];
    writeFileSync(file, transcript.join(end));
    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 5, appended: 1, duplicates: 0, rejected: 4 });
    const rejections = await rejectionsOf(db);
    expect(rejections.map((r) => [r.origin, r.reason, r.raw])).toEqual([
      [`${file}:1`, "invalid SSE: line 2 is no field (data:, event:, id:, retry:) nor a : comment", transcript.slice(0, 2).join(end)],
      [`${file}:7`, 'invalid SSE: event "thread.run.step.completed" has no data: line', transcript.slice(6, 8).join(end)],
      [`${file}:13`, 'object: expected "thread.run.step" (the data of a thread.run.step.created event), got nothing (key missing)', transcript.slice(12, 14).join(end)],
      // A step event whose data is [DONE] ends no stream (an unnamed one does): it had vanished.
      [`${file}:16`, "invalid JSON: Unexpected token D at column 2", transcript.slice(15, 17).join(end)],
    ]);
  });

  it("a JSON Lines file named .sse is rejected whole, with why, not read as nothing", async () => {
    const dir = tempDir();
    const file = join(dir, "lines.sse");
    const db = tempDb();
    writeFileSync(file, [JSON.stringify({ ...step, id: "step_Lines1" }), JSON.stringify({ ...step, id: "step_Lines2" })].join("\n") + "\n");
    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 1, appended: 0, duplicates: 0, rejected: 1 });
    expect((await rejectionsOf(db))[0]!.reason).toBe(`invalid SSE: line 1 is no field (data:, event:, id:, retry:) nor a : comment (${file} reads as an SSE transcript by its name but looks like JSON Lines: try --format jsonl)`);
  });

  it("a pretty-printed JSON document named .jsonl, and JSON Lines named .json, read by their names, say at their first rejection how to read them", async () => {
    const dir = tempDir();
    const lines = [JSON.stringify({ ...step, id: "step_Named1" }), JSON.stringify({ ...step, id: "step_Named2" })];
    const cases = [
      { name: "page.jsonl", content: JSON.stringify({ ...step, id: "step_Pretty" }, null, 2), hint: "reads as JSON Lines by its name but looks like one JSON document: try --format json" },
      { name: "lines.json", content: `${lines.join("\n")}\n`, hint: "reads as one JSON document by its name but looks like JSON Lines: try --format jsonl" },
    ];
    for (const { name, content, hint } of cases) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const ingest = await stepstore(["ingest", "--db", tempDb(), file]);
      expect(ingest.code).toBe(3);
      const first = ingest.stderr.split("\n")[0]!;
      expect(first.startsWith(`${file}`)).toBe(true);
      expect(first.endsWith(`(${file} ${hint})`)).toBe(true);
      // Read as it suggests, every record lands.
      const again = await stepstore(["ingest", "--db", tempDb(), "--format", name.endsWith(".jsonl") ? "json" : "jsonl", file]);
      expect(again.code, again.stderr).toBe(0);
    }
  });

  it("an SSE transcript with bad events lands the good ones and keeps each bad event's lines verbatim with the line it starts on", async () => {
    const dir = tempDir();
    const file = join(dir, "stream.sse");
    const db = tempDb();
    const good = JSON.stringify({ ...step, id: "step_Sse0k" });
    const finished = JSON.stringify({ ...step, id: "step_Sse0k", status: "finished" });
    const transcript = [
      ": keep-alive", "",
      "retry: 3000", "",
      "event: thread.run.step.created", `data: ${good}`, "",
      "id: 7", "event: thread.run.step.completed", `data:${finished.slice(0, finished.indexOf('"object"'))}`, `data:${finished.slice(finished.indexOf('"object"'))}`, "",
      "event: thread.run.step.delta", `data: {"id":"step_Sse0k","object":"thread.run.step.delta","delta":{`, "",
      "event: done", "data: [DONE]", "",
      // A second stream logged to the same file (submitting tool outputs opens one).
      ": keep-alive", "event: thread.run.teleported", `data: {"id":"run_1","object":"thread.run"}`, "",
      "event: thread.run.step.created", `data: ${JSON.stringify({ ...step, id: "step_Sse0k2" })}`, "",
      "event: done", "data: [DONE]", "",
    ];
    writeFileSync(file, transcript.join("\n"));

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 5, appended: 2, duplicates: 0, rejected: 3 });

    const rejections = await rejectionsOf(db);
    expect(rejections.map((r) => [r.origin, r.path])).toEqual([
      [`${file}:8`, "$.data.status"],
      [`${file}:13`, null],
      [`${file}:19`, "$.event"],
    ]);
    expect(rejections[0]!.reason).toBe('status: expected one of in_progress|cancelled|failed|completed|expired, got "finished"');
    expect(rejections[1]!.reason).toBe("invalid JSON: Expected property name or '}' at column 62");
    expect(rejections[2]!.reason).toBe('event: unknown event type "thread.run.teleported"');
    expect(rejections.map((r) => r.raw)).toEqual([transcript.slice(7, 11), transcript.slice(12, 14), transcript.slice(18, 21)].map((lines) => lines.join("\n")));
    expect(ingest.stderr.trim().split("\n")).toEqual(rejections.map(printedLine));
    const origins = await stepstore(["sql", "--db", db, "--format", "json", "SELECT step_id, origin FROM events ORDER BY position"]);
    expect(JSON.parse(origins.stdout)).toEqual([
      { step_id: "step_Sse0k", origin: `${file}:5` },
      { step_id: "step_Sse0k2", origin: `${file}:23` },
    ]);
    const steps = await stepstore(["steps", "--db", db]);
    expect(steps.stdout.trim().split("\n").map((line) => JSON.parse(line) as { id: string; status: string })).toMatchObject([
      { id: "step_Sse0k", status: "in_progress" },
      { id: "step_Sse0k2", status: "in_progress" },
    ]);
  });
});

describe("bad usage", () => {
  it("an option that takes one value, given twice, is bad usage (exit 2) naming it, not the last kept silently", async () => {
    const db = tempDb();
    const file = join(tempDir(), "step.jsonl");
    writeFileSync(file, `${JSON.stringify({ ...step, status: "completed", completed_at: 1755180009 })}\n`);
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    const twice: [string[], string][] = [
      [["steps", "--status", "failed", "--status", "completed"], "--status <status>"],
      [["report", "--by", "day", "--by", "hour"], "--by <dimension>"],
      [["steps", "--db", db], "--db <path>"],
    ];
    for (const [args, option] of twice) {
      const result = await stepstore([...args, "--db", db]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`option '${option}' given more than once; it takes one value`);
      expect(result.stdout).toBe("");
    }
    const once = await stepstore(["steps", "--db", db, "--status", "completed", "--format", "table"]);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain(STEP_ID);
  });

  it("an empty --db is bad usage (exit 2) naming it, for reading and writing commands alike, and touches nothing", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "events.jsonl"), `${JSON.stringify(step)}\n`);
    for (const args of [["steps"], ["report"], ["ingest", "events.jsonl"], ["rebuild"]]) {
      const result = await stepstore([...args, "--db", ""], { subprocess: true, cwd });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("option '--db <path>' is empty");
      expect(result.stdout).toBe("");
    }
    expect(readdirSync(cwd)).toEqual(["events.jsonl"]);
  });

  it("help asked for (help, help steps, steps --help) is exit 0 with the help on stdout; no command at all is bad usage (exit 2)", async () => {
    for (const args of [["help"], ["help", "steps"], ["steps", "--help"]]) {
      const result = await stepstore(args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(result.stdout).toMatch(/^Usage: stepstore/);
    }
    // Before, `help steps` was exit 2: `stepstore help ingest && …` failed in scripts.
    const bare = await stepstore([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: stepstore/);
  });

  it("any option of any command given an empty value is bad usage (exit 2) naming the option, and creates no store", async () => {
    const dir = tempDir();
    const events = join(dir, "events.jsonl");
    writeFileSync(events, `${JSON.stringify(step)}\n`);
    const operands: Record<string, string[]> = { ingest: [events], sql: ["SELECT 1"] };
    const { program } = buildProgram();
    const tried: string[] = [];
    for (const command of program.commands) {
      for (const option of command.options.filter((o) => !o.isBoolean() && o.long !== "--db")) {
        const db = join(dir, `${command.name()}-${option.name()}.db`);
        const result = await stepstore([command.name(), ...(operands[command.name()] ?? []), option.long!, "", "--db", db]);
        // An option with choices says so first (its allowed values); any other says it is empty.
        const message = option.argChoices ? `error: option '${option.flags}' argument '' is invalid` : `error: option '${option.flags}' is empty: give a value, or leave the option out`;
        expect({ args: `${command.name()} ${option.long} ""`, code: result.code, stderr: result.stderr.split("\n")[0]!.slice(0, message.length) })
          .toEqual({ args: `${command.name()} ${option.long} ""`, code: 2, stderr: message });
        tried.push(`${command.name()} ${option.long}`);
      }
    }
    expect(tried).toEqual(expect.arrayContaining(["steps --thread", "steps --run", "report --assistant", "poll --base-url", "serve --host", "sql --timeout"]));
    expect(readdirSync(dir)).toEqual(["events.jsonl"]);
  });
});
