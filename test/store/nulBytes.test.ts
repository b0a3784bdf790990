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
});
