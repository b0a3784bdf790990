import type { LogEvent } from "../../store/logEvent.js";
import { compareCanonical } from "../runSteps/runStep.js";

type JsonObject = Record<string, unknown>;

/** Run status rank (CONTRACT §6): the higher rank wins, ties to the larger canonical JSON. */
export const RUN_STATUS_RANK: Record<string, number> = {
  queued: 0, in_progress: 1, requires_action: 2, cancelling: 3,
  completed: 4, failed: 4, cancelled: 4, expired: 4, incomplete: 4,
};

export const TERMINAL_RUN_RANK = 4;

export function isRunSnapshotEvent(event: Pick<LogEvent, "payload">): boolean {
  return event.payload.object === "thread.run";
}

function compareRuns(a: JsonObject, b: JsonObject): number {
  const rank = (RUN_STATUS_RANK[a.status as string] ?? 0) - (RUN_STATUS_RANK[b.status as string] ?? 0);
  return rank !== 0 ? rank : compareCanonical(a, b);
}

/** The run's winning snapshot after one more of its events. Pure. */
export function evolveRun(current: JsonObject | null, event: LogEvent): JsonObject | null {
  if (!isRunSnapshotEvent(event)) return current;
  return current === null || compareRuns(event.payload, current) > 0 ? event.payload : current;
}
