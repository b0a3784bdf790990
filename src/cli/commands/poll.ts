import { readFileSync } from "node:fs";
import { OpenAI } from "openai";
import { createRecordSink, CREDENTIAL_NAME, fetchKeepingBodies, isSecretParam, pollRuns, withoutUrlCredentials, type PollOptions, type PollProblem, type PollReport, type PollTargets, type RunRef } from "../../ingest/poll/index.js";
import { openRuns } from "../../projections/runs/queries.js";
import type { IngestSummary } from "../../store/appendAll.js";
import type { Store } from "../../store/store.js";
import { MAX_TIMER_SECONDS, numberSetting, withoutSecrets } from "../../settings.js";
import { dbPath, openStoreForWriting } from "../db.js";
import { openStore } from "../../openStore.js";
import { EXIT, unsendable, UsageError } from "../errors.js";
import { abortOnStopSignals } from "../interrupt.js";
import { cliIo, writeOut } from "../io.js";
import { pollProgress } from "../progress.js";
import { describeRejection, summaryLine } from "./ingest.js";

interface PollCommandOptions {
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
  timeout: string;
  concurrency: string;
  json?: boolean;
}

/** A `--thread-file`: one thread id a line; `#` starts a comment; blank lines skipped. */
function threadIdsOfFile(path: string): string[] {
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

interface PairSyntax {
  flag: string;
  expected: string;
  separators: RegExp;
}

const QUERY_PAIR: PairSyntax = { flag: "--query", expected: "NAME=VALUE", separators: /=/ };
const HEADER_PAIR: PairSyntax = { flag: "--header", expected: "NAME: VALUE or NAME=VALUE", separators: /[=:]/ };

/** A pair that is not one, named by its first word at most: the value may be a secret (`Authorization Bearer sk-…`). */
function malformedPair(value: string, { flag, expected }: PairSyntax): UsageError {
  const words = value.trim().split(/\s+/);
  const got = words.length > 1 ? `"${words[0]} …" (the rest is not shown` : "one that is not (not shown";
  return new UsageError(`${flag} expects ${expected}, got ${got}: it may be a secret)`);
}

/** `k=v` (or, for headers, `k: v`) pairs into an object. */
function pairs(values: readonly string[], syntax: PairSyntax): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const match = syntax.separators.exec(value);
    if (!match || match.index === 0) throw malformedPair(value, syntax);
    result[value.slice(0, match.index).trim()] = value.slice(match.index + match[0].length).trim();
  }
  return result;
}

/** `--base-url`, else `$OPENAI_BASE_URL` (the SDK reads it the same way), checked: the SDK's own error says only "Invalid URL". */
function baseUrlOf(options: PollCommandOptions): string | undefined {
  const [name, url] = options.baseUrl !== undefined ? ["--base-url", options.baseUrl] : ["OPENAI_BASE_URL", process.env.OPENAI_BASE_URL || undefined];
  if (url === undefined) return undefined;
  const protocol = URL.canParse(url) ? new URL(url).protocol : null;
  if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`${name} must be an http:// or https:// URL (e.g. https://api.openai.com/v1), got ${JSON.stringify(withoutUrlCredentials(url))}`);
  return url;
}

/**
 * The credentials a poll sends: the API key, the value (and its token after `Bearer`) of each header whose name says
 * credentials (Azure API Management's `Ocp-Apim-Subscription-Key` too), and of each `--query` parameter that events'
 * origins mask (`api-key`, `code`). Another value (`x-retry: 1`, `api-version`) is not one: hidden wherever it appears,
 * it would mangle ids and counts in every message.
 */
const credentialsOf = (apiKey: string | undefined, headers: Record<string, string>, query: Record<string, string>): string[] => [
  ...(apiKey ? [apiKey] : []),
  ...Object.entries(headers).filter(([name, value]) => CREDENTIAL_NAME.test(name) && value !== "").flatMap(([, value]) => [value, value.replace(/^bearer\s+/i, "")]),
  ...Object.entries(query).filter(([name, value]) => isSecretParam(name) && value !== "").map(([, value]) => value),
];

/**
 * The SDK client: OPENAI_API_KEY / OPENAI_BASE_URL as the SDK reads them, plus what Azure-style servers need; and the
 * credentials it sends, kept out of what the poll prints (a server may echo them in an error).
 */
function clientOf(options: PollCommandOptions): { client: OpenAI; credentials: string[] } {
  const defaultQuery = pairs(options.query, QUERY_PAIR);
  const headers = pairs(options.header, HEADER_PAIR);
  const apiKey = process.env.OPENAI_API_KEY;
  if (!apiKey && Object.keys(headers).length === 0) {
    throw new UsageError("poll needs OPENAI_API_KEY, or a --header with the server's credentials (e.g. --header api-key=KEY)");
  }
  // Else each request fails as a body that "could not be read", though none was sent.
  const problem = [unsendable("OPENAI_API_KEY", apiKey ?? ""), ...Object.entries(headers).map(([name, value]) => unsendable(`--header ${name}`, value))].find((p) => p !== null);
  if (problem) throw problem;
  const client = new OpenAI({
    apiKey: apiKey || "unused",
    baseURL: baseUrlOf(options),
    defaultQuery,
    // Without an API key the credentials travel in the given header alone: no `Authorization: Bearer unused`.
    defaultHeaders: { ...(apiKey ? {} : { Authorization: null }), ...headers },
    maxRetries: numberSetting("--max-retries", options.maxRetries, { whole: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    // The SDK's own default is 10 minutes an attempt: a server that accepts and never answers held a round for an hour.
    timeout: numberSetting("--timeout", options.timeout, { whole: false, min: 0.001, max: MAX_TIMER_SECONDS, unit: "seconds" }) * 1000,
    fetch: fetchKeepingBodies,
  });
  return { client, credentials: credentialsOf(apiKey, headers, defaultQuery) };
}

const subjectOf = (threadId: string, runId: string | null) => (runId === null ? `thread ${threadId}` : `run ${threadId}/${runId}`);

function describeProblem(p: PollProblem): string {
  const what = subjectOf(p.threadId, p.runId);
  return p.kind === "not_found" ? `${what}: not found (${p.message})` : `${what} failed: ${p.message}`;
}

/** Every thread and run asked for answered 404 (OpenAI's own `/v1/threads` since the shutdown): not one of them is there. */
function everyTargetNotFound(targets: PollTargets, notFound: readonly PollProblem[]): boolean {
  const missing = new Set(notFound.map((p) => subjectOf(p.threadId, p.runId)));
  const asked = [...targets.threads.map((threadId) => subjectOf(threadId, null)), ...targets.runs.map((ref) => subjectOf(ref.threadId, ref.runId))];
  return asked.length > 0 && asked.every((subject) => missing.has(subject));
}

/**
 * Each thread and run once. A run named by --run or --open is polled by itself even when its thread is listed too: the
 * listing may leave it out, or fail (a server that serves steps and not runs); a round polls a run once either way.
 */
function targetsOf(threads: readonly string[], runs: readonly RunRef[]) {
  const named = new Map(runs.map((ref) => [`${ref.threadId}/${ref.runId}`, ref]));
  return { threads: [...new Set(threads)], runs: [...named.values()] };
}

/** The summary line of `ingest`, or with --json its object and what the poll adds. */
function printSummary(totals: IngestSummary, json: boolean | undefined, extra: Record<string, unknown>) {
  return writeOut(json
    ? `${JSON.stringify({ ...totals, ...extra })}\n`
    : `${summaryLine(totals)}\n`);
}

/** Problems on stderr, the summary on stdout, and the exit code they make. */
async function reportOutcome(report: PollReport, targets: PollTargets, totals: IngestSummary, json: boolean | undefined, credentials: readonly string[]): Promise<number> {
  const said = (text: string) => withoutSecrets(text, credentials);
  for (const p of report.problems) cliIo().stderr.write(`stepstore: ${said(describeProblem(p))}\n`);
  if (report.interrupted) cliIo().stderr.write("stepstore: poll interrupted; everything committed before it is kept\n");
  if (report.refused !== null) cliIo().stderr.write(`stepstore: the server refused the credentials: ${said(report.refused)}\n`);
  const failed = report.problems.filter((p) => p.kind === "failed");
  const notFound = report.problems.filter((p) => p.kind === "not_found");
  const asJson = (ps: PollProblem[]) => ps.map((p) => ({ thread_id: p.threadId, run_id: p.runId, message: said(p.message) }));
  await printSummary(totals, json, {
    runs: report.runs, steps: report.steps, rounds: report.rounds,
    failed: asJson(failed), not_found: asJson(notFound), interrupted: report.interrupted,
    ...(report.refused !== null ? { refused: said(report.refused) } : {}),
  });
  if (report.refused !== null) return EXIT.failure;
  // A 404 alone is reported and the others go on; but a poll whose every target answered 404, and that got no
  // record at all (a --follow round may find gone what an earlier round polled), failed.
  if (everyTargetNotFound(targets, notFound) && totals.records === 0 && !report.interrupted) {
    cliIo().stderr.write("stepstore: nothing was polled: every thread and run asked for answered 404\n");
    return EXIT.failure;
  }
  return failed.length > 0 ? EXIT.failure : totals.rejected > 0 ? EXIT.rejected : EXIT.ok;
}

interface PollRequest {
  client: OpenAI;
  credentials: readonly string[];
  threads: string[];
  runs: RunRef[];
  settings: Pick<PollOptions, "intervalMs" | "concurrency">;
}

/** Polls into the store, printing as it goes. */
async function pollInto(store: Store, options: PollCommandOptions, { client, credentials, threads, runs, settings }: PollRequest): Promise<number> {
  const bar = pollProgress();
  const sink = createRecordSink(store.append, {
    onRejected: (r) => cliIo().stderr.write(`${bar.linePrefix}${describeRejection(r)}\n`),
    onCommit: (totals) => bar.committed(totals),
  });
  const stop = abortOnStopSignals(() => bar.stop());
  try {
    const open = options.open ? await openRuns(store.sql) : [];
    // A mistyped --db (a new, empty store) would otherwise poll nothing and exit 0 forever under a service manager.
    if (options.open && open.length === 0) cliIo().stderr.write(`stepstore: --open: ${store.path} holds no unfinished run\n`);
    const targets = targetsOf(threads, [...runs, ...open]);
    const report = await pollRuns(client, targets, { sink, openRuns: () => openRuns(store.sql), onProgress: bar.progressed }, {
      ...settings, includeContent: options.includeContent, follow: options.follow, signal: stop.signal,
    });
    bar.stop();
    return await reportOutcome(report, targets, sink.totals(), options.json, credentials);
  } finally {
    stop.release();
    bar.stop();
  }
}

export async function pollCommand(options: PollCommandOptions): Promise<number> {
  const threads = [...(options.thread ?? []), ...(options.threadFile ?? []).flatMap(threadIdsOfFile)];
  const runs = (options.run ?? []).map(runRef);
  if (threads.length === 0 && runs.length === 0 && !options.open) {
    throw new UsageError("poll needs --thread ID..., --thread-file FILE, --run THREAD_ID/RUN_ID... or --open");
  }
  const settings = {
    intervalMs: numberSetting("--interval", options.interval, { whole: false, min: 0, max: MAX_TIMER_SECONDS, unit: "seconds" }) * 1000,
    concurrency: numberSetting("--concurrency", options.concurrency, { whole: true, min: 1, max: 64 }),
  };
  const { client, credentials } = clientOf(options);
  // --open alone polls what a store already holds: a mistyped --db must not make an empty store to find nothing in.
  if (threads.length === 0 && runs.length === 0) await (await openStore(dbPath(options.db), { mode: "read" })).close();
  const store = await openStoreForWriting(options.db);
  try {
    return await pollInto(store, options, { client, credentials, threads, runs, settings });
  } finally {
    await store.close();
  }
}
