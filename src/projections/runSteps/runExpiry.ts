import type { RunEvent } from "../../records/events.js";

/** What is known of an expired run (CONTRACT §5 rule 4): every in-progress step of the run shows it. */
export interface RunExpiryState {
  runId: string;
  expiresAt: number | null;
  envelopeCreatedAt: number | null;
  position: number;
}

/** The run's expiry after one more event saying it expired. Pure. */
export function evolveRunExpiry(state: RunExpiryState | null, event: RunEvent): RunExpiryState {
  const larger = (a: number | null, b: unknown) => (typeof b === "number" && (a === null || b > a) ? b : a);
  return {
    runId: event.payload.id,
    expiresAt: larger(state?.expiresAt ?? null, event.payload.expires_at),
    envelopeCreatedAt: larger(state?.envelopeCreatedAt ?? null, event.envelopeCreatedAt),
    position: Math.max(state?.position ?? 0, event.position),
  };
}
