/** Percentiles by nearest rank (CONTRACT §7): the summary column of each, and its p. */
export const PERCENTILES = { p50_completion_seconds: 50, p95_completion_seconds: 95 } as const;

/** A rollup row's steps count in the percentiles and the mean: completed, with a completion time (cells.ts's `timedSeconds`). */
export const TIMED = "status = 'completed' AND seconds IS NOT NULL";

/** The 1-based nearest rank of percentile `p` among `n` values, `ceil(p/100 × n)`, in integer SQL arithmetic. */
export function percentileRank(p: number, n = "n"): string {
  return `(${p} * ${n} + 99) / 100`;
}

/**
 * Each key's percentiles over rows `(k, status, seconds, steps)` of `source` (a table or CTE name): the smallest
 * completion second whose running count of completed steps reaches each nearest rank. As SQL on either store.
 */
export function percentilesSql(source: string): string {
  const columns = Object.entries(PERCENTILES).map(([column, p]) => `min(CASE WHEN upto >= ${percentileRank(p)} THEN seconds END) AS ${column}`);
  // The windows run over each key's histogram (a row a second), not over every row of `source`.
  return `SELECT k, ${columns.join(", ")} FROM (
  SELECT k, seconds, sum(c) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto, CAST(sum(c) OVER (PARTITION BY k) AS BIGINT) AS n
  FROM (SELECT k, seconds, CAST(sum(steps) AS BIGINT) AS c FROM ${source} WHERE ${TIMED} GROUP BY k, seconds) histogram
) running GROUP BY k`;
}

/**
 * The statement head (ending in AND, for `byKeysStatements` on `cell`) setting each touched summary's percentiles from
 * its histogram in `step_seconds` as the statement sees it: buckets emptied in this batch (0 steps) count nothing, and
 * `timed_steps` is their total. A summary that fell to 0 steps is left for its DELETE (on PostgreSQL both run in one
 * statement, where one row must not be changed twice).
 */
export function setPercentilesHead(): string {
  const ranks = Object.values(PERCENTILES).map((p) => `min(CASE WHEN upto >= ${percentileRank(p, "step_summaries.timed_steps")} THEN seconds END)`);
  // Both percentiles from one pass over the histogram (a row-value SET).
  return `UPDATE step_summaries SET (${Object.keys(PERCENTILES).join(", ")}) = (SELECT ${ranks.join(", ")} FROM (
    SELECT h.seconds AS seconds, sum(h.steps) OVER (ORDER BY h.seconds ROWS UNBOUNDED PRECEDING) AS upto
    FROM step_seconds h WHERE h.summary = step_summaries.cell AND h.steps > 0
  ) running) WHERE steps > 0 AND`;
}
