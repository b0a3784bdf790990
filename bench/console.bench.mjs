// Server time (over loopback HTTP) of the console's pages on a store of BENCH_STEPS run steps (default 1,000,000): p50 over BENCH_REQUESTS
// requests (default 200) each of `/ui/runs` (the first page, and a page deep in the list), a run page and a step page,
// against the raw ceiling of the same server answering `GET /healthz`. Each page must be under 50 ms at p50.
// Standalone: `npm run build && node bench/console.bench.mjs`. The store is built fast: rows written straight into
// run_steps, runs and events (the projection's own column writers, runStepValues/runValues), secondary indexes
// dropped during the load and built again after. 4 steps a run; every 50th run has no snapshot (known only from its
// steps); one log event a step. BENCH_KEEP=1 keeps the database.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServer, DEFAULT_MAX_BODY, DEFAULT_MAX_INGEST_BODY } from "../dist/api/server.js";
import { runStepValues } from "../dist/projections/runSteps/row.js";
import { runValues } from "../dist/projections/runs/writer.js";
import { openDatabase } from "../dist/store/open.js";

const STEPS = Number(process.env.BENCH_STEPS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const LIMIT_MS = 50;
const work = mkdtempSync(join(tmpdir(), "stepstore-console-bench-"));
const dbPath = join(work, "store.db");
const pad = (n, width = 12) => n.toString(36).padStart(width, "0");
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function insertInto(sqlite, table, sample) {
  const columns = Object.keys(sample);
  const insert = sqlite.prepare(`INSERT INTO ${table} (${columns.map(snake).join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`);
  return (values) => insert.run(values);
}

function stepOf(i, created) {
  const status = i % 10 === 9 ? "failed" : i % 10 === 8 ? "in_progress" : "completed";
  const type = i % 4 === 3 ? "message_creation" : "tool_calls";
  const end = status === "in_progress" ? null : created + 1 + (i % 37);
  return {
    id: `step_${pad(i)}`, object: "thread.run.step", created_at: created, assistant_id: `asst_${pad(i % 200, 6)}`,
    thread_id: `thread_${pad(i >> 5)}`, run_id: `run_${pad(i >> 2)}`, type, status,
    step_details: type === "message_creation" ? { type, message_creation: { message_id: `msg_${pad(i)}` } }
      : { type, tool_calls: [{ id: `call_${pad(i)}`, type: "function", function: { name: "lookup_order", arguments: '{"order_id":"ord_8812"}', output: '{"status":"shipped"}' } }] },
    last_error: status === "failed" ? { code: ["server_error", "rate_limit_exceeded"][i % 2], message: "Sorry, something went wrong." } : null,
    expired_at: null, cancelled_at: null, failed_at: status === "failed" ? end : null, completed_at: status === "completed" ? end : null,
    metadata: null, usage: status === "completed" ? { prompt_tokens: 500 + (i % 900), completion_tokens: 40 + (i % 200), total_tokens: 540 + (i % 900) + (i % 200) } : null,
  };
}

function buildStore() {
  const started = performance.now();
  const { sqlite, close } = openDatabase(dbPath);
  sqlite.pragma("synchronous = OFF");
  const indexes = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('run_steps', 'runs', 'events') AND sql IS NOT NULL").pluck().all();
  for (const sql of indexes) sqlite.exec(`DROP INDEX ${/^CREATE (?:UNIQUE )?INDEX (\S+)/.exec(sql)[1]}`);
  const first = stepOf(0, 0);
  const insertStep = insertInto(sqlite, "run_steps", runStepValues(first, 1));
  const insertRun = insertInto(sqlite, "runs", runValues({ id: "run", object: "thread.run", created_at: 0, thread_id: "t", status: "completed", model: "gpt-4o" }));
  const insertEvent = sqlite.prepare("INSERT INTO events (position, event_key, type, step_id, run_id, thread_id, source, origin, received_at, data) VALUES (?, ?, ?, ?, ?, ?, 'file', 'bench.jsonl', ?, ?)");
  const start = Date.UTC(2025, 0, 1) / 1000;
  const load = sqlite.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const created = start + i * 30; // a step every 30 s: a year in a million steps
      const step = stepOf(i, created);
      insertStep(runStepValues(step, i + 1));
      const data = JSON.stringify(step);
      insertEvent.run(i + 1, `sha256:${pad(i, 64)}`, `thread.run.step.${step.status}`, step.id, step.run_id, step.thread_id, new Date(created * 1000).toISOString(), data);
      if (i % 4 === 0 && (i >> 2) % 50 !== 49) {
        insertRun(runValues({ id: step.run_id, object: "thread.run", created_at: created, thread_id: step.thread_id, assistant_id: step.assistant_id,
          status: "completed", model: ["gpt-4o", "gpt-4o-mini"][(i >> 2) % 2], instructions: "You help customers track orders.", completed_at: created + 120 }));
      }
    }
  });
  for (let i = 0; i < STEPS; i += 20_000) load(i, Math.min(STEPS, i + 20_000));
  for (const sql of indexes) sqlite.exec(sql);
  sqlite.exec("ANALYZE");
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  close();
  return (performance.now() - started) / 1000;
}

const seconds = buildStore();
console.log(`store: ${STEPS} steps, ${STEPS / 4} runs, ${STEPS} events built in ${seconds.toFixed(1)} s, ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`);

// Over real HTTP on loopback (keep-alive): an injected request has no real socket for the body timer to close.
const app = buildServer({ dbPath, maxBody: DEFAULT_MAX_BODY, maxIngestBody: DEFAULT_MAX_INGEST_BODY });
// Server time: fastify's own measure, from the request's arrival to the reply's end.
let serverMs = 0;
app.addHook("onResponse", async (_request, reply) => {
  serverMs = reply.elapsedTime;
});
const base = await app.listen({ host: "127.0.0.1", port: 0 });

const quantile = (sorted, q) => sorted[Math.floor(sorted.length * q)];

/** Server time p50 and p95 and the client's round trip p50, in ms, of `REQUESTS` requests to `pathOf(k)`; every answer must be 200. */
async function timed(pathOf) {
  const server = [];
  const trips = [];
  for (let k = 0; k < REQUESTS; k++) {
    const started = performance.now();
    const response = await fetch(`${base}${pathOf(k)}`);
    await response.arrayBuffer();
    trips.push(performance.now() - started);
    server.push(serverMs);
    if (response.status !== 200) throw new Error(`${pathOf(k)}: ${response.status}`);
  }
  server.sort((a, b) => a - b);
  trips.sort((a, b) => a - b);
  return { p50: quantile(server, 0.5), p95: quantile(server, 0.95), trip: quantile(trips, 0.5) };
}

// Spread over the whole store, so each request reads other rows.
const spread = (k) => Math.floor(((k * 7919) % REQUESTS) / REQUESTS * STEPS);
const deepCursor = (k) => { const i = spread(k) & ~3; return `${Date.UTC(2025, 0, 1) / 1000 + i * 30}.run_${pad(i >> 2)}`; };
const ceiling = await timed(() => "/healthz");
console.log(`ceiling GET /healthz: server p50 ${ceiling.p50.toFixed(2)} ms, round trip p50 ${ceiling.trip.toFixed(2)} ms`);
const pages = [
  ["/ui/runs (first page)", () => "/ui/runs"],
  ["/ui/runs (a page deep in the list)", (k) => `/ui/runs?before=${deepCursor(k)}`],
  ["/ui/runs?model=gpt-4o-mini", () => "/ui/runs?model=gpt-4o-mini"],
  ["a run page", (k) => { const i = spread(k); return `/ui/threads/thread_${pad(i >> 5)}/runs/run_${pad(i >> 2)}`; }],
  ["a step page", (k) => `/ui/steps/step_${pad(spread(k))}`],
];
// Measured too, without the 50 ms bound (the overview and the report aggregate over many steps by design).
const others = [
  ["the overview (a day and a week of steps)", () => "/ui/"],
  ["/ui/failures", () => "/ui/failures"],
  ["a report row's steps (one assistant, ~5,000 steps)", (k) => `/ui/report/steps?by=assistant&key=asst_${pad(k % 200, 6)}`],
];
let over = 0;
for (const [name, pathOf] of [...pages, ...others]) {
  const { p50, p95, trip } = await timed(pathOf);
  const bounded = pages.some(([page]) => page === name);
  if (bounded && p50 >= LIMIT_MS) over++;
  console.log(`${name}: p50 ${p50.toFixed(2)} ms (${(p50 / ceiling.p50).toFixed(1)}x ceiling), p95 ${p95.toFixed(2)} ms, round trip p50 ${trip.toFixed(2)} ms${bounded && p50 >= LIMIT_MS ? ` OVER ${LIMIT_MS} ms` : ""}`);
}
await app.close();
if (process.env.BENCH_KEEP !== "1") rmSync(work, { recursive: true, force: true });
else console.log(`kept ${dbPath}`);
process.exitCode = over > 0 ? 1 : 0;
