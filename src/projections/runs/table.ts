import type { Database } from "better-sqlite3";
import type { LogEvent } from "../../store/logEvent.js";
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
  const save = sqlite.prepare(`INSERT OR REPLACE INTO runs (id, thread_id, assistant_id, status, model, created_at, started_at,
    expires_at, completed_at, failed_at, cancelled_at, data) VALUES (@id, @thread_id, @assistant_id, @status, @model, @created_at,
    @started_at, @expires_at, @completed_at, @failed_at, @cancelled_at, @data)`);

  function apply(events: readonly LogEvent[]): void {
    for (const event of events) {
      if (!isRunSnapshotEvent(event)) continue;
      const saved = load.get(event.payload.id as string);
      const current = saved ? (JSON.parse(saved.data) as JsonObject) : null;
      const next = evolveRun(current, event);
      if (next !== current && next !== null) save.run(runColumns(next));
    }
  }

  function truncate(): void {
    sqlite.exec("DELETE FROM runs;");
  }

  return { name: "runs", apply, truncate };
}
