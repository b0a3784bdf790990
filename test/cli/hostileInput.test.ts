import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EXAMPLES, stepstore, tempDir, tempDb, rejectionsOf, stepIds } from "../helpers/cli.js";
import { deepEvent, stepLine } from "../helpers/hostile.js";

const MIB = 1024 * 1024;

describe("hostile input: one bad record is rejected, the others land", () => {
  it("a 10 KB line nested 5,000 levels deep between valid lines is rejected with where and why; the records around it are stored", async () => {
    const dir = tempDir();
    const file = join(dir, "deep.jsonl");
    const db = tempDb();
    writeFileSync(file, `${stepLine("step_Before")}\n${deepEvent("evt_deep", 5000)}\n${stepLine("step_After")}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    expect(ingest.stderr).toMatch(new RegExp(`${file}:2: nesting deeper than 64 levels at column \\d+`));
    expect(await stepIds(db)).toEqual(["step_After", "step_Before"]);
  });

  it("the nesting limit holds for an item of a .json array and for SSE data too", async () => {
    const dir = tempDir();
    const db = tempDb();
    const json = join(dir, "deep.json");
    writeFileSync(json, `[${stepLine("step_Json1")},${deepEvent("evt_deep1", 3000)},${stepLine("step_Json2")}]`);
    const sse = join(dir, "deep.sse");
    writeFileSync(sse, `event: thread.run.step.created\ndata: ${stepLine("step_Sse1")}\n\nevent: thread.run.step.created\ndata: ${deepEvent("evt_deep2", 3000)}\n\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", json, sse]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ appended: 3, rejected: 2 });
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason.replace(/\d+$/, "N")])).toEqual([
      [`${json}:$[1]`, "nesting deeper than 64 levels at line 1, column N"],
      [`${sse}:4`, "nesting deeper than 64 levels at column N"],
    ]);
  });

  it("a 3 MiB line over STEPSTORE_MAX_RECORD (1 MiB) is one rejection with a truncated raw; its neighbours are stored", async () => {
    const dir = tempDir();
    const file = join(dir, "big.jsonl");
    const db = tempDb();
    const big = stepLine("step_Big", { metadata: { blob: "x".repeat(3 * MIB) } });
    writeFileSync(file, `${stepLine("step_Before")}\n${big}\n${stepLine("step_After")}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file], { env: { STEPSTORE_MAX_RECORD: String(MIB) } });
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    const [rejection, ...others] = await rejectionsOf(db);
    expect(others).toEqual([]);
    expect(rejection).toMatchObject({ origin: `${file}:2`, reason: `record exceeds STEPSTORE_MAX_RECORD (${MIB} bytes)` });
    expect(rejection!.raw.startsWith(big.slice(0, 1024))).toBe(true);
    expect(rejection!.raw).toMatch(new RegExp(`… \\[truncated: ${Buffer.byteLength(big) - 1024} bytes\\]$`));
    expect(await stepIds(db)).toEqual(["step_After", "step_Before"]);
  });

  it("a record over a STEPSTORE_MAX_RECORD below 1 KiB is kept whole in raw, with no note of a cut", async () => {
    const file = join(tempDir(), "small.jsonl");
    const db = tempDb();
    const line = stepLine("step_OverSmallLimit");
    expect(Buffer.byteLength(line)).toBeGreaterThan(300);
    expect(Buffer.byteLength(line)).toBeLessThan(1024);
    writeFileSync(file, `${line}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file], { env: { STEPSTORE_MAX_RECORD: "300" } });
    expect(JSON.parse(ingest.stdout)).toMatchObject({ records: 1, rejected: 1 });
    expect(await rejectionsOf(db)).toMatchObject([{ origin: `${file}:1`, reason: "record exceeds STEPSTORE_MAX_RECORD (300 bytes)", raw: line }]);
  });

  it("a gzip of a long line without a newline is one rejection, and the ingest ends normally", async () => {
    const dir = tempDir();
    const file = join(dir, "bomb.jsonl.gz");
    const db = tempDb();
    writeFileSync(file, gzipSync(Buffer.alloc(64 * MIB, "a")));

    const ingest = await stepstore(["ingest", "--db", db, "--json", file], { env: { STEPSTORE_MAX_RECORD: String(MIB) } });
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 1, appended: 0, duplicates: 0, rejected: 1 });
    expect(ingest.stderr).toContain(`${file}:1: record exceeds STEPSTORE_MAX_RECORD (${MIB} bytes)`);
  });

  it("a gzip file cut short or damaged is a rejection naming it: the records decompressed before the damage and the files after it land", async () => {
    const dir = tempDir();
    const db = tempDb();
    const lines = Array.from({ length: 400 }, (_, i) => stepLine(`step_Gz${String(i).padStart(4, "0")}`)).join("\n") + "\n";
    const whole = gzipSync(lines);
    const cut = join(dir, "cut.jsonl.gz");
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const damaged = Buffer.from(whole);
    damaged[damaged.length - 6]! ^= 0xff; // in the trailer's checksum: all the data decompresses, then the check fails
    const flipped = join(dir, "flipped.jsonl.gz");
    writeFileSync(flipped, damaged);
    const after = join(dir, "after.jsonl");
    writeFileSync(after, `${stepLine("step_GzAfter")}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", cut, flipped, after]);
    expect(ingest.code).toBe(3);
    expect(ingest.stderr).toContain(`${cut}: gzip: unexpected end of file: the records before it were read`);
    expect(ingest.stderr).toContain(`${flipped}: gzip: incorrect data check`);
    const summary = JSON.parse(ingest.stdout) as { records: number; appended: number; duplicates: number; rejected: number };
    expect(summary.records).toBe(summary.appended + summary.duplicates + summary.rejected);
    const steps = (await stepstore(["steps", "--db", db])).stdout.trim().split("\n").map((line) => (JSON.parse(line) as { id: string }).id);
    expect(steps).toContain("step_GzAfter");
    // What zlib handed over before it failed: the cut file's first records, the damaged file's all but its last chunk's.
    expect(steps).toContain("step_Gz0000");
    expect(steps.filter((id) => id.startsWith("step_Gz0")).length).toBeGreaterThan(300);
  });

  it("an oversized .json document and an oversized SSE event are rejected whole, the next document still read", async () => {
    const dir = tempDir();
    const db = tempDb();
    const doc = join(dir, "big.json");
    writeFileSync(doc, stepLine("step_BigDoc", { metadata: { blob: "y".repeat(2 * MIB) } }));
    const sse = join(dir, "big.sse");
    writeFileSync(sse, `event: thread.run.step.created\ndata: ${stepLine("step_BigSse", { metadata: { blob: "z".repeat(2 * MIB) } })}\n\ndata: ${stepLine("step_SmallSse")}\n\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", doc, sse], { env: { STEPSTORE_MAX_RECORD: String(MIB) } });
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ appended: 1, rejected: 2 });
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason])).toEqual([
      [doc, `record exceeds STEPSTORE_MAX_RECORD (${MIB} bytes)`],
      [`${sse}:1`, `record exceeds STEPSTORE_MAX_RECORD (${MIB} bytes)`],
    ]);
    expect(await stepIds(db)).toEqual(["step_SmallSse"]);
  });
});

const functionCall = (name: string, i: number) => ({ id: `call_${i}`, type: "function", function: { name, arguments: "{}", output: null } });

/** The tool report's rows as [key, steps]. */
async function toolRows(db: string, ...filter: string[]) {
  const report = await stepstore(["report", "--db", db, "--by", "tool", "--format", "json", ...filter]);
  return (JSON.parse(report.stdout) as { rows: { key: string; steps: number }[] }).rows.map((row) => [row.key, row.steps]);
}

/** The tool report gives these rows unfiltered (the summaries) and filtered (the rollups' tool sets), and verify passes. */
async function expectToolReport(db: string, expected: unknown[]) {
  expect(await toolRows(db)).toEqual(expected);
  expect(await toolRows(db, "--from", "2025-08-14")).toEqual(expected);
  expect((await stepstore(["verify", "--db", db])).code).toBe(0);
}

describe("keys past what a PostgreSQL index holds", () => {
  it("a valid step calling 60 long, distinct functions lands beside another on either store; the tool report counts each, and verify passes", async () => {
    const db = tempDb();
    const dir = tempDir();
    const names = Array.from({ length: 60 }, () => randomBytes(32).toString("hex"));
    const calls = names.map(functionCall);
    const file = join(dir, "tools.jsonl");
    writeFileSync(file, `${stepLine("step_Plain")}\n${stepLine("step_ManyTools", { step_details: { type: "tool_calls", tool_calls: calls } })}\n`);
    const ingest = await stepstore(["ingest", "--db", db, file]);
    expect(ingest.stderr).toBe("");
    expect(ingest.code).toBe(0);
    expect(await stepIds(db)).toEqual(["step_ManyTools", "step_Plain"]);
    const expected = names.map((name) => [`function:${name}`, 1]).sort(([a], [b]) => (a! < b! ? -1 : 1));
    await expectToolReport(db, expected);
  });

  it("a function named with U+001F (the rollups' tool-set separator) is keyed by its digest: the tool report, filtered or not, counts each tool apart, and verify passes", async () => {
    const db = tempDb();
    const dir = tempDir();
    const crafted = "a\u001ffunction:b";
    const file = join(dir, "separator.jsonl");
    writeFileSync(file, [
      stepLine("step_Crafted", { step_details: { type: "tool_calls", tool_calls: [functionCall(crafted, 0)] } }),
      stepLine("step_Pair", { step_details: { type: "tool_calls", tool_calls: [functionCall("a", 0), functionCall("b", 1)] } }),
    ].join("\n") + "\n");
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    const digest = `function:sha256:${createHash("sha256").update(crafted).digest("hex")}`;
    const expected = [["function:a", 1], ["function:b", 1], [digest, 1]];
    await expectToolReport(db, expected);
  });

  it("a function name built by deltas past 1,024 bytes is keyed by its digest in run_step_tools; the step keeps the name, its neighbours land, verify passes", async () => {
    const db = tempDb();
    const dir = tempDir();
    const pieces = Array.from({ length: 4 }, () => randomBytes(500).toString("hex"));
    const name = pieces.join("");
    const delta = (i: number, piece: string) => JSON.stringify({
      id: `evt_Name${i}`, object: "event", type: "thread.run.step.delta", created_at: 1755180001 + i,
      data: { id: "step_LongName", object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, type: "function", function: { name: piece } }] } } },
    });
    const file = join(dir, "name.jsonl");
    writeFileSync(file, [stepLine("step_LongName"), ...pieces.map((piece, i) => delta(i, piece)), stepLine("step_Plain")].join("\n") + "\n");
    const ingest = await stepstore(["ingest", "--db", db, file]);
    expect(ingest.stderr).toBe("");
    expect(ingest.code).toBe(0);
    expect(await stepIds(db)).toEqual(["step_LongName", "step_Plain"]);
    const query = async (sql: string) => (await stepstore(["sql", "--db", db, "--format", "jsonl", sql])).stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, string>);
    const [step] = await query("SELECT step_details FROM run_steps WHERE id = 'step_LongName'");
    expect(JSON.parse(step!.step_details!).tool_calls[0].function.name).toBe(name);
    const digest = `function:sha256:${createHash("sha256").update(name).digest("hex")}`;
    expect(await query("SELECT tool FROM run_step_tools")).toEqual([{ tool: digest }]);
    expect(await toolRows(db)).toEqual([[digest, 1]]);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });
});

describe("a thread export whose lists are not arrays", () => {
  it("each such list is one rejection naming it, not dropped unread, and the rest of the export lands", async () => {
    const archive = JSON.parse(readFileSync(join(EXAMPLES, "export/threads/thread_Hk29sLm4Q7rTnW3e.json"), "utf8"));
    const [run] = archive.runs;
    const cases = [
      { messages: archive.messages[0], runs: archive.runs, where: "$.messages" },
      { messages: archive.messages, runs: run, where: "$.runs" },
      { messages: archive.messages, runs: [{ ...run, steps: run.steps[0] }], where: "$.runs[0].steps" },
    ];
    for (const { messages, runs, where } of cases) {
      const file = join(tempDir(), "thread.json");
      writeFileSync(file, JSON.stringify({ ...archive, messages, runs }));
      const db = tempDb();
      const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
      expect([where, ingest.code, JSON.parse(ingest.stdout).rejected]).toEqual([where, 3, 1]);
      expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason])).toEqual([[`${file}:${where}`, "expected array, got an object"]]);
    }
  });
});

describe("built-in names (constructor, __proto__, toString, hasOwnProperty, valueOf) among valid records", () => {
  const NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

  it("as a tool call type: kept whole as another vendor's type; as an event type: rejected by name; the records around them stored", async () => {
    const dir = tempDir();
    const file = join(dir, "names.jsonl");
    const db = tempDb();
    const toolSteps = NAMES.map((name, i) => stepLine(`step_Tool${i}`, { step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: name, [name]: { q: i } }] } }));
    const events = NAMES.map((name) => `{"id":"evt_${name}","object":"event","type":"${name}","data":${stepLine("step_Named")}}`);
    writeFileSync(file, [stepLine("step_Before"), ...toolSteps, ...events, stepLine("step_After")].join("\n") + "\n");

    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 12, appended: 7, duplicates: 0, rejected: 5 });
    expect((await rejectionsOf(db)).map((r) => r.reason)).toEqual(NAMES.map((name) => `type: unknown event type "${name}"`));
    expect(await stepIds(db)).toEqual(["step_After", "step_Before", ...NAMES.map((_, i) => `step_Tool${i}`)]);
    const rows = (await stepstore(["steps", "--db", db])).stdout.trim().split("\n").map((line) => JSON.parse(line) as { id: string; step_details: unknown });
    for (const [i, name] of NAMES.entries()) {
      expect(rows.find((row) => row.id === `step_Tool${i}`)!.step_details).toEqual({ type: "tool_calls", tool_calls: [{ id: "call_1", type: name, [name]: { q: i } }] });
    }
  });
});

describe("folder ingest and symbolic links", () => {
  it("follows a link to a file, skips a link to a folder and names it on stderr", async () => {
    const dir = tempDir();
    const db = tempDb();
    const folder = join(dir, "in");
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(folder);
    mkdirSync(elsewhere);
    writeFileSync(join(folder, "a.jsonl"), `${stepLine("step_Plain")}\n`);
    writeFileSync(join(elsewhere, "linked.jsonl"), `${stepLine("step_Linked")}\n`);
    symlinkSync(join(elsewhere, "linked.jsonl"), join(folder, "b.jsonl"));
    symlinkSync(elsewhere, join(folder, "loop"));

    // A child process: the reading thread names what it skips on the process's stderr, which an in-process run does not capture.
    const ingest = await stepstore(["ingest", "--db", db, "--json", folder], { subprocess: true });
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ records: 2, appended: 2 });
    // Named once, though the progress total and the reading both walk the folder.
    expect(ingest.stderr).toBe(`skipped ${join(folder, "loop")}: a link to a folder (not followed)\n`);
    expect(await stepIds(db)).toEqual(["step_Linked", "step_Plain"]);
  });

  it("a folder that holds the store (`ingest .` beside ./data/stepstore.db) is read without the store's own files, named on stderr", async () => {
    const folder = join(tempDir(), "project");
    mkdirSync(join(folder, "data"), { recursive: true });
    writeFileSync(join(folder, "events.jsonl"), `${stepLine("step_Beside")}\n`);
    const db = join(folder, "data", "stepstore.db");
    for (const run of [1, 2]) {
      const ingest = await stepstore(["ingest", "--db", db, "--json", folder], { subprocess: true });
      expect(ingest.code).toBe(0);
      expect(JSON.parse(ingest.stdout)).toEqual({ records: 1, appended: run === 1 ? 1 : 0, duplicates: run === 1 ? 0 : 1, rejected: 0 });
      const skipped = ingest.stderr.trim().split("\n");
      expect(skipped).toContain(`skipped ${db}: the store itself (--db)`);
      for (const line of skipped) expect(line).toMatch(new RegExp(`^skipped ${db}(-wal|-shm|-journal)?: the store itself \\(--db\\)$`));
    }
    const named = await stepstore(["ingest", "--db", db, "--json", db], { subprocess: true });
    expect(named).toMatchObject({ code: 0, stderr: `skipped ${db}: the store itself (--db)\n` });
    expect(JSON.parse(named.stdout)).toMatchObject({ records: 0 });
    expect(await stepIds(db)).toEqual(["step_Beside"]);
    expect((await stepstore(["rejections", "--db", db, "--format", "jsonl"])).stdout).toBe("");
  });

  it("reads a file whose name is not UTF-8 (in a folder whose name is not either) beside the others, its origin shown decoded", async () => {
    const folder = join(tempDir(), "in");
    mkdirSync(folder);
    const odd = (parent: string | Buffer, name: string) => Buffer.concat([Buffer.from(parent), Buffer.from(`/${name}`), Buffer.from([0xff])]);
    const oddFolder = odd(folder, "sub");
    mkdirSync(oddFolder);
    writeFileSync(join(folder, "good.jsonl"), `${stepLine("step_Good")}\n`);
    writeFileSync(odd(folder, "a"), `${stepLine("step_OddName")}\n{"broken"\n`);
    writeFileSync(odd(oddFolder, "b"), `${stepLine("step_OddFolder")}\n`);
    const db = tempDb();
    const ingest = await stepstore(["ingest", "--db", db, "--json", folder], { subprocess: true });
    expect([ingest.code, JSON.parse(ingest.stdout)]).toEqual([3, { records: 4, appended: 3, duplicates: 0, rejected: 1 }]);
    expect(await stepIds(db)).toEqual(["step_Good", "step_OddFolder", "step_OddName"]);
    expect((await rejectionsOf(db)).map((r) => r.origin)).toEqual([`${folder}/a\ufffd:2`]);
  });

  it("reads every file of a folder (CONTRACT §2): one with no extension by sniffing, one holding no records as a rejection naming it", async () => {
    const dir = tempDir();
    const db = tempDb();
    const folder = join(dir, "in");
    mkdirSync(join(folder, "deeper"), { recursive: true });
    writeFileSync(join(folder, "a.jsonl"), `${stepLine("step_Named")}\n`);
    writeFileSync(join(folder, "deeper", "events"), `${stepLine("step_NoExtension")}\n`);
    writeFileSync(join(folder, "README.md"), "# what this export holds\n");

    const ingest = await stepstore(["ingest", "--db", db, "--json", folder], { subprocess: true });
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    expect(await stepIds(db)).toEqual(["step_Named", "step_NoExtension"]);
    expect(await rejectionsOf(db)).toMatchObject([{ origin: join(folder, "README.md"), raw: "# what this export holds\n" }]);
  });

  it("reads a file whose extension is a built-in name (x.constructor) by sniffing, never a crash", async () => {
    const dir = tempDir();
    const file = join(dir, "steps.constructor");
    writeFileSync(file, `${stepLine("step_Sniffed")}\n`);
    const db = tempDb();
    const ingest = await stepstore(["ingest", "--db", db, file]);
    expect(ingest.stderr).toBe("");
    expect(ingest.code).toBe(0);
    expect(await stepIds(db)).toEqual(["step_Sniffed"]);
  });
});
