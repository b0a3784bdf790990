import { NotFoundError } from "openai";
import type { Triage } from "./errors.js";
import type { Limited } from "./limiter.js";
import type { Pager } from "./pager.js";
import type { Progress } from "./progress.js";
import { recordsOfBodyText, type PolledRecord } from "./records.js";
import type { PollProblem, RunRef } from "./types.js";

interface ListingParts {
  pager: Pager;
  limited: Limited;
  stage: (records: PolledRecord[]) => Promise<void>;
  triage: Triage;
  progress: Progress;
  /** Where a thread's or run's own failure is reported; the others go on. */
  problems: PollProblem[];
}

/**
 * The runs a page of a thread's runs names: its items that passed validation as runs. An item that did
 * not (no id, `"id": 42`, `null`) is a rejection like any other, and no request is built from it.
 */
const runsListed = (threadId: string, records: readonly PolledRecord[]): RunRef[] =>
  records.flatMap((r) => ("key" in r && r.record.type === "thread.run" && r.record.runId !== null ? [{ threadId, runId: r.record.runId }] : []));

/** A thread's runs, a run, a run's steps: each read in a slot of the limiter, its pages staged in order. */
export function createListings({ pager, limited, stage, triage, progress, problems }: ListingParts) {
  const fail = (error: unknown, where: Pick<PollProblem, "threadId" | "runId">) => {
    const message = triage(error);
    problems.push({ kind: error instanceof NotFoundError ? "not_found" : "failed", ...where, message });
  };
  return {
    async listRuns(threadId: string): Promise<RunRef[] | null> {
      const listed: RunRef[] = [];
      try {
        await limited(async (signal) => {
          for await (const page of pager.runsOf(threadId, signal)) {
            await stage(page.records);
            listed.push(...runsListed(threadId, page.records));
          }
        });
        return listed;
      } catch (error) {
        fail(error, { threadId, runId: null });
        return null;
      }
    },

    /** The run's own snapshot, kept as the body's bytes; a 404 is left for the steps' listing to confirm. */
    async retrieveRun(ref: RunRef): Promise<"retrieved" | "not_found" | "failed"> {
      try {
        const response = await limited((signal) => pager.runResponse(ref, signal));
        await stage(recordsOfBodyText(await response.text(), response.url));
        return "retrieved";
      } catch (error) {
        if (!(error instanceof NotFoundError)) {
          fail(error, ref);
          return "failed";
        }
        triage(error); // an abort still stops the poll
        return "not_found";
      }
    },

    async listSteps(ref: RunRef): Promise<boolean> {
      try {
        await limited(async (signal) => {
          for await (const page of pager.stepsOf(ref, signal)) {
            await stage(page.records);
            progress.stepsListed(page.items.length);
          }
        });
        return true;
      } catch (error) {
        fail(error, ref);
        return false;
      }
    },
  };
}

export type Listings = ReturnType<typeof createListings>;
