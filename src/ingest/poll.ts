import {
  APIUserAbortError, AuthenticationError, NotFoundError, OpenAIError, PermissionDeniedError, type OpenAI,
} from "openai";
import { setMaxListeners } from "node:events";
import type { RunRef } from "../projections/runs/queries.js";
import { invalidJson, recordsOf, type RejectedRecord } from "../records/classify.js";
import { sha256Hex } from "../records/canonical.js";
import { createEventKeyer } from "../records/eventKey.js";
import type { KeyedRecord } from "../store/append.js";

export type { RunRef } from "../projections/runs/queries.js";
export type PolledRecord = KeyedRecord | RejectedRecord;

/** What `include[]` asks for with `--include-content` (file_search results' text). */
export const FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content" as const;

export interface PollTargets {
  threads: readonly string[];
  runs: readonly RunRef[];
}

export interface PollOptions {
  includeContent?: boolean;
  /** Repeat until every watched run is finished. */
  follow?: boolean;
  intervalMs?: number;
  /** Aborting cancels the request in flight; what was already fetched is committed before returning. */
  signal?: AbortSignal;
  /** `limit` of each list request (1–100). */
  pageSize?: number;
  /** Listings in flight at once (default 4): a remote server's latency is waited out side by side. */
  concurrency?: number;
  /** Pages are committed together up to this many records (default 1000)… */
  batchRecords?: number;
  /** …or once the oldest uncommitted one has waited this long (default 1000 ms): a commit costs an fsync. */
  batchDelayMs?: number;
}

export interface PollProblem {
  kind: "not_found" | "failed";
  threadId: string;
  runId: string | null;
  message: string;
}

export interface PollProgress {
  round: number;
  runsDone: number;
  runsKnown: number;
  steps: number;
}

/** What the poller needs from the store: it never touches SQL itself. */
export interface PollSink {
  /** Appends records (a page or several) in one transaction, resolving once committed. */
  commit(records: PolledRecord[]): Promise<void>;
  /** Of these runs, the ones the store holds unfinished now. */
  unfinished(runs: readonly RunRef[]): Promise<RunRef[]>;
  onProgress?(progress: PollProgress): void;
  onProblem?(problem: PollProblem): void;
}

export interface PollReport {
  rounds: number;
  /** Distinct runs whose steps were listed. */
  runs: number;
  /** Step snapshots received. */
  steps: number;
  problems: PollProblem[];
  interrupted: boolean;
}

/** Credentials the server refuses: no other request would fare better, so the poll stops. */
export class PollRefused extends Error {}

const refKey = (ref: RunRef) => `${ref.threadId}/${ref.runId}`;

/** Query parameters whose values are credentials: kept out of `events.origin`. */
const SECRET_PARAM = /key|token|secret|sig|password/i;

/** The origin of a polled record: the request URL, with any credential in its query masked. */
export function originOfUrl(url: string): string {
  if (!url.includes("?")) return url;
  const parsed = new URL(url);
  let masked = false;
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) (parsed.searchParams.set(name, "REDACTED"), (masked = true));
  }
  return masked ? parsed.toString() : url;
}

/**
 * The records of one polled response (a list page, or one run): each keyed as CONTRACT §3 says,
 * so a snapshot that has not changed since the last poll gets the key it already has.
 */
export function recordsOfResponse(body: unknown, url: string, text = JSON.stringify(body)): PolledRecord[] {
  const origin = originOfUrl(url);
  const keyOf = createEventKeyer(sha256Hex(origin));
  const records: PolledRecord[] = [];
  // A list page's items are re-serialised one by one from its text (CONTRACT §4); a lone object is kept as the body's text.
  for (const record of recordsOf(body, text, origin)) records.push(record.ok ? { record, key: keyOf(record) } : record);
  return records;
}

/** The records of a response read as text: kept as its bytes, or rejected with them when it is not JSON. */
export function recordsOfBodyText(text: string, url: string): PolledRecord[] {
  try {
    return recordsOfResponse(JSON.parse(text) as unknown, url, text);
  } catch (error) {
    return [invalidJson(error, text, originOfUrl(url))];
  }
}

/** The SDK keeps a page's response and body to itself; the request URL and the page as served are our origin and record. */
function served(page: unknown): { url: string; body: unknown } {
  const { response, body } = page as { response: Response; body: unknown };
  return { url: response.url, body };
}

interface Paged<P> {
  hasNextPage(): boolean;
  getNextPage(): Promise<P>;
}

/**
 * A listing's pages, each next one already requested while the caller commits the current one.
 * The SDK pages on from the last item's `id`: a page that says `has_more` but ends with an item
 * without one cannot be followed, and is a failure of the listing rather than its silent end.
 */
async function* pagesAhead<P extends Paged<P>>(first: P): AsyncGenerator<P> {
  let page = first;
  for (;;) {
    const next = page.hasNextPage() ? page.getNextPage() : null;
    next?.catch(() => undefined); // settled by the caller's next turn, or abandoned with the listing
    yield page;
    if (!next) {
      const { url, body } = served(page);
      if ((body as { has_more?: unknown }).has_more === true) {
        throw new OpenAIError(`${originOfUrl(url)} says has_more but gives no id to page on after (its last item has none): the listing stops there`);
      }
      return;
    }
    page = await next;
  }
}

/** At most `slots` pieces of work at once; the others wait their turn in order. */
function createLimiter(slots: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active < slots) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over, not freed
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/** Waits for every task; then throws the first failure, preferring a real one to the aborts it caused. */
async function settleAll(tasks: readonly Promise<unknown>[]): Promise<void> {
  const failures = (await Promise.allSettled(tasks)).flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((e) => !(e instanceof APIUserAbortError)) ?? failures[0];
}

function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The SDK's message with its status, and what caused it (`Connection error. (fetch failed: connect ECONNREFUSED …)`). */
function describeError(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const message = (error as Error).message ?? String(error);
  const causes: string[] = [];
  for (let cause = (error as { cause?: unknown }).cause; cause instanceof Error; cause = cause.cause) causes.push(cause.message);
  const described = typeof status === "number" && !message.startsWith(String(status)) ? `${status} ${message}` : message;
  return causes.length > 0 ? `${described} (${causes.join(": ")})` : described;
}

/**
 * Polls runs and their steps through the official SDK (CONTRACT §8 `poll`): lists each thread's
 * runs, retrieves each named run, lists every run's steps (auto-pagination), and hands each page
 * to `sink.commit`. A run or thread that fails is reported and the others go on; with `follow`,
 * rounds repeat until the store holds every watched run finished.
 */
export async function pollRuns(client: OpenAI, targets: PollTargets, sink: PollSink, options: PollOptions = {}): Promise<PollReport> {
  // `halt` stops every request in flight: on the caller's signal, or when one task meets a fatal error.
  const halt = new AbortController();
  const signal = halt.signal;
  setMaxListeners(0, signal); // one listener per listing in flight, each removed when it ends
  if (options.signal?.aborted) halt.abort();
  options.signal?.addEventListener("abort", () => halt.abort(), { once: true });
  const limited = createLimiter(Math.max(1, options.concurrency ?? 4));
  /**
   * The SDK adds an abort listener to a request's signal for every request and page and never removes
   * it: each listing gets a signal of its own that follows ours and lives only as long as the listing.
   */
  const withSignal = <T>(work: (requestSignal: AbortSignal) => Promise<T>): Promise<T> =>
    limited(async () => {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const abort = () => controller.abort();
      if (signal.aborted) abort();
      signal.addEventListener("abort", abort, { once: true });
      try {
        return await work(controller.signal);
      } finally {
        signal.removeEventListener("abort", abort);
      }
    });
  const limit = options.pageSize ?? 100;
  const include = options.includeContent ? [FILE_SEARCH_CONTENT] : undefined;
  const report: PollReport = { rounds: 0, runs: 0, steps: 0, problems: [], interrupted: false };
  const everPolled = new Set<string>();
  const dropped = new Set<string>();
  let progress: PollProgress = { round: 0, runsDone: 0, runsKnown: 0, steps: 0 };

  // Staged records wait for one shared commit; everything staged is committed before the store is asked
  // what is unfinished, before a pause, and before returning (interrupted or not).
  let staged: PolledRecord[] = [];
  let stagedTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    clearTimeout(stagedTimer);
    stagedTimer = undefined;
    const batch = staged;
    staged = [];
    if (batch.length > 0) committing = committing.then(() => sink.commit(batch));
    return committing;
  };
  const stage = async (records: PolledRecord[]) => {
    staged.push(...records);
    if (staged.length >= (options.batchRecords ?? 1000)) await flush();
    else stagedTimer ??= setTimeout(() => void flush().catch(() => undefined), options.batchDelayMs ?? 1000);
  };

  const problem = (p: PollProblem) => {
    report.problems.push(p);
    sink.onProblem?.(p);
  };
  /**
   * A failed listing: the run's (or thread's) own problem to report, unless we were stopped, the
   * credentials were refused, or it is not a request's failure at all (a commit that failed): those stop everything.
   */
  const settle = (error: unknown): string => {
    if (error instanceof APIUserAbortError || signal.aborted) throw new APIUserAbortError();
    const refused = error instanceof AuthenticationError || error instanceof PermissionDeniedError;
    if (error instanceof OpenAIError && !refused) return describeError(error);
    halt.abort();
    throw refused ? new PollRefused(describeError(error)) : error;
  };

  const listRuns = async (threadId: string): Promise<RunRef[] | null> => {
    const listed: RunRef[] = [];
    try {
      await withSignal(async (requestSignal) => {
        const first = await client.beta.threads.runs.list(threadId, { limit }, { signal: requestSignal });
        for await (const page of pagesAhead(first)) {
          const { url, body } = served(page);
          await stage(recordsOfResponse(body, url));
          for (const run of page.data) listed.push({ threadId, runId: run.id });
        }
      });
      return listed;
    } catch (error) {
      const message = settle(error);
      problem({ kind: error instanceof NotFoundError ? "not_found" : "failed", threadId, runId: null, message });
      return null;
    }
  };

  /** The run's own snapshot, kept as the body's bytes; a 404 is left for the steps' listing to confirm. */
  const retrieveRun = async (ref: RunRef): Promise<"retrieved" | "not_found" | "failed"> => {
    try {
      const response = await withSignal((requestSignal) =>
        client.beta.threads.runs.retrieve(ref.runId, { thread_id: ref.threadId }, { signal: requestSignal }).asResponse());
      await stage(recordsOfBodyText(await response.text(), response.url));
      return "retrieved";
    } catch (error) {
      const message = settle(error);
      if (error instanceof NotFoundError) return "not_found";
      problem({ kind: "failed", ...ref, message });
      return "failed";
    }
  };

  const listSteps = async (ref: RunRef): Promise<boolean> => {
    try {
      await withSignal(async (requestSignal) => {
        const first = await client.beta.threads.runs.steps.list(ref.runId, { thread_id: ref.threadId, limit, order: "asc", include }, { signal: requestSignal });
        for await (const page of pagesAhead(first)) {
          const { url, body } = served(page);
          await stage(recordsOfResponse(body, url));
          report.steps += page.data.length;
          progress = { ...progress, steps: progress.steps + page.data.length };
          sink.onProgress?.(progress);
        }
      });
      return true;
    } catch (error) {
      const message = settle(error);
      problem({ kind: error instanceof NotFoundError ? "not_found" : "failed", ...ref, message });
      return false;
    }
  };

  const pollRun = async (ref: RunRef, polled: Map<string, RunRef>, retrieve: boolean) => {
    const key = refKey(ref);
    if (polled.has(key) || dropped.has(key)) return;
    polled.set(key, ref);
    // A server may serve a run's steps and not the run itself (stepstore's own read API does): a 404
    // for the run still lists its steps, and only their 404 says the run is not there.
    const ok = (!retrieve || (await retrieveRun(ref)) !== "failed") && (await listSteps(ref));
    if (!ok) dropped.add(key);
    if (!everPolled.has(key)) (everPolled.add(key), (report.runs += 1));
    progress = { ...progress, runsDone: progress.runsDone + 1 };
    sink.onProgress?.(progress);
  };

  let threads = [...targets.threads];
  let runs = [...targets.runs];
  try {
    for (let round = 1; ; round++) {
      report.rounds = round;
      progress = { round, runsDone: 0, runsKnown: runs.length, steps: progress.steps };
      sink.onProgress?.(progress);
      const polled = new Map<string, RunRef>();
      const watchedThreads: string[] = [];
      const pollThread = async (threadId: string) => {
        const listed = await listRuns(threadId);
        if (listed === null) return;
        watchedThreads.push(threadId);
        // A run seen in an earlier round is polled again only while the store holds it unfinished.
        const seen = listed.filter((ref) => everPolled.has(refKey(ref)));
        if (seen.length > 0) await flush();
        const open = new Set(seen.length > 0 ? (await sink.unfinished(seen)).map(refKey) : []);
        const due = listed.filter((ref) => !everPolled.has(refKey(ref)) || open.has(refKey(ref)));
        progress = { ...progress, runsKnown: progress.runsKnown + due.length };
        sink.onProgress?.(progress);
        await settleAll(due.map((ref) => pollRun(ref, polled, false)));
      };
      await settleAll([...threads.map(pollThread), ...runs.map((ref) => pollRun(ref, polled, true))]);

      if (!options.follow) break;
      await flush();
      const stillOpen = await sink.unfinished([...polled.values()].filter((ref) => !dropped.has(refKey(ref))));
      if (stillOpen.length === 0) break;
      const openThreads = new Set(stillOpen.map((ref) => ref.threadId));
      threads = watchedThreads.filter((t) => openThreads.has(t));
      const threadSet = new Set(threads);
      runs = stillOpen.filter((ref) => !threadSet.has(ref.threadId));
      await abortable(options.intervalMs ?? 5000, signal);
      if (signal.aborted) throw new APIUserAbortError();
    }
  } catch (error) {
    if (!(error instanceof APIUserAbortError)) throw error;
    report.interrupted = true;
  } finally {
    await flush();
  }
  return report;
}
