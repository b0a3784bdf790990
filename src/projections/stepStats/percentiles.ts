/** Percentiles by nearest rank (CONTRACT §7): the summary column of each, and its p. */
export const PERCENTILES = { p50_completion_seconds: 50, p95_completion_seconds: 95 } as const;

/** A step counts in the percentiles and the mean when completed, with a completion time (cells.ts's `timedSeconds`). */
export const TIMED = "status = 'completed' AND seconds IS NOT NULL";

/** The 1-based nearest rank of percentile `p` among `n` values, `ceil(p/100 × n)`, in integer SQL arithmetic. */
function percentileRank(p: number, n = "n"): string {
  return `(${p} * ${n} + 99) / 100`;
}

/** `percentileRank` in JavaScript, the same integer arithmetic: the writer ranks each summary's histogram (summary.ts). */
export const nearestRank = (p: number, n: number) => Math.floor((p * n + 99) / 100);

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
