import type { LogEvent } from "../../records/events.js";
import type { Run } from "../../records/schemas.js";
import { RUN_STATUS_RANK } from "../../records/statuses.js";
import { compareCanonical } from "../runSteps/compare.js";

function compareRuns(a: Run, b: Run): number {
  const rank = (RUN_STATUS_RANK[a.status] ?? 0) - (RUN_STATUS_RANK[b.status] ?? 0);
  return rank !== 0 ? rank : compareCanonical(a, b);
}

/** The run's winning snapshot after one more of its events. Pure. */
export function evolveRun(current: Run | null, event: LogEvent): Run | null {
  if (event.kind !== "run") return current;
  return current === null || compareRuns(event.payload, current) > 0 ? event.payload : current;
}
