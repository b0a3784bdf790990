import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES } from "../helpers/cli.js";
import type { FakeRun, Json } from "../helpers/fakeAssistants.js";

/** A small seeded PRNG (mulberry32): the same seed, the same world. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

/** The example archive's thread: one finished run with a tool_calls and a message step. */
export function exampleExport() {
  const archive = JSON.parse(readFileSync(join(EXAMPLES, "export/threads/thread_Hk29sLm4Q7rTnW3e.json"), "utf8")) as {
    runs: Array<Json & { steps: Json[] }>;
  };
  const { steps, ...run } = archive.runs[0]!;
  return { run, steps };
}

const id = (prefix: string, r: ReturnType<typeof prng>) => `${prefix}_${Array.from({ length: 12 }, () => "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[r.int(56)]).join("")}`;

function toolCall(r: ReturnType<typeof prng>, done: boolean): Json {
  switch (r.int(4)) {
    case 0:
      return { id: id("call", r), type: "function", function: { name: r.pick(["get_order_status", "lookup", "refund"]), arguments: done ? `{"q":${r.int(999)}}` : `{"q":`, output: done ? `{"ok":true}` : null } };
    case 1:
      return {
        id: id("call", r), type: "code_interpreter",
        code_interpreter: { input: done ? "print(1 + 1)" : "print(", outputs: done ? [{ type: "logs", logs: "2\n" }, { type: "image", image: { file_id: id("file", r) } }] : [] },
      };
    case 2:
      return {
        id: id("call", r), type: "file_search",
        file_search: {
          ranking_options: { ranker: "default_2024_08_21", score_threshold: 0.4 },
          results: done ? [{ file_id: id("file", r), file_name: "policy — é.md", score: 0.5 + r.int(50) / 100, content: [{ type: "text", text: `chunk ${r.int(99)}` }] }] : [],
        },
      };
    default:
      return { id: id("call", r), type: "bing_grounding", bing_grounding: { requesturl: "https://example.invalid/search?q=x" } };
  }
}

interface StepShape { id: string; type: "tool_calls" | "message_creation"; createdAt: number; calls: number; messageId: string }

function stepAt(run: Json, shape: StepShape, status: string, r: ReturnType<typeof prng>, finishedAt: number): Json {
  const done = status !== "in_progress";
  const rr = prng(shape.createdAt ^ shape.calls ^ shape.id.length ^ shape.id.charCodeAt(5));
  const details = shape.type === "message_creation"
    ? { type: "message_creation", message_creation: { message_id: shape.messageId } }
    : { type: "tool_calls", tool_calls: Array.from({ length: shape.calls }, () => toolCall(rr, done)) };
  const expired = status === "expired";
  return {
    id: shape.id, object: "thread.run.step", created_at: shape.createdAt, assistant_id: run.assistant_id, thread_id: run.thread_id, run_id: run.id,
    type: shape.type, status, step_details: details,
    last_error: status === "failed" ? { code: r.pick(["server_error", "rate_limit_exceeded"]), message: "Something went wrong." } : null,
    expired_at: expired ? run.expires_at : null,
    cancelled_at: status === "cancelled" ? finishedAt : null,
    failed_at: status === "failed" ? finishedAt : null,
    completed_at: status === "completed" ? finishedAt : null,
    metadata: {},
    usage: done && !expired ? { prompt_tokens: 100 + r.int(900), completion_tokens: 10 + r.int(90), total_tokens: 0 } : null,
  };
}

const fixUsage = (step: Json) => {
  const usage = step.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  if (usage) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return step;
};

/**
 * A generated world of threads and runs, each run as the states a server shows over time: queued,
 * then one state per step (earlier steps finished, the newest in progress), then its final state.
 * `truth` is each step's final snapshot.
 */
export function generateRuns(seed: number, options: { threads: number; runsPerThread: number; maxSteps: number }) {
  const r = prng(seed);
  const runs: FakeRun[] = [];
  const truth: Json[] = [];
  const assistants = [id("asst", r), id("asst", r)];
  for (let t = 0; t < options.threads; t++) {
    const threadId = id("thread", r);
    for (let k = 0; k < options.runsPerThread; k++) {
      const createdAt = 1_755_000_000 + t * 10_000 + k * 1_000;
      const ending = r.pick(["completed", "completed", "completed", "failed", "cancelled", "expired"] as const);
      const base: Json = {
        id: id("run", r), object: "thread.run", created_at: createdAt, thread_id: threadId, assistant_id: r.pick(assistants),
        status: "queued", started_at: null, expires_at: createdAt + 600, cancelled_at: null, failed_at: null, completed_at: null,
        required_action: null, last_error: null, model: "gpt-4o", instructions: "Help.", tools: [], metadata: {}, usage: null,
        temperature: 1, top_p: 1, tool_choice: "auto", parallel_tool_calls: true, incomplete_details: null,
      };
      const count = 1 + r.int(options.maxSteps);
      // Same created_at for some neighbours: paging must order by created_at, then id.
      const shapes: StepShape[] = Array.from({ length: count }, (_, i) => ({
        id: id("step", r), type: i === count - 1 || r.int(3) === 0 ? "message_creation" : "tool_calls",
        createdAt: createdAt + 1 + Math.floor(i / 2), calls: 1 + r.int(4), messageId: id("msg", r),
      }));
      const states: FakeRun["states"] = [{ run: { ...base }, steps: [] }];
      const running = { ...base, status: "in_progress", started_at: createdAt + 1 };
      for (let i = 0; i < count; i++) {
        states.push({
          run: running,
          steps: shapes.slice(0, i + 1).map((s, j) => fixUsage(stepAt(base, s, j < i ? "completed" : "in_progress", prng(seed + j), s.createdAt + 2))),
        });
      }
      const endAt = createdAt + 5 + count;
      const finalStepStatus = ending === "completed" ? "completed" : ending;
      const finalSteps = shapes.map((s, j) => fixUsage(stepAt(base, s, j < count - 1 ? "completed" : finalStepStatus, prng(seed + j), s.createdAt + 2)));
      const finalRun = {
        ...running, status: ending,
        completed_at: ending === "completed" ? endAt : null, failed_at: ending === "failed" ? endAt : null,
        cancelled_at: ending === "cancelled" ? endAt : null,
        last_error: ending === "failed" ? { code: "server_error", message: "Something went wrong." } : null,
        usage: ending === "expired" ? null : { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
      };
      states.push({ run: finalRun, steps: finalSteps });
      runs.push({ states });
      truth.push(...finalSteps);
    }
  }
  return { runs, truth };
}

/** A finished world: each run shows only its final state. */
export function finished(runs: readonly FakeRun[]): FakeRun[] {
  return runs.map((run) => ({ states: [run.states[run.states.length - 1]!] }));
}

/** What a server answers without `include[]=…content`: file_search results lose their `content`. */
export function withoutContent(step: Json): Json {
  return JSON.parse(JSON.stringify(step), (key, value) => (key === "content" && Array.isArray(value) ? undefined : value)) as Json;
}

/** Rows in `steps` order (created_at, then id). */
export function inStepsOrder(steps: readonly Json[]): Json[] {
  return [...steps].sort((a, b) => (a.created_at as number) - (b.created_at as number) || Buffer.compare(Buffer.from(a.id as string), Buffer.from(b.id as string)));
}
