import { countRuns } from "../../projections/runs/queries.js";
import { countSteps, runStepPages } from "../../projections/runSteps/queries.js";
import { eventPages, eventRowJson, rejectionPages } from "../../store/readEvents.js";
import { openStore } from "../../openStore.js";
import { behindTheLog, projectionsBehind, READ_MODELS } from "../../projections/behind.js";
import { lastPosition, logCounts, readCheckpoints } from "../../store/checkpoints.js";
import { holdsNoStatement } from "../../store/readOnlyQuery.js";
import { MAX_TIMER_SECONDS, numberSetting } from "../../settings.js";
import { dbPath } from "../db.js";
import { UsageError } from "../errors.js";
import { cliIo, writeOut } from "../io.js";
import { formatRows, jsonlPages, jsonPages, tablePages, type Row } from "../output.js";
import { PAGE_ROWS, writePages } from "../pagedOutput.js";

export async function stepsCommand(options: { db?: string; thread?: string; run?: string; status?: string; format: string }) {
  const { sql, close } = await openStore(dbPath(options.db), { mode: "read" });
  try {
    const pages = runStepPages(sql, { threadId: options.thread, runId: options.run, status: options.status, order: "asc" }, PAGE_ROWS);
    const format = options.format === "table" ? tablePages(["id", "created_at", "run_id", "type", "status", "assistant_id"]) : options.format === "json" ? jsonPages() : jsonlPages();
    await writePages<Row>(pages, format);
  } finally {
    await close();
  }
}

export async function eventsCommand(options: { db?: string; step?: string; run?: string; format: string }) {
  if (options.step !== undefined && options.run !== undefined) throw new UsageError("events takes one of --step ID or --run ID, not both");
  const { sql, close } = await openStore(dbPath(options.db), { mode: "read" });
  try {
    const pages = eventPages(sql, options.step !== undefined ? { stepId: options.step } : options.run !== undefined ? { runId: options.run } : "all", PAGE_ROWS);
    if (options.format === "table") await writePages(pages as AsyncIterable<Row[]>, tablePages(["position", "type", "step_id", "run_id", "source", "origin", "received_at"]));
    else await writePages(pages, jsonlPages(eventRowJson));
  } finally {
    await close();
  }
}

export async function rejectionsCommand(options: { db?: string; format: string }) {
  const { sql, close } = await openStore(dbPath(options.db), { mode: "read" });
  try {
    const pages = rejectionPages(sql, PAGE_ROWS) as AsyncIterable<Row[]>;
    await writePages(pages, options.format === "table" ? tablePages(["id", "origin", "path", "reason"]) : jsonlPages());
  } finally {
    await close();
  }
}


/** `sql`: one read-only query, stopped after `--timeout` seconds, at most `--max-rows` rows printed. */
export async function sqlCommand(query: string, options: { db?: string; format: string; timeout: string; maxRows: string }) {
  // A millisecond at least: the query's timer counts in them.
  const timeoutMs = numberSetting("--timeout", options.timeout, { whole: false, min: 0.001, max: MAX_TIMER_SECONDS, unit: "seconds" }) * 1000;
  const maxRows = numberSetting("--max-rows", options.maxRows, { whole: true, min: 1, max: Number.MAX_SAFE_INTEGER });
  // Bad usage, as an empty option value is (an unset shell variable leaves it), and the same on both stores: said before the store is opened.
  if (holdsNoStatement(query)) throw new UsageError('the query is empty: give one SQL statement, e.g. stepstore sql "SELECT count(*) FROM run_steps"');
  // A missing or foreign database is named on opening, as by every read command.
  const store = await openStore(dbPath(options.db), { mode: "read" });
  let answer;
  let behind: string[];
  try {
    answer = await store.query(query, { timeoutMs, maxRows });
    behind = await projectionsBehind(store.sql, READ_MODELS);
  } finally {
    await store.close();
  }
  const { columns, rows, cut } = answer;
  await writeOut(formatRows(rows, options.format, columns));
  if (cut) cliIo().stderr.write(`rows cut at ${maxRows} (--max-rows ${maxRows}): the query returns more; raise --max-rows or add a LIMIT\n`);
  // The views read the rollups: said, as a report refuses, where a read model is not yet refolded (the answer stands).
  if (behind.length > 0) cliIo().stderr.write(`${behindTheLog(store.path, behind)}: its tables and the stats_by_* views are as last folded; run \`stepstore rebuild\` (or any write command) once\n`);
}

export async function statusCommand(options: { db?: string }) {
  const store = await openStore(dbPath(options.db), { mode: "read" });
  const { sql } = store;
  try {
    const log = await logCounts(sql);
    const { steps, byStatus } = await countSteps(sql);
    const lines = [
      await store.describe(),
      `events       ${log.events}`,
      `rejections   ${log.rejections}`,
      `steps        ${steps}${byStatus.length ? ` (${byStatus.map((s) => `${s.status} ${s.n}`).join(", ")})` : ""}`,
      `runs         ${await countRuns(sql)}`,
      `position     ${await lastPosition(sql)}`,
      ...(await readCheckpoints(sql)).map((c) => `checkpoint   ${c.name} ${c.position}`),
    ];
    await writeOut(`${lines.join("\n")}\n`);
  } finally {
    await store.close();
  }
}
