import { compareCodePoints } from "../../records/canonical.js";
import type { RunRef } from "../../records/events.js";
import type { SqlPort } from "../../store/sqlPort.js";
import { modelKeySql, UNKNOWN_MODEL } from "../stepStats/dimensions.js";
import { isTerminalStep, STEP_STATUSES, TERMINAL_RUN_STATUSES } from "../../records/statuses.js";

const openStepStatuses = STEP_STATUSES.filter((status) => !isTerminalStep(status));
const list = (values: readonly string[]) => values.map(() => "?").join(", ");

/**
 * Every run the store knows that is not finished (CONTRACT §8 `poll --open`): its winning
 * snapshot is not terminal, or one of its steps is still in progress. Ordered by thread, then run.
 */
export function openRuns(port: SqlPort): Promise<RunRef[]> {
  return port.all<RunRef>(
      `SELECT thread_id AS "threadId", id AS "runId" FROM runs WHERE thread_id IS NOT NULL AND status NOT IN (${list(TERMINAL_RUN_STATUSES)})
       UNION
       SELECT DISTINCT thread_id AS "threadId", run_id AS "runId" FROM run_steps
        WHERE thread_id IS NOT NULL AND run_id IS NOT NULL AND status IN (${list(openStepStatuses)})
       ORDER BY "threadId", "runId"`,
      [...TERMINAL_RUN_STATUSES, ...openStepStatuses],
  );
}

/** How many runs the store knows (`status`). */
export async function countRuns(port: SqlPort): Promise<number> {
  return (await port.get<{ n: number }>("SELECT count(*) AS n FROM runs"))!.n;
}

/** A run as the console lists it; `status` and `model` are null for a run known only from its steps. */
export interface RunListItem {
  id: string;
  thread_id: string;
  assistant_id: string | null;
  status: string | null;
  model: string | null;
  created_at: number;
  /** Whether a run snapshot holds it (else it is known only from its steps). */
  snapshot: boolean;
}

/** Exact-match filters; `from`/`to` are seconds since the epoch, `toBefore` exclusive (an inclusive day's end). */
interface RunFilter {
  assistant?: string;
  model?: string;
  status?: string;
  from?: number;
  toBefore?: number;
}

/** Where a page starts: strictly older than this run in (created_at, id) order, or (`newer`) strictly newer: the page before. */
export interface RunCursor {
  createdAt: number;
  id: string;
  newer?: boolean;
}

/**
 * A keyset read from a cursor: the comparison that keeps the rows past it, the order that reads the nearest first, and
 * the comparison that keeps a time no farther than a bound.
 */
const keyset = (cursor: RunCursor | undefined) =>
  (cursor?.newer ? { past: ">", order: "ASC", within: "<=" } : { past: "<", order: "DESC", within: ">=" });

/** The model a run without one counts under: the analytics' `model` dimension's key (stepStats/dimensions.ts). */
export { UNKNOWN_MODEL };

const LIST_COLUMNS = "id, thread_id, assistant_id, status, model, created_at";

function snapshotRunsPage(port: SqlPort, filter: RunFilter, cursor: RunCursor | undefined, limit: number): Promise<RunListItem[]> {
  const where = ["thread_id IS NOT NULL", "created_at IS NOT NULL"];
  const params: (string | number)[] = [];
  if (filter.assistant !== undefined) (where.push("assistant_id = ?"), params.push(filter.assistant));
  // As the analytics key models: `(unknown)` is a snapshot that names none, or names "(unknown)".
  if (filter.model !== undefined) (where.push(`${modelKeySql("model")} = ?`), params.push(filter.model));
  if (filter.status !== undefined) (where.push("status = ?"), params.push(filter.status));
  if (filter.from !== undefined) (where.push("created_at >= ?"), params.push(filter.from));
  if (filter.toBefore !== undefined) (where.push("created_at < ?"), params.push(filter.toBefore));
  const { past, order } = keyset(cursor);
  if (cursor) (where.push(`(created_at, id) ${past} (?, ?)`), params.push(cursor.createdAt, cursor.id));
  return port.all<RunListItem>(
    `SELECT ${LIST_COLUMNS}, 1 AS snapshot FROM runs WHERE ${where.join(" AND ")} ORDER BY created_at ${order}, id ${order} LIMIT ?`,
    [...params, limit],
  );
}

/**
 * Runs no snapshot describes, each at its first step (its created_at and assistant): found through the steps, nearest
 * the cursor first. `far` bounds the scan to the times the snapshot page covers. Such a run has no status and an unknown model.
 */
function stepOnlyRunsPage(port: SqlPort, filter: RunFilter, cursor: RunCursor | undefined, limit: number, far: number | undefined): Promise<RunListItem[]> {
  const where = [
    "s.thread_id IS NOT NULL", "s.run_id IS NOT NULL", "s.created_at IS NOT NULL",
    "NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id)",
    `NOT EXISTS (SELECT 1 FROM run_steps e WHERE e.thread_id = s.thread_id AND e.run_id = s.run_id
       AND (e.created_at, e.id) < (s.created_at, s.id))`,
  ];
  const params: (string | number)[] = [];
  if (filter.assistant !== undefined) (where.push("s.assistant_id = ?"), params.push(filter.assistant));
  if (filter.from !== undefined) (where.push("s.created_at >= ?"), params.push(filter.from));
  if (filter.toBefore !== undefined) (where.push("s.created_at < ?"), params.push(filter.toBefore));
  const { past, order, within } = keyset(cursor);
  if (far !== undefined) (where.push(`s.created_at ${within} ?`), params.push(far));
  if (cursor) (where.push(`(s.created_at, s.run_id) ${past} (?, ?)`), params.push(cursor.createdAt, cursor.id));
  return port.all<RunListItem>(
    `SELECT s.run_id AS id, s.thread_id, s.assistant_id, NULL AS status, NULL AS model, s.created_at, 0 AS snapshot
       FROM run_steps s WHERE ${where.join(" AND ")} ORDER BY s.created_at ${order}, s.run_id ${order} LIMIT ?`,
    [...params, limit],
  );
}

/** The keyset's order: by id in code point order, as both stores compare text (`<` on UTF-16 units puts U+FF01 after U+1F600, and paging then skipped a run). */
const newerFirst = (a: RunListItem, b: RunListItem) => b.created_at - a.created_at || compareCodePoints(b.id, a.id);

/**
 * One page of runs, newest first (created_at, then id), read by keyset from `cursor`: the run snapshots, merged with
 * the runs known only from their steps (which no status filter keeps, and a model filter only as `(unknown)`).
 * Each side reads at most `limit + 1` rows, nearest the cursor first; the steps' side only as far as the farthest
 * snapshot run read, unless the snapshots ran out. `hasMore`: runs lie beyond the page, older (or, `newer`, newer).
 */
export async function pageRuns(port: SqlPort, filter: RunFilter, cursor: RunCursor | undefined, limit: number): Promise<{ runs: RunListItem[]; hasMore: boolean }> {
  const snapshots = await snapshotRunsPage(port, filter, cursor, limit + 1);
  const withSteps = filter.status === undefined && (filter.model === undefined || filter.model === UNKNOWN_MODEL);
  const far = snapshots.length > limit ? snapshots[snapshots.length - 1]!.created_at : undefined;
  const stepOnly = withSteps ? await stepOnlyRunsPage(port, filter, cursor, limit + 1, far) : [];
  const merged = [...snapshots, ...stepOnly].map((run) => ({ ...run, created_at: Number(run.created_at), snapshot: Boolean(Number(run.snapshot)) })).sort(newerFirst);
  // Newer than the cursor, the page is the `limit` runs nearest it: the end of the newest-first list.
  const runs = cursor?.newer ? merged.slice(Math.max(0, merged.length - limit)) : merged.slice(0, limit);
  return { runs, hasMore: merged.length > limit };
}

/** One run's snapshot as stored (`data`), or null when no snapshot of it is known. */
export async function getRunSnapshot(port: SqlPort, threadId: string, runId: string): Promise<Record<string, unknown> | null> {
  const row = await port.get<{ data: string | null }>("SELECT data FROM runs WHERE id = ? AND thread_id = ?", [runId, threadId]);
  return row?.data ? (JSON.parse(row.data) as Record<string, unknown>) : null;
}
