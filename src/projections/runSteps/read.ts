import type { Database } from "better-sqlite3";
import type { RunStepRow } from "./runStep.js";

export interface StepQuery {
  threadId?: string;
  runId?: string;
  status?: string;
  order?: "asc" | "desc";
  limit?: number;
  /** Cursors: step ids; the page starts after (or ends before) that step in the chosen order. */
  after?: string;
  before?: string;
}

/** Run-step rows ordered by created_at then id, filtered and paged; `null` when a cursor names no step. */
export function listRunSteps(sqlite: Database, query: StepQuery): RunStepRow[] | null {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.threadId !== undefined) (where.push("thread_id = ?"), params.push(query.threadId));
  if (query.runId !== undefined) (where.push("run_id = ?"), params.push(query.runId));
  if (query.status !== undefined) (where.push("status = ?"), params.push(query.status));
  const desc = query.order === "desc";
  const cursorOf = sqlite.prepare<[string], { created_at: number; id: string }>("SELECT created_at, id FROM run_steps WHERE id = ?");
  for (const [cursor, side] of [[query.after, "after"], [query.before, "before"]] as const) {
    if (cursor === undefined) continue;
    const at = cursorOf.get(cursor);
    if (!at) return null;
    const later = (side === "after") !== desc;
    where.push(`(created_at, id) ${later ? ">" : "<"} (?, ?)`);
    params.push(at.created_at, at.id);
  }
  let sql = `SELECT data FROM run_steps${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  // Paging backwards from `before` reads the nearest rows first, then restores the order.
  const reverse = query.before !== undefined && query.after === undefined;
  const direction = desc !== reverse ? "DESC" : "ASC";
  sql += ` ORDER BY created_at ${direction}, id ${direction}`;
  if (query.limit !== undefined) (sql += " LIMIT ?", params.push(query.limit));
  const rows = sqlite.prepare<unknown[], { data: string }>(sql).all(...params).map((r) => JSON.parse(r.data) as RunStepRow);
  return reverse ? rows.reverse() : rows;
}

export function getRunStep(sqlite: Database, ids: { threadId: string; runId: string; stepId: string }): RunStepRow | null {
  const row = sqlite
    .prepare<[string, string, string], { data: string }>("SELECT data FROM run_steps WHERE id = ? AND run_id = ? AND thread_id = ?")
    .get(ids.stepId, ids.runId, ids.threadId);
  return row ? (JSON.parse(row.data) as RunStepRow) : null;
}
