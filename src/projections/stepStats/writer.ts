import { getTableName } from "drizzle-orm";
import type { SqlPort, SqlValue } from "../../store/sqlPort.js";
import { byKeysStatements, insertStatements, rowsInsert, runTogether, type Statement } from "../../store/sqlBatch.js";
import { deleteAllSql, insertNewOf, upsertOf } from "../../store/sqlText.js";
import type { BatchChanges } from "../changes.js";
import type { Projection } from "../projection.js";
import { RollupDelta, type RollupRow, type Sums, type SummaryRow } from "./cells.js";
import { setPercentilesHead } from "./percentiles.js";
import { SUMMARY_COUNTS } from "./summarySql.js";
import { stepCosts, stepRollups, stepRollupTools, stepSeconds, stepSummaries } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";
import type { ReadAhead } from "../readAhead.js";
import { modelsNow, movedSteps, readAheadModels } from "./reads.js";

type CellTable = typeof stepRollups | typeof stepSummaries | typeof stepSeconds | typeof stepCosts;

/**
 * One kind of cell: given a delta's rows of it, adds the statements writing the rows that change their cells to `writes`
 * (PostgreSQL needs the table named in the SET, which SQLite accepts too) and those dropping the cells they may have
 * emptied to `drops`, and returns the changed rows. The cells of one delta are distinct keys, so one multi-row upsert
 * may carry them all.
 */
function cellsOf<T extends CellTable>(table: T, sums: readonly string[], changes: (row: T["$inferSelect"]) => boolean, mayEmpty: (row: T["$inferSelect"]) => boolean) {
  const upsert = upsertOf(table, ["cell"]);
  const name = getTableName(table);
  const insert = rowsInsert({ sql: upsert.sql.replace(/DO UPDATE SET .*$/s, `DO UPDATE SET ${sums.map((c) => `${c} = ${name}.${c} + excluded.${c}`).join(", ")}`) });
  const emptied = `DELETE FROM ${name} WHERE ${sums.map((c) => `${c} = 0`).join(" AND ")} AND`;
  return (tx: SqlPort, rows: ReadonlyMap<string, T["$inferSelect"]>, writes: Statement[], drops: Statement[]): T["$inferSelect"][] => {
    const changed: T["$inferSelect"][] = [];
    const fell: string[] = [];
    for (const row of rows.values()) {
      if (!changes(row)) continue;
      changed.push(row);
      if (mayEmpty(row)) fell.push(row.cell);
    }
    writes.push(...insertStatements(tx, insert, changed.map((row) => upsert.values(row))));
    drops.push(...byKeysStatements(tx, emptied, "cell", fell));
    return changed;
  };
}
const SUMS = ["steps", "prompt_tokens", "completion_tokens", "total_tokens"];
const isZero = (row: Sums) => row.steps === 0 && row.promptTokens === 0 && row.completionTokens === 0 && row.totalTokens === 0;
/** A summary changes when any count does (its steps moved between statuses, or their times or tokens changed): its numbers are its counts. */
const changedSummary = (row: SummaryRow) => Object.values(row).some((value) => typeof value === "number" && value !== 0);
const fewerSteps = (row: { steps: number }) => row.steps < 0;
const writeRollups = cellsOf(stepRollups, SUMS, (row) => !isZero(row), fewerSteps);
const writeSummaries = cellsOf(stepSummaries, SUMMARY_COUNTS, changedSummary, fewerSteps);
const writeSeconds = cellsOf(stepSeconds, ["steps"], (row) => row.steps !== 0, fewerSteps);
// A cost cell changes when a step enters or leaves it or its tokens change: most steps' tokens arrive once, with their usage.
const writeCosts = cellsOf(stepCosts, ["steps", "prompt_tokens", "completion_tokens"], (row) => row.steps !== 0 || row.promptTokens !== 0 || row.completionTokens !== 0, fewerSteps);
const SET_PERCENTILES = setPercentilesHead();
const INSERT_TOOLS = rowsInsert({ sql: insertNewOf(stepRollupTools, ["toolSet", "tool"], "tool_set, tool") });

/**
 * The batch's net change to each cell: each changed step leaves its old cell for its new one; a run's new model moves its
 * other steps. The models (on PostgreSQL mostly read ahead) and the moved steps are read side by side.
 */
async function deltaOf(tx: SqlPort, changes: BatchChanges, ahead: ReadAhead<string | null> | undefined): Promise<RollupDelta> {
  const delta = new RollupDelta();
  const [modelNow, moved] = await Promise.all([modelsNow(tx, changes, ahead), changes.runModels.size > 0 ? movedSteps(tx, changes) : []]);
  const modelBefore = (runId: string | null) => (runId !== null && changes.runModels.has(runId) ? changes.runModels.get(runId)!.before : modelNow(runId));
  for (const { before, after } of changes.steps.values()) {
    if (before) delta.add(before, modelBefore(before.runId), -1);
    if (after) delta.add(after, modelNow(after.runId), 1);
  }
  for (const step of moved) {
    // Read by its row's run: one whose model changed.
    delta.add(step, changes.runModels.get(step.runId!)!.before, -1);
    delta.add(step, modelNow(step.runId), 1);
  }
  return delta;
}

/** Each tool of the tool sets that cells gained steps in (rows already there are kept). */
function newTools(cells: readonly RollupRow[], toolsOf: ReadonlyMap<string, readonly string[]>): SqlValue[][] {
  const toolSets = new Set(cells.filter((row) => row.steps > 0 && row.toolSet !== "").map((row) => row.toolSet));
  return [...toolSets].flatMap((toolSet) => [...new Set(toolsOf.get(toolSet))].map((tool) => [toolSet, tool]));
}

/** A tool set's tools go with its last cell: `step_rollup_tools` holds the sets `step_rollups` names, as a rebuild leaves it. */
const DROP_UNNAMED_TOOL_SETS = "DELETE FROM step_rollup_tools WHERE NOT EXISTS (SELECT 1 FROM step_rollups r WHERE r.tool_set = step_rollup_tools.tool_set) AND";
const setsOfFewerSteps = (cells: readonly RollupRow[]) => [...new Set(cells.filter((row) => row.steps < 0 && row.toolSet !== "").map((row) => row.toolSet))];

/**
 * Writes a delta: each cell that changed and the tool sets new cells name (one statement on PostgreSQL), then the drop
 * of each cell that may have emptied and the percentiles of the summaries whose histogram changed (another), then the
 * tool sets those cells named that no cell names any more.
 */
async function applyDelta(tx: SqlPort, delta: RollupDelta): Promise<void> {
  const writes: Statement[] = [];
  const drops: Statement[] = [];
  const cells = writeRollups(tx, delta.cells, writes, drops);
  writeSummaries(tx, delta.summaries, writes, drops);
  const seconds = writeSeconds(tx, delta.seconds, writes, drops);
  writeCosts(tx, delta.costs, writes, drops);
  writes.push(...insertStatements(tx, INSERT_TOOLS, newTools(cells, delta.toolSets)));
  drops.push(...byKeysStatements(tx, SET_PERCENTILES, "cell", [...new Set(seconds.map((row) => row.summary))]));
  await runTogether(tx, writes);
  // Apart: on PostgreSQL one statement's parts do not see each other's changes.
  await runTogether(tx, drops);
  await runTogether(tx, byKeysStatements(tx, DROP_UNNAMED_TOOL_SETS, "tool_set", setsOfFewerSteps(cells)));
}

/** The rollups projection: `step_rollups` (and the tool sets they name), `step_summaries`, `step_seconds` and `step_costs`, moved by each batch's changes to rows and run models. */
export const stepStatsProjection: Projection<ReadAhead<string | null>> = {
  name: PROJECTION_NAMES.stepStats,
  buildsOnChanges: true,
  readAhead: readAheadModels,
  // A store made before the rollups is refolded whole when first opened for writing (rebuild.ts: catchUpProjections).
  async apply(tx, _events, changes, ahead) {
    await applyDelta(tx, await deltaOf(tx, changes, ahead));
  },
  async truncate(tx) {
    for (const table of [stepRollups, stepRollupTools, stepSummaries, stepSeconds, stepCosts]) await tx.run(deleteAllSql(table));
  },
};
