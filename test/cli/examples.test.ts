import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EXAMPLES, stepstore, tempDb, tempDir } from "../helpers/cli.js";

const cases = [
  ["stream-order-lookup.sse", "stream-order-lookup"],
  ["stream-cut-off.sse", "stream-cut-off"],
  ["relayed-events.jsonl", "relayed-events"],
  ["list-run-steps-page.json", "stream-order-lookup"],
  ["export", "stream-order-lookup"],
] as const;

describe("the shared examples", () => {
  it.each(cases)("%s projects to exactly its expected rows", async (input, expected) => {
    const db = tempDb();
    const ingest = await stepstore(["ingest", "--db", db, join(EXAMPLES, input)]);
    expect(ingest.stderr).toBe("");
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(/^\d+ records: \d+ appended, \d+ duplicates, 0 rejected\n$/);
    const steps = await stepstore(["steps", "--db", db, "--format", "jsonl"]);
    expect(steps.stdout).toBe(readFileSync(join(EXAMPLES, "expected", `${expected}.steps.jsonl`), "utf8"));
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("ingesting every example twice appends nothing the second time", async () => {
    const db = tempDb();
    const inputs = cases.map(([input]) => join(EXAMPLES, input));
    const first = await stepstore(["ingest", "--db", db, "--json", ...inputs]);
    const second = await stepstore(["ingest", "--db", db, "--json", ...inputs]);
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(a.records).toBe(a.appended + a.duplicates + a.rejected);
    expect(b).toEqual({ records: a.records, appended: 0, duplicates: a.records, rejected: 0 });
  });

  it("the relayed events' redelivery is counted as a duplicate", async () => {
    const db = tempDb();
    const result = await stepstore(["ingest", "--db", db, "--json", join(EXAMPLES, "relayed-events.jsonl")]);
    expect(JSON.parse(result.stdout)).toEqual({ records: 6, appended: 5, duplicates: 1, rejected: 0 });
  });

  // The real binary, end to end: a transcript through a pipe into ingest, the rows out of steps.
  it("reads a transcript from stdin when the path is -", async () => {
    const db = tempDb();
    const input = readFileSync(join(EXAMPLES, "stream-cut-off.sse"), "utf8");
    const result = await stepstore(["ingest", "--db", db, "-"], { input, subprocess: true });
    expect(result.code).toBe(0);
    const steps = await stepstore(["steps", "--db", db], { subprocess: true });
    expect(steps.stdout).toBe(readFileSync(join(EXAMPLES, "expected/stream-cut-off.steps.jsonl"), "utf8"));
  });

  it("reads gzip by its bytes: from stdin, and from a file whatever its name", async () => {
    const db = tempDb();
    const transcript = readFileSync(join(EXAMPLES, "stream-cut-off.sse"));
    const fromStdin = await stepstore(["ingest", "--db", db, "--json", "-"], { input: gzipSync(transcript) });
    expect(fromStdin.code).toBe(0);
    const steps = await stepstore(["steps", "--db", db]);
    expect(steps.stdout).toBe(readFileSync(join(EXAMPLES, "expected/stream-cut-off.steps.jsonl"), "utf8"));

    const dir = tempDir(); // beside no store: in the PostgreSQL half the store is a URL
    const file = join(dir, "relayed.jsonl.backup");
    writeFileSync(file, gzipSync(readFileSync(join(EXAMPLES, "relayed-events.jsonl"))));
    const fromFile = await stepstore(["ingest", "--db", db, "--json", "--format", "jsonl", file]);
    expect(JSON.parse(fromFile.stdout)).toEqual({ records: 6, appended: 5, duplicates: 1, rejected: 0 });
    // The same stream gzipped is the same document: its records are duplicates.
    const plain = join(dir, "cut-off.sse");
    copyFileSync(join(EXAMPLES, "stream-cut-off.sse"), plain);
    const again = JSON.parse((await stepstore(["ingest", "--db", db, "--json", plain])).stdout);
    expect(again.appended).toBe(0);
  });

  it("reads an SSE transcript by its content whatever its name (.jsonl, .json.gz, after a BOM and blank lines), unless --format says otherwise", async () => {
    const db = tempDb();
    const dir = tempDir();
    const transcript = Buffer.concat([Buffer.from("\ufeff\n\n"), readFileSync(join(EXAMPLES, "stream-cut-off.sse"))]);
    const [lines, gzipped] = [join(dir, "stream.jsonl"), join(dir, "stream.json.gz")];
    writeFileSync(lines, transcript);
    writeFileSync(gzipped, gzipSync(transcript));
    const first = await stepstore(["ingest", "--db", db, "--json", lines]);
    expect(first.stderr).toBe("");
    const { records } = JSON.parse(first.stdout) as { records: number };
    expect(JSON.parse(first.stdout)).toEqual({ records, appended: records, duplicates: 0, rejected: 0 });
    expect((await stepstore(["steps", "--db", db])).stdout).toBe(readFileSync(join(EXAMPLES, "expected/stream-cut-off.steps.jsonl"), "utf8"));
    // The same bytes gzipped are the same document: every record a duplicate.
    expect(JSON.parse((await stepstore(["ingest", "--db", db, "--json", gzipped])).stdout)).toEqual({ records, appended: 0, duplicates: records, rejected: 0 });
    // Told it is JSON Lines, it is read so: every line rejected, nothing appended.
    const asLines = JSON.parse((await stepstore(["ingest", "--db", db, "--json", "--format", "jsonl", lines])).stdout) as { appended: number; rejected: number };
    expect([asLines.appended, asLines.rejected > 0]).toEqual([0, true]);
  });
});
