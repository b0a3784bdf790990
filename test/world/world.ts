/**
 * A generated world of Assistants runs and their steps, with the lifecycle events that describe
 * them and the ground truth the run-step projection must give (CONTRACT §5).
 *
 * The truth comes from the world's own model: each step is planned whole (its tool calls, the
 * string pieces its deltas carry, how it ends), and what a row must show is read off that plan
 * (how far the stream got, what a poll saw), never from src/projections.
 *
 * What a world holds, run by run: a thread.created for a thread's first run; run events
 * (created/queued, in_progress, requires_action then in_progress around a function call, and how the
 * run ends: completed, failed, cancelling+cancelled, expired at its expires_at, or not yet); per step
 * created (sometimes in_progress), its deltas (one tool-call piece each, `index` set), and its end.
 * Earlier steps of a run complete; the last one ends as the run does. A step still running when the
 * stream was cut has had only its first k deltas delivered; the server is k..N ops along, and a poll
 * (or a step.expired event) shows that. A vendor tool call (`bing_grounding`) never streams and is
 * always a step's last call; code_interpreter images stream or appear only at the end.
 * `steps` is what the rows are once `events` and every `polledSteps` snapshot are ingested, in any
 * order, any of them twice; ingesting `runs` too changes nothing.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Run, RunStep } from "../../src/records/schemas.js";

type Json = Record<string, unknown>;

export interface World {
  /** Ground-truth rows: the 16 RunStep keys in API order, sorted by created_at then id. */
  steps: RunStep[];
  /** Each run's final snapshot (object "thread.run"). */
  runs: Run[];
  assistants: string[];
  /**
   * Webhook-form lifecycle events {id, object:"event", type, created_at, data}: run events, step events and step
   * deltas, each run's events in their natural order, runs interleaved. Every step's deltas are in order.
   */
  events: Record<string, unknown>[];
  /**
   * What list-run-steps would answer now for a run (polled snapshots), by run id: the steps' current snapshots.
   * Only the runs that were polled have an entry; steps in created order (as `order=asc`).
   */
  polledSteps: Map<string, Record<string, unknown>[]>;
}

// ---------------------------------------------------------------------------------------------
// The plan: what fast-check generates (and shrinks). Everything else is derived from it.

type OutputPlan = { kind: "logs"; pieces: string[] } | { kind: "image"; streamed: boolean };

type CallPlan =
  | { kind: "function"; name: string; args: string[]; output: string }
  | { kind: "code_interpreter"; input: string[]; outputs: OutputPlan[] }
  | { kind: "file_search"; results: { name: string; score: number }[]; ranking: boolean };

interface StepPlan {
  /** null: a message_creation step. */
  calls: CallPlan[] | null;
  /** Ends with a vendor tool call (`bing_grounding`) that no delta carries. */
  vendor: boolean;
  metadata: "omitted" | "empty" | "tenant";
  gap: number;
  duration: number;
  /** Deltas that reached us (scaled onto 0..D); for a terminal step, `full` says none were lost. */
  delivered: number;
  full: boolean;
  /** How far past the delivered deltas the server's own state is (scaled onto k..N). */
  ahead: number;
  inProgressEvent: boolean;
  /** In an expired run: the step also gets its own `thread.run.step.expired`. */
  ownExpiry: boolean;
  promptTokens: number;
  completionTokens: number;
  errorCode: "server_error" | "rate_limit_exceeded";
  failedUsage: boolean;
}

type RunOutcome = "completed" | "failed" | "cancelled" | "expired" | "in_progress";

interface RunPlan {
  assistant: number;
  thread: number;
  day: number;
  second: number;
  outcome: RunOutcome;
  steps: StepPlan[];
  polled: boolean;
  requiresAction: boolean;
}

interface WorldPlan {
  salt: number;
  assistants: number;
  threads: number;
  runs: RunPlan[];
}

const FUNCTION_NAMES = ["get_order_status", "search_kb", "lookup_customer", "issue_refund"];
const FILE_NAMES = ["shipping-policy.pdf", "returns — FAQ (é).md", "pricing.csv", "handbook.docx"];

const piece = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }) },
);
const pieces = (max: number) => fc.array(piece, { minLength: 1, maxLength: max });

const callPlan: fc.Arbitrary<CallPlan> = fc.oneof(
  fc.record({ kind: fc.constant("function" as const), name: fc.constantFrom(...FUNCTION_NAMES), args: pieces(4), output: piece }),
  fc.record({
    kind: fc.constant("code_interpreter" as const),
    input: pieces(3),
    outputs: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("logs" as const), pieces: pieces(3) }),
        fc.record({ kind: fc.constant("image" as const), streamed: fc.boolean() }),
      ),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant("file_search" as const),
    results: fc.array(fc.record({ name: fc.constantFrom(...FILE_NAMES), score: fc.integer({ min: 0, max: 100 }).map((n) => n / 100) }), { maxLength: 2 }),
    ranking: fc.boolean(),
  }),
);

const stepPlan: fc.Arbitrary<StepPlan> = fc.record({
  calls: fc.option(fc.array(callPlan, { minLength: 1, maxLength: 3 }), { freq: 3 }),
  vendor: fc.boolean(),
  metadata: fc.constantFrom("omitted" as const, "empty" as const, "tenant" as const),
  gap: fc.integer({ min: 0, max: 3 }),
  // Mostly seconds, some minutes (a page of a summary's histogram spans 64 s): ≤ 3 steps of ≤ 153 s end before the run expires.
  duration: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 1, arbitrary: fc.integer({ min: 31, max: 150 }) }),
  delivered: fc.nat(),
  full: fc.boolean(),
  ahead: fc.nat(),
  inProgressEvent: fc.boolean(),
  ownExpiry: fc.boolean(),
  promptTokens: fc.integer({ min: 1, max: 5000 }),
  completionTokens: fc.integer({ min: 0, max: 800 }),
  errorCode: fc.constantFrom("server_error" as const, "rate_limit_exceeded" as const),
  failedUsage: fc.boolean(),
});

function runPlan(days: number): fc.Arbitrary<RunPlan> {
  return fc.record({
    assistant: fc.nat(),
    thread: fc.nat(),
    day: fc.integer({ min: 0, max: days - 1 }),
    second: fc.integer({ min: 0, max: 60 }),
    outcome: fc.constantFrom<RunOutcome>("completed", "failed", "cancelled", "expired", "in_progress"),
    steps: fc.array(stepPlan, { minLength: 1, maxLength: 3 }),
    polled: fc.boolean(),
    requiresAction: fc.boolean(),
  });
}

function worldPlan(minRuns: number, maxRuns: number): fc.Arbitrary<WorldPlan> {
  const days = Math.max(2, Math.ceil(maxRuns / 100));
  return fc.record({
    salt: fc.integer(),
    assistants: fc.integer({ min: 2, max: 4 }),
    threads: fc.integer({ min: 1, max: Math.max(2, Math.ceil(maxRuns / 2)) }),
    runs: fc.array(runPlan(days), { minLength: minRuns, maxLength: maxRuns }),
  });
}

// ---------------------------------------------------------------------------------------------
// Tool calls: the deltas that stream them, what a prefix of those deltas built, what they end as.

/** One step of a tool_calls step's progress; `vendor` is silent (no delta, visible only in snapshots). */
type Op =
  | { call: number; kind: "create" }
  | { call: number; kind: "arguments"; piece: string }
  | { call: number; kind: "input"; piece: string }
  | { call: number; kind: "logs"; output: number; piece: string }
  | { call: number; kind: "image"; output: number }
  | { call: number; kind: "vendor" };

interface ToolCallModel {
  plan: CallPlan | { kind: "vendor" };
  id: string;
  /** code_interpreter images' file ids, by output slot. */
  files: string[];
  resultFiles: string[];
  query: string;
}

/** Non-streamed images come last among a code_interpreter's outputs (a stream never skips a slot). */
function orderedOutputs(outputs: OutputPlan[]): OutputPlan[] {
  const streamed = (o: OutputPlan) => o.kind === "logs" || o.streamed;
  return [...outputs.filter(streamed), ...outputs.filter((o) => !streamed(o))];
}

function opsOf(calls: ToolCallModel[]): Op[] {
  const ops: Op[] = [];
  calls.forEach(({ plan }, call) => {
    if (plan.kind === "vendor") return void ops.push({ call, kind: "vendor" });
    ops.push({ call, kind: "create" });
    if (plan.kind === "function") for (const p of plan.args) ops.push({ call, kind: "arguments", piece: p });
    if (plan.kind === "code_interpreter") {
      for (const p of plan.input) ops.push({ call, kind: "input", piece: p });
      plan.outputs.forEach((output, index) => {
        if (output.kind === "logs") for (const p of output.pieces) ops.push({ call, kind: "logs", output: index, piece: p });
        else if (output.streamed) ops.push({ call, kind: "image", output: index });
      });
    }
  });
  return ops;
}

function vendorCall(model: ToolCallModel): Json {
  return { id: model.id, type: "bing_grounding", bing_grounding: { requesturl: `https://api.bing.microsoft.com/v7.0/search?q=${model.query}` } };
}

/** The delta carrying one op: what the API streams for it. */
function deltaEntry(op: Op, calls: ToolCallModel[]): Json {
  const model = calls[op.call]!;
  const index = op.call;
  switch (op.kind) {
    case "create":
      switch (model.plan.kind) {
        case "function":
          return { index, id: model.id, type: "function", function: { name: model.plan.name, arguments: "", output: null } };
        case "code_interpreter":
          return { index, id: model.id, type: "code_interpreter", code_interpreter: { input: "", outputs: [] } };
        default:
          return { index, id: model.id, type: "file_search", file_search: {} };
      }
    case "arguments":
      return { index, type: "function", function: { arguments: op.piece } };
    case "input":
      return { index, type: "code_interpreter", code_interpreter: { input: op.piece } };
    case "logs":
      return { index, type: "code_interpreter", code_interpreter: { outputs: [{ index: op.output, type: "logs", logs: op.piece }] } };
    case "image":
      return { index, type: "code_interpreter", code_interpreter: { outputs: [{ index: op.output, type: "image", image: { file_id: model.files[op.output] } }] } };
    case "vendor":
      throw new Error("a vendor tool call has no delta");
  }
}

/** What a step's details are once the first `n` ops happened (what a stream of them builds, what a poll then shows). */
function partialDetails(calls: ToolCallModel[], ops: Op[], n: number): Json {
  const built: Json[] = [];
  for (const op of ops.slice(0, n)) {
    const model = calls[op.call]!;
    const plan = model.plan;
    if (op.kind === "vendor") built[op.call] = vendorCall(model);
    else if (op.kind === "create") {
      if (plan.kind === "function") built[op.call] = { id: model.id, type: "function", function: { name: plan.name, arguments: "", output: null } };
      else if (plan.kind === "code_interpreter") built[op.call] = { id: model.id, type: "code_interpreter", code_interpreter: { input: "", outputs: [] } };
      else built[op.call] = { id: model.id, type: "file_search", file_search: {} };
    } else {
      const call = built[op.call]!;
      if (op.kind === "arguments") (call.function as Json).arguments += op.piece;
      else {
        const ci = call.code_interpreter as { input: string; outputs: Json[] };
        if (op.kind === "image") ci.outputs[op.output] = { type: "image", image: { file_id: model.files[op.output] } };
        else if (op.kind === "input") ci.input += op.piece;
        else if (ci.outputs[op.output]) (ci.outputs[op.output] as { logs: string }).logs += op.piece;
        else ci.outputs[op.output] = { type: "logs", logs: op.piece };
      }
    }
  }
  return { type: "tool_calls", tool_calls: built };
}

/** What a finished step's details are: every call whole, function outputs, every image, file_search results. */
function finalDetails(calls: ToolCallModel[]): Json {
  const toolCalls = calls.map((model): Json => {
    const plan = model.plan;
    switch (plan.kind) {
      case "vendor":
        return vendorCall(model);
      case "function":
        return { id: model.id, type: "function", function: { name: plan.name, arguments: plan.args.join(""), output: plan.output } };
      case "code_interpreter":
        return {
          id: model.id,
          type: "code_interpreter",
          code_interpreter: {
            input: plan.input.join(""),
            outputs: plan.outputs.map((o, i) => (o.kind === "logs" ? { type: "logs", logs: o.pieces.join("") } : { type: "image", image: { file_id: model.files[i] } })),
          },
        };
      case "file_search": {
        const results = plan.results.map((r, i) => ({ file_id: model.resultFiles[i], file_name: r.name, score: r.score }));
        return {
          id: model.id,
          type: "file_search",
          file_search: plan.ranking ? { ranking_options: { ranker: "default_2024_08_21", score_threshold: 0.4 }, results } : { results },
        };
      }
    }
  });
  return { type: "tool_calls", tool_calls: toolCalls };
}

// ---------------------------------------------------------------------------------------------
// Building the world from its plan.

const ROW_KEYS = [
  "id", "object", "created_at", "assistant_id", "thread_id", "run_id", "type", "status", "step_details",
  "last_error", "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata", "usage",
] as const;

interface TimedEvent {
  at: number;
  run: number;
  seq: number;
  event: Json;
}

function buildWorld(plan: WorldPlan): World {
  let counter = 0;
  const id = (prefix: string) => {
    const hash = createHash("sha256").update(`${plan.salt}:${prefix}:${counter++}`).digest("base64url").replace(/[-_]/g, "x");
    return `${prefix}_${hash.slice(0, 20)}`;
  };
  const assistants = Array.from({ length: plan.assistants }, () => id("asst"));
  const threads = Array.from({ length: plan.threads }, () => id("thread"));
  const threadCreated = new Set<string>();
  const base = 1_755_000_000;

  const timed: TimedEvent[] = [];
  const steps: RunStep[] = [];
  const runs: Run[] = [];
  const polledSteps = new Map<string, Record<string, unknown>[]>();

  plan.runs.forEach((runPlan, runIndex) => {
    const runId = id("run");
    const threadId = threads[runPlan.thread % threads.length]!;
    const assistantId = assistants[runPlan.assistant % assistants.length]!;
    const createdAt = base + runPlan.day * 86_400 + runPlan.second;
    const expiresAt = createdAt + 600;
    let now = createdAt;
    let seq = 0;
    const emit = (type: string, at: number, data: Json) => {
      now = Math.max(now, at);
      timed.push({ at: now, run: runIndex, seq: seq++, event: { id: id("evt"), object: "event", type, created_at: now, data } });
    };
    let run: Json = {
      id: runId, object: "thread.run", created_at: createdAt, thread_id: threadId, assistant_id: assistantId, status: "queued",
      started_at: null, expires_at: expiresAt, cancelled_at: null, failed_at: null, completed_at: null, required_action: null,
      last_error: null, model: "gpt-4o", instructions: "You help customers track orders.",
      tools: [{ type: "function", function: { name: "get_order_status" } }, { type: "code_interpreter" }, { type: "file_search" }],
      metadata: {}, usage: null,
    };
    const runEvent = (name: string, at: number, changes: Json = {}) => {
      run = { ...run, status: name === "created" ? "queued" : name, ...changes };
      emit(`thread.run.${name}`, at, run);
    };

    if (!threadCreated.has(threadId)) {
      threadCreated.add(threadId);
      emit("thread.created", now, { id: threadId, object: "thread", created_at: now, metadata: {}, tool_resources: {} });
    }
    runEvent("created", now);
    runEvent("queued", now);
    runEvent("in_progress", now + 1, { started_at: now + 1 });

    const polled: Json[] = [];
    runPlan.steps.forEach((stepPlan, stepIndex) => {
      const last = stepIndex === runPlan.steps.length - 1;
      const ending = last ? runPlan.outcome : "completed";
      const stepId = id("step");
      const stepCreated = now + stepPlan.gap;
      const type = stepPlan.calls ? "tool_calls" : "message_creation";
      const messageId = id("msg");

      const calls: ToolCallModel[] = [...(stepPlan.calls ?? []), ...(stepPlan.calls && stepPlan.vendor ? [{ kind: "vendor" as const }] : [])]
        .map((callPlan) => ({
          plan: callPlan,
          id: id("call"),
          files: callPlan.kind === "code_interpreter" ? callPlan.outputs.map(() => id("file")) : [],
          resultFiles: callPlan.kind === "file_search" ? callPlan.results.map(() => id("file")) : [],
          query: "refund+policy",
        }))
        .map((model) => (model.plan.kind === "code_interpreter" ? { ...model, plan: { ...model.plan, outputs: orderedOutputs(model.plan.outputs) } } : model));
      const ops = opsOf(calls);
      const streamed = ops.filter((op) => op.kind !== "vendor").length; // D: the vendor op is always last
      const details = (n: number): Json =>
        stepPlan.calls ? partialDetails(calls, ops, n) : { type: "message_creation", message_creation: { message_id: messageId } };

      const snapshot = (status: string, stepDetails: Json, changes: Json = {}): Json => {
        const step: Json = {
          id: stepId, object: "thread.run.step", created_at: stepCreated, assistant_id: assistantId, thread_id: threadId, run_id: runId,
          type, status, step_details: stepDetails, last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null,
          metadata: stepPlan.metadata === "omitted" ? undefined : stepPlan.metadata === "empty" ? {} : { tenant: "acme", channel: "web" },
          usage: null,
          ...changes,
        };
        if (step.metadata === undefined) delete step.metadata;
        return step;
      };
      /** The row: every key in API order, an omitted metadata as null. */
      const asRow = (step: Json): RunStep => Object.fromEntries(ROW_KEYS.map((key) => [key, step[key] ?? null])) as RunStep;

      // How far things got: k deltas reached us; the server knows `server` ops (k ≤ server ≤ N).
      const finished = ending === "completed" || ending === "failed" || ending === "cancelled";
      const k = finished && stepPlan.full ? streamed : stepPlan.delivered % (streamed + 1);
      const server = k + (stepPlan.ahead % (ops.length - k + 1));

      emit("thread.run.step.created", stepCreated, snapshot("in_progress", details(0)));
      if (stepPlan.inProgressEvent) emit("thread.run.step.in_progress", stepCreated, snapshot("in_progress", details(0)));
      if (type === "message_creation") {
        emit("thread.message.created", stepCreated, {
          id: messageId, object: "thread.message", created_at: stepCreated, thread_id: threadId, run_id: runId, assistant_id: assistantId,
          role: "assistant", status: "in_progress", content: [], attachments: [], metadata: {},
        });
      }
      for (let i = 0; i < k; i++) {
        const op = ops[i]!;
        emit("thread.run.step.delta", stepCreated + Math.floor((i * stepPlan.duration) / (streamed + 1)), {
          id: stepId, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [deltaEntry(op, calls)] } },
        });
      }
      const end = stepCreated + stepPlan.duration;
      const usage = { prompt_tokens: stepPlan.promptTokens, completion_tokens: stepPlan.completionTokens, total_tokens: stepPlan.promptTokens + stepPlan.completionTokens };

      let truth: Json;
      let current: Json;
      if (ending === "completed") {
        const hasFunction = calls.some((c) => c.plan.kind === "function");
        if (hasFunction && runPlan.requiresAction) {
          runEvent("requires_action", end, { required_action: { type: "submit_tool_outputs", submit_tool_outputs: { tool_calls: [] } } });
          runEvent("in_progress", end, { required_action: null });
        }
        truth = current = snapshot("completed", stepPlan.calls ? finalDetails(calls) : details(0), { completed_at: end, usage });
        emit("thread.run.step.completed", end, current);
      } else if (ending === "failed") {
        truth = current = snapshot("failed", details(server), {
          last_error: { code: stepPlan.errorCode, message: stepPlan.errorCode === "server_error" ? "Sorry, something went wrong." : "Rate limit reached for gpt-4o on tokens per min. Please try again in 20s." },
          failed_at: end,
          usage: stepPlan.failedUsage ? usage : null,
        });
        emit("thread.run.step.failed", end, current);
      } else if (ending === "cancelled") {
        runEvent("cancelling", end);
        truth = current = snapshot("cancelled", details(server), { cancelled_at: end });
        emit("thread.run.step.cancelled", end, current);
      } else if (ending === "expired") {
        current = snapshot("expired", details(server), { expired_at: expiresAt });
        if (stepPlan.ownExpiry) emit("thread.run.step.expired", expiresAt, current);
        // Rule 4: expired with the run; its details are the fuller of what streamed and what a snapshot showed.
        truth = snapshot("expired", details(stepPlan.ownExpiry || runPlan.polled ? server : k), { expired_at: expiresAt });
      } else {
        current = snapshot("in_progress", details(server));
        // Rule 3: a cut-off stream builds the row, unless a poll saw more.
        truth = snapshot("in_progress", details(runPlan.polled ? server : k));
      }
      steps.push(asRow(truth));
      polled.push(current);
      if (type === "message_creation" && ending === "completed") {
        emit("thread.message.completed", end, {
          id: messageId, object: "thread.message", created_at: stepCreated, thread_id: threadId, run_id: runId, assistant_id: assistantId,
          role: "assistant", status: "completed", content: [{ type: "text", text: { value: "Your order has shipped.", annotations: [] } }],
          attachments: [], metadata: {},
        });
      }
      now = end;
    });

    switch (runPlan.outcome) {
      case "completed":
        runEvent("completed", now + 1, { completed_at: now + 1, expires_at: null, usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
        break;
      case "failed":
        runEvent("failed", now, { failed_at: now, expires_at: null, last_error: { code: "server_error", message: "Sorry, something went wrong." } });
        break;
      case "cancelled":
        runEvent("cancelled", now, { cancelled_at: now, expires_at: null });
        break;
      case "expired":
        runEvent("expired", expiresAt);
        break;
      case "in_progress":
        break;
    }
    runs.push(run as Run);
    if (runPlan.polled) polledSteps.set(runId, polled);
  });

  timed.sort((a, b) => a.at - b.at || a.run - b.run || a.seq - b.seq);
  steps.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { steps, runs, assistants, events: timed.map((t) => t.event), polledSteps };
}

export function worldArbitrary(options: { maxRuns?: number } = {}): fc.Arbitrary<World> {
  return worldPlan(1, options.maxRuns ?? 4).map(buildWorld);
}

/** A deterministic world of exactly `runs` runs (default 50), for benches and tests that need a big one. */
export function generateWorld(seed: number, options: { runs?: number } = {}): World {
  const runs = options.runs ?? 50;
  return fc.sample(worldPlan(runs, runs).map(buildWorld), { seed, numRuns: 1 })[0]!;
}

/** Names of a world's assistants, in order; an assistant past the list has no name (the report shows its id alone). */
export const ASSISTANT_NAMES = ["Order tracker", "Refunds desk", "Research helper"];

/**
 * Assistant records (`object: "assistant"`) for these ids, as an export's `assistants.json` holds them, named by
 * `names` in order; the first also as an earlier unnamed copy (the name must still win).
 */
export function assistantRecords(ids: readonly string[], names: readonly string[] = ASSISTANT_NAMES, model = "gpt-4o"): Record<string, unknown>[] {
  const record = (id: string, name: string | null) => ({
    id, object: "assistant", created_at: 1_754_000_000, name, description: null, model, instructions: "You help customers.", tools: [], metadata: {},
  });
  return [record(ids[0]!, null), ...ids.map((id, i) => record(id, names[i] ?? null))];
}
