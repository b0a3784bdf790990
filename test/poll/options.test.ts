import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants, type Json } from "../helpers/fakeAssistants.js";
import { stepstore, tempDb } from "../helpers/cli.js";
import { originOfUrl } from "../../src/ingest/poll/index.js";
import { exampleExport, finished, generateRuns, inStepsOrder, withoutContent } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** The example run, its file_search results carrying the text chunks OpenAI returns on request. */
function exampleWithContent() {
  const { run, steps } = exampleExport();
  const withContent = JSON.parse(JSON.stringify(steps), (key, value) =>
    key === "results" ? (value as Json[]).map((r) => ({ ...r, content: [{ type: "text", text: `from ${r.file_name as string}` }] })) : value) as Json[];
  return { run, steps, withContent };
}

describe("poll options", () => {
  it("--include-content asks for file_search result content; without it the results come without", async () => {
    const { run, steps, withContent } = exampleWithContent();
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps: withContent }] }] });
    servers.push(server);
    const plain = tempDb();
    await poll(server, plain, ["--thread", run.thread_id as string]);
    expect(await stepRows(plain)).toEqual(steps);
    const full = tempDb();
    await poll(server, full, ["--thread", run.thread_id as string, "--include-content"]);
    expect(await stepRows(full)).toEqual(withContent);
    expect(server.requests.at(-1)!.query.getAll("include[]")).toEqual(["step_details.tool_calls[*].file_search.results[*].content"]);
  });

  it("reaches an Azure-style server with --base-url, --query api-version=… and --header api-key=… and no OPENAI_API_KEY", async () => {
    const { run, steps } = exampleWithContent();
    const server = await startFakeAssistants({
      runs: [{ states: [{ run, steps }] }], prefix: "/openai", apiKey: null,
      requireHeaders: { "api-key": "az-secret" }, requireQuery: { "api-version": "2024-05-01-preview" },
    });
    servers.push(server);
    const db = tempDb();
    const result = await stepstore(
      ["poll", "--db", db, "--base-url", server.baseUrl, "--query", "api-version=2024-05-01-preview", "--header", "api-key: az-secret", "--thread", run.thread_id as string],
      { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" } },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await stepRows(db)).toEqual(steps);
  });

  it("keeps at most --concurrency listings in flight, and lands the same rows as one at a time", async () => {
    const { runs, truth } = generateRuns(21, { threads: 2, runsPerThread: 5, maxSteps: 2 });
    const threads = [...new Set(runs.map((r) => r.states[0]!.run.thread_id as string))];
    const rows: unknown[] = [];
    for (const concurrency of [1, 3]) {
      const server = await startFakeAssistants({ runs: finished(runs), delayMs: 30 });
      servers.push(server);
      const db = tempDb();
      const result = await poll(server, db, ["--thread", ...threads, "--concurrency", String(concurrency)]);
      expect(result.code).toBe(0);
      expect(server.stats.maxInFlight).toBeLessThanOrEqual(concurrency);
      if (concurrency > 1) expect(server.stats.maxInFlight).toBeGreaterThan(1);
      rows.push(await stepRows(db));
    }
    expect(rows[0]).toEqual(inStepsOrder(truth.map(withoutContent)));
    expect(rows[1]).toEqual(rows[0]);
  });

  it("keeps credentials in a URL's query out of the origin", () => {
    expect(originOfUrl("https://x.example/openai/threads/t/runs?api-version=2024-05-01-preview&api-key=s3cret&limit=100"))
      .toBe("https://x.example/openai/threads/t/runs?api-version=2024-05-01-preview&api-key=REDACTED&limit=100");
    expect(originOfUrl("http://127.0.0.1:1/v1/threads/t/runs?limit=100")).toBe("http://127.0.0.1:1/v1/threads/t/runs?limit=100");
    // Azure Functions' function key travels as `code`.
    expect(originOfUrl("https://fn.example/api/threads/t/runs?code=FUNCKEY-abc&limit=100")).toBe("https://fn.example/api/threads/t/runs?code=REDACTED&limit=100");
  });

  it("takes a credentials header of any name without OPENAI_API_KEY, and never prints its value", async () => {
    const { run, steps } = exampleExport();
    const stepsPath = `/threads/${run.thread_id}/runs/${run.id}/steps`;
    const echo = { status: 400, body: JSON.stringify({ error: { message: "bad request for key XKEY-SECRET-1 (retry 7 of 7)", type: "invalid_request_error" } }) };
    const server = await startFakeAssistants({
      runs: [{ states: [{ run, steps }] }], apiKey: null, requireHeaders: { "x-api-key": "XKEY-SECRET-1" }, answer: (path) => (path === stepsPath ? echo : undefined),
    });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`, "--header", "x-api-key: XKEY-SECRET-1", "--header", "x-attempts: 7", "--json"], { OPENAI_API_KEY: "" });
    expect(result.code).toBe(1);
    // Another header's value is no credential: hidden wherever it appears, it would mangle ids and counts.
    expect(result.stderr).toContain("failed: 400 bad request for key [redacted] (retry 7 of 7)");
    expect(result.stderr + result.stdout).not.toContain("XKEY-SECRET-1");
    // The run itself was retrieved with the header alone: no `Authorization: Bearer unused` was needed.
    expect(server.requests[0]!.status).toBe(200);
  });

  it("gives up on a request that gets no answer within --timeout, as a failure of its run", async () => {
    const { run, steps } = exampleExport();
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }], delayMs: 5_000 });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`, "--timeout", "0.2", "--max-retries", "1", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).failed).toEqual([{ thread_id: run.thread_id, run_id: run.id, message: expect.stringMatching(/timed out/i) }]);
  });

  it("a missing target, a --run without its thread, a bad --interval, --query or --base-url is a usage error (exit 2) that says so", async () => {
    const cases: Array<[string[], string]> = [
      [[], "poll needs --thread"],
      [["--run", "run_without_thread"], "--run expects THREAD_ID/RUN_ID"],
      [["--thread", "t", "--interval", "soon"], '--interval must be a number of seconds from 0 to 2147483, got "soon"'],
      [["--thread", "t", "--query", "novalue"], "--query expects NAME=VALUE"],
      // Before: exit 1 with the SDK's bare "Invalid URL", after the store was made.
      [["--thread", "t", "--base-url", "notaurl"], '--base-url must be an http:// or https:// URL (e.g. https://api.openai.com/v1), got "notaurl"'],
    ];
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    const results = await Promise.all(cases.map(([args]) => stepstore(["poll", "--db", tempDb(), ...args], { env })));
    results.forEach((result, i) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(cases[i]![1]);
    });
  });

  it("never echoes a secret: a malformed --header is named by its first word, a URL's user:password is masked", async () => {
    const header = await stepstore(["poll", "--db", tempDb(), "--thread", "t", "--header", "Authorization Bearer sk-SECRET-9"], { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
    expect(header.code).toBe(2);
    expect(header.stderr).toBe('stepstore: --header expects NAME: VALUE or NAME=VALUE, got "Authorization …" (the rest is not shown: it may be a secret)\n');
    const badUrl = await stepstore(["poll", "--db", tempDb(), "--thread", "t", "--base-url", "ftp://user:pw@127.0.0.1/v1"], { env: { OPENAI_API_KEY: "sk-test" } });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('got "ftp://REDACTED@127.0.0.1/v1"');
    // A password holding an @ and a /: none of it shown, though the URL reads part of it as a host.
    const atInPassword = await stepstore(["poll", "--db", tempDb(), "--thread", "t", "--base-url", "ftp://user:p@ss/word@127.0.0.1/v1"], { env: { OPENAI_API_KEY: "sk-test" } });
    expect(atInPassword.stderr).toContain('got "ftp://REDACTED@127.0.0.1/v1"');
    expect(atInPassword.stderr).not.toContain("ss/word");

    const { run, steps } = exampleExport();
    const server = await startFakeAssistants({ runs: [{ states: [{ run, steps }] }] });
    servers.push(server);
    const result = await poll(server, tempDb(), ["--run", `${run.thread_id}/${run.id}`, "--max-retries", "0"], { OPENAI_BASE_URL: server.baseUrl.replace("//", "//user:pw@") });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`includes credentials: ${server.baseUrl.replace("//", "//REDACTED@")}/threads/${run.thread_id}/runs/${run.id}`);
    expect(result.stderr).not.toContain("user:pw");
  });

  it("a key or header value no HTTP header can carry (a key copied with its …) is a usage error naming the character, not the value", async () => {
    const env = { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    const key = await stepstore(["poll", "--db", tempDb(), "--thread", "t"], { env: { ...env, OPENAI_API_KEY: "sk-…secret" } });
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("OPENAI_API_KEY holds U+2026 at character 4, which no HTTP header can carry");
    const header = await stepstore(["poll", "--db", tempDb(), "--thread", "t", "--header", "api-key=ab\u00e9\u4e00cd"], { env: { ...env, OPENAI_API_KEY: "" } });
    expect(header.code).toBe(2);
    expect(header.stderr).toContain("--header api-key holds U+4E00 at character 4");
    expect(key.stderr).not.toContain("sk-…secret");
    expect(header.stderr).not.toContain("ab\u00e9\u4e00cd");
  });

  it("without OPENAI_API_KEY or a credentials header, says what it needs (exit 2)", async () => {
    const result = await stepstore(["poll", "--db", tempDb(), "--thread", "t"], { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENAI_API_KEY");
  });
});
