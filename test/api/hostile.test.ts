import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { listRejections } from "../../src/store/readEvents.js";
import { deepEvent, eventLine, stepLine, withBytes } from "../helpers/hostile.js";
import { postIngest, postWebhook, signedHeaders, type RunningServer, serverForSuite } from "./harness.js";

/** A client that sends a request's headers and the first bytes of its body, then stalls. */
function slowBody(server: RunningServer, headers: Record<string, string>, route = "/webhooks"): { socket: Socket; answer: Promise<string> } {
  const socket = connect(server.port, "127.0.0.1");
  const head = Object.entries({ host: "127.0.0.1", "content-length": "100000", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.write(`POST ${route} HTTP/1.1\r\n${head}\r\n{"id":`);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  socket.on("error", () => {});
  return { socket, answer: new Promise((resolve) => socket.on("close", () => resolve(received))) };
}

/** What the server answers to `request`, sent as raw bytes, until it closes the connection. */
function rawAnswer(server: RunningServer, request: string): Promise<string> {
  const socket = connect(server.port, "127.0.0.1", () => socket.write(request));
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  socket.on("error", () => {});
  return new Promise((resolve) => socket.on("close", () => resolve(received)));
}

describe("hostile HTTP input", () => {
  const server = serverForSuite({ bodyTimeoutMs: 1000 });

  it("requests node's parser refuses (headers over 16 KiB, a malformed header) are answered in OpenAI's error shape, and the server goes on", async () => {
    const cases = [
      [`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "headers_too_large"],
      ["GET /healthz HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n", 400, null],
    ] as const;
    for (const [request, status, code] of cases) {
      const answer = await rawAnswer(server, request);
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body).toEqual({ error: { message: expect.any(String), type: "invalid_request_error", param: null, code } });
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("a webhook nested 5,000 levels deep is answered 422 with why (never 5xx) and kept; the next one lands", async () => {
    const deep = await postWebhook(server, deepEvent("evt_wh_deep", 5000));
    expect(deep.status).toBe(422);
    expect(deep.body).toEqual({ error: { message: expect.stringMatching(/^nesting deeper than 64 levels at column \d+$/), path: null } });
    const next = await postWebhook(server, eventLine("evt_wh_ok"));
    expect(next).toMatchObject({ status: 200, body: { status: "appended" } });
    expect((await listRejections(server.app.stepstore.sql)).map((r) => r.reason)).toContainEqual(expect.stringMatching(/^nesting deeper than 64/));
  });

  it("POST /v1/ingest with a deeply nested line between valid ones stores the valid ones and rejects that one", async () => {
    const body = `${stepLine("step_HttpBefore")}\n${deepEvent("evt_http_deep", 5000)}\n${stepLine("step_HttpAfter")}\n`;
    expect(await postIngest(server, body)).toEqual({ status: 200, body: { records: 3, appended: 2, duplicates: 0, rejected: 1 } });
    const rejection = (await listRejections(server.app.stepstore.sql)).find((r) => r.origin.endsWith(":2"));
    expect(rejection?.reason).toMatch(/^nesting deeper than 64 levels at column \d+$/);
  });

  it("a webhook that is not UTF-8, signed over its bytes, is answered 422 with the byte offset and kept as base64; the next one lands", async () => {
    const body = withBytes(eventLine("evt_wh_latin1"), "step_Event", Buffer.from([0x73, 0xe9])); // Latin-1 "sé"
    const answer = await postWebhook(server, body, { id: "msg_latin1" });
    const reason = `invalid UTF-8 at byte ${body.indexOf(0xe9)} of the record (raw is base64)`;
    expect(answer).toEqual({ status: 422, body: { error: { message: reason, path: null } } });
    const kept = (await listRejections(server.app.stepstore.sql)).find((r) => r.origin === "POST /webhooks msg_latin1");
    expect(kept).toMatchObject({ source: "webhook", reason, raw: `base64:${body.toString("base64")}` });
    expect((await postWebhook(server, eventLine("evt_wh_after", "step_After"))).status).toBe(200);
  });

  it("POST /v1/ingest with a line that is not UTF-8 between valid ones stores the valid ones and rejects that one with its bytes", async () => {
    const bad = withBytes(stepLine("step_HttpLatin1"), "acme", Buffer.from([0x61, 0xe9]));
    const body = Buffer.concat([Buffer.from(`${stepLine("step_Utf8Before")}\n`), bad, Buffer.from(`\n${stepLine("step_Utf8After")}\n`)]);
    expect(await postIngest(server, body)).toEqual({ status: 200, body: { records: 3, appended: 2, duplicates: 0, rejected: 1 } });
    const rejection = (await listRejections(server.app.stepstore.sql)).find((r) => r.raw === `base64:${bad.toString("base64")}`);
    expect(rejection).toMatchObject({ source: "http", reason: `invalid UTF-8 at byte ${bad.indexOf(0xe9)} of the record (raw is base64)` });
    expect(rejection!.origin).toMatch(/^POST \/v1\/ingest .+:2$/);
  });

  it("built-in names: a tool call of type constructor/__proto__/toString/hasOwnProperty/valueOf is 200 and kept whole; as an event type it is 422; never 5xx", async () => {
    const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
    for (const [i, name] of names.entries()) {
      const step = stepLine(`step_WhTool${i}`, { step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: name }] } });
      const tool = await postWebhook(server, `{"id":"evt_wh_tool_${i}","object":"event","type":"thread.run.step.created","data":${step}}`);
      expect({ name, status: tool.status }).toEqual({ name, status: 200 });
      const typed = await postWebhook(server, `{"id":"evt_wh_type_${i}","object":"event","type":"${name}","data":${stepLine("step_WhNamed")}}`);
      expect({ name, ...typed }).toEqual({ name, status: 422, body: { error: { message: `type: unknown event type "${name}"`, path: "$.type" } } });
    }
  });

  it("POST /v1/ingest counts built-in names among valid lines: tool types stored, event types and kinds rejected", async () => {
    const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
    const lines = names.flatMap((name, i) => [
      stepLine(`step_HttpTool${i}`, { step_details: { type: "tool_calls", tool_calls: [{ id: "call_1", type: name }] } }),
      `{"id":"evt_http_${name}","object":"event","type":"${name}","data":${stepLine("step_HttpNamed")}}`,
      `{"id":"x","object":"${name}"}`,
    ]);
    const body = [stepLine("step_HttpNamesBefore"), ...lines, stepLine("step_HttpNamesAfter")].join("\n");
    expect(await postIngest(server, body)).toEqual({ status: 200, body: { records: 17, appended: 7, duplicates: 0, rejected: 10 } });
  });

  it("an unsigned webhook is answered 401 before its body is sent", async () => {
    const { socket, answer } = slowBody(server, { "content-type": "application/json" });
    const first = await new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    expect(first).toMatch(/^HTTP\/1\.1 401 /);
    expect(first).toContain("webhook signature rejected: Missing required headers");
    socket.destroy();
    await answer;
  });

  it("a signed webhook whose body stalls is cut off after the body timeout, and /healthz answers while 50 of them hang", async () => {
    const slow = Array.from({ length: 50 }, () => slowBody(server, signedHeaders(server.secret, "{}")));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const answers = await Promise.all(slow.map((s) => s.answer));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe("/v1/ingest with the default body timeout", () => {
  const server = serverForSuite();

  it("a stalled body that declares 100 kB is cut off at the 10 s floor, not after the 512 s its route's 256 MiB limit would allow", async () => {
    const started = Date.now();
    const { answer } = slowBody(server, { "content-type": "application/x-ndjson" }, "/v1/ingest");
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it("a gzipped body is read as a file would be (gzip known by its first bytes)", async () => {
    const body = gzipSync(`${stepLine("step_Gzipped1")}\n${stepLine("step_Gzipped2")}\n`);
    expect(await postIngest(server, body)).toEqual({ status: 200, body: { records: 2, appended: 2, duplicates: 0, rejected: 0 } });
  });

  it("a gzipped body cut short: the records before the cut land, the cut is one rejection, 200 not 500", async () => {
    const whole = gzipSync(`${stepLine("step_GzCut1")}\n${"x".repeat(100_000)}\n`);
    const answer = await postIngest(server, whole.subarray(0, whole.length - 40));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ appended: 1 });
    expect((answer.body as { rejected: number }).rejected).toBeGreaterThanOrEqual(1);
  });

  it("a Content-Type named like a built-in (constructor) is 415, never a crash", async () => {
    expect((await postIngest(server, stepLine("step_Ctor"), "constructor")).status).toBe(415);
  });
});

describe("API key on the report routes", () => {
  const server = serverForSuite({ apiKey: "sk-test-report" });

  it("/report and /v1/stats answer 401 without the key, 200 with it", async () => {
    for (const path of ["/report", "/v1/stats/assistant"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: { authorization: "Bearer sk-test-report" } })).status, path).toBe(200);
    }
  });

  it("given a browser, which sends no bearer, then /report asks it for the key (HTTP Basic, the key as password) and opens with it; /v1/ takes the bearer alone", async () => {
    const asked = await fetch(`${server.url}/report`);
    expect(asked.headers.get("www-authenticate")).toMatch(/^Basic realm="stepstore"/);
    const basic = (user: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${key}`).toString("base64")}` });
    const opened = await fetch(`${server.url}/report`, { headers: basic("anyone", "sk-test-report") });
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await fetch(`${server.url}/report`, { headers: basic("anyone", "sk-wrong") })).status).toBe(401);
    expect((await fetch(`${server.url}/v1/stats/assistant`, { headers: basic("anyone", "sk-test-report") })).status).toBe(401);
  });
});
