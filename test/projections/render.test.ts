import { describe, expect, it } from "vitest";
import { evolveStep, initialStepState, renderRunStep } from "../../src/projections/runSteps/evolve.js";
import { toolsOf } from "../../src/projections/runSteps/row.js";
import { decodeEvent, type StepEvent } from "../../src/records/events.js";
import { validateExtended, validateStrict } from "./openapiRunStep.js";

type Json = Record<string, unknown>;
const STEP = "step_R3nder";
const snapshot: Json = {
  id: STEP, object: "thread.run.step", created_at: 1_755_180_000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
  type: "tool_calls", status: "in_progress", step_details: { type: "tool_calls", tool_calls: [] },
};
const delta = (call: Json): Json => ({ id: STEP, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [call] } } });

function rowAfter(payloads: Json[]): Json {
  const state = payloads.reduce((s, payload, i) => evolveStep(s, decodeEvent({ position: i + 1, type: payload.object as string, payload, envelopeCreatedAt: null }) as StepEvent), initialStepState(STEP));
  return renderRunStep(state, null)!.row;
}

describe("rendering fills what RunStepObject requires (CONTRACT §1 v1.1)", () => {
  it("a code_interpreter output streamed for slot 1 before slot 0 stays in slot 1", () => {
    const row = rowAfter([
      snapshot,
      delta({ index: 0, id: "call_ci", type: "code_interpreter", code_interpreter: { outputs: [{ index: 1, type: "logs", logs: "two" }] } }),
      delta({ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 0, type: "image", image: { file_id: "file_1" } }] } }),
    ]);
    expect((row.step_details as Json).tool_calls).toEqual([
      { id: "call_ci", type: "code_interpreter", code_interpreter: { outputs: [{ type: "image", image: { file_id: "file_1" } }, { type: "logs", logs: "two" }], input: "" } },
    ]);
  });

  it("a function call whose name never arrived shows \"name\": \"\" and gives no run_step_tools row", () => {
    const row = rowAfter([snapshot, delta({ index: 0, id: "call_f", type: "function", function: { arguments: "{}" } })]);
    expect((row.step_details as { tool_calls: Json[] }).tool_calls[0]!.function).toEqual({ arguments: "{}", name: "", output: null });
    expect(toolsOf(row as Parameters<typeof toolsOf>[0])).toEqual([]);
  });

  it("a vendor tool call is kept whole, gaining only the id every tool call has", () => {
    const row = rowAfter([snapshot, delta({ index: 0, type: "bing_grounding", bing_grounding: { requesturl: "q" } })]);
    expect((row.step_details as Json).tool_calls).toEqual([{ type: "bing_grounding", bing_grounding: { requesturl: "q" }, id: "" }]);
  });

  it("a file search whose results or ranking options arrived in part gets what RunStepObject requires: strings \"\", numbers 0", () => {
    const row = rowAfter([
      snapshot,
      delta({ index: 0, id: "call_fs", type: "file_search", file_search: { results: [{ file_id: "file_1" }, { file_name: "b.md", score: 0.5 }] } }),
      delta({ index: 0, type: "file_search", file_search: { ranking_options: { ranker: "auto" } } }),
    ]);
    expect((row.step_details as { tool_calls: Json[] }).tool_calls[0]!.file_search).toEqual({
      results: [{ file_id: "file_1", file_name: "", score: 0 }, { file_name: "b.md", score: 0.5, file_id: "" }],
      ranking_options: { ranker: "auto", score_threshold: 0 },
    });
    expect(validateStrict(row)).toEqual([]);
    const unranked = rowAfter([snapshot, delta({ index: 0, id: "call_fs", type: "file_search", file_search: { ranking_options: { score_threshold: 0.2 } } })]);
    expect((unranked.step_details as { tool_calls: Json[] }).tool_calls[0]!.file_search).toEqual({ ranking_options: { score_threshold: 0.2, ranker: "" } });
    expect(validateExtended(unranked)).toEqual([]);
  });

  it("a slot a stream skipped (its first chunk lost) is left out, so the row still validates against RunStepObject", () => {
    const row = rowAfter([
      snapshot,
      delta({ index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "{}" } }),
      delta({ index: 2, id: "call_c", type: "code_interpreter", code_interpreter: { input: "1+1", outputs: [{ index: 1, type: "logs", logs: "2" }] } }),
    ]);
    expect((row.step_details as { tool_calls: Json[] }).tool_calls.map((call) => call.id)).toEqual(["call_a", "call_c"]);
    expect((row.step_details as { tool_calls: { code_interpreter?: Json }[] }).tool_calls[1]!.code_interpreter!.outputs).toEqual([{ type: "logs", logs: "2" }]);
    expect(validateStrict(row)).toEqual([]);
  });

  it("a file_search result's content chunk a stream skipped is left out too (a null there fails RunStepObject), the index that placed it dropped", () => {
    const result = { index: 0, file_id: "file_1", file_name: "policy.pdf", score: 0.9, content: [{ index: 1, type: "text", text: "second chunk" }] };
    const row = rowAfter([snapshot, delta({ index: 0, id: "call_fs", type: "file_search", file_search: { results: [result] } })]);
    const [call] = (row.step_details as { tool_calls: { file_search: { results: Json[] } }[] }).tool_calls;
    expect(call!.file_search.results[0]!.content).toEqual([{ type: "text", text: "second chunk" }]);
    expect(validateExtended(row)).toEqual([]);
  });
});
