import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, EXAMPLES, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

const run = promisify(execFile);

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would; its screen output, escapes stripped. */
async function onTerminal(command: string): Promise<string> {
  // `-e`: script exits with the command's code; a rejection's exit 3 still leaves the screen to read.
  const { stdout } = await run("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, COLUMNS: "200" }, maxBuffer: 64 << 20 })
    .catch((error: { code?: number; stdout?: string }) => (error.code === 3 ? { stdout: error.stdout ?? "" } : Promise.reject(error)));
  // eslint-disable-next-line no-control-regex
  return stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b[78]/g, "\n").replace(/\r/g, "\n");
}

function bigFile(): string {
  const file = join(tempDir(), "steps.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    lines.push(JSON.stringify({ object: "thread.run.step", id: `step_${i}`, created_at: 1_700_000_000 + i, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1", type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: `msg_${i}` } }, last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1_700_000_001 + i, metadata: null, usage: null }));
    if (i === 6000) lines.push('{"not":"a record"}');
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("stepstore ingest progress", () => {
  it("given files on a terminal, when ingested, then the bar shows bytes of the total, percentage, records/s and ETA, and rejections print above it", async () => {
    const file = bigFile();
    const screen = await onTerminal(`${process.execPath} ${BIN} ingest --db ${tempDb()} ${file}`);
    const bars = screen.split("\n").filter((line) => line.startsWith("ingest "));
    expect(bars.length).toBeGreaterThan(1);
    expect(bars.at(-1)).toMatch(/100% \| \d+\.\d MiB \/ \d+\.\d MiB \| 12,001 records, [\d,]+\/s \| ETA/);
    expect(screen).toContain(`${file}:6002: $: not a record`);
    expect(screen).toContain("12001 records: 12000 appended, 0 duplicates, 1 rejected");
  });

  it("given stdin on a terminal, when ingested, then the bar counts records (stdin has no known size)", async () => {
    const file = join(EXAMPLES, "relayed-events.jsonl");
    const screen = await onTerminal(`${process.execPath} ${BIN} ingest --db ${tempDb()} - < ${file}`);
    expect(screen).toMatch(/ingest \| \d+ records, [\d,]+\/s/);
    expect(screen).not.toMatch(/ETA/);
  });

  it("given --json on a terminal, or no terminal, when ingested, then no bar is drawn: the output is the summary alone", async () => {
    const file = join(EXAMPLES, "relayed-events.jsonl");
    const screen = await onTerminal(`${process.execPath} ${BIN} ingest --json --db ${tempDb()} ${file}`);
    expect(screen).not.toMatch(/ingest /);
    expect(JSON.parse(screen.trim())).toMatchObject({ rejected: 0 });
    const piped = await stepstore(["ingest", "--db", tempDb(), file]);
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toMatch(/^\d+ records: \d+ appended, \d+ duplicates, 0 rejected\n$/);
  });
});

describe("progress of rebuild and verify (CONTRACT §8)", () => {
  it("on a terminal they show events done of all (to the end, whatever gaps the positions have), the rate and the ETA; off one, nothing but their result", async () => {
    const db = tempDb();
    const file = join(EXAMPLES, "relayed-events.jsonl");
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    // A redelivery, then a new record: on PostgreSQL the duplicate draws a position, so the last position exceeds the count.
    const again = `${readFileSync(file, "utf8").split("\n")[0]}\n${stepLine("step_AfterTheGap")}\n`;
    expect((await stepstore(["ingest", "--db", db, "-"], { input: again })).code).toBe(0);
    for (const command of ["rebuild", "verify"]) {
      const shown = await onTerminal(`${process.execPath} ${BIN} ${command} --db ${db}`);
      expect(shown).toMatch(new RegExp(`${command} .*\\b(\\d+)/\\1 events \\| \\d+ events/s \\| ETA \\d+s`));
      const piped = await stepstore([command, "--db", db]);
      expect(piped.stderr).toBe("");
      expect(piped.code).toBe(0);
    }
  });
});
