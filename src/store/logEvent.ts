import { unwrapEvent } from "../records/classify.js";

type JsonObject = Record<string, unknown>;

/** One row of the log as the folds see it: its type, the object it is about, and where it stands. */
export interface LogEvent {
  position: number;
  type: string;
  payload: JsonObject;
  envelopeCreatedAt: number | null;
}

/** Reads a stored row back: `data` holds either the whole event or, for SSE, the bare data field. */
export function logEventFromRow(row: { position: number; type: string; data: string }): LogEvent {
  const value = JSON.parse(row.data) as unknown;
  const event = unwrapEvent(value);
  if (event) {
    const createdAt = typeof event.createdAt === "number" ? event.createdAt : null;
    return { position: row.position, type: row.type, payload: event.data as JsonObject, envelopeCreatedAt: createdAt };
  }
  return { position: row.position, type: row.type, payload: value as JsonObject, envelopeCreatedAt: null };
}
