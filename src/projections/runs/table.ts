import type { Database } from "better-sqlite3";
import type { LogEvent } from "../../store/logEvent.js";
import { upsertSql } from "../upsert.js";
import { evolveRun, isRunSnapshotEvent } from "./evolve.js";

type JsonObject = Record<string, unknown>;

/** The `runs` columns of a run's winning snapshot. */
export function runColumns(run: JsonObject) {
  const value = <T>(key: string) => (run[key] ?? null) as T | null;
  return {
    id: run.id as string,
    thread_id: value<string>("thread_id"),
    assistant_id: value<string>("assistant_id"),
    status: value<string>("status"),
    model: value<string>("model"),
    created_at: value<number>("created_at"),
    started_at: value<number>("started_at"),
    expires_at: value<number>("expires_at"),
    completed_at: value<number>("completed_at"),
    failed_at: value<number>("failed_at"),
    cancelled_at: value<number>("cancelled_at"),
    data: JSON.stringify(run),
  };
}

export function createRunsTable(sqlite: Database) {
  const load = sqlite.prepare<[string], { data: string }>("SELECT data FROM runs WHERE id = ?");
  const save = sqlite.prepare(upsertSql("runs", Object.keys(runColumns({ id: "" }))));

  /** Each run of the batch is read once and written once, whatever number of its events the batch holds. */
  function apply(events: readonly LogEvent[]): void {
    const touched = new Map<string, { stored: JsonObject | null; current: JsonObject | null }>();
    for (const event of events) {
      if (!isRunSnapshotEvent(event)) continue;
      const id = event.payload.id as string;
      let run = touched.get(id);
      if (!run) {
        const saved = load.get(id);
        const stored = saved ? (JSON.parse(saved.data) as JsonObject) : null;
        run = { stored, current: stored };
        touched.set(id, run);
      }
      run.current = evolveRun(run.current, event);
    }
    for (const { stored, current } of touched.values()) if (current !== stored && current !== null) save.run(runColumns(current));
  }

  function truncate(): void {
    sqlite.exec("DELETE FROM runs;");
  }

  return { name: "runs", apply, truncate };
}
