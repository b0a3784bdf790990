import http from "node:http";
import { describe, expect, it } from "vitest";
import { storeRows } from "../helpers/storeRows.js";
import { stepstore, tempDb } from "../helpers/cli.js";
import { newSecret, signedHeaders, spawnServe } from "./harness.js";

const stepEvent = (i: number) => JSON.stringify({
  id: `evt_sigterm_${i}`, object: "event", type: "thread.run.step.created", created_at: 1755180000,
  data: {
    id: `step_S${i}`, object: "thread.run.step", created_at: 1755180000 + i, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
    type: "message_creation", status: "in_progress", step_details: { type: "message_creation", message_creation: { message_id: `msg_${i}` } },
    last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: { marker: "BODY-MARKER" }, usage: null,
  },
});

/** A POST over a keep-alive agent: its status, or null when the connection failed before an answer. */
function post(agent: http.Agent, port: number, path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number | null; body: string }>((resolve) => {
    const request = http.request({ host: "127.0.0.1", port, path, method: "POST", headers, agent }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? null, body: text }));
      response.on("error", () => resolve({ status: null, body: text }));
    });
    request.on("error", () => resolve({ status: null, body: "" }));
    request.end(body);
  });
}

describe("stepstore serve", () => {
  it("refuses a non-loopback --host without STEPSTORE_API_KEY, with a clear message", async () => {
    const result = await stepstore(["serve", "--host", "0.0.0.0", "--port", "0", "--db", tempDb()], { env: { STEPSTORE_API_KEY: "" } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without STEPSTORE_API_KEY/);
  });

  it("refuses a STEPSTORE_API_KEY of spaces (exit 2), which would pass the non-loopback check and open every route to a blank key", async () => {
    const result = await stepstore(["serve", "--host", "0.0.0.0", "--port", "0", "--db", tempDb()], { env: { STEPSTORE_API_KEY: "  " } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("stepstore: STEPSTORE_API_KEY is only whitespace: set a real key, or leave it empty for none\n");
  });

  it("refuses a STEPSTORE_API_KEY with spaces around it (exit 2): HTTP drops them from a header, so every request would be refused", async () => {
    const result = await stepstore(["serve", "--port", "0", "--db", tempDb()], { env: { STEPSTORE_API_KEY: "sk-key " } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("stepstore: STEPSTORE_API_KEY begins or ends with whitespace, which no Authorization header can carry: remove it\n");
  });

  it("refuses a STEPSTORE_API_KEY holding a character no header carries (exit 2, the key not shown): every API client would be refused", async () => {
    const result = await stepstore(["serve", "--port", "0", "--db", tempDb()], { env: { STEPSTORE_API_KEY: "sk-pasted\u2026" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("stepstore: STEPSTORE_API_KEY holds U+2026 at character 10, which no HTTP header can carry: give the value whole, as issued (not shown: it may be a secret)\n");
  });

  it("refuses a LOG_LEVEL pino has no level for: exit 2, naming the levels", async () => {
    const result = await stepstore(["serve", "--port", "0", "--db", tempDb()], { env: { LOG_LEVEL: "bogus" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('stepstore: LOG_LEVEL must be one of trace|debug|info|warn|error|fatal|silent, got "bogus"\n');
  });

  it("listens on a bracketed IPv6 loopback (--host [::1], as a URL writes it) and its ready line names a URL that answers", async () => {
    const serve = await spawnServe(["--db", tempDb(), "--host", "[::1]"]);
    expect(serve.url).toBe(`http://[::1]:${serve.port}`);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    serve.child.kill("SIGTERM");
    expect((await serve.exited).code).toBe(0);
    const ready = serve.stderr().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.msg === "stepstore serve ready");
    expect(ready?.url).toBe(serve.url);
  });

  it("on SIGTERM with requests in flight, every request either got 200 and is in the log or got no 2xx, and it exits 0", async () => {
    const db = tempDb();
    const secret = newSecret();
    const serve = await spawnServe(["--db", db], { STEPSTORE_WEBHOOK_SECRET: secret });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const total = 400;
    let answered = 0;
    let signalled = false;
    const outcomes = await Promise.all(Array.from({ length: total }, async (_, i) => {
      const body = stepEvent(i);
      const outcome = await post(agent, serve.port, "/webhooks", signedHeaders(secret, body, { id: `msg_sigterm_${i}` }), body);
      if (++answered === 40 && !signalled) {
        signalled = true;
        serve.child.kill("SIGTERM");
      }
      return { i, ...outcome };
    }));
    agent.destroy();
    const exit = await serve.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(serve.stderr()).toMatch(/"msg":"stopped: database closed"/);

    const ok = outcomes.filter((o) => o.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(40);
    expect(outcomes.every((o) => o.status === null || o.status === 200 || o.status >= 500)).toBe(true);
    const keyAt = new Map((await storeRows<{ position: number; event_key: string }>(db, "SELECT position, event_key FROM events")).map((r) => [r.position, r.event_key]));
    for (const o of ok) {
      const { position } = JSON.parse(o.body) as { position: number };
      expect(keyAt.get(position)).toBe(`evt_sigterm_${o.i}`);
    }
    expect((await stepstore(["verify", "--db", db])).code).toBe(0);
  });

  it("logs JSON lines on stderr with no secret, bearer, signature or body in them", async () => {
    const secret = newSecret();
    const apiKey = "sk-never-in-logs-0123456789";
    const serve = await spawnServe(["--db", tempDb()], { STEPSTORE_WEBHOOK_SECRET: secret, STEPSTORE_API_KEY: apiKey });
    const body = stepEvent(1);
    const headers = signedHeaders(secret, body);
    expect((await fetch(`${serve.url}/webhooks`, { method: "POST", headers, body })).status).toBe(200);
    expect((await fetch(`${serve.url}/v1/threads/thread_1/runs/run_1/steps`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(200);
    expect((await fetch(`${serve.url}/v1/threads/thread_1/runs/run_1/steps`, { headers: { authorization: "Bearer sk-wrong-guess-987" } })).status).toBe(401);
    // A client that puts the key in the query string: no route reads it, and the request's logged url leaves it out.
    expect((await fetch(`${serve.url}/v1/stats/day?api_key=${apiKey}`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(400);
    // Escaped otherwise than encodeURIComponent does (`-` as %2D): the logged url is decoded, the key cut out of it.
    expect((await fetch(`${serve.url}/v1/stats/day?k=${apiKey.replaceAll("-", "%2D")}&x=a%20b`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(400);
    serve.child.kill("SIGTERM");
    expect((await serve.exited).code).toBe(0);

    const log = serve.stderr();
    const lines = log.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === "request").map((l) => [l.method, l.status])).toEqual([["POST", 200], ["GET", 200], ["GET", 401], ["GET", 400], ["GET", 400]]);
    expect(lines.filter((l) => l.status === 400).map((l) => l.url)).toEqual(["/v1/stats/day?api_key=[redacted]", "/v1/stats/day?k=[redacted]&x=a b"]);
    for (const secretText of [secret, secret.slice(6), apiKey, apiKey.replaceAll("-", "%2D"), "sk-wrong-guess-987", headers["webhook-signature"]!.slice(3), "BODY-MARKER"]) {
      expect(log).not.toContain(secretText);
    }
  });

  it("warns of a webhook key shorter than Standard Webhooks' 24 bytes, and keeps the key out of the log without its whsec_ too", async () => {
    const key = Buffer.from("short-key").toString("base64");
    const serve = await spawnServe(["--db", tempDb()], { STEPSTORE_WEBHOOK_SECRET: `whsec_${key}` });
    expect((await fetch(`${serve.url}/v1/stats/day?k=${key}`)).status).toBe(400);
    serve.child.kill("SIGTERM");
    expect((await serve.exited).code).toBe(0);
    const lines = serve.stderr().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      "STEPSTORE_WEBHOOK_SECRET's key is 9 bytes: Standard Webhooks recommends 24 to 64, as a shorter one can be guessed from one signed delivery",
    );
    expect(lines.find((l) => l.status === 400)?.url).toBe("/v1/stats/day?k=[redacted]");
    expect(serve.stderr()).not.toContain(key);
  });
});
