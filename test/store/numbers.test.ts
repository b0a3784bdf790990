import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { storeRows } from "../helpers/storeRows.js";

/** A step snapshot's text with `extra` spliced in as written: JSON.stringify cannot write these numbers. */
const snapshot = (extra: string, id = "step_N") =>
  `{"id":"${id}","object":"thread.run.step","created_at":1755180000,"assistant_id":"asst_1","thread_id":"thread_1","run_id":"run_1",` +
  `"type":"message_creation","status":"completed","step_details":{"type":"message_creation","message_creation":{"message_id":"msg_1"}},` +
  `"last_error":null,"expired_at":null,"cancelled_at":null,"failed_at":null,"completed_at":1755180004,"metadata":{},"usage":null${extra}}`;
const event = (id: string, extra: string) => `{"id":"${id}","object":"event","type":"thread.run.step.completed","created_at":1755180004,"data":${snapshot(extra)}}`;

// Pairs a double cannot tell apart.
const DISTINCT = ["9007199254740993", "9007199254740992", "1e400", "null", "123456789012345678901234567890", "123456789012345678901234567891"];

interface Summary { records: number; appended: number; duplicates: number; rejected: number }

function write(name: string, lines: string[]): string {
  const file = join(tempDir(), name);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

async function ingest(db: string, ...files: string[]) {
  const result = await stepstore(["ingest", "--json", "--db", db, ...files]);
  return { ...result, summary: JSON.parse(result.stdout) as Summary };
}

describe("numbers are read as written, not as doubles", () => {
  it("snapshots that differ only in numbers a double rounds alike are distinct records; again, they are duplicates", async () => {
    const db = tempDb();
    const file = write("numbers.jsonl", DISTINCT.map((n) => snapshot(`,"x":${n}`)));
    const first = await ingest(db, file);
    expect(first.summary).toEqual({ records: 6, appended: 6, duplicates: 0, rejected: 0 });
    expect((await storeRows<{ data: string }>(db, "SELECT data FROM events ORDER BY position")).map((r) => JSON.parse(r.data.replace(/"x":([^}]*)}$/, '"x":"$1"}')).x)).toEqual(DISTINCT);
    const again = await ingest(db, file);
    expect(again.summary).toEqual({ records: 6, appended: 0, duplicates: 6, rejected: 0 });
  });

  it("the same numbers spelled otherwise, and strings escaped otherwise, are the same content (duplicates)", async () => {
    const db = tempDb();
    await ingest(db, write("a.jsonl", [snapshot(`,"x":1,"y":0.5,"z":"A"`)]));
    const respelled = write("b.jsonl", [snapshot(`,"x":1.0,"y":5e-1,"z":"\\u0041"`), snapshot(`,"z":"A","y":0.50,"x":1E0`)]);
    expect((await ingest(db, respelled)).summary).toEqual({ records: 2, appended: 0, duplicates: 2, rejected: 0 });
  });

  it("one event id with two integers a double rounds alike is a conflict, not a duplicate", async () => {
    const db = tempDb();
    const file = write("ids.jsonl", [event("evt_1", `,"x":9007199254740993`), event("evt_1", `,"x":9007199254740992`), event("evt_1", `,"x":9007199254740993.0`)]);
    const result = await ingest(db, file);
    expect(result.summary).toEqual({ records: 3, appended: 1, duplicates: 1, rejected: 1 });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`${file}:2: conflict: event key evt_1 already holds different content (appended from ${file}:1)\n`);
  });

  it("an item of a list page keeps its digits in the log, and its content key tells it from the rounded one", async () => {
    const db = tempDb();
    const page = write("page.json", [`{"object":"list","data":[${snapshot(`,"x":9007199254740993,"y":0.1000000000000000055511151231257827`)}]}`]);
    const rounded = write("rounded.jsonl", [snapshot(`,"x":9007199254740992,"y":0.1`)]);
    expect((await ingest(db, page, rounded)).summary).toEqual({ records: 2, appended: 2, duplicates: 0, rejected: 0 });
    const [item] = await storeRows<{ data: string }>(db, "SELECT data FROM events ORDER BY position");
    expect(item!.data).toContain(`"x":9007199254740993,"y":0.1000000000000000055511151231257827}`);
    expect((await ingest(db, page)).summary).toEqual({ records: 1, appended: 0, duplicates: 1, rejected: 0 });
  });

  it("a step inside a thread export keeps its digits, and its run is kept without its steps", async () => {
    const db = tempDb();
    const run = `{"id":"run_1","object":"thread.run","created_at":1755180000,"thread_id":"thread_1","assistant_id":"asst_1","status":"completed","model":"gpt-4o","x":1e400,"steps":[${snapshot(`,"x":123456789012345678901234567891`)}]}`;
    const archive = `{"export_schema":"assistants-thread-export/v1","thread":{"id":"thread_1","object":"thread","created_at":1755180000},"messages":[],"runs":[${run}],"files":[],"errors":[]}`;
    const result = await ingest(db, write("t.json", [archive]));
    expect(result.stderr).toBe("");
    const data = await storeRows<{ type: string; data: string }>(db, "SELECT type, data FROM events ORDER BY position");
    expect(data.map((r) => r.type)).toEqual(["thread", "thread.run", "thread.run.step"]);
    expect(data[1]!.data).toMatch(/"x":1e400}$/);
    expect(data[2]!.data).toMatch(/"x":123456789012345678901234567891}$/);
  });
});

describe("numbers in an SSE transcript", () => {
  it("named events whose data differ only in a digit a double drops are two records, each keeping its digits", async () => {
    const db = tempDb();
    const sse = (n: string) => `event: thread.run.step.completed\ndata: ${snapshot(`,"x":${n}`)}\n\n`;
    const file = join(tempDir(), "stream.sse");
    writeFileSync(file, sse("9007199254740993") + sse("9007199254740992") + sse("9007199254740993.0"));
    expect((await ingest(db, file)).summary).toEqual({ records: 3, appended: 2, duplicates: 1, rejected: 0 });
    expect((await storeRows<{ data: string }>(db, "SELECT data FROM events ORDER BY position")).map((r) => r.data.slice(-21))).toEqual([
      `"x":9007199254740993}`, `"x":9007199254740992}`,
    ]);
  });

  it("a number out of range in a named event's data is named as written", async () => {
    const db = tempDb();
    const file = join(tempDir(), "bad.sse");
    writeFileSync(file, `event: thread.run.step.completed\ndata: ${snapshot("").replace('"created_at":1755180000', '"created_at":1e400')}\n\n`);
    await ingest(db, file);
    expect((await storeRows(db, "SELECT reason, path FROM rejections"))).toEqual([{ reason: "created_at: expected number, got 1e400 (beyond a double's range)", path: "$.data.created_at" }]);
  });
});

describe("a record's numbers in rejection reasons", () => {
  it.each([
    ["1e400", "expected number, got 1e400 (beyond a double's range)"],
    ["9007199254740993", "expected integer, got 9007199254740993 (beyond 2^53-1, the largest integer a double holds exactly)"],
    ["-1e400", "expected number, got -1e400 (beyond a double's range)"],
    ["1.5", "expected integer, got 1.5"],
  ])("created_at: %s is rejected naming the value written", async (written, reason) => {
    const db = tempDb();
    const file = write("bad.jsonl", [snapshot("").replace('"created_at":1755180000', `"created_at":${written}`)]);
    const result = await ingest(db, file);
    expect(result.code).toBe(3);
    expect((await storeRows(db, "SELECT reason, path FROM rejections"))).toEqual([{ reason: `created_at: ${reason}`, path: "$.created_at" }]);
  });

  it("an event envelope's created_at beyond a double, or beyond 2^53-1, is rejected naming the value written", async () => {
    const db = tempDb();
    const envelope = (n: string) => event("evt_T", "").replace('"created_at":1755180004', `"created_at":${n}`);
    await ingest(db, write("envelope.jsonl", [envelope("1e400"), envelope("9007199254740993")]));
    expect((await storeRows(db, "SELECT reason, path FROM rejections"))).toEqual([
      { reason: "created_at: expected integer, got 1e400 (beyond a double's range)", path: "$.created_at" },
      { reason: "created_at: expected integer, got 9007199254740993 (beyond 2^53-1, the largest integer a double holds exactly)", path: "$.created_at" },
    ]);
  });
});
describe("a top-level __proto__ key of a snapshot", () => {
  it("is kept in the row like any extra key, and verify agrees", async () => {
    const db = tempDb();
    expect((await ingest(db, write("proto.jsonl", [snapshot(`,"__proto__":{"polluted":true}`, "step_P")]))).summary.appended).toBe(1);
    const steps = await stepstore(["steps", "--db", db, "--format", "jsonl"]);
    const row = JSON.parse(steps.stdout) as Record<string, unknown>;
    expect(Object.hasOwn(row, "__proto__")).toBe(true);
    expect(row["__proto__"]).toEqual({ polluted: true });
    const verify = await stepstore(["verify", "--db", db]);
    expect(verify.code).toBe(0);
  });
});
