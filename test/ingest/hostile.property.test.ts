/**
 * Fuzzing the ingest pipeline with hostile JSONL documents: valid records mixed with lines built to
 * break a parser, a validator or the store. Whatever the mix, nothing throws past a record, the counts
 * add up, every valid record lands and every hostile one is either rejected with a reason or, where
 * the contract says it is valid, stored like any other.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentsOf, keyedRecordsOf } from "../../src/ingest/sources.js";
import { appendAll } from "../../src/store/appendAll.js";
import { listRejections } from "../../src/store/readEvents.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { postIngest, postWebhook, serverForSuite } from "../api/harness.js";
import { tempDir } from "../helpers/cli.js";
import { deepEvent, eventLine, stepLine, withBytes } from "../helpers/hostile.js";
import { openStoreUnderTest, pgHalf } from "../helpers/storeUnderTest.js";

const MAX_RECORD = 4096;
/** A line and what the contract makes of it: stored (its step lands), rejected, or either (numbers at the edges). */
type Expect = "stored" | "rejected" | "either";
interface Line { bytes: Buffer; stepId: string; expect: Expect }

const BUILT_INS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"] as const;
const text = (line: string) => Buffer.from(line);
const withStep = (id: string, extra: Record<string, unknown>) => text(stepLine(id, extra));
const delta = (id: string, call: string) => text(`{"id":"${id}","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls","tool_calls":[${call}]}}}`);

/** Valid records: step snapshots and step events, any text in their metadata. */
const validLine = fc.tuple(fc.boolean(), fc.string({ unit: "grapheme", maxLength: 8 })).map(([asEvent, note]) => (id: string): Line => ({
  bytes: asEvent ? text(eventLine(`evt_${id}`, id).replace('"tenant":"acme"', () => `"note":${JSON.stringify(note)}`)) : withStep(id, { metadata: { note } }),
  stepId: id,
  expect: "stored",
}));

const hostile = (expect: Expect, build: (id: string) => Buffer) => fc.constant((id: string): Line => ({ bytes: build(id), stepId: id, expect }));
const builtIn = fc.constantFrom(...BUILT_INS);

/** Hostile lines, each with what the contract says of it. */
const hostileLine = fc.oneof(
  fc.integer({ min: 65, max: 400 }).chain((depth) => hostile("rejected", (id) => text(deepEvent(`evt_${id}`, depth).replaceAll("step_Deep", id)))),
  hostile("rejected", (id) => withStep(id, { metadata: { blob: "x".repeat(MAX_RECORD) } })),
  // Another vendor's tool type is kept whole (CONTRACT §1), whatever its name.
  builtIn.chain((name) => hostile("stored", (id) => withStep(id, { step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: name, [name]: { x: 1 } }] } }))),
  builtIn.chain((name) => hostile("stored", (id) => text(stepLine(id).replace('"tenant":"acme"', `"${name}":"v","tenant":"acme"`)))),
  builtIn.chain((name) => hostile("rejected", (id) => text(`{"id":"${id}","object":"${name}"}`))),
  builtIn.chain((name) => hostile("rejected", (id) => text(`{"id":"evt_${id}","object":"event","type":"${name}","data":${stepLine(id)}}`))),
  builtIn.chain((name) => hostile("rejected", (id) => text(`{"id":"evt_${id}","object":"event","type":"thread.run.step.created","data":${stepLine(id, { object: name })}}`))),
  // A delta key that could reach an object's prototype is refused (CONTRACT §5.3); `toString` as a delta's vendor type is not.
  fc.constantFrom("__proto__", "constructor", "prototype").chain((name) => hostile("rejected", (id) => delta(id, `{"index":0,"type":"function","${name}":{"polluted":true}}`))),
  builtIn.chain((name) => hostile("stored", (id) => delta(id, `{"index":0,"type":"${name}"}`))),
  fc.constantFrom([0xe9], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0x80]).chain((bad) =>
    hostile("rejected", (id) => withBytes(stepLine(id, { metadata: { name: "@" } }), "@", Buffer.from(bad)))),
  fc.constantFrom("9007199254740993", "1e400", "-0", "1e-400", "123456789012345678901234567890", "-1e308", "0.1e1").chain((n) =>
    hostile("either", (id) => text(stepLine(id).replace('"created_at":1755180000', `"created_at":${n}`)))),
  fc.constantFrom("1e400", "9007199254740993").chain((n) => hostile("rejected", (id) => text(stepLine(id).replace('"acme"', n)))),
  hostile("stored", (id) => withStep(id, { metadata: { nul: "a\u0000b" } })),
  hostile("rejected", (id) => withBytes(stepLine(id, { metadata: { nul: "a@b" } }), "@", Buffer.from([0x00]))),
  hostile("rejected", (id) => Buffer.concat([text(stepLine(id)), Buffer.from([0x00])])),
  hostile("stored", (id) => text(stepLine(id).replace('"acme"', '"\\ud800 \\udfff"'))),
  hostile("rejected", (id) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(stepLine(id))])), // a BOM is no whitespace mid-document
  hostile("rejected", (id) => text(`${stepLine(id)}\r${stepLine(`${id}b`)}`)),
);

/** A document's lines (unique ids), its line ends, and whether it opens with a byte-order mark. */
const documentArb = fc.record({
  makers: fc.array(fc.oneof({ weight: 2, arbitrary: validLine }, { weight: 3, arbitrary: hostileLine }), { minLength: 1, maxLength: 12 }),
  crlf: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  bom: fc.boolean(),
}).map(({ makers, crlf, bom }) => {
  const lines = makers.map((make, i) => make(`step_Fz${i}`));
  // A BOM that opens the document is the document's own, skipped as allowed: that line is then valid.
  if (!bom && lines[0]!.bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) lines[0] = { ...lines[0]!, expect: "stored" };
  const bytes = Buffer.concat([
    Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []),
    ...lines.flatMap((line, i) => [line.bytes, Buffer.from(crlf[i] ? "\r\n" : "\n")]),
  ]);
  return { lines, bytes };
});

const stepsInLog = async (sql: SqlPort) =>
  new Set((await sql.all<{ step_id: string }>("SELECT DISTINCT step_id FROM events WHERE step_id IS NOT NULL")).map((r) => r.step_id));

let savedLimit: string | undefined;
beforeAll(() => {
  savedLimit = process.env.STEPSTORE_MAX_RECORD;
  process.env.STEPSTORE_MAX_RECORD = String(MAX_RECORD);
});
afterAll(() => {
  if (savedLimit === undefined) delete process.env.STEPSTORE_MAX_RECORD;
  else process.env.STEPSTORE_MAX_RECORD = savedLimit;
});

// Each run makes a store of its own: on PostgreSQL a database, created and migrated (~1 s here), so fewer runs there;
// what is fuzzed (the reading and classifying of hostile lines) is the same on both stores. Keeps CI within 15 minutes.
const DOCUMENT_RUNS = pgHalf ? 20 : 40;

describe("hostile JSONL documents through the ingest pipeline (fuzzed)", () => {
  it("never throw past a record; N = A + D + R; valid records land, hostile ones are rejected with a reason or stored as the contract allows", async () => {
    await fc.assert(fc.asyncProperty(documentArb, async ({ lines, bytes }) => {
      const dir = tempDir("stepstore-fuzz-");
      const file = join(dir, "hostile.jsonl");
      writeFileSync(file, bytes);
      const store = await openStoreUnderTest();
      try {
        let summary = { records: 0, appended: 0, duplicates: 0, rejected: 0 };
        for await (const doc of documentsOf([file], "auto", process.stdin, [])) {
          summary = await appendAll(store.append, keyedRecordsOf(doc), { source: "file" });
        }
        expect(summary.records).toBe(lines.length);
        expect(summary.appended + summary.duplicates + summary.rejected).toBe(summary.records);

        const rejections = (await listRejections(store.sql));
        expect(rejections.length).toBe(summary.rejected);
        const rejectedAt = new Map(rejections.map((r) => [r.origin, r.reason]));
        const logged = await stepsInLog(store.sql);
        lines.forEach((line, i) => {
          const reason = rejectedAt.get(`${file}:${i + 1}`);
          const outcome = reason !== undefined ? "rejected" : logged.has(line.stepId) ? "stored" : "lost";
          expect({ line: i + 1, outcome, reason }).toEqual({ line: i + 1, outcome: line.expect === "either" ? outcome : line.expect, reason: outcome === "rejected" ? expect.stringMatching(/\S/) : undefined });
          expect(outcome).not.toBe("lost");
        });
        // Every row a snapshot made is readable as JSON.
        const rows = await store.sql.all<{ id: string; data: string }>("SELECT id, data FROM run_steps");
        for (const row of rows) expect((JSON.parse(row.data) as { id: string }).id).toBe(row.id);
      } finally {
        await store.close();
      }
    }), { numRuns: DOCUMENT_RUNS });
  });
});

describe("hostile documents over HTTP (fuzzed)", () => {
  const server = serverForSuite();

  it("POST /webhooks (one line a signed request) and POST /v1/ingest (the whole document) never answer 5xx", async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(documentArb, async ({ lines, bytes }) => {
      run++;
      for (const [i, line] of lines.entries()) {
        const answer = await postWebhook(server, line.bytes, { id: `msg_fuzz_${run}_${i}` });
        expect([200, 409, 422], `line ${i + 1}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
      }
      const bulk = await postIngest(server, bytes);
      expect(bulk.status).toBe(200);
      const counts = bulk.body as { records: number; appended: number; duplicates: number; rejected: number };
      expect(counts.records).toBe(lines.length);
      expect(counts.appended + counts.duplicates + counts.rejected).toBe(counts.records);
    }), { numRuns: 8 });
  });
});
