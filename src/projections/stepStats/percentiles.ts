import type { SqlPort } from "../../store/sqlPort.js";
import { selectByKeys } from "../../store/sqlBatch.js";
import type { SecondsRow, SummaryRow } from "./cells.js";

/** Percentiles by nearest rank (CONTRACT §7): the summary column of each, and its p. */
export const PERCENTILES = { p50_completion_seconds: 50, p95_completion_seconds: 95 } as const;

/** The 1-based nearest rank of percentile `p` among `n` values, `ceil(p/100 × n)`, in integer SQL arithmetic. */
export function percentileRank(p: number): string {
  return `(${p} * n + 99) / 100`;
}

/**
 * Each key's percentiles over rows `(k, status, seconds, steps)` of `source` (a table or CTE name): the smallest
 * completion second whose running count of completed steps reaches each nearest rank. As SQL on either store.
 */
export function percentilesSql(source: string): string {
  const columns = Object.entries(PERCENTILES).map(([column, p]) => `min(CASE WHEN upto >= ${percentileRank(p)} THEN seconds END) AS ${column}`);
  return `SELECT k, ${columns.join(", ")} FROM (
  SELECT k, seconds, sum(steps) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto,
    CAST(sum(steps) OVER (PARTITION BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS BIGINT) AS n
  FROM ${source} WHERE status = 'completed' AND seconds IS NOT NULL
) running GROUP BY k`;
}

/** `percentileRank` in JavaScript: the same integer arithmetic. */
const rankOf = (p: number, n: number) => Math.floor((p * n + 99) / 100);

type Percentiles = Pick<SummaryRow, "p50CompletionSeconds" | "p95CompletionSeconds">;

/** The percentiles of a histogram given in ascending seconds: the first second whose running count reaches each rank. */
function percentilesOf(histogram: readonly { seconds: number; steps: number }[]): Percentiles {
  const n = histogram.reduce((sum, bucket) => sum + bucket.steps, 0);
  const found: Percentiles = { p50CompletionSeconds: null, p95CompletionSeconds: null };
  if (n === 0) return found;
  const [p50, p95] = [rankOf(PERCENTILES.p50_completion_seconds, n), rankOf(PERCENTILES.p95_completion_seconds, n)];
  let upto = 0;
  for (const { seconds, steps } of histogram) {
    upto += steps;
    if (found.p50CompletionSeconds === null && upto >= p50) found.p50CompletionSeconds = seconds;
    if (upto >= p95) {
      found.p95CompletionSeconds = seconds;
      break;
    }
  }
  return found;
}

/**
 * Each summary's percentiles once the batch's histogram changes (`added`) are written: the stored histograms read
 * before the batch writes (one read for the whole batch; a key's histogram is at most its distinct completion seconds).
 */
export async function percentilesAfter(tx: SqlPort, summaries: readonly string[], added: Iterable<SecondsRow>): Promise<Map<string, Percentiles>> {
  const rows = await selectByKeys<{ summary: string; seconds: number | string; steps: number | string }>(
    tx, "SELECT summary, seconds, steps FROM step_seconds WHERE", "summary", summaries);
  const histograms = new Map<string, Map<number, number>>(summaries.map((cell) => [cell, new Map()]));
  const count = (summary: string, seconds: number, steps: number) => {
    const histogram = histograms.get(summary);
    histogram?.set(seconds, (histogram.get(seconds) ?? 0) + steps);
  };
  for (const row of rows) count(row.summary, Number(row.seconds), Number(row.steps));
  for (const row of added) count(row.summary, row.seconds, row.steps);
  const found = new Map<string, Percentiles>();
  for (const [cell, histogram] of histograms) {
    const buckets = [...histogram].filter(([, steps]) => steps > 0).sort(([a], [b]) => a - b);
    found.set(cell, percentilesOf(buckets.map(([seconds, steps]) => ({ seconds, steps }))));
  }
  return found;
}
