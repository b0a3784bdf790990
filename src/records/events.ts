import type { z } from "zod";
import { unwrapEvent } from "./classify.js";
import type { JsonObject } from "./json.js";
import type { Assistant, Run, RunStep, stepDeltaSchema } from "./schemas.js";

type StepDelta = z.infer<typeof stepDeltaSchema>;

const STEP_DELTA = "thread.run.step.delta";

interface Placed {
  position: number;
  /** The event type, or for a bare record its `object`. */
  type: string;
  envelopeCreatedAt: number | null;
}

/**
 * One event of the log as the projections see it, decoded once: what it is about (`kind`) with its
 * payload typed by the schema that admitted it to the log. `other`: threads, messages, errors.
 */
export type LogEvent = Placed &
  (
    | { kind: "step"; payload: RunStep }
    | { kind: "stepDelta"; payload: StepDelta }
    | { kind: "run"; payload: Run }
    | { kind: "assistant"; payload: Assistant }
    | { kind: "other"; payload: JsonObject }
  );

export type StepEvent = Extract<LogEvent, { kind: "step" | "stepDelta" }>;
export type RunEvent = Extract<LogEvent, { kind: "run" }>;

/** A run as the API addresses it: what `poll` lists and the store's open runs name. */
export interface RunRef {
  threadId: string;
  runId: string;
}

/** Types a validated record's payload by its `object`: every payload in the log passed that object's schema on the way in. */
export function decodeEvent({ position, type, envelopeCreatedAt, payload }: Placed & { payload: JsonObject }): LogEvent {
  // One object literal of one shape for every kind (a spread here cost the ingest measurably).
  if (payload.object === STEP_DELTA) return { position, type, envelopeCreatedAt, kind: "stepDelta", payload: payload as StepDelta };
  if (payload.object === "thread.run.step" && type !== STEP_DELTA) return { position, type, envelopeCreatedAt, kind: "step", payload: payload as RunStep };
  if (payload.object === "thread.run") return { position, type, envelopeCreatedAt, kind: "run", payload: payload as Run };
  if (payload.object === "assistant") return { position, type, envelopeCreatedAt, kind: "assistant", payload: payload as Assistant };
  return { position, type, envelopeCreatedAt, kind: "other", payload };
}

/** A stored `data` parsed: the object it is about and its envelope's time. It holds either the whole event or, for SSE, the bare data field. */
export function payloadOfData(data: string): { payload: JsonObject; envelopeCreatedAt: number | null } {
  const value = JSON.parse(data) as unknown;
  const event = unwrapEvent(value);
  if (!event) return { payload: value as JsonObject, envelopeCreatedAt: null };
  return { payload: event.data as JsonObject, envelopeCreatedAt: typeof event.createdAt === "number" ? event.createdAt : null };
}

/** Reads a stored row back as the projections see it. */
export function eventFromRow(row: { position: number; type: string; data: string }): LogEvent {
  const { payload, envelopeCreatedAt } = payloadOfData(row.data);
  return decodeEvent({ position: row.position, type: row.type, payload, envelopeCreatedAt });
}

/** A run is known expired by a `thread.run.expired` event or any run snapshot saying so. */
export function isRunExpiry(event: LogEvent): event is RunEvent {
  return event.kind === "run" && (event.type === "thread.run.expired" || event.payload.status === "expired");
}
