/**
 * Each step as the dimensions key it, read from `run_steps`: what the views, a filtered report and verify group. One
 * definition for both stores; the dialect gives the day and hour text and the join to tools.
 */
import type { SqlPort } from "../../store/sqlPort.js";
import { modelKeySql, type SummaryDimension } from "./dimensions.js";
import { timeKeysSql } from "./timeKeys.js";

/** How a dimension keys a step: the key expression over `run_steps s`, a join it needs, conditions on the step. */
interface KeySource {
  key: string;
  join: string;
  where: string[];
}

/** A step's model (CONTRACT §6): its run's `model` from `runs`, `(unknown)` when no run snapshot gave one. Portable SQL. */
export const STEP_MODEL = modelKeySql("(SELECT r.model FROM runs r WHERE r.id = s.run_id)");

// CROSS JOIN keeps run_steps the outer loop (SQLite does not reorder it): the steps are scanned through the covering
// index run_steps_stats and each step's tools found by run_step_tools' primary key.
const TOOL_JOIN: Record<SqlPort["dialect"], string> = {
  sqlite: "CROSS JOIN run_step_tools t ON t.step_id = s.id",
  postgres: "JOIN run_step_tools t ON t.step_id = s.id",
};

/** Where each dimension's key comes from (a step counts once under each of its tools), in one dialect's terms. */
function stepKeySources(dialect: SqlPort["dialect"]): Record<SummaryDimension, KeySource> {
  const time = timeKeysSql(dialect, "s.created_at");
  return {
    all: { key: "CAST('all' AS TEXT)", join: "", where: [] },
    assistant: { key: "s.assistant_id", join: "", where: [] },
    day: { key: time.day, join: "", where: [] },
    hour: { key: time.hour, join: "", where: [] },
    model: { key: STEP_MODEL, join: "", where: [] },
    type: { key: "s.type", join: "", where: [] },
    tool: { key: "t.tool", join: TOOL_JOIN[dialect], where: [] },
    error: { key: "s.last_error_code", join: "", where: ["s.last_error_code IS NOT NULL"] },
  };
}

const KEY_SOURCES = { sqlite: stepKeySources("sqlite"), postgres: stepKeySources("postgres") };

/**
 * The steps `conditions` keep, as rows `(k, status, seconds, steps, prompt_tokens, completion_tokens, total_tokens, model)`
 * for summarySql.ts's `summariesCtes` (`steps` 1, no token NULL): each step's model from its run joined (`runs m`), not
 * STEP_MODEL's subquery, which SQLite repeats wherever an outer query names the column (4 look-ups a step, 12 s for the
 * costs of `report --by assistant --model M` at 1,000,000 steps).
 */
export function stepRowsSql(dialect: SqlPort["dialect"], dimension: SummaryDimension, conditions: readonly string[] = []): string {
  const { key, join, where } = KEY_SOURCES[dialect][dimension];
  const all = [...where, ...conditions];
  const joins = [join, "LEFT JOIN runs m ON m.id = s.run_id"].filter((text) => text !== "");
  return `SELECT ${key} AS k, s.status AS status, s.completion_seconds AS seconds, 1 AS steps, coalesce(s.prompt_tokens, 0) AS prompt_tokens,
  coalesce(s.completion_tokens, 0) AS completion_tokens, coalesce(s.total_tokens, 0) AS total_tokens, ${modelKeySql("m.model")} AS model
FROM run_steps s${joins.map((text) => ` ${text}`).join("")}${all.length > 0 ? ` WHERE ${all.join(" AND ")}` : ""}`;
}
