import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants, type FakeAssistantsOptions } from "../helpers/fakeAssistants.js";
import { rejectionsOf, tempDb } from "../helpers/cli.js";
import { exampleExport, finished, generateRuns, inStepsOrder, withoutContent } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function serve(options: FakeAssistantsOptions) {
  const server = await startFakeAssistants(options);
  servers.push(server);
  return server;
}

const CUT_OFF = '{"object":"list","data":[{"id":';
const listOf = (data: unknown, hasMore = false) => JSON.stringify({ object: "list", data, has_more: hasMore });

describe("poll given list pages no server should send", () => {
  it("a body cut off mid-JSON fails that thread's or run's listing alone, named with the page's URL; the others land", async () => {
    const { runs, truth } = generateRuns(31, { threads: 2, runsPerThread: 2, maxSteps: 2 });
    const [threadA, threadB] = [runs[0]!, runs[2]!].map((r) => r.states[0]!.run.thread_id as string);
    const cutRun = runs[2]!.states[0]!.run.id as string;
    const server = await serve({
      runs: finished(runs),
      answer: (path) => (path === `/threads/${threadA}/runs` || path === `/threads/${threadB}/runs/${cutRun}/steps` ? { body: CUT_OFF } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", threadA!, threadB!, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`thread ${threadA} failed: ${server.baseUrl}/threads/${threadA}/runs?limit=100 answered a body that could not be read (Unexpected end of JSON input)`);
    expect(result.stderr).toContain(`run ${threadB}/${cutRun} failed: ${server.baseUrl}/threads/${threadB}/runs/${cutRun}/steps?limit=100&order=asc answered a body that could not be read`);
    const summary = JSON.parse(result.stdout);
    // `runs` counts the runs whose steps were listed: thread B's other run, not the one whose steps were cut off.
    expect(summary).toMatchObject({ rejected: 0, runs: 1, not_found: [], interrupted: false });
    expect(summary.failed).toHaveLength(2);
    const landed = runs[3]!.states[0]!.run.id;
    expect(await stepRows(db)).toEqual(inStepsOrder(truth.filter((s) => s.run_id === landed).map(withoutContent)));
  });

  it("an HTML page where a list was asked for fails the run, naming the page and what it was; nothing of it is stored", async () => {
    const { run, steps } = exampleExport();
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path) => (path.endsWith("/steps") ? { contentType: "text/html; charset=utf-8", body: "<html><body>502 Bad Gateway</body></html>" } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`run ${run.thread_id}/${run.id} failed: ${server.baseUrl}/threads/${run.thread_id}/runs/${run.id}/steps?limit=100&order=asc answered text/html; charset=utf-8, not a JSON list page`);
    expect(result.stdout).toBe("1 records: 1 appended, 0 duplicates, 0 rejected\n");
    expect(await rejectionsOf(db)).toEqual([]);
  });

  it("a runs list's items that are not runs (no id, a number for an id, null) are rejections, and no request is built from them", async () => {
    const { run, steps } = exampleExport();
    const { id: _id, ...withoutId } = run;
    const items = [run, withoutId, { ...run, id: 42 }, null];
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path) => (path === `/threads/${run.thread_id}/runs` ? { body: listOf(items) } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string, "--json"]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 4 + steps.length, rejected: 3, runs: 1, steps: steps.length, failed: [] });
    expect(server.requests.map((r) => r.path)).toEqual([`/v1/threads/${run.thread_id}/runs`, `/v1/threads/${run.thread_id}/runs/${run.id}/steps`]);
    expect((await rejectionsOf(db)).map((r) => r.raw)).toEqual([JSON.stringify(withoutId), JSON.stringify({ ...run, id: 42 }), "null"]);
    expect(await stepRows(db)).toEqual(steps);
  });

  it("a page whose data is not an array fails its thread or run, naming the page", async () => {
    const { run, steps } = exampleExport();
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      emptyThreads: ["thread_oops"],
      answer: (path) =>
        path === "/threads/thread_oops/runs" ? { body: listOf("oops") }
        : path.endsWith("/steps") ? { body: listOf(steps[0]) }
        : undefined,
    });
    const result = await poll(server, tempDb(), ["--thread", "thread_oops", run.thread_id as string, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`thread thread_oops failed: ${server.baseUrl}/threads/thread_oops/runs?limit=100 is not a list page: its data is "oops", not an array`);
    expect(result.stderr).toContain(`run ${run.thread_id}/${run.id} failed: ${server.baseUrl}/threads/${run.thread_id}/runs/${run.id}/steps?limit=100&order=asc is not a list page: its data is an object, not an array`);
    // No run's steps were listed: the one run's steps page failed.
    expect(JSON.parse(result.stdout)).toMatchObject({ runs: 0, steps: 0, rejected: 0 });
    expect(server.requests.filter((r) => r.path.startsWith("/v1/threads/thread_oops/runs/"))).toEqual([]);
  });

  it("an empty page that still says has_more ends the listing, as the SDK's own auto-pagination does; every step already fetched lands", async () => {
    const { run, steps } = exampleExport();
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path, query) => (path.endsWith("/steps") ? { body: listOf(query.has("after") ? [] : steps, true) } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await stepRows(db)).toEqual(steps);
    expect(server.stepListings(run.id as string)).toHaveLength(2);
  });

  it("a server that ignores `after` and serves the same page again fails the run, naming the page, instead of asking forever", async () => {
    const { run, steps } = exampleExport();
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path) => (path.endsWith("/steps") ? { body: listOf(steps.slice(0, 1), true) } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string]);
    expect(result.code).toBe(1);
    const first = steps[0]!.id as string;
    expect(result.stderr).toContain(`run ${run.thread_id}/${run.id} failed: ${server.baseUrl}/threads/${run.thread_id}/runs/${run.id}/steps?limit=100&order=asc&after=${first} ends with "${first}" again, as an earlier page did`);
    expect(server.stepListings(run.id as string)).toHaveLength(2);
    expect((await stepRows(db)).map((s) => s.id)).toEqual([first]);
  }, 10_000);

  it("a server that cycles through pages (after the second, the first again) fails the run at the repeat, instead of asking forever", async () => {
    const { run, steps } = exampleExport();
    const [first, second] = [steps[0]!, steps[1]!];
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path, query) => (path.endsWith("/steps") ? { body: listOf([query.get("after") === first.id ? second : first], true) } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`run ${run.thread_id}/${run.id} failed: ${server.baseUrl}/threads/${run.thread_id}/runs/${run.id}/steps?limit=100&order=asc&after=${second.id as string} ends with "${first.id as string}" again, as an earlier page did`);
    expect(server.stepListings(run.id as string)).toHaveLength(3);
    expect((await stepRows(db)).map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
  }, 10_000);
});
