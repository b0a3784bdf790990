import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postIngest, startServer, type RunningServer } from "../harness.js";
import { tempDb } from "../../helpers/cli.js";
import { appendAsBefore } from "../../helpers/legacyStore.js";

const RLO = "\u202E";
const step = (id: string, threadId: string, runId: string, createdAt: number, code: string | null = null) => ({
  id, object: "thread.run.step", created_at: createdAt, assistant_id: "asst_Ids", thread_id: threadId, run_id: runId,
  type: "message_creation", status: code ? "failed" : "completed",
  step_details: { type: "message_creation", message_creation: { message_id: `msg_${createdAt}` } },
  last_error: code ? { code, message: "failed" } : null, expired_at: null, cancelled_at: null,
  failed_at: code ? createdAt + 1 : null, completed_at: code ? null : createdAt + 1, metadata: {}, usage: null,
});

const run = (id: string, threadId: string, assistantId: string, model: string, createdAt: number) => ({
  id, object: "thread.run", created_at: createdAt, thread_id: threadId, assistant_id: assistantId, status: "completed", started_at: null,
  expires_at: null, cancelled_at: null, failed_at: null, completed_at: createdAt + 2, last_error: null, model, instructions: "", tools: [],
  metadata: {}, usage: null,
});
const ingest = async (server: RunningServer, records: object[]) =>
  expect((await postIngest(server, records.map((r) => JSON.stringify(r)).join("\n"))).status).toBe(200);

/** The ids of the links `pattern` captures on every page from `start`, following each page's own next-page link. */
async function idsThroughPages(server: RunningServer, start: string, pattern: RegExp): Promise<string[]> {
  const seen: string[] = [];
  for (let url: string | undefined = start; url !== undefined; ) {
    const response = await fetch(`${server.url}${url}`);
    expect(response.status, url).toBe(200);
    const page = await response.text();
    for (const [, id] of page.matchAll(pattern)) seen.push(decodeURIComponent(id!));
    url = /rel="next" href="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
  }
  return seen;
}

describe("the console with ids and codes a reader could misread", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
    const records = [step(`step_${RLO}fdp.exe`, "thread_Bidi", "run_Bidi", 1755180020, `code_${RLO}error_ok`)];
    expect((await postIngest(server, records.map((r) => JSON.stringify(r)).join("\n"))).status).toBe(200);
  });
  afterAll(() => server?.close());

  it("shows a bidirectional override in an id or an error code as its code point, so text cannot be reordered", async () => {
    const page = await (await fetch(`${server.url}/ui/threads/thread_Bidi/runs/run_Bidi`)).text();
    expect(page).not.toContain(RLO);
    expect(page).toContain("step_[U+202E]fdp.exe");
    expect(page).toContain("code_[U+202E]error_ok");
  });

  it("links a report row keyed by the empty string (an error code \"\") to its own steps, not to the steps with no key", async () => {
    const emptyCode = { ...step("step_EmptyCode", "thread_Empty", "run_Empty", 1755180030, "x"), last_error: { code: "", message: "failed" } };
    expect((await postIngest(server, JSON.stringify(emptyCode))).status).toBe(200);
    const report = await (await fetch(`${server.url}/ui/report?by=error`)).text();
    expect(report).toContain('href="/ui/report/steps?by=error&amp;key="');
    const stepsOf = async (query: string) => (await (await fetch(`${server.url}/ui/report/steps?${query}`)).text()).match(/step_[A-Za-z[\]+0-9.]+/g) ?? [];
    expect(new Set(await stepsOf("by=error&key="))).toEqual(new Set(["step_EmptyCode"]));
    expect(await stepsOf("by=error")).not.toContain("step_EmptyCode");
  });

  it("pages through runs whose ids hold characters past U+FFFF without skipping one (the page's order is the cursor's)", async () => {
    const later = Array.from({ length: 24 }, (_, i) => step(`step_Page${i}`, "thread_Page", `run_Page${String(i).padStart(2, "0")}`, 1755190100));
    const earlier = ["run_\uFF01", "run_\u{1F600}", "run_a"].map((runId, i) => step(`step_Astral${i}`, "thread_Page", runId, 1755190000));
    await ingest(server, [...later, ...earlier]);
    const seen = await idsThroughPages(server, "/ui/runs?assistant=asst_Ids&from=2025-08-14", /href="\/ui\/threads\/thread_Page\/runs\/([^"]+)"/g);
    expect(new Set(seen)).toEqual(new Set([...later, ...earlier].map((s) => s.run_id)));
  });

  it("pages past a run or a step whose id holds a line break (the page's last row is the next page's cursor)", async () => {
    const step2 = (stepId: string, runId: string, at: number) => ({ ...step(stepId, "thread_Lines", runId, at), assistant_id: "asst_Lines" });
    const first = Array.from({ length: 24 }, (_, i) => step2(`step_Line${i}`, `run_Line${String(i).padStart(2, "0")}`, 1755200100));
    const records = [...first, step2("step_Line\u2028x", "run_Line\nx", 1755200050), step2("step_LineOld", "run_LineOld", 1755200000)];
    await ingest(server, records);
    const runs = await idsThroughPages(server, "/ui/runs?assistant=asst_Lines", /href="\/ui\/threads\/thread_Lines\/runs\/([^"]+)"/g);
    expect(new Set(runs)).toEqual(new Set(records.map((s) => s.run_id)));
    const steps = await idsThroughPages(server, "/ui/report/steps?by=assistant&key=asst_Lines", /href="\/ui\/steps\/([^"]+)"/g);
    expect(new Set(steps)).toEqual(new Set(records.map((s) => s.id)));
  });

  it("answers a cursor whose time no record can hold (past 2^53 s) with a 400 page naming it, on either store", async () => {
    for (const url of ["/ui/runs?before=99999999999999999999.x", "/ui/runs?before=9223372036854775808.x", "/ui/runs?before=-9007199254740992.x",
      "/ui/report/steps?by=assistant&before=9223372036854775808.x"]) {
      const response = await fetch(`${server.url}${url}`);
      expect(response.status, url).toBe(400);
      expect(response.headers.get("content-type"), url).toMatch(/^text\/html/);
      expect(await response.text(), url).toContain("&#39;before&#39;");
    }
    expect((await fetch(`${server.url}/ui/runs?before=9007199254740991.x`)).status).toBe(200);
  });

  it("lists under model (unknown) the runs the analytics count there: a snapshot whose model is literally \"(unknown)\" too", async () => {
    const unknownStep = { ...step("step_UnkModel", "thread_Unk", "run_UnkModel", 1755180041), assistant_id: "asst_Unk" };
    await ingest(server, [run("run_UnkModel", "thread_Unk", "asst_Unk", "(unknown)", 1755180040), unknownStep]);
    const drilled = await idsThroughPages(server, "/ui/report/steps?by=model&key=(unknown)&assistant=asst_Unk", /href="\/ui\/steps\/([^"]+)"/g);
    expect(drilled).toEqual(["step_UnkModel"]);
    const runs = await idsThroughPages(server, "/ui/runs?model=(unknown)&assistant=asst_Unk", /href="\/ui\/threads\/thread_Unk\/runs\/([^"]+)"/g);
    expect(runs).toEqual(["run_UnkModel"]);
  });

  it("answers a path the router cannot decode under /ui/ with the console's HTML 400 page; under /v1/ with the API's JSON", async () => {
    const page = await fetch(`${server.url}/ui/steps/%E0%A4%A`);
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(await page.text()).toContain("<h1>Bad request</h1>");
    const api = await fetch(`${server.url}/v1/threads/t/runs/r/steps/%E0%A4%A`);
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });

  it("answers a server error under /ui/ with the console's HTML 500 page saying nothing of the cause", async () => {
    const failing = vi.spyOn(server.app.stepstore.sql, "all").mockRejectedValue(new Error("database gone: secret detail"));
    try {
      const response = await fetch(`${server.url}/ui/runs`);
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const text = await response.text();
      expect(text).toContain("<h1>Server error</h1>");
      expect(text).not.toContain("secret detail");
    } finally {
      failing.mockRestore();
    }
  });

  it("keeps a filter's bidirectional control in its form field, so submitting the form again finds the same rows", async () => {
    const model = `gpt-<b>4o</b>${RLO}fdp.exe`;
    await ingest(server, [run("run_BidiModel", "thread_Bidi", "asst_Ids", model, 1755180040)]);
    for (const [path, field] of [["/ui/runs", "f-model"], ["/ui/report", "r-model"]]) {
      const page = await (await fetch(`${server.url}${path}?model=${encodeURIComponent(model)}`)).text();
      const value = new RegExp(`id="${field}" name="model" value="([^"]*)"`).exec(page)?.[1];
      expect(value, path).toBe(`gpt-&lt;b&gt;4o&lt;/b&gt;${RLO}fdp.exe`);
    }
    // What the form sends back is the value it holds: the filtered page still lists the run.
    const again = await (await fetch(`${server.url}/ui/runs?model=${encodeURIComponent(model)}&status=completed`)).text();
    expect(again).toContain("run_BidiModel");
  });

  it("answers a parameter a page does not take (a misspelt filter) with a 400 naming it, not the unfiltered page", async () => {
    for (const [url, name] of [["/ui/report?by=day&form=2025-08-13", "form"], ["/ui/runs?modle=gpt-4o", "modle"], ["/ui/report/steps?by=day&kee=x", "kee"], ["/ui/failures?x=1", "x"]]) {
      const response = await fetch(`${server.url}${url}`);
      expect(response.status, url).toBe(400);
      expect(await response.text(), url).toContain(`Unknown parameter &#39;${name}&#39;`);
    }
    expect((await fetch(`${server.url}/ui/report?by=day&from=2025-08-13&to=&assistant=&model=`)).status).toBe(200);
    // No such page takes nothing: it is not found, whatever it is asked.
    expect((await fetch(`${server.url}/ui/nosuch?x=1`)).status).toBe(404);
  });

  it("answers a status that is no run status with a 400 page naming it, not an empty list", async () => {
    const response = await fetch(`${server.url}/ui/runs?status=bogus`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("&#39;status&#39; must be one of");
  });
});

describe("the HTML report and the console with a step created past JavaScript's dates (created_at 1e15, in a store made before such times were refused)", () => {
  let server: RunningServer;
  const FAR = 1e15;
  beforeAll(async () => {
    const dbPath = tempDb();
    const records = [step("step_Far", "thread_Far", "run_Far", FAR, "far_error"), step("step_Near", "thread_Far", "run_Near", 1755180020),
      // milliseconds mistaken for seconds (year 57589), and a time before year 0
      step("step_Ms", "thread_Far", "run_Ms", 1755180300000), step("step_BC", "thread_Far", "run_BC", -62198755200)];
    await appendAsBefore(dbPath, records);
    server = await startServer({ dbPath });
  });

  it("shows every time a step can hold readably: a signed year past 9999 or before 0, seconds as given past JavaScript's dates", async () => {
    const text = async (url: string) => (await (await fetch(`${server.url}${url}`)).text());
    for (const url of ["/ui/steps/step_Ms", "/ui/threads/thread_Far/runs/run_Ms", "/ui/runs?assistant=asst_Ids", "/ui/report/steps?by=assistant&key=asst_Ids"]) {
      expect(await text(url), url).toContain("+057589-06-13 19:20:00");
    }
    expect(await text("/ui/steps/step_BC")).toContain("-000001-01-01 00:00:00");
    expect(await text("/ui/steps/step_Far")).toContain("1000000000000000 s from 1970");
  });
  afterAll(() => server?.close());

  it("answers every page 200: the report by each dimension, the overview, the day row with no day and its steps, the step, its run, the failures", async () => {
    const pages = [
      ...["assistant", "day", "hour", "error"].map((by) => `/report?by=${by}&format=html`),
      "/ui/", "/ui/report?by=day", "/ui/report/steps?by=day", "/ui/steps/step_Far", "/ui/threads/thread_Far/runs/run_Far", "/ui/failures",
    ];
    for (const page of pages) expect((await fetch(`${server.url}${page}`)).status, page).toBe(200);
    const report = await (await fetch(`${server.url}/report?by=day&format=html`)).text();
    expect(report).toContain("2025-08-14"); // the step with a day is charted
    expect(report).toContain("(none)"); // the other counts under no day
  });
});
