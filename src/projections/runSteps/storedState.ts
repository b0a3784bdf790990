import type { SqlPort } from "../../store/sqlPort.js";
import { deleteByKeys, insertRows, rowsInsert, selectByKeys } from "../../store/sqlBatch.js";
import { upsertOf } from "../../store/sqlText.js";
import type { RunStep } from "../../records/schemas.js";
import { initialStepState, type StepFoldState } from "./evolve.js";
import type { RunExpiryState } from "./runExpiry.js";
import { runExpiries, runStepFolds } from "./tables.js";

/** A step's fold state, whether it is kept in `run_step_folds`, and whether the step is new to the tables. */
export interface LoadedStep {
  state: StepFoldState;
  folded: boolean;
  fresh: boolean;
}

const saveFold = rowsInsert(upsertOf(runStepFolds));
const saveExpiry = rowsInsert(upsertOf(runExpiries));

/**
 * A step whose own snapshots made it terminal is its row (a terminal snapshot replaces the state
 * whole, and nothing but a larger terminal snapshot changes it), so `run_step_folds` keeps only
 * the steps still in progress (or known by deltas alone), and a terminal step's state is read back
 * from its `run_steps` row: most steps start and finish within one batch and write one row, not two.
 * Loaded for all of a batch's steps at once (one round trip per chunk on PostgreSQL).
 */
export async function loadSteps(tx: SqlPort, stepIds: readonly string[]): Promise<Map<string, LoadedStep>> {
  const loaded = new Map<string, LoadedStep>();
  for (const saved of await selectByKeys<{ step_id: string; state: string }>(tx, "SELECT step_id, state FROM run_step_folds WHERE", "step_id", stepIds)) {
    loaded.set(saved.step_id, { state: JSON.parse(saved.state) as StepFoldState, folded: true, fresh: false });
  }
  const unfolded = stepIds.filter((id) => !loaded.has(id));
  const rows = await selectByKeys<{ id: string; run_id: string; data: string; position: number }>(tx, "SELECT id, run_id, data, position FROM run_steps WHERE", "id", unfolded);
  for (const row of rows) {
    // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
    const state: StepFoldState = { ...initialStepState(row.id), runId: row.run_id, terminal: JSON.parse(row.data) as RunStep, position: row.position };
    loaded.set(row.id, { state, folded: false, fresh: false });
  }
  for (const id of unfolded) if (!loaded.has(id)) loaded.set(id, { state: initialStepState(id), folded: false, fresh: true });
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
