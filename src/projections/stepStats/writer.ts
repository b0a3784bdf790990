import { getTableName } from "drizzle-orm";
import { stepsOfRuns } from "../../store/readEvents.js";
import type { SqlPort } from "../../store/sqlPort.js";
import { deleteAllSql, insertNewOf, upsertOf } from "../../store/sqlText.js";
import type { BatchChanges, StepFacts } from "../changes.js";
import { STEP_FACT_COLUMNS } from "../runSteps/storedState.js";
import type { Projection } from "../projection.js";
import { RollupDelta, TOOL_SEPARATOR, type Sums } from "./cells.js";
import { stepCosts, stepRollups, stepRollupTools, stepTotals } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";

/**
 * Adds a delta to a cell of `table` (PostgreSQL needs the table named in the SET, which SQLite accepts too), and drops
 * the cell when `emptied` (the first of `sums`) falls to zero.
 */
function addToCellOf<T extends typeof stepRollups | typeof stepTotals | typeof stepCosts>(table: T, sums: readonly string[]) {
  const upsert = upsertOf(table, ["cell"]);
  const name = getTableName(table);
  const sql = upsert.sql.replace(/DO UPDATE SET .*$/s, `DO UPDATE SET ${sums.map((c) => `${c} = ${name}.${c} + excluded.${c}`).join(", ")}`);
  const emptied = `DELETE FROM ${name} WHERE cell = ? AND ${sums.map((c) => `${c} = 0`).join(" AND ")}`;
  return async (tx: SqlPort, row: T["$inferInsert"] & { cell: string }, shrinks: boolean) => {
    await tx.run(sql, upsert.values(row));
    if (shrinks) await tx.run(emptied, [row.cell]);
  };
}
const SUMS = ["steps", "prompt_tokens", "completion_tokens", "total_tokens"];
const addToRollup = addToCellOf(stepRollups, SUMS);
const addToTotals = addToCellOf(stepTotals, SUMS);
const addToCosts = addToCellOf(stepCosts, ["prompt_tokens", "completion_tokens"]);
const INSERT_TOOL = insertNewOf(stepRollupTools, ["toolSet", "tool"], "tool_set, tool");

/** A run's model now (after this batch's runs), null when no snapshot named one; each run read once a batch. */
function modelsNow(tx: SqlPort) {
  const known = new Map<string, string | null>();
  return async (runId: string | null): Promise<string | null> => {
    if (runId === null) return null;
    if (!known.has(runId)) known.set(runId, (await tx.get<{ model: string | null }>("SELECT model FROM runs WHERE id = ?", [runId]))?.model ?? null);
    return known.get(runId)!;
  };
}

/** A stored step as the rollups count it: its row and its tools (read for a step whose run's model moved it). */
async function storedFacts(tx: SqlPort, stepId: string): Promise<StepFacts | null> {
  const row = await tx.get<Omit<StepFacts, "tools">>(`SELECT ${STEP_FACT_COLUMNS} FROM run_steps WHERE id = ?`, [stepId]);
  if (!row) return null;
  const tools = (await tx.all<{ tool: string }>("SELECT tool FROM run_step_tools WHERE step_id = ?", [stepId])).map((r) => r.tool);
  return { ...row, tools };
}

/** The batch's net change to each cell: each changed step leaves its old cell for its new one; a run's new model moves its other steps. */
async function deltaOf(tx: SqlPort, changes: BatchChanges): Promise<RollupDelta> {
  const delta = new RollupDelta();
  const modelNow = modelsNow(tx);
  const modelBefore = async (runId: string | null) => (runId !== null && changes.runModels.has(runId) ? changes.runModels.get(runId)!.before : modelNow(runId));
  for (const { before, after } of changes.steps.values()) {
    if (before) delta.add(before, await modelBefore(before.runId), -1);
    if (after) delta.add(after, await modelNow(after.runId), 1);
  }
  for (const [runId, { before }] of changes.runModels) {
    const after = await modelNow(runId);
    for (const stepId of await stepsOfRuns(tx, [runId])) {
      if (changes.steps.has(stepId)) continue; // counted above, under both models
      const step = await storedFacts(tx, stepId);
      if (step === null || step.runId !== runId) continue;
      delta.add(step, before, -1);
      delta.add(step, after, 1);
    }
  }
  return delta;
}

const isZero = (row: Sums) => row.steps === 0 && row.promptTokens === 0 && row.completionTokens === 0 && row.totalTokens === 0;

/** Writes a delta: each cell that changed, and the tool sets new cells name. */
async function applyDelta(tx: SqlPort, delta: RollupDelta): Promise<void> {
  const newToolSets = new Set<string>();
  for (const row of delta.cells.values()) {
    if (isZero(row)) continue;
    await addToRollup(tx, row, row.steps < 0);
    if (row.steps > 0 && row.toolSet !== "") newToolSets.add(row.toolSet);
  }
  for (const row of delta.totals.values()) if (!isZero(row)) await addToTotals(tx, row, row.steps < 0);
  // A cost cell changes only when tokens do: most steps' tokens arrive once, with their usage.
  for (const row of delta.costs.values()) {
    if (row.promptTokens !== 0 || row.completionTokens !== 0) await addToCosts(tx, row, row.promptTokens < 0 || row.completionTokens < 0);
  }
  for (const toolSet of newToolSets) for (const tool of toolSet.split(TOOL_SEPARATOR)) await tx.run(INSERT_TOOL, [toolSet, tool]);
}



/** The rollups projection: `step_rollups` (and the tool sets they name), `step_totals` and `step_costs`, moved by each batch's changes to rows and run models. */
export const stepStatsProjection: Projection = {
  name: PROJECTION_NAMES.stepStats,
  // A store made before the rollups is refolded whole when first opened for writing (rebuild.ts: catchUpProjections).
  async apply(tx, _events, changes) {
    await applyDelta(tx, await deltaOf(tx, changes));
  },
  async truncate(tx) {
    for (const table of [stepRollups, stepRollupTools, stepTotals, stepCosts]) await tx.run(deleteAllSql(table));
  },
};
