import type { Database } from "better-sqlite3";
import { logEventFromRow, type LogEvent } from "./logEvent.js";

export interface EventRow {
  position: number;
  event_key: string;
  type: string;
  step_id: string | null;
  run_id: string | null;
  thread_id: string | null;
  source: string;
  origin: string;
  received_at: string;
  data: string;
}

/**
 * A log row as JSON text with its `data` spliced in as stored, not parsed and re-serialised (which
 * would round integers past 2^53). Stored data is JSON; a line break in it can only be whitespace
 * between tokens, and is dropped so that a row stays one line.
 */
export function eventRowJson({ data, ...row }: EventRow): string {
  return `${JSON.stringify(row).slice(0, -1)},"data":${data.replace(/[\r\n]+/g, "")}}`;
}

/** The log's rows for one step (its deltas included), in position order. */
export function eventsOfStep(sqlite: Database, stepId: string): EventRow[] {
  return sqlite.prepare<[string], EventRow>("SELECT * FROM events WHERE step_id = ? ORDER BY position").all(stepId);
}

/** The log's rows for one run and all its steps (deltas carry no run id: they are found through their step). */
export function eventsOfRun(sqlite: Database, runId: string): EventRow[] {
  return sqlite
    .prepare<[string, string], EventRow>(
      `SELECT * FROM events WHERE run_id = ?
       OR step_id IN (SELECT DISTINCT step_id FROM events WHERE run_id = ? AND step_id IS NOT NULL)
       ORDER BY position`,
    )
    .all(runId, runId);
}

export interface RejectionRow {
  id: number;
  received_at: string;
  source: string;
  origin: string;
  reason: string;
  path: string | null;
  raw: string;
}

export function listRejections(sqlite: Database): RejectionRow[] {
  return sqlite.prepare<[], RejectionRow>("SELECT * FROM rejections ORDER BY id").all();
}

/** Reads one step's own events (its deltas included) up to a position, as the folds see them. */
export function createStepEventsReader(sqlite: Database): (stepId: string, upTo: number) => LogEvent[] {
  const statement = sqlite.prepare<[string, number], { position: number; type: string; data: string }>(
    "SELECT position, type, data FROM events WHERE step_id = ? AND position <= ? ORDER BY position",
  );
  return (stepId, upTo) => statement.all(stepId, upTo).map(logEventFromRow);
}
