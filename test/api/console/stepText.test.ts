import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postIngest, startServer, type RunningServer } from "../harness.js";

/** A log of 200,000 characters, each line numbered: what a data dump prints. */
const BIG_LOG = Array.from({ length: 18_000 }, (_, i) => `line ${String(i).padStart(5, "0")}`).join("\n").padEnd(200_000, ".");

/** 1,501 characters (3,001 UTF-16 units): under the 2,000 characters a text is shown whole up to. */
const EMOJI = `a${"\u{1F600}".repeat(1_500)}`;

const step = {
  id: "step_Text", object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Text", thread_id: "thread_Text", run_id: "run_Text",
  type: "tool_calls", status: "completed",
  step_details: {
    type: "tool_calls",
    tool_calls: [
      { id: "call_ci", type: "code_interpreter", code_interpreter: { input: "print(2**70)", outputs: [{ type: "logs", logs: "1180591620717411303424\n" }] } },
      { id: "call_c2", type: "code_interpreter", code_interpreter: { input: "print(3.0)", outputs: [{ type: "logs", logs: "3.0\n" }] } },
      { id: "call_big", type: "code_interpreter", code_interpreter: { input: "dump()", outputs: [{ type: "logs", logs: BIG_LOG }] } },
      { id: "call_fn", type: "function", function: { name: "price", arguments: '{"big":12345678901234567890}', output: "19.90" } },
      { id: "call_emoji", type: "function", function: { name: "react", arguments: EMOJI, output: null } },
      { id: "call_ok", type: "function", function: { name: "plain", arguments: '{"city": "Paris", "days": [1, 2]}', output: null } },
    ],
  },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1755180004, metadata: {}, usage: null,
};

describe("the step page shows what the step holds", () => {
  let server: RunningServer;
  let page: string;
  beforeAll(async () => {
    server = await startServer();
    expect((await postIngest(server, JSON.stringify(step))).status).toBe(200);
    page = await (await fetch(`${server.url}/ui/steps/step_Text`)).text();
  });
  afterAll(() => server?.close());

  it("shows logs, outputs and arguments that parse as JSON numbers as written, not re-serialised (rounded, 3.0 as 3)", () => {
    expect(page).toContain("<pre>1180591620717411303424\n</pre>");
    expect(page).toContain("<pre>3.0\n</pre>");
    expect(page).toContain("<pre>19.90</pre>");
    expect(page).toContain("<pre>{&quot;big&quot;:12345678901234567890}</pre>");
  });

  it("still re-indents JSON arguments whose re-serialising changes only their spacing", () => {
    expect(page).toContain('{\n  &quot;city&quot;: &quot;Paris&quot;,\n  &quot;days&quot;: [\n    1,\n    2\n  ]\n}');
  });

  it("folds a long log: its first 2,000 characters shown, all of it behind one click, so the step's log events stay near the top", () => {
    const folded = `<pre>${BIG_LOG.slice(0, 2_000)}…</pre><details class="whole"><summary>All of it (200,000 characters)</summary><pre>${BIG_LOG}</pre></details>`;
    expect(page).toContain(folded);
    // Shorter texts are shown whole, unfolded: counted in characters, not UTF-16 units.
    expect(page).toContain(`<pre>${EMOJI}</pre>`);
    expect(page.match(/<details class="whole">/g)).toHaveLength(1);
  });
});
