import type { LogEvent } from "../../store/logEvent.js";
import { accumulateDelta, withoutIndexes } from "./accumulate.js";
import {
  compareCanonical, compareDetails, compareTerminal, emptyStepDetails, isTerminalStep, normalizeRunStep, type RunStepRow,
} from "./runStep.js";

type JsonObject = Record<string, unknown>;

/** All the fold keeps of one step: enough to render its row, whatever arrives next. */
export interface StepFoldState {
  stepId: string;
  runId: string | null;
  /** The winning terminal snapshot as received, if any. */
  terminal: RunStepRow | null;
  /** The in-progress snapshot with the larger canonical JSON, as received. */
  inProgress: RunStepRow | null;
  /** The longest step_details among in-progress snapshots. */
  inProgressDetails: JsonObject | null;
  /** Every delta so far, accumulated in log order onto `{}` (its first tool calls placed by their `index`, as onto `[]`). */
  deltaDetails: JsonObject | null;
  /** The largest position among the step's own events. */
  position: number;
}

/** What is known of an expired run (CONTRACT §5 rule 4). */
export interface RunExpiryState {
  runId: string;
  expiresAt: number | null;
  envelopeCreatedAt: number | null;
  position: number;
}

const STEP_DELTA = "thread.run.step.delta";

export function isStepSnapshotEvent(event: Pick<LogEvent, "type" | "payload">): boolean {
  return event.type !== STEP_DELTA && event.payload.object === "thread.run.step";
}

export function isStepDeltaEvent(event: Pick<LogEvent, "type" | "payload">): boolean {
  return event.payload.object === STEP_DELTA;
}

/** A run is known expired by a `thread.run.expired` event or any run snapshot saying so. */
export function isRunExpiryEvent(event: Pick<LogEvent, "type" | "payload">): boolean {
  return event.payload.object === "thread.run" && (event.type === "thread.run.expired" || event.payload.status === "expired");
}

export function initialStepState(stepId: string): StepFoldState {
  return { stepId, runId: null, terminal: null, inProgress: null, inProgressDetails: null, deltaDetails: null, position: 0 };
}

function max<T>(current: T | null, candidate: T, compare: (a: T, b: T) => number): T {
  return current === null || compare(candidate, current) > 0 ? candidate : current;
}

/** Folds one of the step's events into its state. Pure: the inputs are left as they were. */
export function evolveStep(state: StepFoldState, event: LogEvent): StepFoldState {
  const position = Math.max(state.position, event.position);
  if (isStepDeltaEvent(event)) {
    const delta = (event.payload.delta as JsonObject | undefined)?.step_details as JsonObject | undefined;
    return { ...state, position, deltaDetails: accumulateDelta(state.deltaDetails ?? {}, delta ?? {}) };
  }
  if (!isStepSnapshotEvent(event)) return { ...state, position };
  // Compared as received (CONTRACT §5 compares canonical JSON); rendering fills in the keys it left out.
  const snapshot = event.payload as RunStepRow;
  const runId = state.runId ?? snapshot.run_id;
  if (isTerminalStep(snapshot.status)) {
    return { ...state, runId, position, terminal: max(state.terminal, snapshot, compareTerminal) };
  }
  return {
    ...state,
    runId,
    position,
    inProgress: max(state.inProgress, snapshot, compareCanonical),
    inProgressDetails: max(state.inProgressDetails, (snapshot.step_details ?? null) as JsonObject, compareDetails),
  };
}

export function evolveRunExpiry(state: RunExpiryState | null, event: LogEvent & { runId: string }): RunExpiryState {
  const larger = (a: number | null, b: unknown) => (typeof b === "number" && (a === null || b > a) ? b : a);
  return {
    runId: event.runId,
    expiresAt: larger(state?.expiresAt ?? null, event.payload.expires_at),
    envelopeCreatedAt: larger(state?.envelopeCreatedAt ?? null, event.envelopeCreatedAt),
    position: Math.max(state?.position ?? 0, event.position),
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
