import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDir, tempDb } from "../helpers/cli.js";
import { stepLine, withBytes } from "../helpers/hostile.js";

interface Rejection { origin: string; reason: string; raw: string }

async function ingest(name: string, content: Buffer) {
  const dir = tempDir();
  const file = join(dir, name);
  const db = tempDb();
  writeFileSync(file, content);
  const result = await stepstore(["ingest", "--db", db, "--json", file]);
  const rejections = await stepstore(["rejections", "--db", db, "--format", "jsonl"]);
  const steps = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT id FROM run_steps ORDER BY id"]);
  const lines = (text: string) => text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as unknown);
  return { ...result, file, db, rejections: lines(rejections.stdout) as Rejection[], steps: (lines(steps.stdout) as { id: string }[]).map((s) => s.id) };
}

/** The exact bytes a base64 raw names (CONTRACT §4: `rejections.raw` is text). */
const bytesOf = (raw: string) => {
  expect(raw).toMatch(/^base64:[A-Za-z0-9+/]*=*$/);
  return Buffer.from(raw.slice("base64:".length), "base64");
};

// A Latin-1 "é" (0xE9) where UTF-8 needs two bytes: the commonest invalid UTF-8 in the wild.
const LATIN1 = Buffer.from([0xe9]);
const latin1Step = (id: string) => withBytes(stepLine(id, { metadata: { name: "caf@" } }), "@", LATIN1);
const offsetOf = (record: Buffer) => record.indexOf(LATIN1);

describe("invalid UTF-8 is rejected with its byte offset, its bytes kept exactly, the records around it stored", () => {
  it("a JSONL line (CRLF ends included)", async () => {
    const bad = latin1Step("step_Bad");
    const content = Buffer.concat([Buffer.from(`${stepLine("step_Before")}\r\n`), bad, Buffer.from(`\r\n${stepLine("step_After")}\r\n`)]);
    const result = await ingest("in.jsonl", content);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    const reason = `invalid UTF-8 at byte ${offsetOf(bad)} of the record (raw is base64)`;
    expect(result.stderr).toContain(`${result.file}:2: ${reason}`);
    expect(result.rejections.map((r) => [r.origin, r.reason])).toEqual([[`${result.file}:2`, reason]]);
    expect(bytesOf(result.rejections[0]!.raw).equals(bad)).toBe(true);
    expect(result.steps).toEqual(["step_After", "step_Before"]);
  });

  it.each([["LF", "\n"], ["CRLF", "\r\n"], ["a lone CR", "\r"]])("an SSE event: the whole event is rejected at its first line, its lines kept as bytes (%s)", async (_, end) => {
    const event = Buffer.concat([Buffer.from(`event: thread.run.step.created${end}data: `), latin1Step("step_Bad")]);
    const content = Buffer.concat([Buffer.from(`data: ${stepLine("step_Before")}${end}${end}`), event, Buffer.from(`${end}${end}data: ${stepLine("step_After")}${end}${end}`)]);
    const result = await ingest("in.sse", content);
    expect(result.code).toBe(3);
    expect(result.rejections.map((r) => [r.origin, r.reason])).toEqual([
      [`${result.file}:3`, `invalid UTF-8 at byte ${offsetOf(event)} of the record (raw is base64)`],
    ]);
    expect(bytesOf(result.rejections[0]!.raw).equals(event)).toBe(true);
    expect(result.steps).toEqual(["step_After", "step_Before"]);
  });

  it("an item of a .json array, and a whole .json document", async () => {
    const bad = latin1Step("step_Bad");
    const array = await ingest("in.json", Buffer.concat([Buffer.from(`[${stepLine("step_Before")},\n  `), bad, Buffer.from(`,\n${stepLine("step_After")}]`)]));
    expect(array.code).toBe(3);
    expect(array.rejections.map((r) => [r.origin, r.reason])).toEqual([
      [`${array.file}:$[1]`, `invalid UTF-8 at byte ${offsetOf(bad)} of the record (raw is base64)`],
    ]);
    expect(bytesOf(array.rejections[0]!.raw).equals(bad)).toBe(true);
    expect(array.steps).toEqual(["step_After", "step_Before"]);

    const whole = await ingest("one.json", bad);
    expect(whole.rejections.map((r) => [r.origin, r.reason])).toEqual([[whole.file, `invalid UTF-8 at byte ${offsetOf(bad)} of the record (raw is base64)`]]);
    expect(bytesOf(whole.rejections[0]!.raw).equals(bad)).toBe(true);
  });

  it("a truncated multi-byte character, a surrogate encoded in UTF-8 and an overlong form are invalid too; the offset names the sequence's first byte", async () => {
    const cases = [Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf])];
    const lines = cases.map((bytes, i) => withBytes(stepLine(`step_B${i}`, { metadata: { name: "x@" } }), "@", bytes));
    const result = await ingest("in.jsonl", Buffer.concat([...lines.flatMap((line) => [line, Buffer.from("\n")]), Buffer.from(`${stepLine("step_Good")}\n`)]));
    expect(result.rejections.map((r) => r.reason)).toEqual(lines.map((line, i) => `invalid UTF-8 at byte ${line.indexOf(cases[i]!)} of the record (raw is base64)`));
    expect(result.rejections.map((r) => bytesOf(r.raw))).toEqual(lines);
    expect(result.steps).toEqual(["step_Good"]);
  });

  it("a UTF-8 byte-order mark at the start of a document is still accepted, in every format", async () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    for (const [name, text] of [["a.jsonl", `${stepLine("step_Bom")}\n`], ["a.json", `[${stepLine("step_Bom")}]`], ["a.sse", `data: ${stepLine("step_Bom")}\n\n`]]) {
      const result = await ingest(name!, Buffer.concat([BOM, Buffer.from(text!)]));
      expect({ name, code: result.code, steps: result.steps }).toEqual({ name, code: 0, steps: ["step_Bom"] });
    }
  });

  it("valid multi-byte text (é, 😀, CJK) still lands exactly", async () => {
    const result = await ingest("in.jsonl", Buffer.from(`${stepLine("step_Text", { metadata: { name: "café 😀 日本" } })}\n`));
    expect(result.code).toBe(0);
    const row = await stepstore(["steps", "--db", result.db]);
    expect((JSON.parse(row.stdout) as { metadata: { name: string } }).metadata.name).toBe("café 😀 日本");
  });
});
