import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir, rejectionsOf, stepIds } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

const ingestJson = async (text: string) => {
  const file = join(tempDir(), "download.json");
  writeFileSync(file, text);
  const db = tempDb();
  return { file, db, ingest: await stepstore(["ingest", "--db", db, "--json", file]) };
};

describe("a .json array cut off before its closing ] (a truncated download) is not taken for a whole one", () => {
  it("given [{step},{step} with no ], when ingested, then both steps land and one rejection says the array was cut off, exit 3", async () => {
    const { file, db, ingest } = await ingestJson(`[\n${stepLine("step_CutA")},\n${stepLine("step_CutB")}\n`);
    const reason = "cut off: the JSON array is not closed (the document ends after $[1] with no ])";
    expect(ingest.stderr).toBe(`${file}: ${reason}\n`);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 2, duplicates: 0, rejected: 1 });
    expect(await stepIds(db)).toEqual(["step_CutA", "step_CutB"]);
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.path, r.reason, r.raw])).toEqual([[file, null, reason, ""]]);
  });

  it("given an array cut inside its last item, then the complete items land and the broken item's rejection is the one the cut makes", async () => {
    const { file, db, ingest } = await ingestJson(`[${stepLine("step_CutWhole")},${stepLine("step_CutHalf").slice(0, 40)}`);
    expect(ingest.code).toBe(3);
    // Before, the cut was a second rejection beside the broken item's: two rejections for one truncation.
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 2, appended: 1, duplicates: 0, rejected: 1 });
    expect(await stepIds(db)).toEqual(["step_CutWhole"]);
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason])).toEqual([[`${file}:$[1]`, expect.stringMatching(/^invalid JSON: /)]]);
  });

  it("given an array cut after a whole last item that is no valid record, then that item's rejection and the cut are each reported", async () => {
    const { file, db, ingest } = await ingestJson(`[${stepLine("step_CutKept")},{"y":2}`);
    expect(ingest.code).toBe(3);
    // Before, any rejection of the last item stood for the cut: a truncated download read as a whole one.
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 3, appended: 1, duplicates: 0, rejected: 2 });
    expect(await stepIds(db)).toEqual(["step_CutKept"]);
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason])).toEqual([
      [`${file}:$[1]`, expect.stringMatching(/^not a record/)],
      [file, "cut off: the JSON array is not closed (the document ends after $[1] with no ])"],
    ]);
  });

  it("given a gzip-compressed array cut short, then the damaged stream is the rejection that tells the cut, not a second one", async () => {
    const file = join(tempDir(), "download.json.gz");
    const whole = gzipSync(`[${stepLine("step_GzA")},${stepLine("step_GzB")},${stepLine("step_GzC")}]`);
    writeFileSync(file, whole.subarray(0, whole.length - 12));
    const db = tempDb();
    const ingest = await stepstore(["ingest", "--db", db, "--json", file]);
    expect(ingest.code).toBe(3);
    const reasons = (await rejectionsOf(db)).map((r) => r.reason);
    expect(reasons.some((reason) => /gzip|compressed|unexpected end/i.test(reason))).toBe(true);
    expect(reasons.filter((reason) => reason.startsWith("cut off:"))).toEqual([]);
  });

  it("given [1, then the bad item and the cut are each reported; given [ alone, the cut is", async () => {
    const open = await ingestJson("[1,");
    expect(open.ingest.stderr).toBe(`${open.file}:$[0]: $: expected a JSON object, got 1\n${open.file}: cut off: the JSON array is not closed (the document ends after $[0] with no ])\n`);
    expect(open.ingest.code).toBe(3);
    const bracket = await ingestJson("[\n");
    expect(bracket.ingest.stderr).toBe(`${bracket.file}: cut off: the JSON array is not closed (the document ends after its [ with no ])\n`);
    expect(JSON.parse(bracket.ingest.stdout)).toEqual({ records: 1, appended: 0, duplicates: 0, rejected: 1 });
  });

  it("given a closed array with a trailing comma, then it is whole: no rejection, exit 0", async () => {
    const { db, ingest } = await ingestJson(`[${stepLine("step_Trailing")},]`);
    expect(ingest.stderr).toBe("");
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 1, appended: 1, duplicates: 0, rejected: 0 });
    expect(await stepIds(db)).toEqual(["step_Trailing"]);
  });
});
