import type { LogEvent } from "../../records/events.js";
import type { Run } from "../../records/schemas.js";
import type { BatchChanges } from "../changes.js";
import type { Projection } from "../projection.js";
import { snapshotProjection } from "../snapshotProjection.js";
import { evolveRun } from "./evolve.js";
import { runs } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";

const numberOrNull = (value: unknown) => (typeof value === "number" ? value : null);

/** The `runs` columns of a run's winning snapshot. */
export function runValues(run: Run): typeof runs.$inferInsert {
  return {
    id: run.id,
    threadId: run.thread_id ?? null,
    assistantId: run.assistant_id ?? null,
    status: run.status ?? null,
    model: run.model ?? null,
    createdAt: numberOrNull(run.created_at),
    startedAt: numberOrNull(run.started_at),
    expiresAt: numberOrNull(run.expires_at),
    completedAt: numberOrNull(run.completed_at),
    failedAt: numberOrNull(run.failed_at),
    cancelledAt: numberOrNull(run.cancelled_at),
    data: JSON.stringify(run),
  };
}

/** The run snapshot an event carries; null for any other event. */
const snapshotOf = (event: LogEvent) => (event.kind === "run" ? event.payload : null);

/** The rollups count a step under its run's model: a model named or changed moves the run's steps. */
function changed(changes: BatchChanges, stored: Run | null, winner: Run): void {
  if ((stored?.model ?? null) !== (winner.model ?? null)) changes.runModels.set(winner.id, { before: stored?.model ?? null, after: winner.model ?? null });
}

/** The runs projection: each run's winning snapshot. */
export const runsProjection: Projection = snapshotProjection({ name: PROJECTION_NAMES.runs, table: runs, snapshotOf, evolve: evolveRun, values: runValues, changed });
