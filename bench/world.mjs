// A compact, deterministic generator of realistic Assistants traffic for the benchmarks:
// webhook-form events (runs, steps, step deltas) with ids, polled step snapshots, and redeliveries.
import { createWriteStream } from "node:fs";
import { once } from "node:events";

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS = "the order refund policy shipping invoice status customer account delay warehouse tracking label return window item".split(" ");
const INSTRUCTIONS = "You are a support assistant for an online shop. Answer briefly, look orders up with the tools, and cite the policy documents you used.";

/**
 * Yields JSON lines (without newline) of a world of `runs` runs: about 20 records a run, about 450 bytes a record. A
 * step takes 1–8 s; with `minuteSteps`, 1 s to 10 min, most within seconds (the cube of a uniform draw), as real
 * runs' steps do (a tool call waits on its caller).
 */
export function* worldLines(seed, runs, { minuteSteps = false } = {}) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const id = (prefix, n = 24) => {
    let s = `${prefix}_`;
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
    return s;
  };
  const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const assistants = Array.from({ length: 25 }, () => id("asst"));
  let clock = 1_735_689_600;
  // Event ids carry the seed: files of other seeds never reuse an id for other content (a conflict,
  // CONTRACT §3), and a file of the same seed holds the same events under the same ids.
  const eventPrefix = `evt_${(seed >>> 0).toString(36)}_`;
  let eventNo = 0;
  const recent = [];
  const event = (type, createdAt, data) => {
    const line = JSON.stringify({ id: `${eventPrefix}${(++eventNo).toString(36).padStart(10, "0")}`, object: "event", type, created_at: createdAt, data });
    recent.push(line);
    if (recent.length > 50) recent.shift();
    return line;
  };

  for (let r = 0; r < runs; r++) {
    clock += 1 + Math.floor(random() * 20);
    const threadId = id("thread");
    const runId = id("run");
    const assistantId = pick(assistants);
    const created = clock;
    const run = (status, extra = {}) => ({
      id: runId, object: "thread.run", created_at: created, thread_id: threadId, assistant_id: assistantId, status,
      started_at: status === "queued" ? null : created + 1, expires_at: created + 600, cancelled_at: null, failed_at: null,
      completed_at: null, required_action: null, last_error: null, model: "gpt-4o", instructions: INSTRUCTIONS,
      tools: [{ type: "function", function: { name: "get_order_status" } }, { type: "code_interpreter" }, { type: "file_search" }],
      metadata: {}, usage: null, temperature: 1, top_p: 1, tool_choice: "auto", parallel_tool_calls: true, ...extra,
    });
    yield event("thread.run.created", created, run("queued"));
    yield event("thread.run.queued", created, run("queued"));
    yield event("thread.run.in_progress", created + 1, run("in_progress"));

    const runFate = random();
    const expires = runFate < 0.04;
    const stepCount = 1 + Math.floor(random() * 4);
    let t = created + 2;
    let total = 0;
    for (let s = 0; s < stepCount; s++) {
      const stepId = id("step");
      const kind = s === stepCount - 1 ? "message_creation" : pick(["function", "function", "code_interpreter", "file_search", "bing_grounding"]);
      const type = kind === "message_creation" ? "message_creation" : "tool_calls";
      const stepCreated = t;
      const region = pick(["eu", "us", "apac"]);
      const step = (status, details, extra = {}) => ({
        id: stepId, object: "thread.run.step", created_at: stepCreated, assistant_id: assistantId, thread_id: threadId, run_id: runId,
        type, status, step_details: details, last_error: null, expired_at: null, cancelled_at: null, failed_at: null,
        completed_at: null, metadata: { tenant: "acme", region }, usage: null, ...extra,
      });
      const callId = id("call");
      let details;
      const deltas = [];
      if (kind === "message_creation") {
        details = { type, message_creation: { message_id: id("msg") } };
      } else if (kind === "function") {
        const args = JSON.stringify({ order_id: id("ord", 10), note: sentence(6) });
        const cut = [0, Math.floor(args.length / 3), Math.floor((2 * args.length) / 3), args.length];
        const output = JSON.stringify({ status: pick(["shipped", "pending", "delivered"]), eta: sentence(3) });
        details = { type, tool_calls: [{ id: callId, type: "function", function: { name: "get_order_status", arguments: args, output } }] };
        for (let i = 0; i < 3; i++) {
          const call = i === 0
            ? { index: 0, id: callId, type: "function", function: { name: "get_order_status", arguments: args.slice(cut[i], cut[i + 1]), output: null } }
            : { index: 0, type: "function", function: { arguments: args.slice(cut[i], cut[i + 1]) } };
          deltas.push({ type, tool_calls: [call] });
        }
      } else if (kind === "code_interpreter") {
        const input = `import pandas as pd\ndf = pd.read_csv('/mnt/data/orders.csv')\nprint(df[df.status == '${pick(WORDS)}'].shape)`;
        const logs = `(${Math.floor(random() * 500)}, 7)\n`;
        details = { type, tool_calls: [{ id: callId, type: "code_interpreter", code_interpreter: { input, outputs: [{ type: "logs", logs }] } }] };
        deltas.push({ type, tool_calls: [{ index: 0, id: callId, type: "code_interpreter", code_interpreter: { input: input.slice(0, 40), outputs: [] } }] });
        deltas.push({ type, tool_calls: [{ index: 0, type: "code_interpreter", code_interpreter: { input: input.slice(40) } }] });
        deltas.push({ type, tool_calls: [{ index: 0, type: "code_interpreter", code_interpreter: { outputs: [{ index: 0, type: "logs", logs }] } }] });
      } else if (kind === "file_search") {
        const results = Array.from({ length: 2 }, () => ({ file_id: id("file"), file_name: `${pick(WORDS)}-policy.pdf`, score: Math.round(random() * 1000) / 1000 }));
        details = { type, tool_calls: [{ id: callId, type: "file_search", file_search: { ranking_options: { ranker: "default_2024_08_21", score_threshold: 0 }, results } }] };
        deltas.push({ type, tool_calls: [{ index: 0, id: callId, type: "file_search", file_search: {} }] });
      } else {
        details = { type, tool_calls: [{ id: callId, type: "bing_grounding", bing_grounding: { requesturl: `https://api.bing.microsoft.com/v7.0/search?q=${pick(WORDS)}` } }] };
      }
      const empty = type === "tool_calls" ? { type, tool_calls: [] } : details;
      yield event("thread.run.step.created", stepCreated, step("in_progress", empty));
      yield event("thread.run.step.in_progress", stepCreated, step("in_progress", empty));
      for (let d = 0; d < deltas.length; d++) {
        yield event("thread.run.step.delta", stepCreated + d, { id: stepId, object: "thread.run.step.delta", delta: { step_details: deltas[d] } });
      }
      t = stepCreated + 1 + Math.floor(minuteSteps ? random() ** 3 * 600 : random() * 8);
      if (expires && s === stepCount - 1) break; // the run expires with this step still in progress
      const usage = { prompt_tokens: 200 + Math.floor(random() * 900), completion_tokens: 10 + Math.floor(random() * 300) };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      total += usage.total_tokens;
      const fate = random();
      const final = fate < 0.9
        ? step("completed", details, { completed_at: t, usage })
        : fate < 0.96
          ? step("failed", details, { failed_at: t, usage, last_error: { code: pick(["server_error", "rate_limit_exceeded"]), message: sentence(5) } })
          : step("cancelled", details, { cancelled_at: t, usage });
      yield event(`thread.run.step.${final.status}`, t, final);
      if (random() < 0.1) yield JSON.stringify(final); // a poll of the finished step: a bare snapshot, keyed by content
    }
    if (expires) yield event("thread.run.expired", created + 600, run("expired"));
    else yield event("thread.run.completed", t, run("completed", { completed_at: t, usage: { prompt_tokens: total, completion_tokens: 0, total_tokens: total } }));
    if (random() < 0.3) yield pick(recent); // a webhook redelivery: same event id, a duplicate
  }
}

/** Writes a world of at least `records` records to `path` as JSONL; resolves to {records, bytes}. */
export async function writeWorld(path, { seed = 1, records }) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let count = 0;
  let bytes = 0;
  let chunk = "";
  for (const line of worldLines(seed, Number.MAX_SAFE_INTEGER)) {
    chunk += `${line}\n`;
    count++;
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
    if (count >= records) break;
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, "finish");
  return { records: count, bytes };
}
