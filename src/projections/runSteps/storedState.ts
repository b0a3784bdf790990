import type { SqlPort } from "../../store/sqlPort.js";
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
  if (saved) {
    const row = (await tx.get<Omit<StepFacts, "tools">>(`SELECT ${STEP_FACT_COLUMNS} FROM run_steps WHERE id = ?`, [stepId])) ?? null;
    return { state: JSON.parse(saved.state) as StepFoldState, folded: true, fresh: false, row };
  }
  const row = await tx.get<Omit<StepFacts, "tools"> & { data: string; position: number }>(`SELECT ${STEP_FACT_COLUMNS}, data, position FROM run_steps WHERE id = ?`, [stepId]);
  if (!row) return { state: initialStepState(stepId), folded: false, fresh: true, row: null };
  // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
  const state: StepFoldState = { ...initialStepState(stepId), runId: row.runId, terminal: JSON.parse(row.data) as RunStep, position: row.position };
  const { data: _data, position: _position, ...facts } = row;
  return { state, folded: false, fresh: false, row: facts };
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
