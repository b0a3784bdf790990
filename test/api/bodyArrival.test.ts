import Database from "better-sqlite3";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { stepLine } from "../helpers/hostile.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { postIngest, serverForSuite, type RunningServer } from "./harness.js";

/** Every byte the server sends back on one connection: `head` written at once, `body` (if any) once the server answers first. */
function exchange(server: RunningServer, head: string, body?: string): Promise<string> {
  const socket = connect(server.port, "127.0.0.1", () => socket.write(head));
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    if (body !== undefined && received === "") socket.write(body);
    received += chunk.toString();
    // Stops after the final answer's body (not after the interim 100 Continue).
    const final = received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
    const length = /content-length: (\d+)/i.exec(final);
    const headEnd = final.indexOf("\r\n\r\n");
    if (length && headEnd >= 0 && Buffer.byteLength(final.slice(headEnd + 4)) >= Number(length[1])) socket.end();
  });
  socket.on("error", () => {});
  return new Promise((resolve) => socket.on("close", () => resolve(received)));
}

const jsonOf = (answer: string) => JSON.parse(answer.slice(answer.lastIndexOf("\r\n\r\n") + 4)) as { error: { message: string } };
const lines = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => stepLine(`step_${prefix}${i}`)).join("\n");

describe("a body the client sent at once, read by a server slower than the body timeout", () => {
  // 300 ms: far less than the server takes to append 20,000 records, which the client sends in a few milliseconds.
  const server = serverForSuite({ bodyTimeoutMs: 300 });

  it("is ingested whole (200 with every record), not cut off as if the client were slow", async () => {
    const answer = await postIngest(server, lines("SlowServer", 20_000));
    expect(answer).toEqual({ status: 200, body: { records: 20_000, appended: 20_000, duplicates: 0, rejected: 0 } });
  });

  it("a client that does stall mid-body is still cut off, told how many records before the wait were committed", async () => {
    const head = `POST /v1/ingest HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: 10000000\r\n\r\n`;
    const answer = await exchange(server, `${head}${lines("Stalled", 3)}\n{"id":`);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(jsonOf(answer).error.message).toBe("request body not received in time; the 0 records before the wait were committed");
  });
});

describe("Expect: 100-continue, and what node answered before any route", () => {
  const server = serverForSuite({ apiKey: "sk-test-expect", maxIngestBody: 1_000 });
  const post = (headers: string) =>
    `POST /v1/ingest HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\nexpect: 100-continue\r\n${headers}\r\n`;

  it("a body over the limit, or without the key, is refused before the client is invited to send it", async () => {
    const tooLarge = await exchange(server, post("authorization: Bearer sk-test-expect\r\ncontent-length: 5000\r\n"));
    expect(tooLarge).toMatch(/^HTTP\/1\.1 413 /);
    const noKey = await exchange(server, post("content-length: 10\r\n"));
    expect(noKey).toMatch(/^HTTP\/1\.1 401 /);
  });

  it("an acceptable one is invited (100 Continue), then ingested", async () => {
    const body = `${stepLine("step_Continued")}\n`;
    const answer = await exchange(server, post(`authorization: Bearer sk-test-expect\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`), body);
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(JSON.parse(answer.slice(answer.lastIndexOf("\r\n\r\n") + 4))).toEqual({ records: 1, appended: 1, duplicates: 0, rejected: 0 });
  });

  it("another Expect (417) and an HTTP/1.1 request without Host (400) are answered in the error shape, not empty", async () => {
    const expectation = await exchange(server, "GET /healthz HTTP/1.1\r\nhost: x\r\nexpect: foo\r\n\r\n");
    expect(expectation).toMatch(/^HTTP\/1\.1 417 /);
    expect(jsonOf(expectation).error.message).toBe('Expect "foo" is not supported: only 100-continue');
    const noHost = await exchange(server, "GET /healthz HTTP/1.1\r\n\r\n");
    expect(noHost).toMatch(/^HTTP\/1\.1 400 /);
    expect(jsonOf(noHost).error.message).toBe("an HTTP/1.1 request must send a Host header");
  });
});

describe("Content-Encoding on POST /v1/ingest", () => {
  const server = serverForSuite();

  it("gzip declared is read as gzip undeclared is; another encoding is 415 saying what is accepted", async () => {
    const body = gzipSync(`${stepLine("step_Encoded1")}\n${stepLine("step_Encoded2")}\n`);
    expect(await postIngest(server, body, "application/x-ndjson", { "content-encoding": "gzip" }))
      .toEqual({ status: 200, body: { records: 2, appended: 2, duplicates: 0, rejected: 0 } });
    const brotli = await postIngest(server, body, "application/x-ndjson", { "content-encoding": "br" });
    expect(brotli.status).toBe(415);
    expect((brotli.body as { error: { message: string } }).error.message).toMatch(/^Content-Encoding "br" is not supported: send the body as it is, or gzipped/);
  });
});

describe.skipIf(pgHalf)("POST /v1/ingest when the disk fills after some of its batches committed", () => {
  const server = serverForSuite();

  it("answers 503 with Retry-After, saying how many records were committed (not 'nothing was stored')", async () => {
    // SQLite's own limit, on the service's connection: room for a few batches of 1,000, not for 20.
    const sqlite = (server.app.stepstore as unknown as { sqlite: Database.Database }).sqlite;
    sqlite.pragma(`max_page_count = ${Number(sqlite.pragma("page_count", { simple: true })) + 2_000}`);
    const answer = await postIngest(server, lines("Full", 20_000));
    const stored = Number(sqlite.prepare("SELECT count(*) FROM events").pluck().get());
    sqlite.pragma("max_page_count = 4294967294");
    expect(answer.status).toBe(503);
    expect(stored).toBeGreaterThan(0);
    expect((answer.body as { error: { message: string } }).error.message).toBe(
      `the store's disk is full: the ${stored} records before it were committed (sending them again appends nothing), the rest were not; retry once space is freed`,
    );
  });
});
