// Poll throughput: step snapshots/s that `stepstore poll --thread …` lands from a local
// Assistants-compatible server handing out 20-step pages, against the ceiling of the same pages
// fetched with plain `fetch` (and JSON-parsed) in the same run. Both clients run as whole processes
// (node start-up included), one after the other, against one server in this process, with 1 and with 4
// listings in flight (`poll --concurrency`, and as many fetch workers); 127.0.0.1 only; a fixed number of requests. Usage: node bench/poll.bench.mjs [runs] [stepsPerRun]   (after npm run build)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.argv[2] ?? 40);
const STEPS_PER_RUN = Number(process.argv[3] ?? 100);
const THREADS = 4;
const PAGE = 20;
const REPEATS = 2;
const TIMEOUT_MS = 300_000;

// The world: the shared example's two steps (a tool_calls step with all three tools, a message step), renamed.
const example = JSON.parse(readFileSync(resolve(ROOT, "../shared/examples/list-run-steps-page.json"), "utf8")).data;
const exampleRun = JSON.parse(readFileSync(resolve(ROOT, "../shared/examples/export/threads/thread_Hk29sLm4Q7rTnW3e.json"), "utf8")).runs[0];
delete exampleRun.steps;
const threads = new Map();
const runs = new Map();
for (let r = 0; r < RUNS; r++) {
  const threadId = `thread_bench${String(r % THREADS).padStart(4, "0")}`;
  const runId = `run_bench${String(r).padStart(6, "0")}`;
  const createdAt = 1_755_000_000 + r * 1000;
  const run = { ...exampleRun, id: runId, thread_id: threadId, created_at: createdAt };
  const steps = Array.from({ length: STEPS_PER_RUN }, (_, i) => {
    const template = example[i % example.length];
    return { ...structuredClone(template), id: `step_bench${String(r).padStart(6, "0")}_${String(i).padStart(5, "0")}`, run_id: runId, thread_id: threadId, created_at: createdAt + i };
  });
  runs.set(runId, { run, steps });
  threads.set(threadId, [...(threads.get(threadId) ?? []), runId]);
}

function page(items, query) {
  const limit = Math.min(Number(query.get("limit") ?? 20), PAGE);
  const after = query.get("after");
  const sorted = query.get("order") === "asc" ? items : [...items].reverse();
  const start = after ? sorted.findIndex((i) => i.id === after) + 1 : 0;
  const data = sorted.slice(start, start + limit);
  return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + data.length < sorted.length };
}

let requests = 0;
const server = http.createServer((req, res) => {
  requests += 1;
  const url = new URL(req.url, "http://127.0.0.1");
  const [, , , threadId, , runId, steps] = url.pathname.split("/");
  let body;
  if (runId === undefined) body = page((threads.get(threadId) ?? []).map((id) => runs.get(id).run), url.searchParams);
  else if (steps === "steps") body = page(runs.get(runId).steps, url.searchParams);
  else body = runs.get(runId).run;
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const baseUrl = `http://127.0.0.1:${server.address().port}/v1`;

// The ceiling: the same pages — each thread's runs, then each run's steps, 20 at a time — with plain fetch,
// `concurrency` listings in flight at once as `poll --concurrency` has.
const PLAIN_FETCH = `
  const [baseUrl, concurrency, ...threads] = process.argv.slice(1);
  const get = async (path) => (await fetch(baseUrl + path, { headers: { authorization: "Bearer sk-bench" } })).json();
  async function* pages(path, query) {
    let after = null;
    for (;;) {
      const page = await get(path + "?" + new URLSearchParams({ ...query, ...(after ? { after } : {}) }));
      yield page;
      if (!page.has_more) return;
      after = page.last_id;
    }
  }
  const listings = [];
  for (const thread of threads) {
    for await (const runPage of pages("/threads/" + thread + "/runs", { limit: "100" })) {
      for (const run of runPage.data) listings.push("/threads/" + thread + "/runs/" + run.id + "/steps");
    }
  }
  let steps = 0;
  const worker = async () => {
    for (let path = listings.shift(); path; path = listings.shift()) {
      for await (const stepPage of pages(path, { limit: "100", order: "asc" })) steps += stepPage.data.length;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  process.stdout.write(JSON.stringify({ steps }) + "\\n");
`;

function timed(args, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${args.slice(0, 2).join(" ")} exited ${code}: ${stderr.slice(-1000)}`));
      else resolvePromise({ seconds: (performance.now() - started) / 1000, stdout });
    });
  });
}

const threadIds = [...threads.keys()];
const total = RUNS * STEPS_PER_RUN;
const results = [];
try {
  for (const concurrency of [1, 4]) {
    const best = { fetch: Infinity, poll: Infinity };
    for (let i = 0; i < REPEATS; i++) {
      const plain = await timed(["--input-type=module", "-e", PLAIN_FETCH, baseUrl, String(concurrency), ...threadIds]);
      if (JSON.parse(plain.stdout).steps !== total) throw new Error(`plain fetch saw ${plain.stdout}`);
      best.fetch = Math.min(best.fetch, plain.seconds);

      const dir = mkdtempSync(join(tmpdir(), "stepstore-poll-bench-"));
      try {
        const polled = await timed(
          ["bin/stepstore", "poll", "--db", join(dir, "store.db"), "--json", "--concurrency", String(concurrency), "--thread", ...threadIds],
          { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: "sk-bench" },
        );
        const summary = JSON.parse(polled.stdout);
        if (summary.steps !== total || summary.appended !== total + RUNS) throw new Error(`poll landed ${polled.stdout}`);
        best.poll = Math.min(best.poll, polled.seconds);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    results.push({ concurrency, ...best });
  }
} finally {
  server.closeAllConnections();
  server.close();
}

console.log(`poll: ${RUNS} runs x ${STEPS_PER_RUN} steps in ${PAGE}-step pages (${total} steps; ${requests} requests in all), best of ${REPEATS}, whole processes`);
for (const { concurrency, fetch, poll } of results) {
  const fetchRate = total / fetch;
  const pollRate = total / poll;
  console.log(`poll: ${concurrency} in flight: plain fetch ceiling ${fetchRate.toFixed(0)} steps/s (${fetch.toFixed(2)} s), stepstore poll ${pollRate.toFixed(0)} steps/s (${poll.toFixed(2)} s), ratio ${(pollRate / fetchRate).toFixed(2)}`);
}
