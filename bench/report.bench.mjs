// Report latency for every dimension on a store of BENCH_STEPS run steps (default 1,000,000), each as a whole process
// against one `SELECT assistant_id, count(*), sum(total_tokens) FROM run_steps GROUP BY assistant_id` as a whole
// process (a bare better-sqlite3 script), in the same run; `/v1/stats` p50 over HTTP; the summaries' row counts and JSON sizes.
// Standalone: `npm run build && node bench/report.bench.mjs`. SQLite only (PostgreSQL: not measured here).
// The store is built through the projections' own code: rows by runStepValues/toolsOf/runValues, inserted directly,
// and the rollups by the rollup projection itself, handed each step's new row as the step projection records it.
// BENCH_REPEAT (default 3): best of N. BENCH_KEEP=1 keeps the DB; BENCH_DB=path measures a kept one again.
import Database from "better-sqlite3";
import http from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DIMENSIONS } from "../dist/analytics/metrics.js";
import { DEFAULT_PRICES_PATH, loadPriceTable } from "../dist/analytics/prices.js";
import { buildReport } from "../dist/analytics/report.js";
import { newBatchChanges } from "../dist/projections/changes.js";
import { runStepValues, toolsOf } from "../dist/projections/runSteps/row.js";
import { runValues } from "../dist/projections/runs/writer.js";
import { stepStatsProjection } from "../dist/projections/stepStats/writer.js";
import { storeCheckpoints } from "../dist/store/saveCheckpoints.js";
import { openDatabase, openForReading } from "../dist/store/open.js";
import { sqliteDatabase } from "../dist/store/sqlite/sqlDatabase.js";
import { runNode } from "./process.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BIN = join(ROOT, "bin/stepstore");
const STEPS = Number(process.env.BENCH_STEPS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BATCH = 20_000;
const work = mkdtempSync(join(tmpdir(), "stepstore-report-bench-"));
// BENCH_DB: a store an earlier run kept (BENCH_KEEP=1), measured again without building it (about 3 minutes).
const dbPath = process.env.BENCH_DB ?? join(work, "store.db");

/** mulberry32: a small seeded PRNG with no short cycles in its low bits. */
function seeded(seed) {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const next = seeded(20261125);
const STATUSES = ["completed", "completed", "completed", "completed", "completed", "completed", "failed", "cancelled", "expired", "in_progress"];
const CODES = ["server_error", "rate_limit_exceeded", "invalid_prompt"];
const MODELS = ["gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-4.1", null]; // null: a run no snapshot named a model for
const TOOLS = [
  (id) => ({ id, type: "function", function: { name: "lookup_order", arguments: '{"order_id":"ord_8812"}', output: '{"status":"shipped"}' } }),
  (id) => ({ id, type: "function", function: { name: "issue_refund", arguments: '{"order_id":"ord_8812","amount":1999}', output: null } }),
  (id) => ({ id, type: "code_interpreter", code_interpreter: { input: "df.describe()", outputs: [{ type: "logs", logs: "count 1200" }] } }),
  (id) => ({ id, type: "file_search", file_search: { ranking_options: { ranker: "auto", score_threshold: 0 }, results: [] } }),
  (id) => ({ id, type: "bing_grounding", bing_grounding: { requesturl: "https://api.bing.microsoft.com/v7.0/search?q=shipping" } }),
];
const YEAR_START = Date.UTC(2025, 0, 1) / 1000;
const pad = (n) => n.toString(36).padStart(20, "0");

/** Step i of the world: 200 assistants, a year of seconds, both types, every status, one or two of five tools, three error codes. */
function stepAt(i) {
  const created = YEAR_START + next(365 * 86_400);
  const status = STATUSES[next(STATUSES.length)];
  const type = next(5) < 2 ? "message_creation" : "tool_calls";
  const calls = Array.from({ length: 1 + next(2) }, (_, c) => TOOLS[next(TOOLS.length)](`call_${i.toString(36)}_${c}`));
  const end = created + 1 + next(90);
  const usage = status === "expired" || status === "in_progress" || next(10) === 0 ? null
    : { prompt_tokens: 200 + next(3000), completion_tokens: next(600), total_tokens: 0 };
  if (usage) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return {
    id: `step_${i.toString(36).padStart(10, "0")}`, object: "thread.run.step", created_at: created, assistant_id: `asst_${String(next(200)).padStart(20, "0")}`,
    thread_id: `thread_${pad(i >> 5)}`, run_id: `run_${pad(i >> 2)}`, type, status,
    step_details: type === "message_creation" ? { type, message_creation: { message_id: `msg_${pad(i)}` } } : { type, tool_calls: calls },
    last_error: status === "failed" ? { code: CODES[next(CODES.length)], message: "Sorry, something went wrong." } : null,
    expired_at: status === "expired" ? end : null, cancelled_at: status === "cancelled" ? end : null,
    failed_at: status === "failed" ? end : null, completed_at: status === "completed" ? end : null,
    metadata: next(2) === 0 ? null : { tenant: "acme", channel: "support" }, usage,
  };
}

const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const insertOf = (sqlite, table, values) =>
  sqlite.prepare(`INSERT INTO ${table} (${Object.keys(values).map(snake).join(", ")}) VALUES (${Object.keys(values).map(() => "?").join(", ")})`);

async function buildStore() {
  const started = performance.now();
  const { sqlite } = openDatabase(dbPath);
  sqlite.pragma("synchronous = OFF");
  const port = sqliteDatabase(sqlite);
  const insertTool = sqlite.prepare("INSERT INTO run_step_tools (step_id, tool) VALUES (?, ?)");
  let insertStep;
  let insertRun;
  // Bulk load: the secondary indexes are dropped and built again after (the migrations' own statements).
  const indexes = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('run_steps', 'run_step_tools', 'runs') AND sql IS NOT NULL").pluck().all();
  for (const sql of indexes) sqlite.exec(`DROP INDEX ${/^CREATE (?:UNIQUE )?INDEX (\S+)/.exec(sql)[1]}`);
  let rollupSeconds = 0;
  // As rebuild does: the checkpoint first, so the rollups take each batch's changes (without one, they count the tables).
  await storeCheckpoints(port, [stepStatsProjection.name], 0);
  for (let from = 0; from < STEPS; from += BATCH) {
    await port.transaction(async (tx) => {
      const changes = newBatchChanges();
      for (let i = from; i < Math.min(STEPS, from + BATCH); i++) {
        const row = stepAt(i);
        if (i % 4 === 0) {
          const run = runValues({ id: row.run_id, object: "thread.run", thread_id: row.thread_id, assistant_id: row.assistant_id, status: "completed", model: MODELS[(i >> 2) % MODELS.length], created_at: row.created_at });
          (insertRun ??= insertOf(sqlite, "runs", run)).run(...Object.values(run));
        }
        const values = runStepValues(row, i + 1);
        (insertStep ??= insertOf(sqlite, "run_steps", values)).run(...Object.values(values));
        const tools = toolsOf(row);
        for (const tool of tools) insertTool.run(row.id, tool);
        changes.steps.set(row.id, { before: null, after: { ...values, tools } });
      }
      const rollupStarted = performance.now();
      await stepStatsProjection.apply(tx, [], changes);
      rollupSeconds += (performance.now() - rollupStarted) / 1000;
    });
  }
  for (const sql of indexes) sqlite.exec(sql);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  await port.close();
  return { seconds: (performance.now() - started) / 1000, rollupSeconds };
}

async function best(what) {
  let fastest = Infinity;
  let result;
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    result = await what();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return { ms: fastest, result };
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;

if (process.env.BENCH_DB === undefined) {
  const built = await buildStore();
  console.log(`store: ${STEPS} steps built in ${built.seconds.toFixed(1)} s (rollup projection ${built.rollupSeconds.toFixed(1)} s of it), ` +
    `${(statSync(dbPath).size / 1e6).toFixed(0)} MB`);
} else console.log(`store: ${dbPath} (BENCH_DB, built by an earlier run), ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`);
const sqlite = new Database(dbPath, { readonly: true });
const perDimension = sqlite.prepare("SELECT dimension, count(*) AS n, sum(length(models)) AS m FROM step_summaries GROUP BY dimension ORDER BY dimension").all();
const pages = sqlite.prepare("SELECT count(*) AS n, coalesce(sum(length(histogram)), 0) AS h FROM step_summary_seconds").get();
console.log(`step_summaries rows for ${STEPS} steps: ${perDimension.map((r) => `${r.dimension} ${r.n}`).join(", ")}; ` +
  `their models ${(perDimension.reduce((n, r) => n + r.m, 0) / 1e6).toFixed(1)} MB of JSON, their histograms ${pages.n} pages, ${(pages.h / 1e6).toFixed(1)} MB of JSON`);
sqlite.close();

// Whole processes, best of REPEAT each: the scan (bare node + better-sqlite3, as a user's script would run it) and each report.
const SCAN = "SELECT assistant_id, count(*), sum(total_tokens) FROM run_steps GROUP BY assistant_id";
const scanScript = `const D = require("better-sqlite3"); const db = new D(process.argv[1], { readonly: true }); console.log(db.prepare(${JSON.stringify(SCAN)}).all().length);`;
async function bestProcess(args) {
  let fastest = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const run = await runNode(args, { cwd: ROOT });
    if (run.code !== 0) throw new Error(`${args.join(" ")} exited ${run.code}: ${run.stderr}`);
    fastest = Math.min(fastest, run.seconds * 1000);
  }
  return fastest;
}
const scanMs = await bestProcess(["-e", scanScript, dbPath]);
console.log(`scan (whole process): ${fmt(scanMs)}: ${SCAN}`);
let worst = 0;
for (const dimension of DIMENSIONS) {
  const ms = await bestProcess([BIN, "report", "--db", dbPath, "--by", dimension]);
  worst = Math.max(worst, ms / scanMs);
  console.log(`stepstore report --by ${dimension} (whole process): ${fmt(ms)} = ${(ms / scanMs).toFixed(2)}x the scan`);
}
console.log(`report/scan, worst dimension: ${worst.toFixed(2)}x (target <= 1.0, aim 0.2) ${worst <= 1 ? "ok" : "ABOVE TARGET"}`);

// In process, with filters (the queries alone).
const reader = openForReading(dbPath);
const port = reader.sql;
const prices = await loadPriceTable(DEFAULT_PRICES_PATH);
const none = { from: null, to: null, assistant: null, model: null };
for (const dimension of DIMENSIONS) {
  const all = await best(() => buildReport(port, dimension, none, prices));
  const month = await best(() => buildReport(port, dimension, { ...none, from: "2025-03-01", to: "2025-03-31" }, prices));
  const one = await best(() => buildReport(port, dimension, { ...none, assistant: "asst_00000000000000000007" }, prices));
  const model = await best(() => buildReport(port, dimension, { ...none, model: "gpt-4o-mini" }, prices));
  console.log(`buildReport --by ${dimension}: ${fmt(all.ms)} (${all.result.rows.length} rows); one month ${fmt(month.ms)}; --assistant ${fmt(one.ms)}; --model ${fmt(model.ms)}`);
}
reader.close();

// `/v1/stats` over HTTP: `stepstore serve` on a free port, each dimension asked STATS_REQUESTS times one after another.
const STATS_REQUESTS = 15;
const get = (url) => new Promise((resolveGet, reject) => {
  http.get(url, (res) => {
    res.resume();
    res.on("end", () => (res.statusCode === 200 ? resolveGet() : reject(new Error(`${url}: ${res.statusCode}`))));
  }).on("error", reject);
});
const server = spawn(process.execPath, [BIN, "serve", "--db", dbPath, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
const listening = await new Promise((resolvePort, reject) => {
  let out = "";
  const read = (chunk) => {
    out += chunk;
    const found = /127\.0\.0\.1:(\d+)/.exec(out);
    if (found) resolvePort(Number(found[1]));
  };
  server.stdout.on("data", read);
  server.stderr.on("data", read); // the log's lines, wherever it writes them
  server.on("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
});
const p50s = [];
const firsts = [];
for (const dimension of DIMENSIONS) {
  const times = [];
  for (let i = 0; i < STATS_REQUESTS; i++) {
    const started = performance.now();
    await get(`http://127.0.0.1:${listening}/v1/stats/${dimension}`);
    times.push(performance.now() - started);
  }
  // The first request reads the store; the next ones, with no append between, are answered from the server's cache.
  const first = times[0];
  const p50 = times.sort((a, b) => a - b)[Math.ceil(STATS_REQUESTS / 2) - 1];
  p50s.push(p50);
  firsts.push(first);
  console.log(`GET /v1/stats/${dimension}: p50 ${p50.toFixed(1)} ms over ${STATS_REQUESTS} requests; the first (read from the store) ${first.toFixed(1)} ms`);
}
console.log(`/v1/stats p50, worst dimension: ${Math.max(...p50s).toFixed(1)} ms (target < 50 ms) ${Math.max(...p50s) < 50 ? "ok" : "ABOVE TARGET"}`);
console.log(`/v1/stats first request (no cached copy), worst dimension: ${Math.max(...firsts).toFixed(1)} ms`);
server.kill("SIGTERM");
await new Promise((r) => server.once("exit", r));
if (process.env.BENCH_KEEP !== "1") rmSync(work, { recursive: true, force: true });
else console.log(`kept ${dbPath}`);
