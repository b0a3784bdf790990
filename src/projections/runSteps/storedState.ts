import type { SqlPort } from "../../store/sqlPort.js";
import { deleteByKeys, insertRows, rowsInsert, selectByKeys } from "../../store/sqlBatch.js";
import { upsertOf } from "../../store/sqlText.js";
import type { RunStep } from "../../records/schemas.js";
import type { StepFacts } from "../changes.js";
import { initialStepState, type StepFoldState } from "./evolve.js";
import type { RunExpiryState } from "./runExpiry.js";
import { runExpiries, runStepFolds } from "./tables.js";

/** A step's fold state, whether it is kept in `run_step_folds`, and whether the step is new to the tables. */
export interface LoadedStep {
  state: StepFoldState;
  folded: boolean;
  fresh: boolean;
  /** The step's `run_steps` row as the rollups count it, before this batch; null when it has none. Its tools are read with them. */
  row: Omit<StepFacts, "tools"> | null;
}

/** The columns of a stored row the rollups count (StepFacts but the tools), read with the row. */
export const STEP_FACT_COLUMNS = `run_id AS "runId", created_at AS "createdAt", assistant_id AS "assistantId", type, status,
  last_error_code AS "lastErrorCode", completion_seconds AS "completionSeconds", prompt_tokens AS "promptTokens",
  completion_tokens AS "completionTokens", total_tokens AS "totalTokens"`;

const saveFold = rowsInsert(upsertOf(runStepFolds));
const saveExpiry = rowsInsert(upsertOf(runExpiries));

type StoredRow = Omit<StepFacts, "tools"> & { id: string };

/**
 * A step whose own snapshots made it terminal is its row (a terminal snapshot replaces the state
 * whole, and nothing but a larger terminal snapshot changes it), so `run_step_folds` keeps only
 * the steps still in progress (or known by deltas alone), and a terminal step's state is read back
 * from its `run_steps` row: most steps start and finish within one batch and write one row, not two.
 * Loaded for all of a batch's steps at once (one round trip per chunk on PostgreSQL), each with its
 * row's facts for the rollups; a row's JSON is read only where it is the state.
 */
export async function loadSteps(tx: SqlPort, stepIds: readonly string[]): Promise<Map<string, LoadedStep>> {
  const folds = new Map<string, StepFoldState>();
  for (const saved of await selectByKeys<{ step_id: string; state: string }>(tx, "SELECT step_id, state FROM run_step_folds WHERE", "step_id", stepIds)) {
    folds.set(saved.step_id, JSON.parse(saved.state) as StepFoldState);
  }
  const rowsOf = <T extends StoredRow>(columns: string, ids: readonly string[]) =>
    selectByKeys<T>(tx, `SELECT id, ${STEP_FACT_COLUMNS}${columns} FROM run_steps WHERE`, "id", ids);
  const loaded = new Map<string, LoadedStep>();
  for (const { id, ...row } of await rowsOf(``, [...folds.keys()])) loaded.set(id, { state: folds.get(id)!, folded: true, fresh: false, row });
  for (const [id, state] of folds) if (!loaded.has(id)) loaded.set(id, { state, folded: true, fresh: false, row: null });
  const unfolded = stepIds.filter((id) => !folds.has(id));
  for (const { id, data, position, ...row } of await rowsOf<StoredRow & { data: string; position: number }>(", data, position", unfolded)) {
    // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
    const state: StepFoldState = { ...initialStepState(id), runId: row.runId, terminal: JSON.parse(data) as RunStep, position };
    loaded.set(id, { state, folded: false, fresh: false, row });
  }
  for (const id of unfolded) if (!loaded.has(id)) loaded.set(id, { state: initialStepState(id), folded: false, fresh: true, row: null });
  return loaded;
}

/** The fold states to keep (unfinished steps) and the steps whose kept state is done with (now terminal, their row alone). */
export async function saveSteps(tx: SqlPort, saved: readonly { loaded: LoadedStep; state: StepFoldState }[]): Promise<void> {
  const unfinished = saved.filter(({ state }) => !state.terminal).map(({ state }) => saveFold.values({ stepId: state.stepId, state: JSON.stringify(state) }));
  await insertRows(tx, saveFold, unfinished);
  const done = saved.filter(({ loaded, state }) => state.terminal && loaded.folded).map(({ state }) => state.stepId);
  await deleteByKeys(tx, "DELETE FROM run_step_folds WHERE", "step_id", done);
}

const SELECT_EXPIRY = "SELECT run_id AS \"runId\", expires_at AS \"expiresAt\", envelope_created_at AS \"envelopeCreatedAt\", position FROM run_expiries WHERE";

/** The expiries known of these runs, by run id. */
export async function loadExpiries(tx: SqlPort, runIds: readonly string[]): Promise<Map<string, RunExpiryState>> {
  return new Map((await selectByKeys<RunExpiryState>(tx, SELECT_EXPIRY, "run_id", runIds)).map((e) => [e.runId, e]));
}

export async function saveExpiries(tx: SqlPort, expiries: readonly RunExpiryState[]): Promise<void> {
  await insertRows(tx, saveExpiry, expiries.map((expiry) => saveExpiry.values(expiry)));
}
