import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants } from "../helpers/fakeAssistants.js";
import { BIN, ROOT, stepstore, tempDb } from "../helpers/cli.js";
import { generateRuns, inStepsOrder, withoutContent } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe("poll --follow", () => {
  it("against a server whose runs finish over time, ends by itself once they are finished, with every step at its final state", async () => {
    const { runs, truth } = generateRuns(7, { threads: 2, runsPerThread: 2, maxSteps: 4 });
    const server = await startFakeAssistants({ runs, maxPageSize: 3, rateLimitEvery: 9 });
    servers.push(server);
    const threads = [...new Set(runs.map((r) => r.states[0]!.run.thread_id as string))];
    const states = Math.max(...runs.map((r) => r.states.length));
    const db = tempDb();

    const result = await poll(server, db, ["--thread", ...threads, "--follow", "--interval", "0.05", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    // Round one sees each run queued; each later round one state further; the last sees them all finished.
    expect(summary.rounds).toBe(states);
    expect(summary.interrupted).toBe(false);
    expect(await stepRows(db)).toEqual(inStepsOrder(truth.map(withoutContent)));
    const runRows = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT status FROM runs WHERE status IN ('queued', 'in_progress')"]);
    expect(runRows.stdout).toBe("");
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("given a run that finishes between two rounds of --thread, with a step that came last, the last round still lists its steps", async () => {
    const { runs } = generateRuns(12, { threads: 1, runsPerThread: 1, maxSteps: 4 });
    const states = runs[0]!.states;
    const last = states[states.length - 1]!;
    expect(last.steps.length).toBeGreaterThan(1);
    // Round one: the run unfinished, its first step already finished; round two: the run finished, its last step new.
    const server = await startFakeAssistants({ runs: [{ states: [{ run: states[0]!.run, steps: last.steps.slice(0, 1) }, last] }] });
    servers.push(server);
    const db = tempDb();
    const result = await poll(server, db, ["--thread", states[0]!.run.thread_id as string, "--follow", "--interval", "0.05", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).rounds).toBe(2);
    // Before: round two saw the finished run committed first, took it for done and never listed its steps again.
    expect(await stepRows(db)).toEqual(inStepsOrder(last.steps.map(withoutContent)));
  });

  it("given --run for a run its --thread listing leaves out, the run is polled by itself, every round it is unfinished", async () => {
    const { runs } = generateRuns(13, { threads: 1, runsPerThread: 2, maxSteps: 3 });
    const [shown, hidden] = runs.map((run) => run.states[run.states.length - 1]!.run);
    const threadId = shown!.thread_id as string;
    // The thread's listing names only the first run, finished (a server that lists a page of them, or lost one).
    const listing = { status: 200, body: JSON.stringify({ object: "list", data: [shown], first_id: shown!.id, last_id: shown!.id, has_more: false }) };
    const server = await startFakeAssistants({ runs, answer: (path) => (path === `/threads/${threadId}/runs` ? listing : undefined) });
    servers.push(server);
    const db = tempDb();
    const result = await poll(server, db, ["--thread", threadId, "--run", `${threadId}/${hidden!.id as string}`, "--follow", "--interval", "0.05", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    // Before: a run named beside its own thread was left to the listing, and never asked for.
    const hiddenRun = runs[1]!.states;
    expect(await stepRows(db, ["--run", hidden!.id as string])).toEqual(inStepsOrder(hiddenRun[hiddenRun.length - 1]!.steps.map(withoutContent)));
  });

  it("keeps an invalid snapshot met again every round once, and names it once", async () => {
    const { runs } = generateRuns(10, { threads: 1, runsPerThread: 1, maxSteps: 2 });
    const run = runs[0]!;
    const broken = { ...run.states.find((state) => state.steps.length > 0)!.steps[0]!, id: "step_Br0ken", status: "done", created_at: 1 };
    const server = await startFakeAssistants({ runs: [{ states: run.states.map((state) => ({ ...state, steps: [broken, ...state.steps] })) }] });
    servers.push(server);
    const db = tempDb();
    const result = await poll(server, db, ["--run", `${run.states[0]!.run.thread_id as string}/${run.states[0]!.run.id as string}`, "--follow", "--interval", "0.05", "--json"]);
    expect(result.code).toBe(3);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds).toBeGreaterThan(1);
    expect(summary.rejected).toBe(1);
    expect(result.stderr.match(/status: expected one of/g)).toHaveLength(1);
    const rejections = await stepstore(["sql", "--db", db, "--format", "json", "SELECT count(*) AS n FROM rejections"]);
    expect(JSON.parse(rejections.stdout)).toEqual([{ n: 1 }]);
  });

  it("given a run that is gone (404) in a later round, what earlier rounds polled is kept, the 404 named, and it is not called a poll of nothing", async () => {
    const { runs } = generateRuns(11, { threads: 1, runsPerThread: 1, maxSteps: 2 });
    const { run } = runs[0]!.states[0]!;
    const runPath = `/threads/${run.thread_id as string}/runs/${run.id as string}`;
    let runRequests = 0;
    const gone = { status: 404, body: JSON.stringify({ error: { message: "No run found", type: "invalid_request_error" } }) };
    // From the second round on, the run and its steps answer 404: deleted on the server.
    const answer = (path: string) => {
      if (path === runPath) runRequests++;
      return path.startsWith(runPath) && runRequests > 1 ? gone : undefined;
    };
    const server = await startFakeAssistants({ runs, answer });
    servers.push(server);
    const db = tempDb();
    const result = await poll(server, db, ["--run", `${run.thread_id as string}/${run.id as string}`, "--follow", "--interval", "0.05", "--json"]);
    const summary = JSON.parse(result.stdout);
    expect(summary.rounds).toBeGreaterThan(1);
    expect(summary.appended).toBeGreaterThan(0);
    expect(result.stderr).toContain(`run ${run.thread_id as string}/${run.id as string}: not found`);
    expect(result.stderr).not.toContain("nothing was polled");
    expect(result.code).toBe(0);
  });

  it("follows named runs (--run) until they finish", async () => {
    const { runs, truth } = generateRuns(8, { threads: 1, runsPerThread: 2, maxSteps: 3 });
    const server = await startFakeAssistants({ runs });
    servers.push(server);
    const db = tempDb();
    const refs = runs.map((r) => `${r.states[0]!.run.thread_id as string}/${r.states[0]!.run.id as string}`);
    const result = await poll(server, db, ["--run", ...refs, "--follow", "--interval", "0.05", "--include-content"]);
    expect(result.code).toBe(0);
    expect(await stepRows(db)).toEqual(inStepsOrder(truth));
  });

  it("SIGTERM while the SDK waits out a server's Retry-After stops the poll at once, not when the wait ends", async () => {
    const { runs } = generateRuns(14, { threads: 1, runsPerThread: 1, maxSteps: 2 });
    const { run } = runs[0]!.states[0]!;
    // Every request answers 429 with Retry-After: 30, which the SDK waits out before it looks at its signal again.
    const server = await startFakeAssistants({ runs, rateLimitEvery: 1, rateLimitRetryAfter: "30" });
    servers.push(server);
    const child = spawn(process.execPath, [BIN, "poll", "--db", tempDb(), "--json", "--run", `${run.thread_id as string}/${run.id as string}`], {
      cwd: ROOT, env: { ...process.env, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: "sk-test" },
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (server.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const signalled = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Before: the process ended when the 30 s wait did (28.5 s after the signal).
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(JSON.parse(stdout)).toMatchObject({ interrupted: true });
  });

  // SIGTERM: what a service manager (systemd, Docker) sends a `poll --follow` it runs, to stop it.
  it.each(["SIGINT", "SIGTERM"] as const)("%s stops a follow that would never end, after its current commit, keeping what was polled", async (stopSignal) => {
    const [endless] = generateRuns(9, { threads: 1, runsPerThread: 1, maxSteps: 2 }).runs;
    const running = endless!.states[1]!; // one step in progress, for ever
    const server = await startFakeAssistants({ runs: [{ states: [running] }] });
    servers.push(server);
    const db = tempDb();
    const child = spawn(process.execPath, [BIN, "poll", "--db", db, "--json", "--follow", "--interval", "0.05", "--run", `${running.run.thread_id as string}/${running.run.id as string}`], {
      cwd: ROOT, env: { ...process.env, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: "sk-test" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (server.stepListings(running.run.id as string).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill(stopSignal);
    expect(await exited).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ interrupted: true, failed: [] });
    expect(summary.rounds).toBeGreaterThanOrEqual(3);
    expect(stderr).toContain("interrupted");
    expect(await stepRows(db)).toEqual(inStepsOrder(running.steps.map(withoutContent)));
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });
});
