import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES, rejectionsOf, stepstore, tempDb, tempDir } from "../helpers/cli.js";

describe("stepstore events (CONTRACT §8): the log's rows", () => {
  it("given a record with an integer past 2^53 and a 1.0, when its events are printed as JSONL, then data is the bytes received", async () => {
    const db = tempDb();
    const line = '{"id":"step_Big1nt","object":"thread.run.step","created_at":1755129600,"assistant_id":"asst_1","thread_id":"thread_1","run_id":"run_1","type":"message_creation","status":"in_progress","step_details":{"type":"message_creation","message_creation":{"message_id":"msg_1"}},"last_error":null,"expired_at":null,"cancelled_at":null,"failed_at":null,"completed_at":null,"metadata":null,"usage":null,"trace_id":12345678901234567890,"weight":1.0}';
    const pretty = JSON.stringify({ ...JSON.parse(line), id: "step_Pretty" }, null, 2);
    const dir = tempDir(); // in the PostgreSQL half the store is a URL, not a folder
    const file = join(dir, "steps.jsonl");
    const json = join(dir, "step.json");
    writeFileSync(file, `${line}\n`);
    writeFileSync(json, pretty);
    expect((await stepstore(["ingest", "--db", db, file, json])).code).toBe(0);

    // Through the real binary's stdout: the bytes a reader of the pipe gets.
    const events = await stepstore(["events", "--db", db, "--run", "run_1"], { subprocess: true });
    const printed = events.stdout.split("\n").filter(Boolean);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/,"data":\{"id":"step_Big1nt",.*"trace_id":12345678901234567890,"weight":1\.0\}\}$/);
    // A multi-line document stays one line, its value unchanged.
    expect(JSON.parse(printed[1]!)).toMatchObject({ step_id: "step_Pretty", origin: json, data: JSON.parse(pretty) });
  });

  it("given a .json array, each item's data is its bytes as received (spacing and escapes kept), a list page's items re-serialised, and its key the content's", async () => {
    const db = tempDb();
    const dir = tempDir();
    const escaped = String.raw`{"event": "error", "data": {"message": "caf\u00e9 \/ x"}}`;
    const page = '{ "object": "list", "data": [ {"event": "error", "data": {"message": "in a page"}} ] }';
    const rejected = '{"event": "error", "data": { "code": 1 }}';
    const array = join(dir, "items.json");
    writeFileSync(array, `[\n  ${escaped},\n  ${page},\n  ${rejected}\n]\n`);
    // The same record as a JSONL line, other key order, escapes decoded: the same content.
    const line = join(dir, "same.jsonl");
    writeFileSync(line, '{"data":{"message":"café / x"},"event":"error"}\n');

    expect(JSON.parse((await stepstore(["ingest", "--db", db, "--json", array])).stdout)).toMatchObject({ appended: 2, rejected: 1 });
    const rows = await stepstore(["sql", "--db", db, "--format", "json", "SELECT origin, data FROM events ORDER BY position"]);
    expect(JSON.parse(rows.stdout)).toEqual([
      { origin: `${array}:$[0]`, data: escaped },
      { origin: `${array}:$[1].data[0]`, data: '{"event":"error","data":{"message":"in a page"}}' },
    ]);
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.raw])).toEqual([[`${array}:$[2]`, rejected]]);

    const again = await stepstore(["ingest", "--db", db, "--json", array, line]);
    expect(JSON.parse(again.stdout)).toEqual({ records: 4, appended: 0, duplicates: 3, rejected: 1 });
  });

  it("given no --step or --run, then the whole log is printed in position order; given both, a usage error", async () => {
    const db = tempDb();
    expect((await stepstore(["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl"), join(EXAMPLES, "stream-cut-off.sse")])).code).toBe(0);
    const log = await stepstore(["sql", "--db", db, "--format", "json", "SELECT position, event_key, origin FROM events ORDER BY position"]);
    const expected = JSON.parse(log.stdout) as { position: number; event_key: string; origin: string }[];
    expect(expected.length).toBeGreaterThan(10);

    const all = await stepstore(["events", "--db", db]);
    expect(all.code).toBe(0);
    const printed = all.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { position: number; event_key: string; origin: string });
    expect(printed.map(({ position, event_key, origin }) => ({ position, event_key, origin }))).toEqual(expected);

    const both = await stepstore(["events", "--db", db, "--step", "step_1", "--run", "run_1"]);
    expect(both).toMatchObject({ code: 2, stdout: "" });
    expect(both.stderr).toContain("one of --step ID or --run ID");
  });
});
