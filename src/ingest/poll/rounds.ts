import { settleAll } from "./errors.js";
import type { Listings } from "./listings.js";
import type { Progress } from "./progress.js";
import { refKey, type PollTargets, type RunRef } from "./types.js";

interface RoundParts {
  listings: Listings;
  progress: Progress;
  /** Of these runs, the ones the store holds unfinished now (what earlier rounds polled is committed by then). */
  unfinished: (runs: readonly RunRef[]) => Promise<RunRef[]>;
}

interface RoundResult {
  /** The runs polled this round and not dropped. */
  polled: RunRef[];
  /** The threads whose runs were listed. */
  watchedThreads: string[];
}

/**
 * One round of a poll: every target's runs and steps, a run polled once a round. A run seen in an
 * earlier round is polled again only while the store holds it unfinished; a run that failed is dropped.
 */
export function createRounds({ listings, progress, unfinished }: RoundParts) {
  const everPolled = new Map<string, RunRef>();
  const runsWithSteps = new Set<string>();
  const dropped = new Set<string>();

  const pollRun = async (ref: RunRef, polled: Map<string, RunRef>, retrieve: boolean) => {
    const key = refKey(ref);
    if (polled.has(key) || dropped.has(key)) return;
    polled.set(key, ref);
    // A server may serve a run's steps and not the run itself (stepstore's own read API does): a 404
    // for the run still lists its steps, and only their 404 says the run is not there.
    const ok = (!retrieve || (await listings.retrieveRun(ref)) !== "failed") && (await listings.listSteps(ref));
    if (ok) runsWithSteps.add(key);
    else dropped.add(key);
    everPolled.set(key, ref);
    progress.runDone();
  };

  const pollThread = async (threadId: string, polled: Map<string, RunRef>, watchedThreads: string[], named: ReadonlySet<string>) => {
    // Asked before the listing is staged: a run that finished since the last round is then still unfinished in the
    // store, and its steps are listed once more, with the ones it finished with (asked after, it looked done).
    const earlier = [...everPolled.values()].filter((ref) => ref.threadId === threadId);
    const open = new Set(earlier.length > 0 ? (await unfinished(earlier)).map(refKey) : []);
    const listed = await listings.listRuns(threadId);
    if (listed === null) return;
    watchedThreads.push(threadId);
    const due = listed.filter((ref) => !everPolled.has(refKey(ref)) || open.has(refKey(ref)));
    progress.runsFound(due.filter((ref) => !named.has(refKey(ref))).length); // a named run was counted when the round began
    await settleAll(due.map((ref) => pollRun(ref, polled, false)));
  };

  return {
    async poll(round: number, targets: PollTargets): Promise<RoundResult> {
      progress.roundStarted(round, targets.runs.length);
      const polled = new Map<string, RunRef>();
      const watchedThreads: string[] = [];
      const named = new Set(targets.runs.map(refKey));
      await settleAll([
        ...targets.threads.map((threadId) => pollThread(threadId, polled, watchedThreads, named)),
        ...targets.runs.map((ref) => pollRun(ref, polled, true)),
      ]);
      return { polled: [...polled.values()].filter((ref) => !dropped.has(refKey(ref))), watchedThreads };
    },
    /** Distinct runs whose steps were listed, over every round. */
    runsPolled: () => runsWithSteps.size,
  };
}

export type Rounds = ReturnType<typeof createRounds>;
