import { withoutMembers, type JsonPath } from "../../records/lossless.js";
import type { SqlPort, SqlValue } from "../../store/sqlPort.js";
import { keyedTimeSql } from "../stepStats/timeKeys.js";
import type { RunStepRow } from "./row.js";

interface StepQuery {
  threadId?: string;
  runId?: string;
  status?: string;
  order?: "asc" | "desc";
  limit?: number;
  /** Cursors: step ids; the page starts after (or ends before) that step in the chosen order. */
  after?: string;
  before?: string;
  /** A cursor by place, read from the last row of a page: the page starts after it, with no lookup (`runStepPages`). */
  afterPlace?: StepPlace;
}

/** Where a step sits in the listing's order. */
type StepPlace = { created_at: number; id: string };

/** Run-step rows ordered by created_at then id, filtered and paged; `null` when a cursor names no step of the thread and run asked for. */
export async function listRunSteps(port: SqlPort, query: StepQuery): Promise<RunStepRow[] | null> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.threadId !== undefined) (where.push("thread_id = ?"), params.push(query.threadId));
  if (query.runId !== undefined) (where.push("run_id = ?"), params.push(query.runId));
  // A cursor is a step of the listed thread and run (another run's step would position the page by its time).
  const cursorOf = `SELECT created_at, id FROM run_steps WHERE ${["id = ?", ...where].join(" AND ")}`;
  const scope = [...params];
  if (query.status !== undefined) (where.push("status = ?"), params.push(query.status));
  const desc = query.order === "desc";
  for (const [cursor, side] of [[query.after, "after"], [query.before, "before"]] as const) {
    if (cursor === undefined) continue;
    const at = await port.get<StepPlace>(cursorOf, [cursor, ...scope]);
    if (!at) return null;
    const later = (side === "after") !== desc;
    where.push(`(created_at, id) ${later ? ">" : "<"} (?, ?)`);
    params.push(at.created_at, at.id);
  }
  if (query.afterPlace !== undefined) (where.push(`(created_at, id) ${desc ? "<" : ">"} (?, ?)`), params.push(query.afterPlace.created_at, query.afterPlace.id));
  let sql = `SELECT data FROM run_steps${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  // Paging backwards from `before` reads the nearest rows first, then restores the order.
  const reverse = query.before !== undefined && query.after === undefined;
  const direction = desc !== reverse ? "DESC" : "ASC";
  sql += ` ORDER BY created_at ${direction}, id ${direction}`;
  if (query.limit !== undefined) (sql += " LIMIT ?", params.push(query.limit));
  const rows = (await port.all<{ data: string }>(sql, params)).map((r) => JSON.parse(r.data) as RunStepRow);
  return reverse ? rows.reverse() : rows;
}

/**
 * Every step listRunSteps selects, in its order, `pageSize` rows at a time: each page starts after the last row
 * of the one before (keyset paging on created_at, id), so memory holds one page however many steps there are.
 */
export async function* runStepPages(port: SqlPort, query: Omit<StepQuery, "limit" | "after" | "before" | "afterPlace">, pageSize: number): AsyncGenerator<RunStepRow[]> {
  let afterPlace: StepPlace | undefined;
  for (;;) {
    const rows = (await listRunSteps(port, { ...query, limit: pageSize, afterPlace }))!;
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    afterPlace = { created_at: last.created_at as number, id: last.id };
  }
}

export async function getRunStep(port: SqlPort, ids: { threadId: string; runId: string; stepId: string }): Promise<RunStepRow | null> {
  const row = await port.get<{ data: string }>("SELECT data FROM run_steps WHERE id = ? AND run_id = ? AND thread_id = ?", [ids.stepId, ids.runId, ids.threadId]);
  return row ? (JSON.parse(row.data) as RunStepRow) : null;
}

interface StepPage {
  data: RunStepRow[];
  /** Whether more rows lie beyond the page in the direction it was read. */
  hasMore: boolean;
}

/** One page of `limit` rows (OpenAI's list paging): reads one row more to know whether more follow. `null` as listRunSteps. */
export async function pageRunSteps(port: SqlPort, query: StepQuery & { limit: number }): Promise<StepPage | null> {
  const rows = await listRunSteps(port, { ...query, limit: query.limit + 1 });
  if (rows === null) return null;
  const hasMore = rows.length > query.limit;
  // Read backwards from `before`, the extra row is the farthest one: the first after restoring the order.
  const backwards = query.before !== undefined && query.after === undefined;
  const data = !hasMore ? rows : backwards ? rows.slice(1) : rows.slice(0, query.limit);
  return { data, hasMore };
}

/** How many steps the store holds, and how many in each status (`status`). */
export async function countSteps(port: SqlPort): Promise<{ steps: number; byStatus: { status: string; n: number }[] }> {
  const steps = (await port.get<{ n: number }>("SELECT count(*) AS n FROM run_steps"))!.n;
  const byStatus = await port.all<{ status: string; n: number }>("SELECT status, count(*) AS n FROM run_steps GROUP BY status ORDER BY status");
  return { steps, byStatus };
}

/** The `include[]` value that asks for file_search result content (the API leaves it out otherwise). */
export const FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content";

/** A row as the API serves it when `include[]` does not ask for file_search content: each result without `content`. */
export function withoutFileSearchContent(step: RunStepRow): RunStepRow {
  const details = step.step_details as { tool_calls?: unknown } | null;
  if (!details || !Array.isArray(details.tool_calls)) return step;
  let changed = false;
  const toolCalls = details.tool_calls.map((call: unknown) => {
    if (call === null || typeof call !== "object") return call;
    const { type, file_search: fileSearch } = call as { type?: unknown; file_search?: { results?: unknown } };
    if (type !== "file_search" || !fileSearch || !Array.isArray(fileSearch.results)) return call;
    if (!fileSearch.results.some((r: unknown) => r !== null && typeof r === "object" && "content" in r)) return call;
    changed = true;
    const results = fileSearch.results.map((r: unknown) => {
      if (r === null || typeof r !== "object" || !("content" in r)) return r;
      const { content: _content, ...rest } = r as Record<string, unknown>;
      return rest;
    });
    return { ...call, file_search: { ...fileSearch, results } };
  });
  return changed ? { ...step, step_details: { ...details, tool_calls: toolCalls } } : step;
}

/** `FILE_SEARCH_CONTENT`'s place wherever a record holds a step's details: a snapshot, a delta's `delta`, an event's `data`. */
const FILE_SEARCH_CONTENT_PATH = ["step_details", "tool_calls", 0, "file_search", "results", 0, "content"] as const;
const isFileSearchContent = (path: JsonPath) =>
  path.length >= FILE_SEARCH_CONTENT_PATH.length &&
  FILE_SEARCH_CONTENT_PATH.every((part, i) => {
    const given = path[path.length - FILE_SEARCH_CONTENT_PATH.length + i];
    return typeof part === "number" ? typeof given === "number" : given === part;
  });

/** A log row's data (stored JSON text) without file_search result content, every number and key as received. */
export const logDataWithoutFileSearchContent = (data: string) => withoutMembers(data, isFileSearchContent);

/** One run-step row by its id alone (the console's step page), or null. */
export async function getRunStepById(port: SqlPort, stepId: string): Promise<RunStepRow | null> {
  const row = await port.get<{ data: string }>("SELECT data FROM run_steps WHERE id = ?", [stepId]);
  return row ? (JSON.parse(row.data) as RunStepRow) : null;
}

/** The newest failed steps, newest first (through the run_steps_status index: one page read). */
export async function recentFailedSteps(port: SqlPort, limit: number): Promise<RunStepRow[]> {
  const rows = await port.all<{ data: string }>("SELECT data FROM run_steps WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT ?", [limit]);
  return rows.map((row) => JSON.parse(row.data) as RunStepRow);
}

/** The newest created_at (seconds) that has a UTC day (timeKeys.ts), null when no step has one. */
export async function newestStepTime(port: SqlPort): Promise<number | null> {
  const row = await port.get<{ t: number | string | null }>(`SELECT max(created_at) AS t FROM run_steps WHERE ${keyedTimeSql("created_at")}`);
  return row?.t == null ? null : Number(row.t);
}
