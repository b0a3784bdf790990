import { eventFromRow, type LogEvent } from "../records/events.js";
import { selectByKeys } from "./sqlBatch.js";
import { pagesByKey } from "./pagesByKey.js";
import type { SqlPort, SqlValue } from "./sqlPort.js";

/** A log row as `SELECT *` reads it (SQL's column names): what `events` prints. */
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

/**
 * Which log rows `events` prints: one step's (its deltas included), one run's and all its steps' (deltas carry no run
 * id: they are found through their step), or the whole log.
 */
type EventsOf = { stepId: string } | { runId: string } | "all";

function eventsWhere(of: EventsOf): { where?: string; params: SqlValue[] } {
  if (of === "all") return { params: [] };
  if ("stepId" in of) return { where: "step_id = ?", params: [of.stepId] };
  return {
    where: "(run_id = ? OR step_id IN (SELECT DISTINCT step_id FROM events WHERE run_id = ? AND step_id IS NOT NULL))",
    params: [of.runId, of.runId],
  };
}

/** A log row as a page lists it: its data's first characters and its length in characters, not its data (up to 16 MiB). */
export type EventRowStart = Omit<EventRow, "data" | "event_key"> & { data_start: string; data_length: number };

/** One step's first `limit` rows of the log in position order, each with its data's first `chars` characters only. */
export function firstEventsOfStep(port: SqlPort, stepId: string, limit: number, chars: number): Promise<EventRowStart[]> {
  const { where, params } = eventsWhere({ stepId });
  return port.all<EventRowStart>(
    `SELECT position, type, step_id, run_id, thread_id, source, origin, received_at, substr(data, 1, ?) AS data_start, length(data) AS data_length
     FROM events WHERE ${where} ORDER BY position LIMIT ?`,
    [chars, ...params, limit],
  );
}

/** How many rows of the log are one step's (its deltas included). */
export async function countEventsOfStep(port: SqlPort, stepId: string): Promise<number> {
  const { where, params } = eventsWhere({ stepId });
  return Number((await port.get<{ n: number }>(`SELECT count(*) AS n FROM events WHERE ${where}`, params))!.n);
}

/** One step's rows of the log (its deltas included), a run's and its steps', or the whole log's (eventsWhere), in position order, `pageSize` rows at a time: one page in memory however long the log. */
export function eventPages(port: SqlPort, of: EventsOf, pageSize: number): AsyncGenerator<EventRow[]> {
  const { where, params } = eventsWhere(of);
  return pagesByKey<EventRow>(port, { from: "events", where, params, key: "position" }, pageSize);
}

type RejectionRow = { id: number; received_at: string; source: string; origin: string; reason: string; path: string | null; raw: string };

export function listRejections(port: SqlPort): Promise<RejectionRow[]> {
  return port.all<RejectionRow>("SELECT * FROM rejections ORDER BY id");
}

/** As listRejections, `pageSize` rows at a time. */
export function rejectionPages(port: SqlPort, pageSize: number): AsyncGenerator<RejectionRow[]> {
  return pagesByKey<RejectionRow>(port, { from: "rejections", key: "id" }, pageSize);
}

/**
 * One step's own events (its deltas included) up to a position, as the folds see them, `pageSize` at a time: a step's
 * log has no bound (50,000 deltas of 4 kB are 211 MB), and a fold needs one event at a time.
 */
export async function* stepEventPagesUpTo(port: SqlPort, stepId: string, upTo: number, pageSize: number): AsyncGenerator<LogEvent[]> {
  const table = { from: "events", where: "step_id = ? AND position <= ?", params: [stepId, upTo], key: "position" };
  for await (const rows of pagesByKey<EventRow>(port, table, pageSize)) yield rows.map(eventFromRow);
}

/** Every step with a snapshot naming one of the runs (deltas carry no run id). */
export async function stepsOfRuns(port: SqlPort, runIds: readonly string[]): Promise<string[]> {
  const rows = await selectByKeys<{ step_id: string }>(port, "SELECT DISTINCT step_id FROM events WHERE step_id IS NOT NULL AND", "run_id", runIds);
  return [...new Set(rows.map((r) => r.step_id))];
}

/** Reads the log in position order, `batchSize` events at a time, from after `after`: one page in memory at a time. */
export async function* readBatches(port: SqlPort, batchSize: number, after = 0): AsyncGenerator<LogEvent[]> {
  let from = after;
  for (;;) {
    const rows = await port.all<{ position: number; type: string; data: string }>(
      "SELECT position, type, data FROM events WHERE position > ? ORDER BY position LIMIT ?",
      [from, batchSize],
    );
    if (rows.length === 0) return;
    yield rows.map(eventFromRow);
    from = rows[rows.length - 1]!.position;
  }
}
