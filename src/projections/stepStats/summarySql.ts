/**
 * The summaries as SQL sums over step rows (stepRows.ts), written once: what the writer's deltas add up to (verify
 * compares) and what a filtered report computes for the steps its filter keeps. Portable SQL; the dialect gives NULL-safe equality.
 */
import { STEP_STATUSES } from "../../records/statuses.js";
import { percentilesSql, TIMED } from "./percentiles.js";
import type { RollupDialect } from "./dialect.js";

/** The summary columns a delta adds to (the percentiles apart): named as in `step_summaries`, each status its own count. */
export const SUMMARY_COUNTS = ["steps", ...STEP_STATUSES, "timed_steps", "timed_seconds", "prompt_tokens", "completion_tokens", "total_tokens"] as const;


/** Each summary count as a sum over rows `(k, status, seconds, steps, prompt_tokens, completion_tokens, total_tokens)` (no token NULL). */
const COUNT_SUMS: Record<(typeof SUMMARY_COUNTS)[number], string> = {
  steps: "sum(steps)",
  ...(Object.fromEntries(STEP_STATUSES.map((status) => [status, `sum(CASE WHEN status = '${status}' THEN steps ELSE 0 END)`])) as Record<(typeof STEP_STATUSES)[number], string>),
  timed_steps: `sum(CASE WHEN ${TIMED} THEN steps ELSE 0 END)`,
  timed_seconds: `sum(CASE WHEN ${TIMED} THEN seconds * steps ELSE 0 END)`,
  prompt_tokens: "sum(prompt_tokens)",
  completion_tokens: "sum(completion_tokens)",
  total_tokens: "sum(total_tokens)",
};

/**
 * The CTEs (after a WITH) ending in `summaries`: one row per key `k` of the rows `rowsSql` selects (`k, status, seconds,
 * steps, prompt_tokens, completion_tokens, total_tokens, model`: stepRows.ts), with the summary columns of
 * `step_summaries`, `models` included: the JSON text `[[model, steps, prompt_tokens, completion_tokens], …]` in model order.
 */
export function summariesCtes(dialect: RollupDialect, rowsSql: string): string {
  const sums = SUMMARY_COUNTS.map((column) => `CAST(${COUNT_SUMS[column]} AS BIGINT) AS ${column}`).join(", ");
  const models = `SELECT k, ${dialect.jsonRows(["model", "steps", "prompt_tokens", "completion_tokens"], dialect.keyOrder("model"))} AS models FROM (
  SELECT k, model, count(*) AS steps, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens FROM tagged GROUP BY k, model) m GROUP BY k`;
  return `tagged AS MATERIALIZED (${rowsSql}), sums AS (SELECT k, ${sums} FROM tagged GROUP BY k), percentiles AS (${percentilesSql("tagged")}),
models AS (${models}),
summaries AS (
  SELECT t.k AS k, ${SUMMARY_COUNTS.map((column) => `t.${column}`).join(", ")}, p.p50_completion_seconds, p.p95_completion_seconds, m.models
  FROM sums t LEFT JOIN percentiles p ON ${dialect.same("p.k", "t.k")} LEFT JOIN models m ON ${dialect.same("m.k", "t.k")}
)`;
}
