// Report latency for every dimension on a store of BENCH_STEPS run steps (default 1,000,000), against the raw
// ceiling `SELECT count(*), sum(total_tokens) FROM run_steps GROUP BY assistant_id` in the same run; plus what
// projection-maintained tables would cost instead (refresh and read). Standalone: `npm run build && node
// bench/report.bench.mjs`. The store is built fast with direct inserts into run_steps/run_step_tools (rows made by
// the projection's own column writer, runStepColumns/toolsOf) in a bench-only temp DB. BENCH_REPEAT (default 3):
// best of N. BENCH_COMPARE=1 also times the views without the covering index run_steps_stats. BENCH_KEEP=1 keeps the DB.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DIMENSIONS, VIEW_NAMES } from "../dist/analytics/metrics.js";
import { buildReport } from "../dist/analytics/report.js";
import { runStepColumns } from "../dist/projections/runSteps/table.js";
import { toolsOf } from "../dist/projections/runSteps/runStep.js";
import { openDatabase } from "../dist/store/open.js";
import { runNode } from "./process.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BIN = join(ROOT, "bin/stepstore");
const STEPS = Number(process.env.BENCH_STEPS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const work = mkdtempSync(join(tmpdir(), "stepstore-report-bench-"));
const dbPath = join(work, "store.db");

// ---------------------------------------------------------------------------------------------------------------
// A store of STEPS steps: 200 assistants, a year of days, both types, every status, five tools, three error codes.

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

function buildStore() {
  const started = performance.now();
  const { sqlite, close } = openDatabase(dbPath);
  sqlite.pragma("synchronous = OFF");
  const insertStep = sqlite.prepare(`INSERT INTO run_steps (id, object, created_at, assistant_id, thread_id, run_id, type, status,
    step_details, last_error, expired_at, cancelled_at, failed_at, completed_at, metadata, usage, last_error_code, prompt_tokens,
    completion_tokens, total_tokens, completion_seconds, data, position) VALUES (@id, @object, @created_at, @assistant_id, @thread_id,
    @run_id, @type, @status, @step_details, @last_error, @expired_at, @cancelled_at, @failed_at, @completed_at, @metadata, @usage,
    @last_error_code, @prompt_tokens, @completion_tokens, @total_tokens, @completion_seconds, @data, @position)`);
  const insertTool = sqlite.prepare("INSERT OR IGNORE INTO run_step_tools (step_id, tool) VALUES (?, ?)");
  const next = seeded(20261125);
  const statuses = ["completed", "completed", "completed", "completed", "completed", "completed", "failed", "cancelled", "expired", "in_progress"];
  const codes = ["server_error", "rate_limit_exceeded", "invalid_prompt"];
  const tools = [
    (id) => ({ id, type: "function", function: { name: "lookup_order", arguments: '{"order_id":"ord_8812","include":["items","shipping"]}', output: '{"status":"shipped"}' } }),
    (id) => ({ id, type: "function", function: { name: "issue_refund", arguments: '{"order_id":"ord_8812","amount":1999}', output: null } }),
    (id) => ({ id, type: "code_interpreter", code_interpreter: { input: "import pandas as pd\ndf = pd.read_csv('orders.csv')\ndf.describe()", outputs: [{ type: "logs", logs: "count 1200\nmean 42.1" }] } }),
    (id) => ({ id, type: "file_search", file_search: { ranking_options: { ranker: "auto", score_threshold: 0 }, results: [{ file_id: "file-abc123", file_name: "policy.pdf", score: 0.82 }] } }),
    (id) => ({ id, type: "bing_grounding", bing_grounding: { requesturl: "https://api.bing.microsoft.com/v7.0/search?q=shipping" } }),
  ];
  const yearStart = Date.UTC(2025, 0, 1) / 1000;
  const insertBatch = sqlite.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const id = `step_${i.toString(36).padStart(10, "0")}`;
      const created = yearStart + next(365 * 86_400);
      const status = statuses[next(statuses.length)];
      const type = next(5) < 2 ? "message_creation" : "tool_calls";
      const calls = Array.from({ length: 1 + next(2) }, (_, c) => tools[next(tools.length)](`call_${i.toString(36)}_${c}`));
      const end = created + 1 + next(90);
      const usage = status === "expired" || status === "in_progress" || next(10) === 0 ? null
        : { prompt_tokens: 200 + next(3000), completion_tokens: next(600), total_tokens: 0 };
      if (usage) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      const row = {
        id, object: "thread.run.step", created_at: created, assistant_id: `asst_${String(next(200)).padStart(20, "0")}`,
        thread_id: `thread_${(i >> 5).toString(36).padStart(20, "0")}`, run_id: `run_${(i >> 2).toString(36).padStart(20, "0")}`, type, status,
        step_details: type === "message_creation" ? { type, message_creation: { message_id: `msg_${i.toString(36).padStart(20, "0")}` } } : { type, tool_calls: calls },
        last_error: status === "failed" ? { code: codes[next(codes.length)], message: "Sorry, something went wrong." } : null,
        expired_at: status === "expired" ? end : null, cancelled_at: status === "cancelled" ? end : null,
        failed_at: status === "failed" ? end : null, completed_at: status === "completed" ? end : null,
        metadata: next(2) === 0 ? null : { tenant: "acme", channel: "support" }, usage,
      };
      insertStep.run(runStepColumns(row, i + 1));
      for (const tool of toolsOf(row)) insertTool.run(id, tool);
    }
  });
  // Bulk load: the secondary indexes are dropped and built again after (the migrations' own statements).
  const indexes = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('run_steps', 'run_step_tools') AND sql IS NOT NULL").pluck().all();
  for (const sql of indexes) sqlite.exec(`DROP INDEX ${/^CREATE (?:UNIQUE )?INDEX (\S+)/.exec(sql)[1]}`);
  for (let i = 0; i < STEPS; i += 20_000) insertBatch(i, Math.min(STEPS, i + 20_000));
  for (const sql of indexes) sqlite.exec(sql);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  close();
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------

function best(what) {
  let fastest = Infinity;
  let result;
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    result = what();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return { ms: fastest, result };
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;

const buildSeconds = buildStore();
console.log(`store: ${STEPS} steps built in ${buildSeconds.toFixed(1)} s, ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`);

// As `stepstore report` reads: a read-only connection, in-memory temp store, 64 MiB cache.
const sqlite = new Database(dbPath, { readonly: true });
sqlite.pragma("temp_store = MEMORY");
sqlite.pragma("cache_size = -65536");

const ceiling = best(() => sqlite.prepare("SELECT count(*), sum(total_tokens) FROM run_steps GROUP BY assistant_id").all());
console.log(`ceiling (count, sum GROUP BY assistant_id): ${fmt(ceiling.ms)}`);

const days = { from: "2025-03-01", to: "2025-03-31" };
const figures = [];
for (const dimension of DIMENSIONS) {
  const all = best(() => buildReport(sqlite, dimension, { from: null, to: null, assistant: null }));
  const month = best(() => buildReport(sqlite, dimension, { ...days, assistant: null }));
  const one = best(() => buildReport(sqlite, dimension, { from: null, to: null, assistant: "asst_00000000000000000007" }));
  figures.push({ dimension, ms: all.ms });
  console.log(
    `report --by ${dimension}: ${fmt(all.ms)} (${(all.ms / ceiling.ms).toFixed(1)}x ceiling, ${all.result.rows.length} rows); ` +
      `--from/--to one month: ${fmt(month.ms)}; --assistant: ${fmt(one.ms)}`,
  );
}
const worst = figures.reduce((a, b) => (b.ms > a.ms ? b : a));
console.log(`report latency: worst ${worst.dimension} ${fmt(worst.ms)}, ratio to ceiling ${(worst.ms / ceiling.ms).toFixed(1)}x; ` +
  `ceiling/report throughput ratio ${(ceiling.ms / worst.ms).toFixed(3)}`);

// The whole CLI, as a user runs it (process start, migrations check, query, JSON out).
for (const dimension of DIMENSIONS) {
  const run = await runNode([BIN, "report", "--db", dbPath, "--by", dimension], { cwd: ROOT });
  if (run.code !== 0) throw new Error(`stepstore report exited ${run.code}: ${run.stderr}`);
  console.log(`stepstore report --by ${dimension} (whole process): ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
}
const html = await runNode([BIN, "report", "--db", dbPath, "--by", "day", "--format", "html", "--out", join(work, "day.html")], { cwd: ROOT });
console.log(`stepstore report --by day --format html (whole process): ${html.seconds.toFixed(2)} s`);

// The alternative: tables a projection maintains. Recomputing them is the views' cost again; reading them is nearly free,
// but they cannot answer --from/--to/--assistant (percentiles do not combine across days or assistants).
const writable = new Database(dbPath);
writable.pragma("temp_store = MEMORY");
writable.pragma("cache_size = -65536");
let refresh = 0;
let read = 0;
for (const dimension of DIMENSIONS) {
  const table = `bench_${VIEW_NAMES[dimension]}`;
  const started = performance.now();
  writable.exec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} AS SELECT * FROM ${VIEW_NAMES[dimension]}`);
  refresh += performance.now() - started;
  read += best(() => writable.prepare(`SELECT * FROM ${table}`).all()).ms;
}
console.log(`projection-maintained tables: refresh all five ${fmt(refresh)} (once per append batch if recomputed), read all five ${read.toFixed(1)} ms`);

if (process.env.BENCH_COMPARE === "1") {
  writable.exec("DROP INDEX run_steps_stats");
  for (const dimension of DIMENSIONS) {
    const all = best(() => writable.prepare(`SELECT * FROM ${VIEW_NAMES[dimension]}`).all());
    console.log(`without covering index run_steps_stats: stats_by_${dimension} ${fmt(all.ms)}`);
  }
  const started = performance.now();
  writable.exec("CREATE INDEX run_steps_stats ON run_steps (assistant_id, created_at, type, status, completion_seconds, last_error_code, prompt_tokens, completion_tokens, total_tokens, id)");
  console.log(`building run_steps_stats over ${STEPS} rows: ${fmt(performance.now() - started)} (store build took ${buildSeconds.toFixed(1)} s)`);
}
writable.close();
sqlite.close();
if (process.env.BENCH_KEEP !== "1") rmSync(work, { recursive: true, force: true });
else console.log(`kept ${dbPath}`);
