import type { SqlPort } from "../../store/sqlPort.js";
import { deleteByKeys, insertRows, rowsInsert, selectByKeys } from "../../store/sqlBatch.js";
import { upsertOf } from "../../store/sqlText.js";
import type { RunStep } from "../../records/schemas.js";
import { stepFacts, type StepFacts } from "../changes.js";
import { initialStepState, type StepFoldState } from "./evolve.js";
import type { RunExpiryState } from "./runExpiry.js";
import { runExpiries, runStepFolds } from "./tables.js";

/** A step's fold state and whether it is kept in `run_step_folds`. */
export interface LoadedStep {
  state: StepFoldState;
  folded: boolean;
  /** The step's `run_steps` row as the rollups count it, its stored tools included, before this batch; null when it has none. */
  row: StepFacts | null;
}

/** The columns of a stored row the rollups count (StepFacts but the tools), read with the row. */
export const STEP_FACT_COLUMNS = `run_id AS "runId", created_at AS "createdAt", assistant_id AS "assistantId", type, status,
  last_error_code AS "lastErrorCode", completion_seconds AS "completionSeconds", prompt_tokens AS "promptTokens",
  completion_tokens AS "completionTokens", total_tokens AS "totalTokens"`;

/** The `run_step_tools` rows of steps, each step's in the table's (step, tool) order. */
export const readTools = (tx: SqlPort, stepIds: readonly string[]) =>
  selectByKeys<{ step_id: string; tool: string }>(tx, "SELECT step_id, tool FROM run_step_tools WHERE", "step_id", stepIds);

/** `run_step_tools` rows as each step's tools: what a stored row's facts are read with. */
export function toolsByStep(rows: readonly { step_id: string; tool: string }[]): Map<string, string[]> {
  const tools = new Map<string, string[]>();
  for (const { step_id: stepId, tool } of rows) {
    const list = tools.get(stepId);
    if (list) list.push(tool);
    else tools.set(stepId, [tool]);
  }
  return tools;
}

const SELECT_ROWS = `SELECT id, ${STEP_FACT_COLUMNS}, data, position FROM run_steps WHERE`;
const saveFold = rowsInsert(upsertOf(runStepFolds));
const saveExpiry = rowsInsert(upsertOf(runExpiries));

type StoredRow = Omit<StepFacts, "tools"> & { id: string; data: string; position: number };

/**
 * A step whose own snapshots made it terminal is its row (a terminal snapshot replaces the state
 * whole, and nothing but a larger terminal snapshot changes it), so `run_step_folds` keeps only
 * the steps still in progress (or known by deltas alone), and a terminal step's state is read back
 * from its `run_steps` row: most steps start and finish within one batch and write one row, not two.
 * The states, the rows and their tools are read for all of a batch's steps at once: in a PostgreSQL
 * transaction the three reads are pipelined, one round trip (a row's JSON is read for every step, used
 * where the row is the state).
 */
export async function loadSteps(tx: SqlPort, stepIds: readonly string[]): Promise<Map<string, LoadedStep>> {
  const [saved, rows, tools] = await Promise.all([
    selectByKeys<{ step_id: string; state: string }>(tx, "SELECT step_id, state FROM run_step_folds WHERE", "step_id", stepIds),
    selectByKeys<StoredRow>(tx, SELECT_ROWS, "id", stepIds),
    readTools(tx, stepIds),
  ]);
  const folds = new Map(saved.map((s) => [s.step_id, JSON.parse(s.state) as StepFoldState]));
  const toolsOf = toolsByStep(tools);
  const rowOf = new Map(rows.map((row) => [row.id, { data: row.data, position: row.position, facts: stepFacts(row, toolsOf.get(row.id) ?? []) }]));
  return new Map(stepIds.map((id) => {
    const fold = folds.get(id);
    const stored = rowOf.get(id);
    // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
    const fromRow = (row: NonNullable<typeof stored>): StepFoldState =>
      ({ ...initialStepState(id), terminal: JSON.parse(row.data) as RunStep, position: row.position });
    const state = fold ?? (stored ? fromRow(stored) : initialStepState(id));
    return [id, { state, folded: fold !== undefined, row: stored?.facts ?? null }];
  }));
}

/** The fold states to keep (unfinished steps) and the steps whose kept state is done with (now terminal, their row alone). */
export async function saveSteps(tx: SqlPort, saved: readonly { loaded: LoadedStep; state: StepFoldState }[]): Promise<void> {
  const unfinished = saved.filter(({ state }) => !state.terminal).map(({ state }) => saveFold.values({ stepId: state.stepId, state: JSON.stringify(state) }));
  await insertRows(tx, saveFold, unfinished);
  const done = saved.filter(({ loaded, state }) => state.terminal && loaded.folded).map(({ state }) => state.stepId);
  await deleteByKeys(tx, "DELETE FROM run_step_folds WHERE", "step_id", done);
}

/** A run expiry's columns as RunExpiryState, from `run_expiries e`. */
const EXPIRY_OF = `SELECT e.run_id AS "runId", e.expires_at AS "expiresAt", e.envelope_created_at AS "envelopeCreatedAt", e.position FROM run_expiries e`;
const EXPIRIES_OF_RUNS = `${EXPIRY_OF} WHERE`;
const EXPIRIES_OF_STEPS = `${EXPIRY_OF} JOIN run_steps s ON s.run_id = e.run_id WHERE`;
const expiriesBy = async (tx: SqlPort, select: string, column: string, keys: readonly string[]) =>
  new Map((await selectByKeys<RunExpiryState>(tx, select, column, keys)).map((e) => [e.runId, e]));

/** The expiries known of these runs, by run id. */
export const loadExpiries = (tx: SqlPort, runIds: readonly string[]) => expiriesBy(tx, EXPIRIES_OF_RUNS, "e.run_id", runIds);

/** The expiries known of the runs these steps' stored rows are in, by run id. */
export const loadExpiriesOfSteps = (tx: SqlPort, stepIds: readonly string[]) =>
  expiriesBy(tx, EXPIRIES_OF_STEPS, "s.id", stepIds);

export async function saveExpiries(tx: SqlPort, expiries: readonly RunExpiryState[]): Promise<void> {
  await insertRows(tx, saveExpiry, expiries.map((expiry) => saveExpiry.values(expiry)));
}
