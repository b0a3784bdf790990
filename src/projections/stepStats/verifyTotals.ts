import type { RowSource } from "../../store/rowSource.js";
import { DIMENSIONS, totalsCellOf, type Dimension } from "./cells.js";
import { ROLLUP_DIALECTS, rollupKeyOf } from "./dialect.js";

const COLUMNS = "dimension, key, model, status, seconds, steps, prompt_tokens, completion_tokens, total_tokens";

/** A dimension's totals as the (verified) rollups give them. */
function fromRollups(source: RowSource, dimension: Dimension): string {
  const { key, join, where } = rollupKeyOf(ROLLUP_DIALECTS[source.dialect], dimension);
  return `SELECT CAST('${dimension}' AS TEXT) AS dimension, ${key} AS key, r.model AS model, r.status AS status, r.seconds AS seconds,
  CAST(sum(r.steps) AS BIGINT) AS steps, CAST(sum(r.prompt_tokens) AS BIGINT) AS prompt_tokens,
  CAST(sum(r.completion_tokens) AS BIGINT) AS completion_tokens, CAST(sum(r.total_tokens) AS BIGINT) AS total_tokens
FROM step_rollups r${join}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
GROUP BY ${key}, r.model, r.status, r.seconds`;
}

const stored = (dimension: Dimension) => `SELECT ${COLUMNS} FROM step_totals WHERE dimension = '${dimension}'`;

type Row = { dimension: string; key: string | null; model: string; status: string | null; seconds: number | null } & Record<string, unknown>;
const sums = (row: Row) => `steps ${row.steps}, prompt_tokens ${row.prompt_tokens}, completion_tokens ${row.completion_tokens}, total_tokens ${row.total_tokens}`;

/**
 * `step_totals` against the totals the rollups give (each dimension a GROUP BY of `step_rollups`), compared by the
 * database itself (EXCEPT both ways), so only differing rows reach JavaScript. The first `limit` differences.
 */
export async function verifyTotals(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const dimension of DIMENSIONS) {
    if (found.length >= limit) break;
    const left = limit - found.length;
    const extra = await source.all<Row>(`SELECT * FROM (${stored(dimension)} EXCEPT ${fromRollups(source, dimension)}) d LIMIT ${left}`);
    for (const row of extra) found.push(`step_totals ${totalsCellOf(row)}: the table has ${sums(row)}, the rollups do not`);
    const missing = await source.all<Row>(`SELECT * FROM (${fromRollups(source, dimension)} EXCEPT ${stored(dimension)}) d LIMIT ${left}`);
    for (const row of missing) found.push(`step_totals ${totalsCellOf(row)}: the rollups give ${sums(row)}, the table does not`);
  }
  return found.slice(0, limit);
}
