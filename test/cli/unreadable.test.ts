import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLES, stepstore, tempDb, tempDir, rejectionsOf } from "../helpers/cli.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { stepLine } from "../helpers/hostile.js";

/** Root reads any file whatever its mode, so the ingest runs as `nobody` when the tests run as root. */
const OTHER_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) chmodSync(dir, 0o755);
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A folder the other user may read and write (mkdtemp makes them 0700), with a store there it may write. */
function openFolder(): { dir: string; db: string } {
  const dir = tempDir("stepstore-unreadable-");
  chmodSync(dir, 0o777);
  made.push(dir);
  return { dir, db: pgHalf ? tempDb() : join(dir, "store.db") };
}

/**
 * `in/`: a readable b.sse, an unreadable z.jsonl, an unreadable folder `sub/` and a readable one `c/` after it, and
 * `l.jsonl`, a link to a file in a folder no one but root may enter.
 */
function inputFolder(dir: string): string {
  const input = join(dir, "in");
  const locked = join(dir, "locked");
  mkdirSync(locked);
  writeFileSync(join(locked, "x.jsonl"), `${stepLine("step_BehindLockedLink")}\n`);
  chmodSync(locked, 0o000);
  made.push(locked);
  mkdirSync(join(input, "c"), { recursive: true, mode: 0o755 });
  copyFileSync(join(EXAMPLES, "stream-order-lookup.sse"), join(input, "b.sse"));
  chmodSync(join(input, "b.sse"), 0o644);
  writeFileSync(join(input, "c", "y.jsonl"), `${stepLine("step_InReadableFolder")}\n`, { mode: 0o644 });
  writeFileSync(join(input, "z.jsonl"), `${stepLine("step_Unreadable")}\n`, { mode: 0o000 });
  mkdirSync(join(input, "sub"), { mode: 0o000 });
  symlinkSync(join(locked, "x.jsonl"), join(input, "l.jsonl"));
  chmodSync(input, 0o755);
  return input;
}

async function eventCount(db: string): Promise<number> {
  const result = await stepstore(["sql", "--db", db, "--format", "json", "SELECT count(*) AS n FROM events"]);
  return (JSON.parse(result.stdout) as { n: number }[])[0]!.n;
}

const SSE_RECORDS = 20; // stream-order-lookup.sse

describe("an unreadable file or folder is one rejection naming it and why; every other file lands", () => {
  it("given a folder with an unreadable file and an unreadable subfolder, when ingested, then each is a rejection, the readable files land, exit 3", async () => {
    const { dir, db } = openFolder();
    const input = inputFolder(dir);

    const ingest = await stepstore(["ingest", "--db", db, "--json", input], { user: OTHER_USER });
    expect(ingest.stderr).toContain(`${join(input, "sub")}: cannot read the folder: EACCES: permission denied: none of its files were read\n`);
    expect(ingest.stderr).toContain(`${join(input, "z.jsonl")}: cannot read the file: EACCES: permission denied\n`);
    // Before, the link stopped the whole ingest: 'stepstore: EACCES: permission denied, stat …', exit 1.
    expect(ingest.stderr).toContain(`${join(input, "l.jsonl")}: cannot read the file: EACCES: permission denied\n`);
    expect(ingest.stderr).not.toContain("stepstore:");
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: SSE_RECORDS + 4, appended: SSE_RECORDS + 1, duplicates: 0, rejected: 3 });
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason, r.raw])).toEqual([
      [join(input, "l.jsonl"), "cannot read the file: EACCES: permission denied", ""],
      [join(input, "sub"), "cannot read the folder: EACCES: permission denied: none of its files were read", ""],
      [join(input, "z.jsonl"), "cannot read the file: EACCES: permission denied", ""],
    ]);
    expect(await eventCount(db)).toBe(SSE_RECORDS + 1);
  });

  it("given files named one by one, the unreadable one among them, when ingested, then the files before and after it land", async () => {
    const { dir, db } = openFolder();
    const input = inputFolder(dir);
    const after = join(dir, "after.jsonl");
    writeFileSync(after, `${stepLine("step_AfterUnreadable")}\n`, { mode: 0o644 });

    const ingest = await stepstore(["ingest", "--db", db, join(input, "b.sse"), join(input, "z.jsonl"), after], { user: OTHER_USER });
    expect(ingest.stderr).toBe(`${join(input, "z.jsonl")}: cannot read the file: EACCES: permission denied\n`);
    expect(ingest.stdout).toBe(`${SSE_RECORDS + 2} records: ${SSE_RECORDS + 1} appended, 0 duplicates, 1 rejected\n`);
    expect(ingest.code).toBe(3);
    expect(await eventCount(db)).toBe(SSE_RECORDS + 1);
  });

  it("given stdin and an unreadable file, when ingested (stdin is read in-process, not on the reading thread), then the same", async () => {
    const { dir, db } = openFolder();
    const input = inputFolder(dir);
    const stdin = readFileSync(join(input, "b.sse"));

    const ingest = await stepstore(["ingest", "--db", db, "-", join(input, "z.jsonl")], { user: OTHER_USER, input: stdin });
    expect(ingest.stderr).toBe(`${join(input, "z.jsonl")}: cannot read the file: EACCES: permission denied\n`);
    expect(ingest.stdout).toBe(`${SSE_RECORDS + 1} records: ${SSE_RECORDS} appended, 0 duplicates, 1 rejected\n`);
    expect(ingest.code).toBe(3);
  });
});

describe("an archive given to ingest", () => {
  it("a zip, a tar or a gzipped tar is one rejection saying to unpack it; the files beside it land", async () => {
    const dir = tempDir();
    const tar = Buffer.alloc(1024);
    tar.write("export/steps.jsonl", 0);
    tar.write("ustar\u000000", 257, "latin1");
    const archives: [string, Buffer, string][] = [
      ["export.zip", Buffer.concat([Buffer.from("PK\u0003\u0004", "latin1"), Buffer.from(stepLine("step_InZip"))]), "a zip archive"],
      ["export.tar", tar, "a tar archive"],
      ["export.tar.gz", gzipSync(tar), "a tar archive"],
    ];
    for (const [name, bytes] of archives) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, "steps.jsonl"), `${stepLine("step_BesideArchives")}\n`);
    const db = tempDb();
    const result = await stepstore(["ingest", "--db", db, "--json", ...archives.map(([name]) => join(dir, name)), join(dir, "steps.jsonl")]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ records: 4, appended: 1, duplicates: 0, rejected: 3 });
    const unpack = "stepstore reads JSON, JSON Lines and SSE files (gzipped or not) and folders of them; unpack it and ingest the folder";
    expect((await rejectionsOf(db)).map((r) => [r.origin, r.reason, r.raw])).toEqual(archives.map(([name, , kind]) => [join(dir, name), `${kind}: ${unpack}`, ""]));
  });

  it("a record whose text has ustar where a tar header has it is a record, not an archive", async () => {
    // An unknown key (kept, as every one is) first, its text reaching byte 257.
    const padded = stepLine("step_Mustard").replace(/^\{/, `{"note":"${"x".repeat(257 - 9)}ustar  mustard",`);
    expect(padded.slice(257, 262)).toBe("ustar");
    const file = join(tempDir(), "steps.jsonl");
    writeFileSync(file, `${padded}\n`);
    const result = await stepstore(["ingest", "--db", tempDb(), "--json", file]);
    expect(JSON.parse(result.stdout)).toEqual({ records: 1, appended: 1, duplicates: 0, rejected: 0 });
  });
});
