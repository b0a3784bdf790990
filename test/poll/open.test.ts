import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants, type Json } from "../helpers/fakeAssistants.js";
import { EXAMPLES, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { exampleExport } from "./fixtures.js";
import { poll, servedRunsOf, stepRows, TERMINAL_RUN_STATUSES } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** The runs a GET of the run itself reached (`--open` and `--run` retrieve each run before its steps). */
const retrievedRuns = (server: FakeAssistants) =>
  [...new Set(server.requests.filter((r) => /\/runs\/[^/]+$/.test(r.path)).map((r) => r.path.split("/").pop()!))].sort();

describe("poll --open", () => {
  it("with no unfinished run in the store (its runs all finished, or none yet), says so and polls nothing", async () => {
    const server = await startFakeAssistants({ runs: [] });
    servers.push(server);
    const db = tempDb();
    expect((await stepstore(["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")])).code).toBe(0);
    const result = await poll(server, db, ["--open"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`stepstore: --open: ${db} holds no unfinished run`);
    expect(server.requests).toEqual([]);
  });

  it("given a --db where no store is (a mistyped path), when --open alone is asked, then it fails naming the path and makes no store", async () => {
    const server = await startFakeAssistants({ runs: [] });
    servers.push(server);
    const db = tempDb();
    // SQLite: no file at the path; PostgreSQL: an empty database (stepstore never creates one), with no tables after either.
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await poll(server, db, ["--open"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(pgHalf ? `${db} is not a stepstore database (it has no events table)` : `no stepstore database at ${db}`);
    }
    if (!pgHalf) expect(existsSync(db)).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it("given a cut-off stream and a finished relayed run, polls only the unfinished run, and the fuller polled snapshot wins", async () => {
    const db = tempDb();
    const ingest = await stepstore(["ingest", "--db", db, join(EXAMPLES, "stream-cut-off.sse"), join(EXAMPLES, "relayed-events.jsonl")]);
    expect(ingest.code).toBe(0);
    const { run, steps } = exampleExport();
    const finishedRun = JSON.parse(readFileSync(join(EXAMPLES, "relayed-events.jsonl"), "utf8").split("\n").find((l) => l.includes("thread.run.expired"))!).data as Json;
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }, { states: [{ run: finishedRun, steps: [] }] }] });
    servers.push(server);

    const result = await poll(server, db, ["--open", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ runs: 1, steps: 2, failed: [], not_found: [] });
    expect(retrievedRuns(server)).toEqual([run.id]);
    expect(server.stepListings(finishedRun.id as string)).toEqual([]);
    const rows = await stepRows(db, ["--run", run.id as string]);
    expect(rows.map((r) => JSON.stringify(r)).join("\n") + "\n").toBe(readFileSync(join(EXAMPLES, "expected/stream-order-lookup.steps.jsonl"), "utf8"));
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);

    // Now nothing is open: a second --open polls nothing.
    const again = await poll(server, db, ["--open", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ records: 0, runs: 0 });
  });

  it("given a generated world's events, polls exactly the runs the world left unfinished, whose steps then equal the truth", async () => {
    const world = generateWorld(4202, { runs: 40 });
    const db = tempDb();
    const events = join(tempDir(), "events.jsonl");
    writeFileSync(events, world.events.map((e) => JSON.stringify(e)).join("\n") + "\n");
    expect((await stepstore(["ingest", "--db", db, events])).code).toBe(0);

    // Unfinished by the world's own account: a run not in a terminal status, or a step of it in progress.
    const open = world.runs
      .filter((r) => !TERMINAL_RUN_STATUSES.includes(r.status) || world.steps.some((s) => s.run_id === r.id && s.status === "in_progress"))
      .map((r) => r.id);
    const openPolled = open.filter((id) => world.polledSteps.has(id));
    expect(openPolled.length).toBeGreaterThan(0);
    // Steps whose stream was cut short, that a poll saw further along.
    const cutShort = world.steps.filter((s) => openPolled.includes(s.run_id) && s.status === "in_progress");
    expect(cutShort.length).toBeGreaterThan(0);

    const server = await startFakeAssistants({ runs: servedRunsOf(world), rateLimitEvery: 5 });
    servers.push(server);
    const result = await poll(server, db, ["--open", "--json"]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.failed).toEqual([]);
    // Open runs the server never knew answer 404: reported, not fatal.
    expect(summary.not_found.map((p: { run_id: string }) => p.run_id).sort()).toEqual(open.filter((id) => !world.polledSteps.has(id)).sort());
    expect(retrievedRuns(server)).toEqual([...open].sort());
    const listed = new Set(server.requests.filter((r) => r.path.endsWith("/steps") && r.status === 200).map((r) => r.path.split("/").at(-2)));
    expect([...listed].sort()).toEqual([...openPolled].sort());

    const rows = await stepRows(db);
    const openSet = new Set(open);
    expect(rows.filter((r) => openSet.has(r.run_id as string))).toEqual(world.steps.filter((s) => openSet.has(s.run_id)));
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });
});
