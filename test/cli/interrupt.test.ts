import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";
import { storeRows, writeBehindStore } from "../helpers/storeRows.js";

const lines = (count: number) => Array.from({ length: count }, (_, i) => `${stepLine(`step_Int${String(i).padStart(5, "0")}`)}\n`).join("");

/** A FIFO for the ingest to read: it stays open, so the ingest is still reading when Ctrl-C comes. */
function fifo(): string {
  const path = join(tempDir(), "live.jsonl");
  execFileSync("mkfifo", [path]);
  return path;
}

async function committedEvents(db: string): Promise<number> {
  const result = await stepstore(["sql", "--db", db, "--format", "json", "SELECT count(*) AS n FROM events"]);
  return result.code === 0 ? (JSON.parse(result.stdout) as { n: number }[])[0]!.n : 0;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The child's outcome: its exit code (null when a signal ended it) and what it printed. */
function outcome(child: ChildProcessWithoutNullStreams) {
  let [stdout, stderr] = ["", ""];
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("latin1")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("latin1")));
  let exited = false;
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  void done.then(() => (exited = true));
  return { done, stdout: () => stdout, stderr: () => stderr, exited: () => exited };
}

const FIRST_BATCH = 5000; // FILE_BATCH_SIZE: one commit
const summaryLine = /^(\d+) records: (\d+) appended, 0 duplicates, 0 rejected\n$/;

describe("Ctrl-C (or SIGTERM) during ingest: what was committed is summed up, exit 128 + the signal", () => {
  // Each input with one signal: SIGTERM is what a service manager sends to stop a long ingest.
  it.each([
    { input: "a file (read on the reading thread)", signal: "SIGINT", exitCode: 130 },
    { input: "stdin (read in-process)", signal: "SIGTERM", exitCode: 143 },
  ] as const)("given $input still being read, when $signal comes after a commit, then the summary counts what the store holds", async ({ input, signal: stopSignal, exitCode }) => {
    const db = tempDb();
    const fromStdin = input.startsWith("stdin");
    const path = fifo();
    const child = spawn(process.execPath, [BIN, "ingest", "--db", db, fromStdin ? "-" : path]);
    const out = outcome(child);
    const writer = fromStdin ? child.stdin : (await open(path, "w")).createWriteStream();
    writer.write(lines(FIRST_BATCH + 1000));
    await waitFor(async () => (await committedEvents(db)) >= FIRST_BATCH, "the first batch's commit");

    child.kill(stopSignal);
    // As at a terminal, where Ctrl-C stops the writer too: a read blocked on the FIFO then ends.
    await waitFor(async () => out.stderr().includes("interrupted") || out.exited(), "the ingest to stop");
    writer.destroy();
    const { code, signal } = await out.done;
    expect(signal).toBeNull();
    expect(code).toBe(exitCode);
    expect(out.stderr()).toBe("stepstore: ingest interrupted; the summary counts what was committed; nothing after it was stored (run it again to add the rest: what landed is skipped as duplicates)\n");
    const [, records, appended] = summaryLine.exec(out.stdout()) ?? [];
    expect(Number(records)).toBeGreaterThanOrEqual(FIRST_BATCH);
    expect(appended).toBe(records);
    expect(await committedEvents(db)).toBe(Number(appended));
  });

  it("given a large file the reading thread reads far ahead of the appends, when SIGINT comes after a commit, then it stops there", async () => {
    // Before: the reader's messages kept the event loop busy to the end of the file; the ingest ignored the signal and exited 0.
    const db = tempDb();
    const total = 100_000;
    const file = join(tempDir(), "large.jsonl");
    await writeFile(file, lines(total));
    const child = spawn(process.execPath, [BIN, "ingest", "--db", db, file]);
    const out = outcome(child);
    await waitFor(async () => (await committedEvents(db)) >= FIRST_BATCH || out.exited(), "the first batch's commit");
    child.kill("SIGINT");
    const { code } = await out.done;
    expect(code).toBe(130);
    const [, records, appended] = summaryLine.exec(out.stdout()) ?? [];
    expect(Number(records)).toBeLessThan(total);
    expect(await committedEvents(db)).toBe(Number(appended));
  });

  it("given a terminal, when Ctrl-C is typed mid-ingest, then the bar is stopped (cursor shown, line wrap on again) and the summary printed", async () => {
    const db = tempDb();
    const path = fifo();
    // On a pseudo-terminal (util-linux `script`): a typed ^C reaches the ingest as a person's would. `-e`: its exit code.
    const child = spawn("script", ["-qfec", `${process.execPath} ${BIN} ingest --db ${db} ${path}`, "/dev/null"], { env: { ...process.env, COLUMNS: "200" } });
    const out = outcome(child);
    const writer = (await open(path, "w")).createWriteStream();
    writer.write(lines(FIRST_BATCH + 1000));
    await waitFor(async () => /\b5,000 records/.test(out.stdout()), "the bar to show the first batch committed");

    child.stdin.write("\x03");
    await waitFor(async () => out.stdout().includes("interrupted") || out.exited(), "the ingest to stop");
    writer.destroy();
    const { code } = await out.done;
    const screen = out.stdout();
    expect(code).toBe(130);
    expect(screen.lastIndexOf("\x1b[?25h")).toBeGreaterThan(screen.lastIndexOf("\x1b[?25l"));
    expect(screen.lastIndexOf("\x1b[?7h")).toBeGreaterThan(screen.lastIndexOf("\x1b[?7l"));
    expect(screen).toContain("stepstore: ingest interrupted; the summary counts what was committed; nothing after it was stored (run it again to add the rest: what landed is skipped as duplicates)");
    expect(screen).toMatch(/\d+ records: \d+ appended, 0 duplicates, 0 rejected/);
  });
});

describe("Ctrl-C during rebuild or verify at a terminal: the terminal restored, what happened said, exit 130", () => {
  it("given a rebuild, then verify, each stopped mid-way, then each says so, the bar's terminal changes are undone and the rebuild's transaction rolled back", async () => {
    const db = tempDb();
    const file = join(tempDir(), "steps.jsonl");
    // A run a step: verify reads each step's run's events.
    await writeFile(file, Array.from({ length: 20_000 }, (_, i) => `${stepLine(`step_Int${String(i).padStart(5, "0")}`, { run_id: `run_${i}` })}\n`).join(""));
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    // A hand edit a finished rebuild would undo: still there after an interrupted one.
    await writeBehindStore(db, "UPDATE run_steps SET status = 'failed' WHERE id = 'step_Int00000'");
    for (const [command, what] of [
      ["rebuild", "its transaction rolled back: the store is as it was"],
      ["verify", "the comparison was not finished (verify only reads: the store is unchanged)"],
    ]) {
      const child = spawn("script", ["-qfec", `${process.execPath} ${BIN} ${command} --db ${db}`, "/dev/null"], { env: { ...process.env, COLUMNS: "200" } });
      const out = outcome(child);
      // The bar past its first count: Ctrl-C as soon as it shows.
      await waitFor(async () => /\b[1-9]\d*000\/20000 events/.test(out.stdout()) || out.exited(), `${command}'s bar to move`);
      child.stdin.write("\x03");
      const { code } = await out.done;
      const screen = out.stdout();
      expect(code, screen).toBe(130);
      expect(screen.lastIndexOf("\x1b[?25h")).toBeGreaterThan(screen.lastIndexOf("\x1b[?25l"));
      expect(screen.lastIndexOf("\x1b[?7h")).toBeGreaterThan(screen.lastIndexOf("\x1b[?7l"));
      expect(screen).toContain(`stepstore: ${command} interrupted; ${what}`);
    }
    expect(await storeRows(db, "SELECT status FROM run_steps WHERE id = 'step_Int00000'")).toEqual([{ status: "failed" }]);
  });
});
