import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnStepstore, stepstore, tempDir } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";

interface Summary {
  records: number;
  appended: number;
  duplicates: number;
  rejected: number;
}

let dir: string;
/** One big file: webhook events (keyed by id), a third of them in the SDK form (keyed by content, deltas by their place in the file), and polled snapshots. */
let big: string;
/** The same lines split in two files, each step's deltas kept together and in order. */
let halves: [string, string];
let clean: { db: string; summary: Summary; steps: string; keys: string[] };

function lineOf(event: Record<string, unknown>, i: number): string {
  // Every third event in the SDK's `{event, data}` form: no id, so its key comes from its content.
  return JSON.stringify(i % 3 === 0 ? { event: event.type, data: event.data } : event);
}

function logOf(db: string): { count: number; distinct: number; keys: string[] } {
  const sqlite = new Database(db, { readonly: true });
  try {
    const keys = sqlite.prepare<[], { event_key: string }>("SELECT event_key FROM events ORDER BY event_key").all().map((r) => r.event_key);
    return { count: keys.length, distinct: new Set(keys).size, keys };
  } finally {
    sqlite.close();
  }
}

async function ingest(db: string, ...files: string[]): Promise<Summary> {
  const result = await stepstore(["ingest", "--json", "--db", db, ...files]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as Summary;
  expect(summary.records).toBe(summary.appended + summary.duplicates + summary.rejected);
  return summary;
}

async function stepsOf(db: string): Promise<string> {
  const result = await stepstore(["steps", "--db", db]);
  expect(result.code).toBe(0);
  return result.stdout;
}

async function expectVerified(db: string): Promise<void> {
  const result = await stepstore(["verify", "--db", db]);
  expect(result.stdout + result.stderr).toMatch(/^ok: /);
  expect(result.code).toBe(0);
}

/** Starts `stepstore ingest` without waiting for it. */
const startIngest = (db: string, file: string) => spawnStepstore(["ingest", "--json", "--db", db, file]);

/** The log's last position as another process sees it (0 while the database is not there yet). */
function committedPosition(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const sqlite = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return sqlite.prepare<[], { p: number | null }>("SELECT max(position) AS p FROM events").get()?.p ?? 0;
    } finally {
      sqlite.close();
    }
  } catch {
    return 0; // not migrated yet
  }
}

beforeAll(async () => {
  dir = tempDir("stepstore-durability-");
  const world = generateWorld(20261125, { runs: 1200 });
  const polled = [...world.polledSteps.values()].flat();
  const lines = [...world.events.map(lineOf), ...polled.map((s) => JSON.stringify(s))];
  big = join(dir, "big.jsonl");
  writeFileSync(big, `${lines.join("\n")}\n`);

  // Halves by step (deltas carry only their step id): a stream is ordered, so a step's deltas stay in one file.
  const records = [...world.events.map((e, i) => [e, lineOf(e, i)] as const), ...polled.map((s) => [{ data: s }, JSON.stringify(s)] as const)];
  const parts: [string[], string[]] = [[], []];
  records.forEach(([record, line], i) => {
    const data = (record as { data?: { id?: unknown; object?: unknown } }).data;
    const stepish = typeof data?.object === "string" && data.object.startsWith("thread.run.step");
    const id = stepish && typeof data?.id === "string" ? data.id : String(i);
    parts[[...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 2]!.push(line);
  });
  halves = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
  parts.forEach((part, i) => writeFileSync(halves[i]!, `${part.join("\n")}\n`));

  const db = join(dir, "clean.db");
  const summary = await ingest(db, big);
  expect(summary.rejected).toBe(0);
  expect(summary.appended).toBeGreaterThan(10_000);
  clean = { db, summary, steps: await stepsOf(db), keys: logOf(db).keys };
}, 300_000);

// The files and databases here are large: leave nothing behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("durability: a crash loses nothing committed, a rerun completes the ingest", () => {
  it("an ingest killed with SIGKILL mid-file leaves a consistent store, and the same ingest again completes it with no duplicate events", async () => {
    const db = join(dir, "killed.db");
    const { child, done } = startIngest(db, big);
    let committed = 0;
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished && committed === 0) {
      await new Promise((r) => setTimeout(r, 10));
      committed = committedPosition(db);
    }
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal, `the ingest finished before it could be killed: ${killed.stdout}`).toBe("SIGKILL");

    const before = logOf(db);
    expect(before.count).toBeGreaterThan(0);
    expect(before.count).toBeLessThan(clean.summary.appended);
    await expectVerified(db);

    const rerun = await ingest(db, big);
    expect(rerun.records).toBe(clean.summary.records);
    expect(rerun.appended + before.count).toBe(clean.summary.appended);
    const after = logOf(db);
    expect(after.distinct).toBe(after.count);
    expect(after.keys).toEqual(clean.keys);
    expect(await stepsOf(db)).toBe(clean.steps);
    await expectVerified(db);
  });

  it("two processes ingesting different files into one fresh database both exit 0 and lose nothing", async () => {
    const db = join(dir, "two-files.db");
    const [a, b] = await Promise.all(halves.map((file) => startIngest(db, file).done));
    for (const result of [a!, b!]) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
    const [sa, sb] = [a!, b!].map((r) => JSON.parse(r.stdout) as Summary);
    expect(sa!.records + sb!.records).toBe(clean.summary.records);
    expect(sa!.appended + sb!.appended).toBe(clean.summary.appended);
    const log = logOf(db);
    expect(log.count).toBe(clean.summary.appended);
    expect(log.distinct).toBe(log.count);
    expect(await stepsOf(db)).toBe(clean.steps);
    await expectVerified(db);
  });

  it("two processes ingesting the same file at once both exit 0: each record lands once", async () => {
    const db = join(dir, "same-file.db");
    const results = await Promise.all([startIngest(db, big).done, startIngest(db, big).done]);
    const summaries = results.map((result) => {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as Summary;
    });
    for (const s of summaries) expect(s.records).toBe(clean.summary.records);
    expect(summaries[0]!.appended + summaries[1]!.appended).toBe(clean.summary.appended);
    const log = logOf(db);
    expect(log.keys).toEqual(clean.keys);
    expect(await stepsOf(db)).toBe(clean.steps);
    await expectVerified(db);
  });

  it("two processes opening the same fresh database at the same moment never fail (25 fresh files)", async () => {
    const ROUNDS = 25;
    const startAt = Date.now() + 2500;
    // Each process opens file i at startAt + i * 120 ms, spinning until then, so both hit it together.
    const script = `
      import { openDatabase } from ${JSON.stringify(join(ROOT, "dist/store/open.js"))};
      const [dir, startAt, rounds] = process.argv.slice(1);
      for (let i = 0; i < Number(rounds); i++) {
        const at = Number(startAt) + i * 120;
        while (Date.now() < at) {}
        const db = openDatabase(dir + "/fresh-" + i + ".db");
        const tables = db.sqlite.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('events', 'run_steps', 'checkpoints')").get().n;
        if (tables !== 3) throw new Error("fresh-" + i + ": only " + tables + " tables after open");
        db.close();
      }
      process.stdout.write("ok");
    `;
    const opener = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script, dir, String(startAt), String(ROUNDS)], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const migrations = (JSON.parse(readFileSync(join(ROOT, "migrations/meta/_journal.json"), "utf8")) as { entries: unknown[] }).entries.length;
    const results = await Promise.all([opener(), opener()]);
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe("ok");
      expect(result.code).toBe(0);
    }
    for (let i = 0; i < ROUNDS; i++) {
      const sqlite = new Database(join(dir, `fresh-${i}.db`), { readonly: true });
      expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
      // Each migration applied exactly once, whichever process won.
      expect(sqlite.prepare<[], { n: number }>("SELECT count(*) AS n FROM __drizzle_migrations").get()!.n).toBe(migrations);
      sqlite.close();
    }
  });
});
