import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants } from "../helpers/fakeAssistants.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";
import { poll, servedRunsOf, stepRows } from "./support.js";

const world = generateWorld(4101, { runs: 30 });
const served = servedRunsOf(world);
const servedRunIds = new Set(served.map((r) => r.states[0]!.run.id as string));
const threads = [...new Set(served.map((r) => r.states[0]!.run.thread_id as string))];
const truth = world.steps.filter((s) => servedRunIds.has(s.run_id));

describe("poll --thread against an Assistants-compatible server", () => {
  let server: FakeAssistants;
  beforeAll(async () => {
    // Pages of at most 2 items, a 429 (Retry-After: 0) every 7th request and a 500 every 11th.
    server = await startFakeAssistants({ runs: served, maxPageSize: 2, rateLimitEvery: 7, serverErrorEvery: 11 });
  });
  afterAll(() => server.close());

  it("lands every run and step snapshot (source poll, the request URL as origin); the rows equal the world's ground truth; a second poll appends nothing", async () => {
    expect(truth.length).toBeGreaterThan(20);
    const db = tempDb();
    const first = await poll(server, db, ["--thread", ...threads, "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ rejected: 0, runs: served.length, steps: truth.length, failed: [], not_found: [] });
    expect(summary.records).toBe(summary.appended + summary.duplicates + summary.rejected);
    expect(summary.records).toBe(served.length + truth.length);
    expect(await stepRows(db)).toEqual(truth);
    expect(server.requests.some((r) => r.status === 429)).toBe(true);
    expect(server.requests.some((r) => r.status === 500)).toBe(true);
    expect(server.requests.some((r) => r.query.has("after"))).toBe(true);

    const second = await poll(server, db, ["--thread", ...threads]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${summary.records} records: 0 appended, ${summary.records} duplicates, 0 rejected\n`);
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);

    // Each snapshot is kept with source poll and, as its origin, the URL it was served at.
    const run = served[0]!.states[0]!.run;
    const events = await stepstore(["sql", "--db", db, "--format", "jsonl", `SELECT type, source, origin FROM events WHERE run_id = '${run.id as string}' ORDER BY position`]);
    const rows = events.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; source: string; origin: string });
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.source === "poll")).toBe(true);
    expect(rows[0]!.origin).toMatch(new RegExp(`^${server.baseUrl}/threads/${run.thread_id as string}/runs\\?limit=100.*:\\$\\.data\\[\\d+\\]$`));
    for (const step of rows.filter((r) => r.type === "thread.run.step")) {
      expect(step.origin).toMatch(new RegExp(`^${server.baseUrl}/threads/${run.thread_id as string}/runs/${run.id as string}/steps\\?limit=100&order=asc.*:\\$\\.data\\[\\d+\\]$`));
    }
  });

  it("reads thread ids from --thread-file (one a line, # comments) and reports a thread that answers 404 without failing", async () => {
    const db = tempDb();
    const file = join(tempDir(), "threads.txt");
    writeFileSync(file, `# threads we kept\n${threads.join("\n")}  # all of them\n\nthread_gone_404\n`);
    const result = await poll(server, db, ["--thread-file", file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("thread thread_gone_404: not found");
    expect(await stepRows(db)).toEqual(truth);
  });

  it("polls named runs with --run THREAD_ID/RUN_ID, their run snapshot included", async () => {
    const db = tempDb();
    const picked = served.slice(0, 3).map((r) => r.states[0]!.run);
    const result = await poll(server, db, ["--json", "--run", ...picked.map((r) => `${r.thread_id as string}/${r.id as string}`)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ runs: 3, failed: [], not_found: [] });
    const ids = new Set(picked.map((r) => r.id));
    expect(await stepRows(db)).toEqual(truth.filter((s) => ids.has(s.run_id)));
    const runs = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT id, status FROM runs ORDER BY id"]);
    expect(runs.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l))).toEqual(
      [...picked].sort((a, b) => Buffer.compare(Buffer.from(a.id as string), Buffer.from(b.id as string))).map((r) => ({ id: r.id, status: r.status })),
    );
  });
});
