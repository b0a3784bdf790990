import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";
import { validateStrict } from "../projections/openapiRunStep.js";

const step = (content: unknown[]) => ({
  id: "step_fs", object: "thread.run.step", created_at: 1_755_180_000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
  type: "tool_calls", status: "completed",
  step_details: { type: "tool_calls", tool_calls: [{ id: "call_fs", type: "file_search", file_search: {
    ranking_options: { ranker: "auto", score_threshold: 0 },
    results: [{ file_id: "file_1", file_name: "policy.pdf", score: 0.5, content }],
  } }] },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1_755_180_002, metadata: {}, usage: null,
});

describe("a file_search result's content chunks", () => {
  it("may leave out text and type, as OpenAI's spec and SDK types allow: such a step is accepted, and is a valid RunStep", () => {
    for (const content of [[{ type: "text" }], [{}], [{ type: "text", text: "Refunds within 30 days." }]]) {
      const snapshot = step(content);
      expect(validateStrict(snapshot)).toEqual([]);
      const [record] = [...recordsOf(snapshot, JSON.stringify(snapshot), "f.jsonl:1")];
      expect([content, record?.ok]).toEqual([content, true]);
    }
  });

  it("still need text, when given, to be a string", () => {
    const snapshot = step([{ type: "text", text: 42 }]);
    const [record] = [...recordsOf(snapshot, JSON.stringify(snapshot), "f.jsonl:1")];
    expect(record).toMatchObject({ ok: false, path: "$.step_details.tool_calls[0].file_search.results[0].content[0].text" });
  });
});
