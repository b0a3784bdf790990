import type { Run } from "../../records/schemas.js";
import { deleteAllSql, upsertOf } from "../../store/sqlText.js";
import type { Projection } from "../projection.js";
import { evolveRun } from "./evolve.js";
import { runs } from "./tables.js";

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

const saveRun = upsertOf(runs);

/** The runs projection: each run's winning snapshot. */
export const runsProjection: Projection = {
  name: "runs",
  /** Each run of the batch is read once and written once, whatever number of its events the batch holds. */
  async apply(tx, events, changes) {
    const touched = new Map<string, { stored: Run | null; current: Run | null }>();
    for (const event of events) {
      if (event.kind !== "run") continue;
      let run = touched.get(event.payload.id);
      if (!run) {
        const saved = await tx.get<{ data: string }>("SELECT data FROM runs WHERE id = ?", [event.payload.id]);
        const stored = saved ? (JSON.parse(saved.data) as Run) : null;
        run = { stored, current: stored };
        touched.set(event.payload.id, run);
      }
      run.current = evolveRun(run.current, event);
    }
    for (const [id, { stored, current }] of touched) {
      if (current === stored || current === null) continue;
      await tx.run(saveRun.sql, saveRun.values(runValues(current)));
      // The rollups count a step under its run's model: a model named or changed moves the run's steps.
      if ((stored?.model ?? null) !== (current.model ?? null)) changes.runModels.set(id, { before: stored?.model ?? null });
    }
  },
  async truncate(tx) {
    await tx.run(deleteAllSql(runs));
  },
};
