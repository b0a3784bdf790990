import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postIngest, startServer, type RunningServer } from "./harness.js";

const STEP = {
  id: "step_P", object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_P", thread_id: "thread_P", run_id: "run_P",
  type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: "msg_P" } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1755180001, metadata: {}, usage: null,
};
const STEPS = "/v1/threads/thread_P/runs/run_P/steps";

describe("path and query parameters at the API's boundary, the same on both stores", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
    expect((await postIngest(server, JSON.stringify(STEP))).body).toMatchObject({ appended: 1 });
  });
  afterAll(() => server?.close());

  it.each([
    [`${STEPS}/step%00x`, "step_id"],
    [`${STEPS}/step_P%00`, "step_id"],
    [`${STEPS}?after=step%00`, "after"],
    [`${STEPS}?before=%00`, "before"],
    ["/v1/threads/t%00/runs/r/steps", "thread_id"],
    ["/v1/threads/thread_P/runs/run_P%00/steps/step_P", "run_id"],
    [`${STEPS}/step%00/events`, "step_id"],
    ["/v1/stats/day?assistant=a%00", "assistant"],
    ["/v1/stats/day?model=gpt%00", "model"],
    ["/v1/stats/day%00", "dimension"],
    ["/report?assistant=a%00", "assistant"],
    ["/v1/stats/day?x%00=1", "x\u0000"],
  ])("a U+0000 in %s is a 400 in OpenAI's error shape naming the parameter", async (path, param) => {
    const response = await fetch(`${server.url}${path}`);
    expect([response.status, await response.json()]).toEqual([
      // A name holding U+0000 is shown escaped in the message; `param` gives it as it came.
      400, { error: { message: `'${param.replace("\u0000", "\\u0000")}' must not contain U+0000: no id or key stepstore holds can.`, type: "invalid_request_error", param, code: null } },
    ]);
  });

  it("a console page answers a U+0000 with its own 400 page naming the parameter", async () => {
    for (const [path, param] of [["/ui/steps/step%00", "step_id"], ["/ui/runs?assistant=a%00", "assistant"], ["/ui/threads/t%00/runs/r", "thread_id"]]) {
      const response = await fetch(`${server.url}${path}`);
      expect([path, response.status, response.headers.get("content-type")]).toEqual([path, 400, "text/html; charset=utf-8"]);
      expect(await response.text()).toContain(`&#39;${param}&#39; must not contain U+0000`);
    }
  });

  it("the same ids without U+0000 answer as before", async () => {
    expect((await fetch(`${server.url}${STEPS}/step_P`)).status).toBe(200);
    expect((await fetch(`${server.url}${STEPS}/step_P/events`)).status).toBe(200);
    expect((await fetch(`${server.url}${STEPS}/step_x`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/stats/day?assistant=asst_P`)).status).toBe(200);
  });

  it("an empty step id (a trailing slash), or any URL no route serves, answers as an unknown route", async () => {
    // A %00 in a URL no route serves is that too (before: a 400 naming the router's wildcard '*').
    for (const path of [`${STEPS}/`, `${STEPS}//events`, "/nothing%00here"]) {
      const response = await fetch(`${server.url}${path}`);
      expect([response.status, await response.json()]).toEqual([
        404, { error: { message: `Unknown route: GET ${path}`, type: "invalid_request_error", param: null, code: null } },
      ]);
    }
  });
});
