import { describe, expect, it } from "vitest";
import { accumulateDelta } from "../../src/projections/runSteps/accumulate.js";
import { canonicalJson } from "../../src/records/canonical.js";
import { evolveStep, initialStepState, renderRunStep } from "../../src/projections/runSteps/evolve.js";
import { evolveRunExpiry, type RunExpiryState } from "../../src/projections/runSteps/runExpiry.js";
import { decodeEvent, type RunEvent, type StepEvent } from "../../src/records/events.js";

type Json = Record<string, unknown>;

const STEP = "step_Ab3cD4eF5gH6";
const RUN = "run_Ex41pQ7zLm2Kd9Ya";

function snapshot(changes: Json = {}): Json {
  return {
    id: STEP, object: "thread.run.step", created_at: 1_755_180_000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb", thread_id: "thread_Wq3nE8rT5yUi0oPa",
    run_id: RUN, type: "tool_calls", status: "in_progress", step_details: { type: "tool_calls", tool_calls: [] }, last_error: null,
    expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: { tenant: "acme" }, usage: null,
    ...changes,
  };
}

const USAGE = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };

function functionCall(args: string, output: string | null = null): Json {
  return { id: "call_q1", type: "function", function: { name: "search_kb", arguments: args, output } };
}

/** The log's events for one step, positions in the order given. */
let position = 0;
function stepEvent(type: string, payload: Json): StepEvent {
  return decodeEvent({ position: ++position, type, payload, envelopeCreatedAt: null }) as StepEvent;
}
const created = (changes: Json = {}) => stepEvent("thread.run.step.created", snapshot(changes));
const completed = (changes: Json = {}) => stepEvent("thread.run.step.completed", snapshot({ status: "completed", completed_at: 1_755_180_020, usage: USAGE, ...changes }));
const failed = (changes: Json = {}) =>
  stepEvent("thread.run.step.failed", snapshot({ status: "failed", failed_at: 1_755_180_015, last_error: { code: "server_error", message: "Sorry." }, ...changes }));
const delta = (stepDetails: Json) => stepEvent("thread.run.step.delta", { id: STEP, object: "thread.run.step.delta", delta: { step_details: stepDetails } });
const toolCallDelta = (...toolCalls: Json[]) => delta({ type: "tool_calls", tool_calls: toolCalls });
const runExpired = (expiresAt: number | null, envelopeCreatedAt: number | null = null): RunEvent => decodeEvent({
  position: ++position, type: "thread.run.expired", envelopeCreatedAt,
  payload: { id: RUN, object: "thread.run", created_at: 1_755_179_980, thread_id: "thread_Wq3nE8rT5yUi0oPa", assistant_id: "asst_Q8fKx2LmZp0Rt4Vb", status: "expired", expires_at: expiresAt },
}) as RunEvent;

/** Given these events of the step (and of its run), the row the fold renders. */
function rowAfter(events: StepEvent[], runEvents: RunEvent[] = []): Json | null {
  const state = events.reduce(evolveStep, initialStepState(STEP));
  const expiry = runEvents.reduce<RunExpiryState | null>(evolveRunExpiry, null);
  return renderRunStep(state, expiry)?.row ?? null;
}

/** Every order of a list: the fold's result must not depend on which. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const argsStream = [
  toolCallDelta({ index: 0, id: "call_q1", type: "function", function: { name: "search_kb", arguments: "", output: null } }),
  toolCallDelta({ index: 0, type: "function", function: { arguments: '{"q":"refund' } }),
  toolCallDelta({ index: 0, type: "function", function: { arguments: ' policy"}' } }),
];

describe("a step appears (rule 1)", () => {
  it("deltas alone make no row: they wait in the log for a snapshot", () => {
    expect(rowAfter(argsStream)).toBeNull();
  });

  it("a snapshot that leaves metadata out projects it as null, keys in the API's order, unknown keys after them", () => {
    const { metadata: _metadata, ...withoutMetadata } = snapshot({ newer_field: 7 });
    const row = rowAfter([stepEvent("thread.run.step", withoutMetadata)]);
    expect(row?.metadata).toBeNull();
    expect(Object.keys(row!)).toEqual([
      "id", "object", "created_at", "assistant_id", "thread_id", "run_id", "type", "status", "step_details", "last_error",
      "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata", "usage", "newer_field",
    ]);
  });
});

describe("status rank (rule 2)", () => {
  it("a terminal snapshot beats an in-progress one, whichever comes first", () => {
    const events = [created(), completed({ step_details: { type: "tool_calls", tool_calls: [functionCall("{}", "ok")] } })];
    for (const order of permutations(events)) {
      expect(rowAfter(order)).toEqual(events[1]!.payload);
    }
  });

  it("a terminal snapshot replaces the state whole: longer streamed details do not survive it", () => {
    const terminal = failed();
    for (const order of permutations([created(), ...argsStream.slice(0, 1), terminal])) {
      expect(rowAfter(order)).toEqual(terminal.payload);
    }
    expect(rowAfter([created(), ...argsStream, terminal])).toEqual(terminal.payload);
  });

  it("between two terminal snapshots the larger terminal timestamp wins, whatever the status", () => {
    const early = completed({ completed_at: 1_755_180_010 });
    const late = failed({ failed_at: 1_755_180_030 });
    for (const order of permutations([early, late])) expect(rowAfter(order)).toEqual(late.payload);
  });

  it("a terminal snapshot without a terminal timestamp sorts lowest", () => {
    const stamped = stepEvent("thread.run.step.cancelled", snapshot({ status: "cancelled", cancelled_at: 1_755_180_001 }));
    const unstamped = stepEvent("thread.run.step.completed", snapshot({ status: "completed", usage: USAGE }));
    for (const order of permutations([stamped, unstamped])) expect(rowAfter(order)).toEqual(stamped.payload);
  });

  it("on a terminal timestamp tie, the larger canonical JSON wins", () => {
    const a = completed({ usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const b = completed({ usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } });
    for (const order of permutations([a, b])) expect(rowAfter(order)).toEqual(b.payload);
  });
});

describe("ties compare the snapshots as received (canonical JSON of the record, §3)", () => {
  // Sorted keys put "metadata" before "object": a snapshot that leaves metadata out has the larger canonical JSON.
  const { metadata: _metadata, ...withoutMetadataKey } = snapshot({ status: "completed", completed_at: 1_755_180_020, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  const leavesOut = stepEvent("thread.run.step.completed", withoutMetadataKey);
  const sendsNull = completed({ metadata: null, usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } });

  it("on a terminal tie, a snapshot that leaves a key out is not one that sends null", () => {
    for (const order of permutations([leavesOut, sendsNull])) expect(rowAfter(order)).toEqual({ ...leavesOut.payload, metadata: null });
  });

  it("in progress, the other keys come from the larger snapshot as received", () => {
    const { metadata: _m, ...bare } = snapshot();
    const withMetadata = created();
    const without = stepEvent("thread.run.step.in_progress", { ...bare, status: "in_progress" });
    for (const order of permutations([withMetadata, without])) expect(rowAfter(order)?.metadata).toBeNull();
  });

  it("equal canonical JSON in another key order renders the same bytes whichever arrives first", () => {
    const calls = [functionCall("{}", "ok")];
    const streamed = completed({ step_details: { type: "tool_calls", tool_calls: calls } });
    const polled = completed({ step_details: { tool_calls: calls, type: "tool_calls" } });
    const rendered = permutations([streamed, polled]).map((order) => JSON.stringify(rowAfter(order)));
    expect(rendered[0]).toBe(rendered[1]);
  });

  it("a newer server's keys named like Object's own methods ride along", () => {
    const row = rowAfter([stepEvent("thread.run.step", snapshot({ constructor: "x", toString: 1, valueOf: null }))]);
    expect(row).toMatchObject({ constructor: "x", toString: 1, valueOf: null });
  });
});

describe("an in-progress step (rule 3)", () => {
  it("details of equal canonical JSON in another key order (a relay that sorts keys) render the same bytes whichever arrives first", () => {
    const streamed = created();
    const sorted = stepEvent("thread.run.step.in_progress", JSON.parse(canonicalJson(snapshot({ step_details: { tool_calls: [], type: "tool_calls" } }))));
    const rendered = permutations([streamed, sorted]).map((order) => JSON.stringify(rowAfter(order)));
    expect(rendered[0]).toBe(rendered[1]);
  });

  it("a delta that arrives before its step's created event still builds the step's details", () => {
    const row = rowAfter([argsStream[0]!, argsStream[1]!, created(), argsStream[2]!]);
    expect(row?.step_details).toEqual({ type: "tool_calls", tool_calls: [functionCall('{"q":"refund policy"}')] });
    expect(row?.status).toBe("in_progress");
  });

  it("a stream cut short gives what its delivered deltas built, index removed", () => {
    const row = rowAfter([created(), ...argsStream.slice(0, 2)]);
    expect(row?.step_details).toEqual({ type: "tool_calls", tool_calls: [functionCall('{"q":"refund')] });
  });

  it("a file_search call built by deltas keeps no index in its results or their content, as a RunStep has none", () => {
    const first = { index: 0, id: "call_f1", type: "file_search", file_search: { results: [{ index: 0, file_id: "file_K1", file_name: "policy.pdf", score: 0.5, content: [{ index: 0, type: "text", text: "refund" }] }] } };
    const more = { index: 0, file_search: { results: [{ index: 0, content: [{ index: 0, text: " policy" }] }] } };
    const row = rowAfter([created(), toolCallDelta(first), toolCallDelta(more)]);
    expect(row?.step_details).toEqual({
      type: "tool_calls",
      tool_calls: [{ id: "call_f1", type: "file_search", file_search: { results: [{ file_id: "file_K1", file_name: "policy.pdf", score: 0.5, content: [{ type: "text", text: "refund policy" }] }] } }],
    });
  });

  it("a stream cut short loses to a fuller poll, whichever arrives first", () => {
    const poll = stepEvent("thread.run.step", snapshot({ step_details: { type: "tool_calls", tool_calls: [functionCall('{"q":"refund policy"}', "3 articles")] } }));
    for (const order of permutations([created(), argsStream[0]!, poll])) {
      expect(rowAfter([...order, argsStream[1]!])?.step_details).toEqual(poll.payload.step_details);
    }
  });

  it("a stale poll loses to a stream that got further", () => {
    const stale = stepEvent("thread.run.step", snapshot({ step_details: { type: "tool_calls", tool_calls: [functionCall('{"q"')] } }));
    const row = rowAfter([stale, created(), ...argsStream]);
    expect(row?.step_details).toEqual({ type: "tool_calls", tool_calls: [functionCall('{"q":"refund policy"}')] });
  });

  it("the longest details are measured in code points: an emoji is one, as the contract orders text by code point", () => {
    const emoji = created({ step_details: { type: "tool_calls", tool_calls: [functionCall("😀a")] } });
    const plain = stepEvent("thread.run.step.in_progress", snapshot({ step_details: { type: "tool_calls", tool_calls: [functionCall("abc")] } }));
    for (const order of permutations([emoji, plain])) expect(rowAfter(order)?.step_details).toEqual(plain.payload.step_details);
  });

  it("the row's other keys come from the in-progress snapshot with the larger canonical JSON", () => {
    const plain = created({ metadata: { tenant: "acme" } });
    const larger = created({ metadata: { tenant: "zeta" } });
    for (const order of permutations([plain, larger, argsStream[0]!])) {
      const row = rowAfter(order);
      expect(row?.metadata).toEqual({ tenant: "zeta" });
      expect(row?.step_details).toEqual({ type: "tool_calls", tool_calls: [functionCall("")] });
    }
  });

  it("code_interpreter input and logs build from string pieces; outputs land in the slot their index names", () => {
    const row = rowAfter([
      created(),
      toolCallDelta({ index: 0, id: "call_ci", type: "code_interpreter", code_interpreter: { input: "", outputs: [] } }),
      toolCallDelta({ index: 0, type: "code_interpreter", code_interpreter: { input: "print(" } }),
      toolCallDelta({ index: 0, type: "code_interpreter", code_interpreter: { input: "1)" } }),
      toolCallDelta({ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 0, type: "logs", logs: "1" }] } }),
      toolCallDelta({ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 1, type: "image", image: { file_id: "file-9s" } }] } }),
      toolCallDelta({ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 0, type: "logs", logs: "\n" }] } }),
      toolCallDelta({ index: 1, id: "call_fs", type: "file_search", file_search: {} }),
    ]);
    expect(row?.step_details).toEqual({
      type: "tool_calls",
      tool_calls: [
        { id: "call_ci", type: "code_interpreter", code_interpreter: { input: "print(1)", outputs: [{ type: "logs", logs: "1\n" }, { type: "image", image: { file_id: "file-9s" } }] } },
        { id: "call_fs", type: "file_search", file_search: {} },
      ],
    });
  });

  it("deltas accumulate onto an empty step_details of the step's type, even when the first delta names a later slot", () => {
    const row = rowAfter([
      created(),
      toolCallDelta({ index: 1, id: "call_b", type: "function", function: { name: "b", arguments: "{", output: null } }),
      toolCallDelta({ index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "{}", output: null } }),
      toolCallDelta({ index: 1, type: "function", function: { arguments: "}" } }),
    ]);
    expect(row?.step_details).toEqual({
      type: "tool_calls",
      tool_calls: [
        { id: "call_a", type: "function", function: { name: "a", arguments: "{}", output: null } },
        { id: "call_b", type: "function", function: { name: "b", arguments: "{}", output: null } },
      ],
    });
  });

  it("a message_creation step's deltas accumulate onto {type: message_creation}", () => {
    const messageStep = { type: "message_creation", step_details: { type: "message_creation", message_creation: { message_id: "" } } };
    const row = rowAfter([
      stepEvent("thread.run.step.created", snapshot(messageStep)),
      delta({ type: "message_creation", message_creation: { message_id: "msg_Xx9" } }),
    ]);
    expect(row?.step_details).toEqual({ type: "message_creation", message_creation: { message_id: "msg_Xx9" } });
  });

  it("a stream that skips a slot renders the same from a state kept in memory as from one stored as JSON", () => {
    // The skipped slot is a hole in memory and a null once stored: both must weigh the same against a poll.
    const stream = [
      toolCallDelta({ index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "{}", output: null } }),
      toolCallDelta({ index: 2, id: "call_c", type: "function", function: { name: "c", arguments: "{}", output: null } }),
    ];
    const built = [created(), ...stream].reduce(evolveStep, initialStepState(STEP));
    const length = canonicalJson(renderRunStep(JSON.parse(JSON.stringify(built)), null)!.row.step_details).length;
    const bare = canonicalJson({ type: "tool_calls", tool_calls: [functionCall("")] }).length;
    // Polls whose details weigh just under, as much as, and just over what the stream built.
    for (let target = length - 4; target <= length + 4; target++) {
      const poll = stepEvent("thread.run.step", snapshot({ step_details: { type: "tool_calls", tool_calls: [functionCall("x".repeat(target - bare))] } }));
      const state = evolveStep(built, poll);
      const stored = JSON.parse(JSON.stringify(state)) as typeof state;
      expect(JSON.stringify(renderRunStep(stored, null)?.row)).toBe(JSON.stringify(renderRunStep(state, null)?.row));
    }
  });

  it("a step's deltas past MAX_DELTA_DETAILS (16 MiB of their JSON) are left out of its details, and those after: the row is what the deltas before built", () => {
    const piece = "x".repeat(5_000_000);
    const more = { index: 0, function: { arguments: piece } };
    const first = { index: 0, id: "call_big", type: "function", function: { name: "f", arguments: piece, output: null } };
    const events = [created(), toolCallDelta(first), toolCallDelta(more), toolCallDelta(more), toolCallDelta(more), toolCallDelta({ index: 0, function: { arguments: "}" } })];
    const calls = (rowAfter(events)?.step_details as { tool_calls: { function: { arguments: string } }[] }).tool_calls;
    expect(calls[0]!.function.arguments).toHaveLength(15_000_000);
    const within = (rowAfter(events.slice(0, 4))?.step_details as { tool_calls: { function: { arguments: string } }[] }).tool_calls;
    expect(within[0]!.function.arguments).toHaveLength(15_000_000);
  });

  it("evolving leaves the state and the event as they were", () => {
    const state = evolveStep(initialStepState(STEP), created());
    const frozen = JSON.stringify(state);
    const event = argsStream[1]!;
    const eventBefore = JSON.stringify(event);
    evolveStep(evolveStep(state, argsStream[0]!), event);
    expect(JSON.stringify(state)).toBe(frozen);
    expect(JSON.stringify(event)).toBe(eventBefore);
  });
});

describe("run expiry (rule 4)", () => {
  it("a step still in progress when its run expires is expired at the run's expires_at, with usage and last_error null", () => {
    const row = rowAfter([created({ usage: USAGE, last_error: { code: "server_error", message: "x" } }), ...argsStream], [runExpired(1_755_180_580)]);
    expect(row).toEqual(snapshot({
      status: "expired", expired_at: 1_755_180_580, usage: null, last_error: null,
      step_details: { type: "tool_calls", tool_calls: [functionCall('{"q":"refund policy"}')] },
    }));
  });

  it("holds when the run's expiry arrives before the step", () => {
    const expiry = [runExpired(1_755_180_580)];
    const state = [created(), ...argsStream].reduce(evolveStep, initialStepState(STEP));
    const early = renderRunStep(state, expiry.reduce<RunExpiryState | null>(evolveRunExpiry, null));
    expect(early?.row.status).toBe("expired");
    expect(early?.row.expired_at).toBe(1_755_180_580);
  });

  it("takes the largest expires_at among the run's expiry records, else the largest envelope created_at, else null", () => {
    expect(rowAfter([created()], [runExpired(1_755_180_500), runExpired(1_755_180_580), runExpired(null, 1_755_190_000)])?.expired_at).toBe(1_755_180_580);
    expect(rowAfter([created()], [runExpired(null, 1_755_180_600), runExpired(null, 1_755_180_590)])?.expired_at).toBe(1_755_180_600);
    expect(rowAfter([created()], [runExpired(null)])).toMatchObject({ status: "expired", expired_at: null });
  });

  it("leaves a step that is terminal by its own snapshots as it is", () => {
    const done = completed();
    expect(rowAfter([created(), done], [runExpired(1_755_180_580)])).toEqual(done.payload);
  });
});

describe("accumulating one delta", () => {
  it("sets absent and null keys, overwrites index and type, concatenates strings, recurses into objects", () => {
    expect(accumulateDelta(
      { type: "a", index: 0, text: "ab", output: null, nested: { x: "1", keep: true } },
      { type: "b", index: 3, text: "cd", output: "out", nested: { x: "2" }, added: [1] },
    )).toEqual({ type: "b", index: 3, text: "abcd", output: "out", nested: { x: "12", keep: true }, added: [1] });
  });

  it("replaces anything else: numbers are not added, arrays of non-objects are not merged", () => {
    expect(accumulateDelta({ score: 1, tags: ["a"], flag: true }, { score: 2, tags: ["b"], flag: false })).toEqual({ score: 2, tags: ["b"], flag: false });
  });

  it("merges an array of objects entry by entry into the slot its index names", () => {
    const merged = accumulateDelta(
      { tool_calls: [{ index: 0, id: "a", function: { arguments: "{" } }, { index: 1, id: "b" }] },
      { tool_calls: [{ index: 1, type: "file_search" }, { index: 0, function: { arguments: "}" } }, { index: 3, id: "d" }] },
    );
    const calls = merged.tool_calls as unknown[];
    expect(calls[0]).toEqual({ index: 0, id: "a", function: { arguments: "{}" } });
    expect(calls[1]).toEqual({ index: 1, id: "b", type: "file_search" });
    expect(calls[3]).toEqual({ index: 3, id: "d" });
  });

  it("an array whose entries name no slot replaces, as anything else does: a server sending whole file_search results twice keeps the last, ids not joined", () => {
    const built = { file_search: { results: [{ file_id: "file_f", file_name: "nm", score: 0.5 }] } };
    const again = { file_search: { results: [{ file_id: "file_g", file_name: "other", score: 0.7 }] } };
    expect(accumulateDelta(built, again)).toEqual(again);
    const mixed = { file_search: { results: [{ index: 0, file_id: "file_h" }, { file_id: "file_i" }] } };
    expect(accumulateDelta(built, mixed)).toEqual(mixed);
  });

  it("tool calls and outputs without index (taken before validation required it) still go to the slot of their position, as they were folded then", () => {
    const built = accumulateDelta({}, { tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{" } }] });
    expect(accumulateDelta(built, { tool_calls: [{ type: "function", function: { arguments: "}" } }] })).toEqual({
      tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
    });
    const outputs = accumulateDelta({ outputs: [{ type: "logs", logs: "a" }] }, { outputs: [{ logs: "b" }] });
    expect(outputs).toEqual({ outputs: [{ type: "logs", logs: "ab" }] });
  });

  it("an empty array of objects merges nothing: what was built stays", () => {
    const built = { code_interpreter: { input: "print(1)", outputs: [{ index: 0, type: "logs", logs: "1" }] } };
    expect(accumulateDelta(built, { code_interpreter: { outputs: [] } })).toEqual(built);
  });

  it("leaves its inputs untouched", () => {
    const target = { tool_calls: [{ index: 0, function: { arguments: "{" } }] };
    const input = { tool_calls: [{ index: 0, function: { arguments: "}" } }] };
    const before = JSON.stringify([target, input]);
    accumulateDelta(target, input);
    expect(JSON.stringify([target, input])).toBe(before);
  });
});
