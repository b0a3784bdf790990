import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalOfText } from "../../src/records/canonical.js";
import { sha256Hex } from "../../src/records/eventKey.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { storeRows } from "../helpers/storeRows.js";
import { postIngest, serverForSuite } from "../api/harness.js";

const step = (id: string, status: "in_progress" | "completed") => ({
  id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
  type: "message_creation", status, step_details: { type: "message_creation", message_creation: { message_id: `msg_${id}` } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: status === "completed" ? 1755180004 : null,
  metadata: {}, usage: null,
});
const event = (id: string, stepId: string, status: "in_progress" | "completed") => ({
  id, object: "event", type: `thread.run.step.${status === "in_progress" ? "created" : status}`, created_at: 1755180000, data: step(stepId, status),
});

/** The same value with its keys in reverse order, at every depth, and spaces between tokens. */
function reserialised(value: unknown): string {
  const reverse = (v: unknown): unknown =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)]))
      : Array.isArray(v) ? v.map(reverse) : v;
  return JSON.stringify(reverse(value), null, 1).replace(/\n/g, " ");
}

const jsonl = (events: object[]) => events.map((e) => JSON.stringify(e)).join("\n") + "\n";

// Two archives that both number their events from evt_1, as a generator restarting its count per file does.
const first = [event("evt_1", "step_A", "in_progress"), event("evt_2", "step_A", "completed"), event("evt_3", "step_S", "completed")];
const second = [event("evt_1", "step_B", "in_progress"), event("evt_2", "step_B", "completed"), event("evt_3", "step_S", "completed")];
const conflictReason = (key: string, origin: string) => `conflict: event key ${key} already holds different content (appended from ${origin})`;

interface Summary { records: number; appended: number; duplicates: number; rejected: number }

async function ingest(db: string, ...files: string[]) {
  const result = await stepstore(["ingest", "--json", "--db", db, ...files]);
  return { ...result, summary: JSON.parse(result.stdout) as Summary };
}

const stepsRows = (db: string) => storeRows(db, "SELECT * FROM run_steps ORDER BY id");
const rejections = (db: string) => storeRows(db, "SELECT source, origin, reason, path, raw FROM rejections ORDER BY id");

describe("event keys reused with other content (conflicts)", () => {
  let dir: string;
  let firstFile: string;
  let secondFile: string;
  let firstAlone: { db: string; steps: unknown[] };
  beforeAll(async () => {
    dir = tempDir();
    firstFile = join(dir, "first.jsonl");
    secondFile = join(dir, "second.jsonl");
    writeFileSync(firstFile, jsonl(first));
    writeFileSync(secondFile, jsonl(second));
    const db = tempDb();
    const result = await ingest(db, firstFile);
    expect(result.code).toBe(0);
    firstAlone = { db, steps: await stepsRows(db) };
  });

  const expectConflicts = async (result: { code: number | null; stderr: string; summary: Summary }, db: string) => {
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `${secondFile}:1: ${conflictReason("evt_1", `${firstFile}:1`)}\n${secondFile}:2: ${conflictReason("evt_2", `${firstFile}:2`)}\n`,
    );
    expect(await stepsRows(db)).toEqual(firstAlone.steps);
    expect(await rejections(db)).toEqual([
      { source: "file", origin: `${secondFile}:1`, reason: conflictReason("evt_1", `${firstFile}:1`), path: null, raw: JSON.stringify(second[0]) },
      { source: "file", origin: `${secondFile}:2`, reason: conflictReason("evt_2", `${firstFile}:2`), path: null, raw: JSON.stringify(second[1]) },
    ]);
  };

  it("a second archive reusing the ids is rejected as conflicts naming the first archive's lines, and changes no row", async () => {
    const db = tempDb();
    expect((await ingest(db, firstFile)).code).toBe(0);
    const result = await ingest(db, secondFile);
    expect(result.summary).toEqual({ records: 3, appended: 0, duplicates: 1, rejected: 2 });
    await expectConflicts(result, db);
  });

  it("both archives in one ingest (one batch): the second's events conflict with the first's", async () => {
    const db = tempDb();
    const result = await ingest(db, firstFile, secondFile);
    expect(result.summary).toEqual({ records: 6, appended: 3, duplicates: 1, rejected: 2 });
    await expectConflicts(result, db);
  });

  it("the human summary counts conflicts as rejected", async () => {
    const db = tempDb();
    await ingest(db, firstFile);
    const result = await stepstore(["ingest", "--db", db, secondFile]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("3 records: 0 appended, 1 duplicates, 2 rejected\n");
  });

  it("one key twice with different content in one file: the second is a conflict against the first", async () => {
    const db = tempDb();
    const file = join(dir, "reused.jsonl");
    writeFileSync(file, jsonl([first[0]!, second[0]!]));
    const result = await ingest(db, file);
    expect(result.summary).toEqual({ records: 2, appended: 1, duplicates: 0, rejected: 1 });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`${file}:2: ${conflictReason("evt_1", `${file}:1`)}\n`);
    expect(await storeRows(db, "SELECT step_id FROM events")).toEqual([{ step_id: "step_A" }]);
  });

  it("an event whose id is another record's content key is a conflict with it, not a silent duplicate, in either order", async () => {
    const bare = step("step_ns", "completed");
    const contentKey = `sha256:${sha256Hex(canonicalOfText(JSON.stringify(bare)))}`;
    const squatter = event(contentKey, "step_evil", "completed");
    for (const [earlier, later] of [[squatter, bare], [bare, squatter]] as const) {
      const db = tempDb();
      const file = join(dir, "squatted.jsonl");
      writeFileSync(file, jsonl([earlier, later]));
      const result = await ingest(db, file);
      expect(result.summary).toEqual({ records: 2, appended: 1, duplicates: 0, rejected: 1 });
      expect(result.stderr).toBe(`${file}:2: ${conflictReason(contentKey, `${file}:1`)}\n`);
    }
  });

  it("the same archive again, or its events re-serialised (other key order, whitespace, a JSON array), are duplicates", async () => {
    const again = await ingest(firstAlone.db, firstFile);
    expect(again.summary).toEqual({ records: 3, appended: 0, duplicates: 3, rejected: 0 });
    expect(again.code).toBe(0);

    const relayed = join(dir, "relayed.jsonl");
    writeFileSync(relayed, first.map(reserialised).join("\n") + "\n");
    const array = join(dir, "array.json");
    writeFileSync(array, JSON.stringify(first, null, 2));
    const redelivered = await ingest(firstAlone.db, relayed, array);
    expect(redelivered.stderr).toBe("");
    expect(redelivered.summary).toEqual({ records: 6, appended: 0, duplicates: 6, rejected: 0 });
    expect(redelivered.code).toBe(0);
    expect(await rejections(firstAlone.db)).toEqual([]);
  });
});

describe("POST /v1/ingest with reused event ids", () => {
  const server = serverForSuite();

  it("counts a conflict as rejected and keeps it, a redelivery as a duplicate", async () => {
    const answer = await postIngest(server, jsonl([...first, ...second]));
    expect(answer).toEqual({ status: 200, body: { records: 6, appended: 3, duplicates: 1, rejected: 2 } });
    const kept = await server.app.stepstore.sql.all<{ source: string; reason: string }>("SELECT source, reason FROM rejections ORDER BY id");
    expect(kept.map((r) => r.source)).toEqual(["http", "http"]);
    expect(kept[0]!.reason).toMatch(/^conflict: event key evt_1 already holds different content \(appended from POST \/v1\/ingest .+:1\)$/);
  });
});

describe("one stream event from an SSE transcript and from the SDK's JSON form ({\"event\",\"data\"})", () => {
  it("is one record whichever comes first: the second is a duplicate, not a conflict", async () => {
    const data = JSON.stringify(step("step_C1", "in_progress"));
    const dir = tempDir();
    const sse = join(dir, "stream.sse");
    const sdk = join(dir, "sdk-events.jsonl");
    writeFileSync(sse, `event: thread.run.step.created\ndata: ${data}\n\nevent: done\ndata: [DONE]\n\n`);
    writeFileSync(sdk, `{"event":"thread.run.step.created","data":${data}}\n`);
    for (const files of [[sse, sdk], [sdk, sse]]) {
      const db = tempDb();
      const result = await ingest(db, ...files);
      expect([result.code, result.summary, result.stderr]).toEqual([0, { records: 2, appended: 1, duplicates: 1, rejected: 0 }, ""]);
    }
  });
});
