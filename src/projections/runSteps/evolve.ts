import type { StepEvent } from "../../records/events.js";
import { isJsonObject, type JsonObject } from "../../records/json.js";
import type { RunStep } from "../../records/schemas.js";
import { accumulateDelta, withoutIndexes } from "./accumulate.js";
import { isTerminalStep } from "../../records/statuses.js";
import { compareCanonical, compareDetails, compareTerminal } from "./compare.js";
import { emptyStepDetails, normalizeRunStep, type RunStepRow } from "./row.js";
import type { RunExpiryState } from "./runExpiry.js";

/** All the fold keeps of one step: enough to render its row, whatever arrives next. */
export interface StepFoldState {
  stepId: string;
  /** The winning terminal snapshot as received, if any. */
  terminal: RunStep | null;
  /** The in-progress snapshot with the larger canonical JSON, as received. */
  inProgress: RunStep | null;
  /** The longest step_details among in-progress snapshots. */
  inProgressDetails: JsonObject | null;
  /** Every delta so far, accumulated in log order onto `{}` (its first tool calls placed by their `index`, as onto `[]`). */
  deltaDetails: JsonObject | null;
  /** The largest position among the step's own events. */
  position: number;
}

export function initialStepState(stepId: string): StepFoldState {
  return { stepId, terminal: null, inProgress: null, inProgressDetails: null, deltaDetails: null, position: 0 };
}

function max<T>(current: T | null, candidate: T, compare: (a: T, b: T) => number): T {
  return current === null || compare(candidate, current) > 0 ? candidate : current;
}

/**
 * The run a step belongs to: the one its row names, the winning snapshot's (not the first seen), so that its run's
 * expiry reaches it whatever the order; null while only deltas are known.
 */
export const stepRunId = (state: StepFoldState): string | null => (state.terminal ?? state.inProgress)?.run_id ?? null;

/** Folds one of the step's events into its state. Pure: the inputs are left as they were. */
export function evolveStep(state: StepFoldState, event: StepEvent): StepFoldState {
  const position = Math.max(state.position, event.position);
  if (event.kind === "stepDelta") {
    const delta = event.payload.delta.step_details;
    return { ...state, position, deltaDetails: accumulateDelta(state.deltaDetails ?? {}, isJsonObject(delta) ? delta : {}) };
  }
  // Compared as received (CONTRACT §5 compares canonical JSON); rendering fills in the keys it left out.
  const snapshot = event.payload;
  if (isTerminalStep(snapshot.status)) {
    return { ...state, position, terminal: max(state.terminal, snapshot, compareTerminal) };
  }
  return {
    ...state,
    position,
    inProgress: max(state.inProgress, snapshot, compareCanonical),
    inProgressDetails: max(state.inProgressDetails, isJsonObject(snapshot.step_details) ? snapshot.step_details : null, compareDetails),
  };
}

/** The step's row, or null while no snapshot of it is known (deltas alone wait). */
export function renderRunStep(state: StepFoldState, expiry: RunExpiryState | null): { row: RunStepRow; position: number } | null {
  const position = Math.max(state.position, expiry?.position ?? 0);
  if (state.terminal) return { row: normalizeRunStep(state.terminal), position };
  if (!state.inProgress) return null;
  let details = state.inProgressDetails;
  if (state.deltaDetails) {
    const built = withoutIndexes(accumulateDelta(emptyStepDetails(state.inProgress.type), state.deltaDetails));
    details = max(details, built, compareDetails);
  }
  const row = normalizeRunStep({ ...state.inProgress, step_details: details });
  if (expiry) {
    row.status = "expired";
    row.expired_at = expiry.expiresAt ?? expiry.envelopeCreatedAt ?? null;
    row.usage = null;
    row.last_error = null;
  }
  return { row, position };
}
