import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants, type Json } from "../helpers/fakeAssistants.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { postIngest, startServer } from "../api/harness.js";
import { exampleExport } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];

/** A port nothing listens on: one the system just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe("poll against the servers teams still have", () => {
  it("given a server that serves a run's steps but not the run itself (stepstore's own read API), --run still polls the steps", async () => {
    const { run, steps } = exampleExport();
    const upstream = await startServer();
    try {
      expect((await postIngest(upstream, steps.map((s) => JSON.stringify(s)).join("\n"))).body).toMatchObject({ appended: steps.length });
      const db = tempDb();
      const result = await stepstore(["poll", "--db", db, "--json", "--run", `${run.thread_id}/${run.id}`], {
        env: { OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: "sk-test" },
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ appended: steps.length, runs: 1, steps: steps.length, failed: [], not_found: [] });
      expect((await stepRows(db)).map((r) => r.id).sort()).toEqual(steps.map((s) => s.id).sort());
    } finally {
      await upstream.close();
    }
  });

  it("given a pretty-printing server, the retrieved run is kept as the body's bytes", async () => {
    const { run, steps } = exampleExport();
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }], indent: 2 });
    servers.push(server);
    const db = tempDb();
    expect((await poll(server, db, ["--run", `${run.thread_id}/${run.id}`])).code).toBe(0);
    const stored = await stepstore(["sql", "--db", db, "--format", "json", "SELECT data FROM events WHERE type = 'thread.run'"]);
    expect(JSON.parse(stored.stdout)).toEqual([{ data: JSON.stringify(run, null, 2) }]);
  });

  it("given a steps page with numbers no double holds, each step is kept with every digit (CONTRACT §4), a duplicate of the same page ingested as a file", async () => {
    const { run, steps } = exampleExport();
    const stepsPath = `/threads/${run.thread_id}/runs/${run.id}/steps`;
    // An extra key a newer server might add: an integer past 2^53 and a 1.50, which JSON.stringify of the parse would write as …000 and 1.5.
    const items = steps.map((step) => JSON.stringify(step).replace(/}$/, ',"trace":{"counter":12345678901234567891,"ratio":1.50}}'));
    const page = `{"object":"list","data":[${items.join(",")}],"first_id":"${steps[0]!.id}","last_id":"${steps.at(-1)!.id}","has_more":false}`;
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }], answer: (path) => (path === stepsPath ? { body: page } : undefined) });
    servers.push(server);
    const db = tempDb();
    const file = join(tempDir(), "page.json");
    writeFileSync(file, page);
    expect(JSON.parse((await stepstore(["ingest", "--db", db, "--json", file])).stdout)).toMatchObject({ appended: steps.length });

    const result = await poll(server, db, ["--run", `${run.thread_id}/${run.id}`, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ duplicates: steps.length });
    const stored = await stepstore(["sql", "--db", db, "--format", "json", "SELECT data FROM events WHERE type = 'thread.run.step' ORDER BY position"]);
    expect((JSON.parse(stored.stdout) as { data: string }[]).map((row) => row.data)).toEqual(items);
  });

  it("given ids the server does not know at all, the poll fails: exit 1, each named, and why", async () => {
    const server = await startFakeAssistants({ runs: [] });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--thread", "thread_gone", "--run", "thread_other/run_gone"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("thread thread_gone: not found");
    expect(result.stderr).toContain("run thread_other/run_gone: not found");
    expect(result.stderr).toContain("nothing was polled: every thread and run asked for answered 404");
  });

  it("given a thread that is there with no runs and a run that is not, only the run is reported not found (exit 0)", async () => {
    const server = await startFakeAssistants({ runs: [], emptyThreads: ["thread_empty"] });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--thread", "thread_empty", "--run", "thread_other/run_gone"]);
    expect(result.stderr).toBe("stepstore: run thread_other/run_gone: not found (404 No thread found with id 'thread_other'.)\n");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("0 records: 0 appended, 0 duplicates, 0 rejected\n");
  });

  it("given no server listening, the failure names the connection's cause", async () => {
    const port = await closedPort();
    const result = await stepstore(["poll", "--db", tempDb(), "--run", "thread_1/run_1", "--max-retries", "0"], {
      env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: "sk-test" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`run thread_1/run_1 failed: Connection error. (fetch failed: connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it("given a placeholder key (1) for a server that needs none, the messages are not cut wherever a 1 appears", async () => {
    const port = await closedPort();
    const result = await stepstore(["poll", "--db", tempDb(), "--run", "thread_1/run_1", "--max-retries", "0"], {
      env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: "1" },
    });
    expect(result.stderr).toContain(`run thread_1/run_1 failed: Connection error. (fetch failed: connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it("given a page that says has_more but ends with an item without an id, the run is reported failed, not silently cut short", async () => {
    const { run, steps } = exampleExport();
    const first: Json = { ...steps[0]!, created_at: (steps[0]!.created_at as number) - 10 };
    const { id: _id, ...withoutId } = first;
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps: [withoutId, ...steps] }] }], maxPageSize: 1 });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: .*steps\?.* says has_more but gives no id to page on after \(its last item has none\)/);
  });
});
