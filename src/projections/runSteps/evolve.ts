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
  /**
   * The JSON length of the deltas' `step_details` so far; past MAX_DELTA_DETAILS, those after are left out of
   * `deltaDetails`. A state kept before 2026-12-05 has none (isUnsized): its step is folded again from the log.
   */
  deltaSize?: number;
  /** The largest position among the step's own events. */
  position: number;
}

export function initialStepState(stepId: string): StepFoldState {
  return { stepId, terminal: null, inProgress: null, inProgressDetails: null, deltaDetails: null, position: 0 };
}

/**
 * The most a step's deltas build (the JSON length of their `step_details`, summed): a stream's details are kilobytes,
 * where 70 deltas of 4 MB each, one step's, had taken an ingest to 3.5 GB and failed its whole batch (`string or blob
 * too big`), and 281 kB of gzip had done it to `serve`. The deltas past it stay in the log; the row is built from those
 * before (a snapshot, which has no such limit, still replaces it as any does). Fixed, not a setting: every process
 * folding the log must build the same row.
 */
export const MAX_DELTA_DETAILS = 16 * 1024 * 1024;

/** A delta folded into the state: accumulated while the deltas so far stay within MAX_DELTA_DETAILS, counted after. */
function withDelta(state: StepFoldState, details: JsonObject, position: number): StepFoldState {
  const before = state.deltaSize ?? 0;
  const deltaSize = before > MAX_DELTA_DETAILS ? before : before + JSON.stringify(details).length;
  if (deltaSize > MAX_DELTA_DETAILS) return { ...state, position, deltaSize };
  return { ...state, position, deltaSize, deltaDetails: accumulateDelta(state.deltaDetails ?? {}, details) };
}

/** A kept state from before deltas were counted: deltas folded, none counted. */
export const isUnsized = (state: StepFoldState): boolean => state.deltaDetails !== null && state.deltaSize === undefined;

/**
 * A kept state as verify compares it: without `deltaSize`, which a state kept before it was counted lacks until its
 * step moves again (an upgraded store's unfinished streams would otherwise all differ).
 */
export const comparableFold = (state: StepFoldState): string => JSON.stringify({ ...state, deltaSize: undefined });

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
    return withDelta(state, isJsonObject(delta) ? delta : {}, position);
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
