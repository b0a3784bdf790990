import type { LogEvent } from "../../records/events.js";
import type { Run } from "../../records/schemas.js";
import { compareCanonical } from "../runSteps/compare.js";

/** Run status rank (CONTRACT §6): the higher rank wins, ties to the larger canonical JSON. */
export const RUN_STATUS_RANK: Record<string, number> = {
  queued: 0, in_progress: 1, requires_action: 2, cancelling: 3,
  completed: 4, failed: 4, cancelled: 4, expired: 4, incomplete: 4,
};

export const TERMINAL_RUN_RANK = 4;

function compareRuns(a: Run, b: Run): number {
  const rank = (RUN_STATUS_RANK[a.status] ?? 0) - (RUN_STATUS_RANK[b.status] ?? 0);
  return rank !== 0 ? rank : compareCanonical(a, b);
}

/** The run's winning snapshot after one more of its events. Pure. */
export function evolveRun(current: Run | null, event: LogEvent): Run | null {
  if (event.kind !== "run") return current;
  return current === null || compareRuns(event.payload, current) > 0 ? event.payload : current;
}
