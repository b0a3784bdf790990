/**
 * The steps behind one row of a report (the console's analytics links): the same filters as the report, plus the
 * row's key as a condition on the step, so the list holds exactly the steps the row counts. Portable SQL.
 */
import { DAY_SECONDS, HOUR_SECONDS, isKeyedTime, unkeyedTimeSql } from "../projections/stepStats/timeKeys.js";
import type { SqlPort } from "../store/sqlPort.js";
import { filterConditions, utcDayStart, type Dimension, type StepFilter } from "./metrics.js";
import { STEP_MODEL } from "../projections/stepStats/stepRows.js";

/** A row of a report: its dimension and key (null where the report's key is null). */
export interface ReportRowRef {
  dimension: Dimension;
  key: string | null;
}

/** A step as the console's lists show it. */
interface StepListItem {
  id: string;
  thread_id: string | null;
  run_id: string | null;
  assistant_id: string | null;
  created_at: number | null;
  type: string | null;
  status: string | null;
  last_error_code: string | null;
  total_tokens: number | null;
}

const HOUR = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;

/** The condition a row's key puts on `run_steps s`; a key that cannot be one of the dimension's keys matches nothing. */
function keyCondition({ dimension, key }: ReportRowRef): { sql: string; params: (string | number)[] } {
  const equals = (column: string) => (key === null ? { sql: `${column} IS NULL`, params: [] } : { sql: `${column} = ?`, params: [key] });
  // A day or hour outside the keyed years is no key the report can have (timeKeys.ts).
  const timeRange = (start: number | null, seconds: number) =>
    !isKeyedTime(start) ? { sql: "1 = 0", params: [] } : { sql: "s.created_at >= ? AND s.created_at < ?", params: [start, start + seconds] };
  const noTimeKey = { sql: unkeyedTimeSql("s.created_at"), params: [] };
  switch (dimension) {
    case "assistant":
      return equals("s.assistant_id");
    case "type":
      return equals("s.type");
    case "error":
      return equals("s.last_error_code");
    case "model":
      return equals(STEP_MODEL);
    case "tool":
      return { sql: "EXISTS (SELECT 1 FROM run_step_tools t WHERE t.step_id = s.id AND t.tool = ?)", params: [key ?? ""] };
    case "day":
      return key === null ? noTimeKey : timeRange(utcDayStart(key), DAY_SECONDS);
    case "hour": {
      if (key === null) return noTimeKey;
      const match = HOUR.exec(key);
      const day = match ? utcDayStart(match[1]!) : null;
      return timeRange(day === null || Number(match![2]) > 23 ? null : day + Number(match![2]) * HOUR_SECONDS, HOUR_SECONDS);
    }
  }
}

function conditions(row: ReportRowRef, filter: StepFilter): { where: string; params: (string | number)[] } {
  const filters = filterConditions(filter);
  const key = keyCondition(row);
  return { where: [key.sql, ...filters.where].join(" AND "), params: [...key.params, ...filters.params] };
}

/** How many steps the row counts (its `steps`). */
export async function countRowSteps(port: SqlPort, row: ReportRowRef, filter: StepFilter): Promise<number> {
  const { where, params } = conditions(row, filter);
  return Number((await port.get<{ n: number | string }>(`SELECT count(*) AS n FROM run_steps s WHERE ${where}`, params))!.n);
}

/** One page of the row's steps, newest first (created_at, then id), strictly older than `before`. */
export async function pageRowSteps(
  port: SqlPort, row: ReportRowRef, filter: StepFilter, before: { createdAt: number; id: string } | undefined, limit: number,
): Promise<{ steps: StepListItem[]; hasMore: boolean }> {
  const { where, params } = conditions(row, filter);
  const cursor = before ? " AND (s.created_at, s.id) < (?, ?)" : "";
  const rows = await port.all<StepListItem>(
    `SELECT s.id, s.thread_id, s.run_id, s.assistant_id, s.created_at, s.type, s.status, s.last_error_code, s.total_tokens
       FROM run_steps s WHERE ${where}${cursor} ORDER BY s.created_at DESC, s.id DESC LIMIT ?`,
    [...params, ...(before ? [before.createdAt, before.id] : []), limit + 1],
  );
  const steps = rows.slice(0, limit).map((step) => ({ ...step, created_at: step.created_at === null ? null : Number(step.created_at) }));
  return { steps, hasMore: rows.length > limit };
}
