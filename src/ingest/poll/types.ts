import type { RunRef } from "../../records/events.js";

export type { RunRef };

export const refKey = (ref: RunRef) => `${ref.threadId}/${ref.runId}`;

export interface PollTargets {
  threads: readonly string[];
  runs: readonly RunRef[];
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

export interface PollReport {
  rounds: number;
  /** Distinct runs whose steps were listed. */
  runs: number;
  /** Step snapshots received. */
  steps: number;
  problems: PollProblem[];
  interrupted: boolean;
  /** The server refused the credentials (401/403), which stopped the poll: its message. */
  refused: string | null;
}
