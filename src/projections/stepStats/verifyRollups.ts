import type { RowSource } from "../../store/rowSource.js";
import type { SqlValue } from "../../store/sqlPort.js";
import { TOOL_SEPARATOR } from "../runSteps/row.js";
import { cellOf, HOUR_SECONDS, keyText, toolSetOf, type RollupRow } from "./cells.js";
import { modelKeySql } from "./dimensions.js";

const DAY_SECONDS = 86_400;

/** Each step's tool set as cells.ts's `toolSetOf` joins it: tools in code point order (its `keyText` taken in JavaScript). */
const TOOL_SET: Record<RowSource["dialect"], string> = {
  sqlite: `(SELECT group_concat(tool, char(${TOOL_SEPARATOR.charCodeAt(0)})) FROM (SELECT tool FROM run_step_tools t WHERE t.step_id = s.id ORDER BY tool))`,
  postgres: `(SELECT string_agg(tool, chr(${TOOL_SEPARATOR.charCodeAt(0)}) ORDER BY tool COLLATE "C") FROM run_step_tools t WHERE t.step_id = s.id)`,
};

const HOUR = `s.created_at - ((s.created_at % ${HOUR_SECONDS}) + ${HOUR_SECONDS}) % ${HOUR_SECONDS}`;

/** The rollup rows `run_steps`, `runs` and `run_step_tools` give, for the steps the condition on `s.created_at` keeps. */
function expectedSql(dialect: RowSource["dialect"], stepCondition: string): string {
  return `SELECT hour, assistant_id, model, type, tool_set, status, error_code, seconds, count(*) AS steps,
  sum(coalesce(prompt_tokens, 0)) AS prompt_tokens, sum(coalesce(completion_tokens, 0)) AS completion_tokens, sum(coalesce(total_tokens, 0)) AS total_tokens
FROM (
  SELECT ${HOUR} AS hour, s.assistant_id, ${modelKeySql("(SELECT r.model FROM runs r WHERE r.id = s.run_id)")} AS model, s.type,
    coalesce(${TOOL_SET[dialect]}, '') AS tool_set, s.status, s.last_error_code AS error_code, s.completion_seconds AS seconds,
    s.prompt_tokens, s.completion_tokens, s.total_tokens
  FROM run_steps s WHERE ${stepCondition}
) x
GROUP BY hour, assistant_id, model, type, tool_set, status, error_code, seconds`;
}

type Row = Record<string, SqlValue>;

const asRollup = (row: Row): RollupRow => ({
  cell: "", hour: row.hour as number | null, assistantId: row.assistant_id as string | null, model: row.model as string, type: row.type as string | null,
  toolSet: keyText(row.tool_set as string), status: row.status as string | null, errorCode: row.error_code as string | null, seconds: row.seconds as number | null,
  steps: Number(row.steps), promptTokens: Number(row.prompt_tokens), completionTokens: Number(row.completion_tokens), totalTokens: Number(row.total_tokens),
});

/** The next hour at or after `from` that a step or a rollup row has, or null when there is none. */
async function nextHour(source: RowSource, from: number): Promise<number | null> {
  const [row] = await source.all<{ step: number | null; rollup: number | null }>(
    `SELECT (SELECT min(created_at) FROM run_steps WHERE created_at >= ?) AS step, (SELECT min(hour) FROM step_rollups WHERE hour >= ?) AS rollup`,
    [from, from],
  );
  const found = [row!.step, row!.rollup].filter((v): v is number => v !== null).map(Number);
  if (found.length === 0) return null;
  const first = Math.min(...found);
  return first - (((first % HOUR_SECONDS) + HOUR_SECONDS) % HOUR_SECONDS);
}

/** The windows verify compares one at a time: steps with no `created_at`, then a day at a time over the hours that hold any. */
async function* windows(source: RowSource): AsyncGenerator<{ steps: string; rollups: string; params: SqlValue[] }> {
  yield { steps: "s.created_at IS NULL", rollups: "hour IS NULL", params: [] };
  // Windows start on an hour, so the steps of a window are exactly the rollup rows of its hours.
  for (let start = await nextHour(source, Number.MIN_SAFE_INTEGER); start !== null; start = await nextHour(source, start + DAY_SECONDS)) {
    yield { steps: "s.created_at >= ? AND s.created_at < ?", rollups: "hour >= ? AND hour < ?", params: [start, start + DAY_SECONDS] };
  }
}

const COLUMNS = ["steps", "promptTokens", "completionTokens", "totalTokens"] as const;
const NAMES = { steps: "steps", promptTokens: "prompt_tokens", completionTokens: "completion_tokens", totalTokens: "total_tokens" };

/**
 * `step_rollups` against the rollups recomputed from the verified `run_steps`, `runs` and `run_step_tools`: a day
 * of cells at a time, so memory holds one day's cells whatever the store's size. The first `limit` differences.
 */
export async function verifyRollups(source: RowSource, limit: number): Promise<string[]> {
  const found: string[] = [];
  const report = (cell: string, what: string) => found.length < limit && found.push(`step_rollups ${cell}: ${what}`);
  for await (const { steps, rollups, params } of windows(source)) {
    const expected = new Map<string, RollupRow>();
    for (const row of await source.all<Row>(expectedSql(source.dialect, steps), params)) {
      const rollup = asRollup(row);
      expected.set(cellOf(rollup), rollup);
    }
    for (const row of await source.all<Row>(`SELECT * FROM step_rollups WHERE ${rollups}`, params)) {
      const stored = { ...asRollup(row), cell: row.cell as string };
      const cell = cellOf(stored);
      const want = expected.get(cell);
      expected.delete(cell);
      if (stored.cell !== cell) report(stored.cell, `its cell does not name its columns (${cell})`);
      else if (!want) report(cell, "in the table, but the steps give no such cell");
      else {
        const differing = COLUMNS.filter((c) => stored[c] !== want[c]).map((c) => `${NAMES[c]} is ${stored[c]}, the steps give ${want[c]}`);
        if (differing.length > 0) report(cell, differing.join("; "));
      }
    }
    for (const cell of expected.keys()) report(cell, "missing from the table");
    if (found.length >= limit) break;
  }
  return found;
}

/** Each tool set the (verified) steps have, joined as TOOL_SET joins it: the sets the rollups name, but ''. */
const STEP_TOOL_SETS = (dialect: RowSource["dialect"]) =>
  `SELECT DISTINCT ${TOOL_SET[dialect]} AS tools FROM run_steps s WHERE EXISTS (SELECT 1 FROM run_step_tools t WHERE t.step_id = s.id)`;

/**
 * `step_rollup_tools` against the tool sets of the steps (so of the verified rollups), each with its tools: a row of a
 * set no cell names, or of a tool its set lacks, is a difference, as is one missing. Tool sets are few: held whole.
 */
export async function verifyRollupTools(source: RowSource, limit: number): Promise<string[]> {
  const expected = new Set<string>();
  for (const { tools } of await source.all<{ tools: string }>(STEP_TOOL_SETS(source.dialect))) {
    const names = tools.split(TOOL_SEPARATOR);
    for (const tool of names) expected.add(JSON.stringify([toolSetOf(names), tool]));
  }
  const found: string[] = [];
  for (const { tool_set, tool } of await source.all<{ tool_set: string; tool: string }>("SELECT tool_set, tool FROM step_rollup_tools")) {
    const key = JSON.stringify([tool_set, tool]);
    if (!expected.delete(key)) found.push(`step_rollup_tools ${key}: in the table, but no step of that tool set has that tool`);
  }
  for (const key of expected) found.push(`step_rollup_tools ${key}: missing from the table`);
  return found.sort().slice(0, limit);
}
