import { isRunExpiry, type LogEvent, type RunEvent, type StepEvent } from "../../records/events.js";

/**
 * Which rows of the projection an event concerns (Marten's identities): a step's own events reach its
 * row; a run's expiry reaches every step of the run, which the writer finds in the log.
 */
type StepIdentity = { step: string; event: StepEvent } | { expiredRun: string; event: RunEvent } | null;

export function identities(event: LogEvent): StepIdentity {
  if (event.kind === "step" || event.kind === "stepDelta") return { step: event.payload.id, event };
  if (isRunExpiry(event)) return { expiredRun: event.payload.id, event };
  return null;
}
