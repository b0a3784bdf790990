import { Presets, SingleBar } from "cli-progress";
import { readFileSync } from "node:fs";
import { OpenAI } from "openai";
import { PollRefused, pollRuns, type PolledRecord, type PollProblem, type RunRef } from "../../ingest/poll.js";
import { openRuns } from "../../projections/runs/queries.js";
import { sha256Hex } from "../../records/canonical.js";
import type { RejectedRecord } from "../../records/classify.js";
import { appendAll, type IngestSummary } from "../../store/appendAll.js";
import { openStepstore } from "../../stepstore.js";
import { dbPath } from "../db.js";
import { EXIT, UsageError } from "../errors.js";
import { writeOut } from "../output.js";
import { describeRejection } from "./ingest.js";

export interface PollCommandOptions {
  db?: string;
  thread?: string[];
  threadFile?: string[];
  run?: string[];
  open?: boolean;
  follow?: boolean;
  interval: string;
  includeContent?: boolean;
  baseUrl?: string;
  query: string[];
  header: string[];
  maxRetries: string;
  concurrency: string;
  json?: boolean;
}

/** A `--thread-file`: one thread id a line; `#` starts a comment; blank lines skipped. */
export function threadIdsOfFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--thread-file ${path}: ${(error as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line.length > 0);
}

function runRef(value: string): RunRef {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value.trim());
  if (!match) throw new UsageError(`--run expects THREAD_ID/RUN_ID, got ${JSON.stringify(value)}`);
  return { threadId: match[1]!, runId: match[2]! };
}

/** `k=v` (or, for headers, `k: v`) pairs into an object. */
function pairs(values: readonly string[], flag: string, separators: RegExp): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const match = separators.exec(value);
    if (!match || match.index === 0) throw new UsageError(`${flag} expects NAME=VALUE, got ${JSON.stringify(value)}`);
    result[value.slice(0, match.index).trim()] = value.slice(match.index + match[0].length).trim();
  }
  return result;
}

function nonNegativeNumber(value: string, flag: string, { integer = false } = {}): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} expects a ${integer ? "whole " : ""}number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

/** The SDK client: OPENAI_API_KEY / OPENAI_BASE_URL as the SDK reads them, plus what Azure-style servers need. */
function clientOf(options: PollCommandOptions): OpenAI {
  const defaultQuery = pairs(options.query, "--query", /=/);
  const headers = pairs(options.header, "--header", /[=:]/);
  const apiKey = process.env.OPENAI_API_KEY;
  const hasAuthHeader = Object.keys(headers).some((name) => /^(authorization|api-key)$/i.test(name));
  if (!apiKey && !hasAuthHeader) {
    throw new UsageError("poll needs OPENAI_API_KEY, or a --header with the server's credentials (e.g. --header api-key=KEY)");
  }
  return new OpenAI({
    apiKey: apiKey || "unused",
    baseURL: options.baseUrl,
    defaultQuery,
    // Without an API key the credentials travel in the given header alone: no `Authorization: Bearer unused`.
    defaultHeaders: { ...(apiKey ? {} : { Authorization: null }), ...headers },
    maxRetries: nonNegativeNumber(options.maxRetries, "--max-retries", { integer: true }),
  });
}

function describeProblem(p: PollProblem): string {
  const what = p.runId === null ? `thread ${p.threadId}` : `run ${p.threadId}/${p.runId}`;
  return p.kind === "not_found" ? `${what}: not found (${p.message})` : `${what} failed: ${p.message}`;
}

export async function pollCommand(options: PollCommandOptions): Promise<number> {
  const threads = [...(options.thread ?? []), ...(options.threadFile ?? []).flatMap(threadIdsOfFile)];
  const runs = (options.run ?? []).map(runRef);
  if (threads.length === 0 && runs.length === 0 && !options.open) {
    throw new UsageError("poll needs --thread ID..., --thread-file FILE, --run THREAD_ID/RUN_ID... or --open");
  }
  const intervalMs = nonNegativeNumber(options.interval, "--interval") * 1000;
  const concurrency = nonNegativeNumber(options.concurrency, "--concurrency", { integer: true });
  if (concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency expects 1 to 64, got ${options.concurrency}`);
  const client = clientOf(options);

  const store = openStepstore(dbPath(options.db));
  const totals: IngestSummary = { records: 0, appended: 0, duplicates: 0, rejected: 0 };
  /** The summary line of `ingest`, or with --json its object and what the poll adds. */
  const printSummary = (extra: Record<string, unknown>) =>
    writeOut(options.json
      ? `${JSON.stringify({ ...totals, ...extra })}\n`
      : `${totals.records} records: ${totals.appended} appended, ${totals.duplicates} duplicates, ${totals.rejected} rejected\n`);
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: "poll {bar} {value}/{total} runs | {steps} steps | {appended} appended", hideCursor: true }, Presets.shades_classic)
    : null;
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    // A named run of a named thread comes with its thread's listing; each run is polled once a round.
    const threadSet = new Set(threads);
    const named = new Map<string, RunRef>();
    for (const ref of [...runs, ...(options.open ? await openRuns(store.sql) : [])]) {
      if (!threadSet.has(ref.threadId)) named.set(`${ref.threadId}/${ref.runId}`, ref);
    }
    const targets = { threads: [...threadSet], runs: [...named.values()] };
    let stepsSeen = 0;
    let barStarted = false;
    // Under --follow an invalid snapshot that has not changed is met again every round: it is kept
    // (and named) once a poll, not once a round.
    const rejectionsSeen = new Set<string>();
    const firstRejection = (r: RejectedRecord) => {
      const identity = sha256Hex(`${r.reason}\n${r.raw}`);
      if (rejectionsSeen.has(identity)) return false;
      rejectionsSeen.add(identity);
      return true;
    };
    const report = await pollRuns(
      client,
      targets,
      {
        commit: async (records: PolledRecord[]) => {
          const fresh = records.filter((r) => !("ok" in r) || firstRejection(r));
          const summary = await appendAll(store.append, (async function* () { yield* fresh; })(), {
            source: "poll",
            onRejected: (r) => process.stderr.write(`${bar ? "\n" : ""}${describeRejection(r)}\n`),
          });
          totals.records += summary.records;
          totals.appended += summary.appended;
          totals.duplicates += summary.duplicates;
          totals.rejected += summary.rejected;
          if (barStarted) bar?.update({ appended: totals.appended, steps: stepsSeen });
        },
        unfinished: async (candidates) => {
          const open = new Set((await openRuns(store.sql)).map((r) => `${r.threadId}/${r.runId}`));
          return candidates.filter((r) => open.has(`${r.threadId}/${r.runId}`));
        },
        onProgress: (p) => {
          stepsSeen = p.steps;
          if (bar && !barStarted) (bar.start(p.runsKnown, 0, { steps: 0, appended: 0 }), (barStarted = true));
          bar?.setTotal(p.runsKnown);
          bar?.update(p.runsDone, { steps: p.steps, appended: totals.appended });
        },
      },
      { includeContent: options.includeContent, follow: options.follow, intervalMs, concurrency, signal: controller.signal },
    );
    bar?.stop();
    for (const p of report.problems) process.stderr.write(`stepstore: ${describeProblem(p)}\n`);
    if (report.interrupted) process.stderr.write("stepstore: poll interrupted; everything committed before it is kept\n");
    const failed = report.problems.filter((p) => p.kind === "failed");
    const notFound = report.problems.filter((p) => p.kind === "not_found");
    const asJson = (ps: PollProblem[]) => ps.map((p) => ({ thread_id: p.threadId, run_id: p.runId, message: p.message }));
    await printSummary({
      runs: report.runs, steps: report.steps, rounds: report.rounds,
      failed: asJson(failed), not_found: asJson(notFound), interrupted: report.interrupted,
    });
    // A 404 alone is reported and the others go on; but a poll that found nothing at all failed.
    if (notFound.length > 0 && totals.records === 0 && !report.interrupted) {
      process.stderr.write("stepstore: nothing was polled: every thread and run asked for answered 404\n");
      return EXIT.failure;
    }
    return failed.length > 0 ? EXIT.failure : totals.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } catch (error) {
    if (error instanceof PollRefused) {
      bar?.stop();
      process.stderr.write(`stepstore: the server refused the credentials: ${error.message}\n`);
      await printSummary({ refused: error.message });
      return EXIT.failure;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSigint);
    bar?.stop();
    store.close();
  }
}
