import type { Run } from "../../records/schemas.js";
import { insertRows, rowsInsert, selectByKeys } from "../../store/sqlBatch.js";
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

const saveRun = rowsInsert(upsertOf(runs));

/** The runs projection: each run's winning snapshot. */
export const runsProjection: Projection = {
  name: "runs",
  /** Each run of the batch is read once and written once, whatever number of its events the batch holds; all the batch's runs together. */
  async apply(tx, events) {
    const runEvents = events.filter((event) => event.kind === "run");
    const stored = new Map<string, Run>();
    for (const saved of await selectByKeys<{ id: string; data: string }>(tx, "SELECT id, data FROM runs WHERE", "id", [...new Set(runEvents.map((e) => e.payload.id))])) {
      stored.set(saved.id, JSON.parse(saved.data) as Run);
    }
    const current = new Map<string, Run | null>();
    for (const event of runEvents) current.set(event.payload.id, evolveRun(current.has(event.payload.id) ? current.get(event.payload.id)! : (stored.get(event.payload.id) ?? null), event));
    const changed = [...current].flatMap(([id, run]) => (run !== null && run !== (stored.get(id) ?? null) ? [saveRun.values(runValues(run))] : []));
    await insertRows(tx, saveRun, changed);
  },
  async truncate(tx) {
    await tx.run(deleteAllSql(runs));
  },
};
