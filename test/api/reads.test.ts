import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_SEARCH_CONTENT } from "../../src/projections/runSteps/queries.js";
import { MAX_COLUMN_BYTES } from "../../src/records/schemas.js";
import { openaiClient, postIngest, startServer, type RunningServer } from "./harness.js";

type Json = Record<string, unknown>;
const THREAD = "thread_R";
const RUN = "run_R";

const fileSearchStep = (id: string, createdAt: number): Json => ({
  id, object: "thread.run.step", created_at: createdAt, assistant_id: "asst_R", thread_id: THREAD, run_id: RUN,
  type: "tool_calls", status: "completed",
  step_details: {
    type: "tool_calls",
    tool_calls: [{
      id: `call_${id}`, type: "file_search",
      file_search: {
        ranking_options: { ranker: "default_2024_08_21", score_threshold: 0 },
        results: [{ file_id: "file_1", file_name: "policy.pdf", score: 0.9, content: [{ type: "text", text: "Refunds within 30 days." }] }],
      },
    }],
  },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: createdAt + 2, metadata: {},
  usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
});
/** An id of exactly the most bytes ingest accepts, mostly 2-byte characters: each byte is 3 characters in a URL. */
function longestId(prefix: string): string {
  const id = prefix + "é".repeat(Math.floor((MAX_COLUMN_BYTES - prefix.length) / 2));
  return id + "x".repeat(MAX_COLUMN_BYTES - Buffer.byteLength(id));
}
const withoutContent = (step: Json): Json => JSON.parse(JSON.stringify(step).replace(/,"content":\[\{"type":"text","text":"Refunds within 30 days\."\}\]/g, ""));

describe("the run-step read routes", () => {
  let server: RunningServer;
  let client: OpenAI;
  // Seven steps; two share a created_at, so ids break the tie.
  const steps = [100, 101, 102, 102, 103, 104, 105].map((t, i) => fileSearchStep(`step_${String.fromCharCode(97 + i)}`, 1755180000 + t));
  beforeAll(async () => {
    server = await startServer();
    client = openaiClient(server);
    const answer = await postIngest(server, steps.map((s) => JSON.stringify(s)).join("\n"));
    expect(answer.body).toMatchObject({ appended: 7, rejected: 0 });
  });
  afterAll(() => server.close());

  it("lists newest first by default, 20 a page, with OpenAI's list envelope", async () => {
    const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps`);
    const page = (await response.json()) as Json;
    const ids = [...steps].reverse().map((s) => s.id);
    expect(page).toEqual({ object: "list", data: [...steps].reverse().map(withoutContent), first_id: ids[0], last_id: ids[6], has_more: false });
  });

  it("pages forward with after and has_more, and backward with before", async () => {
    const asc = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "asc", limit: 3 });
    expect(asc.data.map((s) => s.id)).toEqual(["step_a", "step_b", "step_c"]);
    expect(asc.has_more).toBe(true);
    const next = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "asc", limit: 3, after: "step_c" });
    expect(next.data.map((s) => s.id)).toEqual(["step_d", "step_e", "step_f"]);
    const last = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "asc", limit: 3, after: "step_f" });
    expect([last.data.map((s) => s.id), last.has_more]).toEqual([["step_g"], false]);
    const before = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "asc", limit: 2, before: "step_e" });
    expect([before.data.map((s) => s.id), before.has_more]).toEqual([["step_c", "step_d"], true]);
    const descBefore = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "desc", limit: 2, before: "step_c" });
    expect([descBefore.data.map((s) => s.id), descBefore.has_more]).toEqual([["step_e", "step_d"], true]);
  });

  it("file_search results carry content only when include[] asks for it", async () => {
    const plain = await client.beta.threads.runs.steps.retrieve("step_a", { thread_id: THREAD, run_id: RUN });
    expect(plain).toEqual(withoutContent(steps[0]!));
    const full = await client.beta.threads.runs.steps.retrieve("step_a", { thread_id: THREAD, run_id: RUN, include: [FILE_SEARCH_CONTENT] });
    expect(full).toEqual(steps[0]);
    const listed = await client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, order: "asc", include: [FILE_SEARCH_CONTENT] });
    expect(listed.data).toEqual(steps);
    // Indexed, as qs-style encoders write an array (before: ignored, and the content left out).
    const indexed = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_a?include[0]=${encodeURIComponent(FILE_SEARCH_CONTENT)}`);
    expect(await indexed.json()).toEqual(steps[0]);
    const wrong = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_a?include[1]=everything`);
    expect(wrong.status).toBe(400);
  });

  it("a missing step is a 404 in OpenAI's error shape, which the SDK raises as NotFoundError", async () => {
    await expect(client.beta.threads.runs.steps.retrieve("step_missing", { thread_id: THREAD, run_id: RUN })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.beta.threads.runs.steps.retrieve("step_a", { thread_id: THREAD, run_id: "run_other" })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_missing`);
    expect([response.status, await response.json()]).toEqual([
      404, { error: { message: "No run step found with id 'step_missing'.", type: "invalid_request_error", param: null, code: null } },
    ]);
  });

  it("listing a run the store knows nothing of is a 404, as OpenAI answers one; a run known from its snapshot alone lists empty", async () => {
    // A mistyped run id, a run of another thread, a thread mistyped: each told so, not answered with an empty page.
    for (const [thread, run] of [[THREAD, "run_Rx"], ["thread_other", RUN], ["thread_Rx", "run_Rx"]] as const) {
      await expect(client.beta.threads.runs.steps.list(run, { thread_id: thread }), `${thread} ${run}`).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    }
    const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/run_Rx/steps`);
    expect([response.status, await response.json()]).toEqual([
      404, { error: { message: "No run found with id 'run_Rx'.", type: "invalid_request_error", param: null, code: null } },
    ]);
    const queued = { id: "run_Queued", object: "thread.run", created_at: 1755180200, thread_id: THREAD, assistant_id: "asst_R", status: "queued", model: "gpt-4o" };
    expect((await postIngest(server, JSON.stringify(queued))).body).toMatchObject({ appended: 1, rejected: 0 });
    const empty = await client.beta.threads.runs.steps.list("run_Queued", { thread_id: THREAD });
    expect([empty.data, empty.has_more]).toEqual([[], false]);
    await expect(client.beta.threads.runs.steps.list("run_Queued", { thread_id: "thread_other" })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("bad limit, order, include or cursor is a 400 naming the parameter", async () => {
    for (const [query, param] of [["limit=0", "limit"], ["limit=101", "limit"], ["limit=ten", "limit"], ["order=up", "order"], ["include[]=everything", "include"], ["after=step_nope", "after"]]) {
      const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps?${query}`);
      expect([query, response.status, ((await response.json()) as { error: Json }).error.param]).toEqual([query, 400, param]);
    }
    await expect(client.beta.threads.runs.steps.list(RUN, { thread_id: THREAD, limit: 0 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("a cursor must be a step of the run listed: another run's step is a 400, not a page placed by its time", async () => {
    const other = { ...fileSearchStep("step_elsewhere", 1755180000 + 102), run_id: "run_other" };
    expect((await postIngest(server, JSON.stringify(other))).body).toMatchObject({ appended: 1 });
    for (const side of ["after", "before"]) {
      const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps?${side}=step_elsewhere`);
      expect([side, response.status, ((await response.json()) as { error: Json }).error.param]).toEqual([side, 400, side]);
    }
    const own = await client.beta.threads.runs.steps.list("run_other", { thread_id: THREAD, after: "step_elsewhere", order: "asc" });
    expect(own.data).toEqual([]);
  });

  it("a step's events are its log rows in position order", async () => {
    const response = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_b/events`);
    const body = (await response.json()) as { object: string; data: Json[] };
    expect(body.object).toBe("list");
    expect(body.data).toEqual([expect.objectContaining({ type: "thread.run.step", step_id: "step_b", run_id: RUN, thread_id: THREAD, source: "http", data: withoutContent(steps[1]!) })]);
    expect((await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_missing/events`)).status).toBe(404);
  });

  it("a step's events carry each record's data as received: an integer past 2^53 and a 1.50 unchanged", async () => {
    const line = JSON.stringify(fileSearchStep("step_big", 1755180200)).replace(/\}$/, ',"trace_id":12345678901234567890,"weight":1.50}');
    expect((await postIngest(server, line)).body).toMatchObject({ appended: 1 });
    const events = `${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_big/events`;
    expect(await (await fetch(`${events}?include[]=${FILE_SEARCH_CONTENT}`)).text()).toContain(`"data":${line}}]}`);
    const withoutItsContent = line.replace(`,"content":[{"type":"text","text":"Refunds within 30 days."}]`, "");
    expect(await (await fetch(events)).text()).toContain(`"data":${withoutItsContent}}]}`);
  });

  it("a step's events carry file_search content only when include[] asks for it, as list and retrieve do, in every form the log holds", async () => {
    const content = [{ type: "text", text: "Refunds within 30 days." }];
    const call = (index: number) => ({ index, id: "call_d", type: "file_search", file_search: { results: [{ file_id: "file_1", score: 0.5, content }] } });
    const delta = { id: "step_d1", object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [call(0)] } } };
    const webhook = { id: "evt_d1", object: "event", type: "thread.run.step.completed", created_at: 1755180301, data: fileSearchStep("step_d1", 1755180300) };
    const body = [JSON.stringify(delta), JSON.stringify(webhook), JSON.stringify({ ...fileSearchStep("step_d1", 1755180300), status: "in_progress", completed_at: null })].join("\n");
    expect((await postIngest(server, body)).body).toMatchObject({ appended: 3, rejected: 0 });
    const events = `${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_d1/events`;
    const plain = await (await fetch(events)).text();
    expect(plain).not.toContain("Refunds within 30 days.");
    expect(((JSON.parse(plain) as { data: unknown[] }).data).length).toBe(3);
    const full = await (await fetch(`${events}?include[]=${FILE_SEARCH_CONTENT}`)).text();
    expect(full.split("Refunds within 30 days.").length - 1).toBe(3);
    const bad = await fetch(`${events}?include[]=everything`);
    expect([bad.status, ((await bad.json()) as { error: Json }).error.param]).toEqual([400, "include"]);
  });

  it("given a step with more log rows than a page, when its /events and its console page are read, then /events lists every row in order and the page the first 200, saying how many there are", async () => {
    const delta = (i: number) => JSON.stringify({ event: "thread.run.step.delta", data: { id: "step_many", object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, type: "function", function: { arguments: i === 0 ? "x".repeat(5_000) : `${i},` } }] } } } });
    const lines = [JSON.stringify({ ...fileSearchStep("step_many", 1755180400), status: "in_progress", completed_at: null }), ...Array.from({ length: 349 }, (_, i) => delta(i))];
    expect((await postIngest(server, lines.join("\n"))).body).toMatchObject({ appended: 350, rejected: 0 });
    const events = await fetch(`${server.url}/v1/threads/${THREAD}/runs/${RUN}/steps/step_many/events`);
    expect(events.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const rows = ((await events.json()) as { data: { position: number; type: string }[] }).data;
    expect(rows).toHaveLength(350);
    expect(rows.map((row) => row.position)).toEqual([...rows.map((row) => row.position)].sort((a, b) => a - b));
    expect(rows.filter((row) => row.type === "thread.run.step.delta")).toHaveLength(349);
    const page = await (await fetch(`${server.url}/ui/steps/step_many`)).text();
    expect(page).toContain("Log events (350, in position order)");
    expect(page).toContain("The first 200 of 350");
    expect(page.split("<summary>data</summary>").length - 1).toBe(200);
    // A row past 2,000 characters shows its start and its length, not all of it.
    expect(page).toContain(`${lines[1]!.length.toLocaleString("en-US")} characters, as stored`);
  });

  it("a step whose step, run and thread ids are the longest ingest accepts is read through the SDK, /events and the console", async () => {
    const [stepId, runId, threadId] = ["step_", "run_", "thread_"].map(longestId) as [string, string, string];
    expect(Buffer.byteLength(stepId)).toBe(MAX_COLUMN_BYTES);
    const step = { ...fileSearchStep(stepId, 1755180400), run_id: runId, thread_id: threadId };
    expect((await postIngest(server, JSON.stringify(step))).body).toMatchObject({ appended: 1, rejected: 0 });
    expect(await client.beta.threads.runs.steps.retrieve(stepId, { thread_id: threadId, run_id: runId })).toEqual(withoutContent(step));
    expect((await client.beta.threads.runs.steps.list(runId, { thread_id: threadId })).data.map((s) => s.id)).toEqual([stepId]);
    const path = `/threads/${encodeURIComponent(threadId)}/runs/${encodeURIComponent(runId)}`;
    const events = await fetch(`${server.url}/v1${path}/steps/${encodeURIComponent(stepId)}/events`);
    expect([events.status, ((await events.json()) as { data: unknown[] }).data.length]).toEqual([200, 1]);
    for (const page of [`/ui/steps/${encodeURIComponent(stepId)}`, `/ui${path}`]) {
      const response = await fetch(`${server.url}${page}`);
      expect([page.slice(0, 12), response.status]).toEqual([page.slice(0, 12), 200]);
      expect(await response.text()).toContain(stepId);
    }
  });

  it("a URL that cannot be decoded is a 400 in OpenAI's error shape", async () => {
    const response = await fetch(`${server.url}/v1/threads/%ZZ/runs/${RUN}/steps`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", param: null, code: null } });
  });

  it("an unknown route is a JSON 404", async () => {
    const response = await fetch(`${server.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: Json }).error).toMatchObject({ type: "invalid_request_error" });
  });
});

describe("STEPSTORE_API_KEY", () => {
  it("makes every /v1/ route require the bearer key: 401 without or with a wrong one, answered with it", async () => {
    const server = await startServer({ apiKey: "sk-stepstore-test" });
    try {
      await expect(openaiClient(server, "sk-wrong").beta.threads.runs.steps.list("run_x", { thread_id: "thread_x" })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      // Past the key, the empty store's answer: no such run.
      await expect(openaiClient(server, "sk-stepstore-test").beta.threads.runs.steps.list("run_x", { thread_id: "thread_x" })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      // The scheme is case-insensitive, the key is not.
      const steps = `${server.url}/v1/threads/t/runs/r/steps`;
      expect((await fetch(steps, { headers: { authorization: "bearer sk-stepstore-test" } })).status).toBe(404);
      // More than one space after the scheme is allowed (RFC 9110 §11.4), as the console allows it.
      expect((await fetch(steps, { headers: { authorization: "Bearer   sk-stepstore-test" } })).status).toBe(404);
      // A tab too, read by the one rule the console reads the header by (it took a tab, the API did not).
      expect((await fetch(steps, { headers: { authorization: "Bearer\tsk-stepstore-test" } })).status).toBe(404);
      expect((await fetch(`${server.url}/ui/`, { headers: { authorization: "Bearer\tsk-stepstore-test" } })).status).toBe(200);
      expect((await fetch(steps, { headers: { authorization: "Bearer SK-STEPSTORE-TEST" } })).status).toBe(401);
      const guarded = [
        ["/v1/threads/t/runs/r/steps", {}],
        ["/%761/threads/t/runs/r/steps", {}],
        ["/v1/ingest", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
      ] as const;
      for (const [path, init] of guarded) {
        const response = await fetch(`${server.url}${path}`, init);
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key" } });
      }
      // Outside /v1/: health is open, webhooks are guarded by their signature.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/webhooks`, { method: "POST", body: "{}" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
