import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants } from "../helpers/fakeAssistants.js";
import { stepstore, tempDb } from "../helpers/cli.js";
import { exampleExport, finished, generateRuns, inStepsOrder, withoutContent } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe("poll when the server fails", () => {
  it("names a run whose steps endpoint keeps answering 500 and exits 1; everything else lands", async () => {
    const { runs, truth } = generateRuns(11, { threads: 2, runsPerThread: 3, maxSteps: 3 });
    const broken = runs[1]!.states[0]!.run;
    const server = await startFakeAssistants({ runs: finished(runs), brokenRuns: [broken.id as string], serverErrorEvery: 13 });
    servers.push(server);
    const threads = [...new Set(runs.map((r) => r.states[0]!.run.thread_id as string))];
    const db = tempDb();

    const result = await poll(server, db, ["--thread", ...threads, "--max-retries", "3"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`run ${broken.thread_id as string}/${broken.id as string} failed: 500`);
    expect(result.stdout).toMatch(/^\d+ records: \d+ appended, 0 duplicates, 0 rejected\n$/);
    // The SDK retried it (1 + --max-retries attempts), then gave up on that run alone.
    expect(server.stepListings(broken.id as string)).toHaveLength(4);
    expect(await stepRows(db)).toEqual(inStepsOrder(truth.filter((s) => s.run_id !== broken.id).map(withoutContent)));
    const runCount = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT count(*) AS n FROM runs"]);
    expect(JSON.parse(runCount.stdout)).toEqual({ n: runs.length });

    const json = await poll(server, db, ["--thread", ...threads, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).failed).toEqual([{ thread_id: broken.thread_id, run_id: broken.id, message: expect.stringMatching(/^500 /) }]);
  });

  it("a run whose later page answers 404 failed (its listing was cut short): named with the page, exit 1, not \"not found\"", async () => {
    const { runs } = generateRuns(14, { threads: 1, runsPerThread: 1, maxSteps: 3 });
    const run = runs[0]!.states[0]!.run;
    const gone = { status: 404, body: JSON.stringify({ error: { message: "No run found", type: "invalid_request_error", param: null, code: null } }) };
    const server = await startFakeAssistants({ runs: finished(runs), maxPageSize: 1, answer: (path, query) => (path.endsWith("/steps") && query.has("after") ? gone : undefined) });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--run", `${run.thread_id as string}/${run.id as string}`, "--json"]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { failed: { message: string }[]; not_found: unknown[] };
    expect(summary.not_found).toEqual([]);
    expect(summary.failed).toEqual([{ thread_id: run.thread_id, run_id: run.id, message: expect.stringMatching(/\/steps\?.*after=.* answered 404 No run found after earlier pages: the listing is cut short there$/) }]);
  });

  it("waits as a 429's Retry-After says before trying again", async () => {
    const { runs, truth } = generateRuns(13, { threads: 1, runsPerThread: 1, maxSteps: 3 });
    const server = await startFakeAssistants({ runs: finished(runs), rateLimitEvery: 2, rateLimitRetryAfter: "1" });
    servers.push(server);
    const db = tempDb();
    const result = await poll(server, db, ["--thread", runs[0]!.states[0]!.run.thread_id as string]);
    expect(result.code).toBe(0);
    const limited = server.requests.flatMap((r, i) => (r.status === 429 ? [i] : []));
    expect(limited.length).toBeGreaterThan(0);
    for (const i of limited) expect(server.requests[i + 1]!.at - server.requests[i]!.at).toBeGreaterThanOrEqual(950);
    expect(await stepRows(db)).toEqual(inStepsOrder(truth.map(withoutContent)));
  });

  it("stops with exit 1 and a clear message when the server refuses the API key", async () => {
    const { runs } = generateRuns(12, { threads: 1, runsPerThread: 1, maxSteps: 1 });
    const server = await startFakeAssistants({ runs, apiKey: "sk-right" });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--thread", runs[0]!.states[0]!.run.thread_id as string], { OPENAI_API_KEY: "sk-wrong" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("refused the credentials: 401");
    expect(server.requests).toHaveLength(1);
  });

  it("a server that echoes the key in its error message: the poll prints it as [redacted], on stderr and in --json", async () => {
    const { run, steps } = exampleExport();
    const stepsPath = `/threads/${run.thread_id}/runs/${run.id}/steps`;
    const echo = { status: 400, body: JSON.stringify({ error: { message: "bad request for key sk-test (Bearer sk-test)", type: "invalid_request_error" } }) };
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }], answer: (path) => (path === stepsPath ? echo : undefined) });
    servers.push(server);
    for (const args of [[], ["--json"]]) {
      const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("failed: 400 bad request for key [redacted] (Bearer [redacted])");
      expect(result.stderr + result.stdout).not.toContain("sk-test");
    }
  });

  it("a server that echoes a --query credential (Azure's api-key) in its error: printed as [redacted], the api-version as given", async () => {
    const { run, steps } = exampleExport();
    const stepsPath = `/threads/${run.thread_id}/runs/${run.id}/steps`;
    const echo = { status: 400, body: JSON.stringify({ error: { message: `bad request for ${stepsPath}?api-key=q-secret-1&api-version=2024-05-01-preview`, type: "invalid_request_error" } }) };
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }], answer: (path) => (path === stepsPath ? echo : undefined) });
    servers.push(server);
    const query = ["--query", "api-key=q-secret-1", "--query", "api-version=2024-05-01-preview"];
    for (const args of [[], ["--json"]]) {
      const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`, ...query, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("?api-key=[redacted]&api-version=2024-05-01-preview");
      expect(result.stderr + result.stdout).not.toContain("q-secret-1");
    }
  });

  it("when the key is refused midway, still names the 404s and failures met before it, with the summary's whole shape", async () => {
    const { run, steps } = exampleExport();
    const error = (message: string) => JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } });
    const server = await startFakeAssistants({
      runs: [{ states: [{ run, steps }] }], emptyThreads: ["thread_gone", "thread_down"],
      answer: (path) =>
        path === "/threads/thread_gone/runs" ? { status: 404, body: error("No thread found.") }
        : path === "/threads/thread_down/runs" ? { status: 500, body: error("The server had an error.") }
        : path.endsWith("/steps") ? { status: 401, body: error("Incorrect API key provided.") }
        : undefined,
    });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--thread", "thread_gone", "thread_down", "--run", `${run.thread_id}/${run.id}`, "--concurrency", "1", "--max-retries", "0", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe([
      "stepstore: thread thread_gone: not found (404 No thread found.)",
      "stepstore: thread thread_down failed: 500 The server had an error.",
      "stepstore: the server refused the credentials: 401 Incorrect API key provided.",
      "",
    ].join("\n"));
    expect(JSON.parse(result.stdout)).toEqual({
      records: 1, appended: 1, duplicates: 0, rejected: 0, runs: 0, steps: 0, rounds: 1,
      failed: [{ thread_id: "thread_down", run_id: null, message: "500 The server had an error." }],
      not_found: [{ thread_id: "thread_gone", run_id: null, message: "404 No thread found." }],
      interrupted: false, refused: "401 Incorrect API key provided.",
    });
  });
});
