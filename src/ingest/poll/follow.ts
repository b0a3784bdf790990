import { APIUserAbortError, type OpenAI } from "openai";
import { setMaxListeners } from "node:events";
import { createTriage, PollRefused } from "./errors.js";
import { createLimiter } from "./limiter.js";
import { createListings } from "./listings.js";
import { createPager, type PagerOptions } from "./pager.js";
import { createProgress } from "./progress.js";
import { createRounds, type Rounds } from "./rounds.js";
import type { RecordSink } from "./sink.js";
import { refKey, type PollProblem, type PollProgress, type PollReport, type PollTargets, type RunRef } from "./types.js";

export interface PollOptions extends PagerOptions {
  /** Repeat until every watched run is finished. */
  follow?: boolean;
  intervalMs?: number;
  /** Aborting cancels the request in flight; what was already fetched is committed before returning. */
  signal?: AbortSignal;
  /** Listings in flight at once (default 4): a remote server's latency is waited out side by side. */
  concurrency?: number;
}

/** What a poll needs besides the server: it never touches the store itself. */
export interface PollDependencies {
  sink: Pick<RecordSink, "stage" | "flush">;
  /** Every run the store holds unfinished now (`openRuns` of the runs projection). */
  openRuns: () => Promise<readonly RunRef[]>;
  onProgress?: (progress: PollProgress) => void;
}

/** `halt` stops every request in flight: on the caller's signal, or when one listing meets a fatal error. */
function haltOn(callerSignal: AbortSignal | undefined): AbortController {
  const halt = new AbortController();
  setMaxListeners(0, halt.signal); // one listener per listing in flight, each removed when it ends
  if (callerSignal?.aborted) halt.abort();
  callerSignal?.addEventListener("abort", () => halt.abort(), { once: true });
  return halt;
}

/** The pause between rounds, cut short by an abort. */
function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Next round: only the watched threads that still have unfinished runs, and the other unfinished runs alone; a run
 * named at the start (`--run`, `--open`) stays named, so a thread listing that leaves it out does not lose it.
 */
function nextTargets(stillOpen: readonly RunRef[], watchedThreads: readonly string[], named: ReadonlySet<string>): PollTargets {
  const openThreads = new Set(stillOpen.map((ref) => ref.threadId));
  const threads = watchedThreads.filter((threadId) => openThreads.has(threadId));
  const threadSet = new Set(threads);
  return { threads, runs: stillOpen.filter((ref) => !threadSet.has(ref.threadId) || named.has(refKey(ref))) };
}

interface FollowParts {
  rounds: Rounds;
  flush: () => Promise<void>;
  unfinished: (runs: readonly RunRef[]) => Promise<RunRef[]>;
  signal: AbortSignal;
  /** Counts the rounds begun, interrupted or not. */
  counted: { rounds: number };
}

/** Round after round while `follow` asks for it and the store holds a polled run unfinished. */
async function followRounds(first: PollTargets, { rounds, flush, unfinished, signal, counted }: FollowParts, options: PollOptions) {
  let targets = first;
  const named = new Set(first.runs.map(refKey));
  for (let round = 1; ; round++) {
    counted.rounds = round;
    const { polled, watchedThreads } = await rounds.poll(round, targets);
    if (!options.follow) return;
    await flush();
    const stillOpen = await unfinished(polled);
    if (stillOpen.length === 0) return;
    targets = nextTargets(stillOpen, watchedThreads, named);
    await abortable(options.intervalMs ?? 5000, signal);
    if (signal.aborted) throw new APIUserAbortError();
  }
}

/**
 * Polls runs and their steps through the official SDK (CONTRACT §8 `poll`): lists each thread's
 * runs, retrieves each named run, lists every run's steps (auto-pagination), and stages each page
 * in the sink. A run or thread that fails is reported and the others go on; with `follow`,
 * rounds repeat until the store holds every watched run finished. A 401/403 stops every listing.
 */
export async function pollRuns(client: OpenAI, targets: PollTargets, { sink, openRuns, onProgress }: PollDependencies, options: PollOptions = {}): Promise<PollReport> {
  const halt = haltOn(options.signal);
  const progress = createProgress(onProgress);
  const problems: PollProblem[] = [];
  const unfinished = async (runs: readonly RunRef[]) => {
    const open = new Set((await openRuns()).map(refKey));
    return runs.filter((ref) => open.has(refKey(ref)));
  };
  const limited = createLimiter(Math.max(1, options.concurrency ?? 4), halt.signal);
  const listings = createListings({ pager: createPager(client, options), limited, stage: sink.stage, triage: createTriage(halt), progress, problems });
  const rounds = createRounds({ listings, progress, unfinished });
  const counted = { rounds: 0 };
  let interrupted = false;
  let refused: string | null = null;
  try {
    await followRounds(targets, { rounds, flush: sink.flush, unfinished, signal: halt.signal, counted }, options);
  } catch (error) {
    // A refusal ends the poll as an interruption does: what was met before it is still reported.
    if (error instanceof PollRefused) refused = error.message;
    else if (error instanceof APIUserAbortError) interrupted = true;
    else throw error;
  } finally {
    await sink.flush();
  }
  return { rounds: counted.rounds, runs: rounds.runsPolled(), steps: progress.steps(), problems, interrupted, refused };
}
