import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lastPosition } from "../../src/store/checkpoints.js";
import { listRejections } from "../../src/store/readEvents.js";
import { EXAMPLES } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";
import { openaiClient, postIngest, startServer, type RunningServer, serverForSuite } from "./harness.js";

type Json = Record<string, unknown>;
const example = (name: string) => readFileSync(join(EXAMPLES, name), "utf8");
const expectedRows = (name: string) => example(`expected/${name}.steps.jsonl`).trim().split("\n").map((l) => JSON.parse(l) as Json);

async function stepsOfRun(server: RunningServer, expected: Json[]) {
  const page = await openaiClient(server).beta.threads.runs.steps.list(expected[0]!.run_id as string, { thread_id: expected[0]!.thread_id as string, order: "asc", limit: 100 });
  return page.data;
}

describe("POST /v1/ingest", () => {
  const server = serverForSuite();

  it("an NDJSON body is ingested as a file would be, and answers the ingest --json summary after commit", async () => {
    const answer = await postIngest(server, example("relayed-events.jsonl"), "application/x-ndjson");
    expect(answer).toEqual({ status: 200, body: { records: 6, appended: 5, duplicates: 1, rejected: 0 } });
    expect(await stepsOfRun(server, expectedRows("relayed-events"))).toEqual(expectedRows("relayed-events"));
  });

  it("an SSE transcript (text/event-stream) and a JSON list page project to the same rows", async () => {
    const sse = await postIngest(server, example("stream-order-lookup.sse"), "text/event-stream");
    expect(sse.status).toBe(200);
    expect(sse.body).toMatchObject({ rejected: 0 });
    expect(sse.body.records).toBe((sse.body.appended as number) + (sse.body.duplicates as number));
    const expected = expectedRows("stream-order-lookup");
    expect(await stepsOfRun(server, expected)).toEqual(expected);

    const page = await postIngest(server, example("list-run-steps-page.json"), "application/json; charset=utf-8");
    expect(page).toMatchObject({ status: 200, body: { records: 2, rejected: 0 } });
    expect(await stepsOfRun(server, expected)).toEqual(expected);
  });

  it("the same body sent again appends nothing", async () => {
    const answer = await postIngest(server, example("relayed-events.jsonl"), "application/x-ndjson");
    expect(answer.body).toEqual({ records: 6, appended: 0, duplicates: 6, rejected: 0 });
  });

  it("bad records are counted, kept in rejections with source http and the line, and the good ones land", async () => {
    const good = example("relayed-events.jsonl").split("\n")[0]!.replace("evt_01HZX2K7", "evt_ingest_good");
    const body = [good, '{"object":"thread.run.step","id":', '{"object":"event","type":"thread.run.step.renamed","data":{}}'].join("\n");
    const response = await fetch(`${server.url}/v1/ingest`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { records: 3, appended: 1, duplicates: 0, rejected: 2 } });
    // The answer names the request, so its client finds its own rejections among every client's.
    const request = response.headers.get("x-request-id");
    expect(request).toMatch(/^[0-9a-f-]{36}$/);
    const kept = (await listRejections(server.app.stepstore.sql)).filter((r) => r.source === "http");
    expect(kept.map((r) => r.origin)).toEqual([`POST /v1/ingest ${request}:2`, `POST /v1/ingest ${request}:3`]);
    expect(kept[1]).toMatchObject({ path: "$.type", raw: '{"object":"event","type":"thread.run.step.renamed","data":{}}' });
  });

  it("a JSON array body cut off before its ] lands its complete items and counts the cut as rejected", async () => {
    const answer = await postIngest(server, `[${stepLine("step_HttpCutA")},${stepLine("step_HttpCutB")}`, "application/json");
    expect(answer).toEqual({ status: 200, body: { records: 3, appended: 2, duplicates: 0, rejected: 1 } });
    const kept = (await listRejections(server.app.stepstore.sql)).filter((r) => r.reason.startsWith("cut off"));
    expect(kept.map((r) => [r.origin.replace(/ [0-9a-f-]{36}$/, " <request>"), r.reason])).toEqual([
      ["POST /v1/ingest <request>", "cut off: the JSON array is not closed (the document ends after $[1] with no ])"],
    ]);
  });

  it("a body whose Content-Type names another format than it looks like: its first rejection says which type to send", async () => {
    const sent: [string, string, string][] = [
      [example("stream-order-lookup.sse"), "application/x-ndjson", "reads as JSON Lines by its Content-Type but looks like an SSE transcript: send it as text/event-stream)"],
      [example("relayed-events.jsonl"), "application/json", "reads as one JSON document by its Content-Type but looks like JSON Lines: send it as application/x-ndjson)"],
    ];
    for (const [body, contentType, hint] of sent) {
      const response = await fetch(`${server.url}/v1/ingest`, { method: "POST", headers: { "content-type": contentType }, body });
      const request = response.headers.get("x-request-id");
      const kept = (await listRejections(server.app.stepstore.sql)).filter((r) => r.origin.startsWith(`POST /v1/ingest ${request}`));
      expect(kept[0]!.reason.endsWith(` (POST /v1/ingest ${request} ${hint}`), kept[0]!.reason).toBe(true);
      expect(kept.slice(1).filter((r) => r.reason.includes("Content-Type"))).toEqual([]);
    }
  });

  it("a body of another Content-Type, or one that names no media type, gets 415 naming the ones accepted", async () => {
    for (const contentType of ["text/plain", "", "json", "application/json, text/plain"]) {
      const answer = await postIngest(server, "hello", contentType);
      expect({ contentType, status: answer.status }).toEqual({ contentType, status: 415 });
      expect(answer.body.error).toMatchObject({ message: expect.stringMatching(/application\/x-ndjson, .*application\/json, text\/event-stream/), param: "content-type" });
    }
  });
});

describe("POST /v1/ingest over STEPSTORE_MAX_INGEST_BODY", () => {
  it("gets 413 from its Content-Length, and from its bytes when sent chunked", async () => {
    const server = await startServer({ maxIngestBody: 1000 });
    try {
      const body = example("relayed-events.jsonl");
      expect(body.length).toBeGreaterThan(1000);
      const declared = await postIngest(server, body);
      expect(declared.status).toBe(413);
      expect(declared.body.error).toMatchObject({ message: expect.stringMatching(/^body over STEPSTORE_MAX_INGEST_BODY \(1000 bytes\)/), code: "request_too_large" });
      expect((await lastPosition(server.app.stepstore.sql))).toBe(0);

      const chunked = await fetch(`${server.url}/v1/ingest`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: new Blob([body]).stream(),
        duplex: "half",
      } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { error: Json }).error).toMatchObject({ message: expect.stringMatching(/records before the limit were committed/), code: "request_too_large" });
      // The connection is still good for the next request.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
