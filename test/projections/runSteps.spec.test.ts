import { describe, it } from "vitest";
import { runStepsProjection } from "../../src/projections/runSteps/writer.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { projectionSpec } from "./projectionSpec.js";
import { deltaEvent, functionCall, runEvent, STEP, stepEvent } from "./specEvents.js";

const spec = projectionSpec(runStepsProjection);

/** What `stepstore steps` and the API show of the step, and the tools `stats_by_tool` counts. */
async function stepRows(sql: SqlPort) {
  const rows = await sql.all<{ id: string; status: string; data: string }>("SELECT id, status, data FROM run_steps ORDER BY id");
  const tools = await sql.all<{ step_id: string; tool: string }>("SELECT step_id, tool FROM run_step_tools ORDER BY step_id, tool");
  return [...rows.map((r) => ({ id: r.id, status: r.status, step: JSON.parse(r.data) as unknown })), ...tools];
}

const completedAt = 1_755_180_020;
const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };

describe("run_steps projection", () => {
  it("given nothing, when a step is created, then its row is the snapshot, every RunStep key present", () =>
    spec.given().when(stepEvent("in_progress")).then(stepRows, [
      { id: STEP, status: "in_progress", step: expectStep({ status: "in_progress" }) },
    ]));

  it("given a step in progress, when its deltas stream a function call, then the row shows the accumulated arguments and the tool", () =>
    spec
      .given([stepEvent("in_progress")])
      .when(deltaEvent([functionCall('{"q":')]), deltaEvent([{ index: 0, type: "function", function: { arguments: '"refund"}' } }]))
      .then(stepRows, [
        {
          id: STEP, status: "in_progress",
          step: expectStep({ status: "in_progress", step_details: { type: "tool_calls", tool_calls: [{ id: "call_q1", type: "function", function: { name: "search_kb", arguments: '{"q":"refund"}', output: null } }] } }),
        },
        { step_id: STEP, tool: "function:search_kb" },
      ]));

  it("given a completed step, when an older in-progress snapshot arrives late, then the row stays completed", () =>
    spec
      .given([stepEvent("in_progress"), stepEvent("completed", { completed_at: completedAt, usage })])
      .when(stepEvent("in_progress", { metadata: { late: "yes" } }))
      .then(stepRows, [{ id: STEP, status: "completed", step: expectStep({ status: "completed", completed_at: completedAt, usage }) }]));

  it("given a step in progress, when its run expires, then the row is expired at the run's expires_at (the run's expiry fans out to its steps)", () =>
    spec
      .given([runEvent("in_progress"), stepEvent("in_progress")])
      .when(runEvent("expired", { expires_at: 1_755_180_590 }))
      .then(stepRows, [{ id: STEP, status: "expired", step: expectStep({ status: "expired", expired_at: 1_755_180_590 }) }]));

  it("given a step in progress whose run expired, when a delta of it arrives alone, then the row is still expired (the expiry found by the step's stored run)", () =>
    spec
      .given([runEvent("in_progress"), stepEvent("in_progress")], [runEvent("expired", { expires_at: 1_755_180_590 })])
      .when(deltaEvent([functionCall("{}")]))
      .then(stepRows, [
        {
          id: STEP, status: "expired",
          step: expectStep({
            status: "expired", expired_at: 1_755_180_590,
            step_details: { type: "tool_calls", tool_calls: [{ id: "call_q1", type: "function", function: { name: "search_kb", arguments: "{}", output: null } }] },
          }),
        },
        { step_id: STEP, tool: "function:search_kb" },
      ]));

  it("given a step seen first in one run and its run expired, when a winning snapshot names another run, then the row is that run's, not expired", () =>
    spec
      .given([stepEvent("in_progress", { metadata: { a: "1" } }), runEvent("expired", { expires_at: 1_755_180_590 })])
      .when(stepEvent("in_progress", { run_id: "run_Other", metadata: { b: "1" } }))
      .then(stepRows, [{ id: STEP, status: "in_progress", step: expectStep({ run_id: "run_Other", metadata: { b: "1" } }) }]));

  it("given the winning snapshot of another run and this run expired, when a losing snapshot of this run arrives, then the row is still the other run's, not expired", () =>
    spec
      .given([stepEvent("in_progress", { run_id: "run_Other", metadata: { b: "1" } }), runEvent("expired", { expires_at: 1_755_180_590 })])
      .when(stepEvent("in_progress", { metadata: { a: "1" } }))
      .then(stepRows, [{ id: STEP, status: "in_progress", step: expectStep({ run_id: "run_Other", metadata: { b: "1" } }) }]));
});

function expectStep(changes: Record<string, unknown>) {
  return {
    id: STEP, object: "thread.run.step", created_at: 1_755_180_000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb", thread_id: "thread_Wq3nE8rT5yUi0oPa",
    run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "tool_calls", status: "in_progress", step_details: { type: "tool_calls", tool_calls: [] },
    last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: {}, usage: null, ...changes,
  };
}
