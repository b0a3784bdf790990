import type { SqlPort } from "../../store/sqlPort.js";
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

const saveFold = upsertOf(runStepFolds);
const saveExpiry = upsertOf(runExpiries);

/**
 * A step whose own snapshots made it terminal is its row (a terminal snapshot replaces the state
 * whole, and nothing but a larger terminal snapshot changes it), so `run_step_folds` keeps only
 * the steps still in progress (or known by deltas alone), and a terminal step's state is read back
 * from its `run_steps` row: most steps start and finish within one batch and write one row, not two.
 */
export async function loadStep(tx: SqlPort, stepId: string): Promise<LoadedStep> {
  const saved = await tx.get<{ state: string }>("SELECT state FROM run_step_folds WHERE step_id = ?", [stepId]);
  if (saved) return { state: JSON.parse(saved.state) as StepFoldState, folded: true, fresh: false };
  const row = await tx.get<{ run_id: string; data: string; position: number }>("SELECT run_id, data, position FROM run_steps WHERE id = ?", [stepId]);
  if (!row) return { state: initialStepState(stepId), folded: false, fresh: true };
  // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
  const state: StepFoldState = { ...initialStepState(stepId), runId: row.run_id, terminal: JSON.parse(row.data) as RunStep, position: row.position };
  return { state, folded: false, fresh: false };
}

/** Keeps an unfinished step's state for the next batch; a step that became terminal is its row alone. */
export async function saveStep(tx: SqlPort, loaded: LoadedStep, state: StepFoldState): Promise<void> {
  if (!state.terminal) await tx.run(saveFold.sql, saveFold.values({ stepId: state.stepId, state: JSON.stringify(state) }));
  else if (loaded.folded) await tx.run("DELETE FROM run_step_folds WHERE step_id = ?", [state.stepId]);
}

export function loadExpiry(tx: SqlPort, runId: string): Promise<RunExpiryState | undefined> {
  return tx.get<RunExpiryState>(
    "SELECT run_id AS \"runId\", expires_at AS \"expiresAt\", envelope_created_at AS \"envelopeCreatedAt\", position FROM run_expiries WHERE run_id = ?",
    [runId],
  );
}

export async function saveExpiryState(tx: SqlPort, expiry: RunExpiryState): Promise<void> {
  await tx.run(saveExpiry.sql, saveExpiry.values(expiry));
}
