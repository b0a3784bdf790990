import { canonicalOfText } from "../records/canonical.js";
import type { AcceptedRecord, RejectedRecord } from "../records/classify.js";
import { keyedByContent } from "../records/eventKey.js";
import { storableRejection } from "../records/utf8.js";
import { decodeEvent, type LogEvent } from "../records/events.js";
import { storeCheckpoint } from "./checkpoints.js";
import type { SqlDatabase, SqlPort, SqlValue } from "./sqlPort.js";
import { insertNewOf, insertOf } from "./sqlText.js";
import { events, rejections } from "./tables.js";

export type Source = "file" | "webhook" | "http" | "poll";

export interface KeyedRecord {
  record: AcceptedRecord;
  key: string;
}

export interface AppendBatch {
  source: Source;
  accepted: readonly KeyedRecord[];
  rejected: readonly RejectedRecord[];
}

export type AppendedRecord =
  | { status: "appended" | "duplicate"; position: number }
  /** The key is already in the log for other content (CONTRACT §3): not appended, kept in `rejections`. `position` is the stored event's. */
  | { status: "conflict"; position: number; rejection: RejectedRecord };

export interface AppendResult {
  appended: number;
  duplicates: number;
  rejected: number;
  /** One per accepted record, in order: where it stands in the log (a conflict counts as rejected). */
  results: AppendedRecord[];
  lastPosition: number;
}

/** The counts a run of results gives (beside `rejected` records that never reached the log), and its last appended position. */
export function tally(results: AppendedRecord[], rejected: number): AppendResult {
  const counts = { appended: 0, duplicate: 0, conflict: 0 };
  let lastPosition = 0;
  for (const r of results) {
    counts[r.status]++;
    if (r.status === "appended") lastPosition = r.position;
  }
  return { appended: counts.appended, duplicates: counts.duplicate, rejected: rejected + counts.conflict, results, lastPosition };
}

/**
 * Equal canonical JSON with numbers as written (equal bytes were settled in SQL): a redelivery
 * re-serialised with other key order or whitespace is the same content; `…993` where `…992` is stored is not.
 */
function sameContent(stored: string, received: string): boolean {
  return canonicalOfText(stored) === canonicalOfText(received);
}

export function conflictReason(key: string, storedOrigin: string): string {
  return `conflict: event key ${key} already holds different content (appended from ${storedOrigin})`;
}

/** What the log hands each batch's new events to, inside the batch's transaction. */
export interface ProjectionRunner {
  names: readonly string[];
  apply(tx: SqlPort, events: readonly LogEvent[]): Promise<void>;
}

const INSERT_EVENT = insertNewOf(events, ["eventKey", "type", "stepId", "runId", "threadId", "source", "origin", "receivedAt", "data"], "event_key");
const INSERT_EVENT_RETURNING = `${INSERT_EVENT} RETURNING position`;

/**
 * The new event's position, or none when its key is in the log already. SQLite's RETURNING buffers
 * its rows in a temporary table, which doubled the cost of this, the hottest insert: there the
 * position is asked for after the insert, on the same connection inside the same transaction.
 */
async function insertEvent(tx: SqlPort, values: SqlValue[]): Promise<number | undefined> {
  if (tx.dialect !== "sqlite") return (await tx.get<{ position: number }>(INSERT_EVENT_RETURNING, values))?.position;
  if ((await tx.run(INSERT_EVENT, values)).changes === 0) return undefined;
  return (await tx.get<{ position: number }>("SELECT last_insert_rowid() AS position"))!.position;
}
const POSITION_OF = "SELECT position FROM events WHERE event_key = ?";
// Equal bytes are told inside the database: the stored text reaches JS only when it differs.
const STORED_UNDER = "SELECT position, origin, CASE WHEN data = ? THEN 1 ELSE 0 END AS same FROM events WHERE event_key = ?";
const DATA_OF = "SELECT data FROM events WHERE position = ?";
const INSERT_REJECTION = insertOf(rejections, ["receivedAt", "source", "origin", "reason", "path", "raw"]);

/** A record whose key is in the log already (the batch's own earlier records included): a duplicate or a conflict. */
async function existing(tx: SqlPort, record: AcceptedRecord, key: string): Promise<AppendedRecord> {
  // A content key names its content, so only an id can hold other content; a fresh insert never gets here.
  if (keyedByContent(record, key)) return { status: "duplicate", position: (await tx.get<{ position: number }>(POSITION_OF, [key]))!.position };
  const stored = (await tx.get<{ position: number; origin: string; same: number }>(STORED_UNDER, [record.data, key]))!;
  const same = stored.same === 1 || sameContent((await tx.get<{ data: string }>(DATA_OF, [stored.position]))!.data, record.data);
  if (same) return { status: "duplicate", position: stored.position };
  const rejection: RejectedRecord = { ok: false, reason: conflictReason(key, stored.origin), path: null, origin: record.origin, raw: record.data };
  return { status: "conflict", position: stored.position, rejection };
}

/**
 * Appends batches to the log: one write transaction per batch holding its events, its rejections,
 * the projections' updates and their checkpoints; a key already in the log is a duplicate and
 * changes nothing, unless an id names other content there: a conflict, kept as a rejection.
 */
export function createAppender(db: SqlDatabase, projections: ProjectionRunner) {
  const appendIn = async (tx: SqlPort, batch: AppendBatch): Promise<AppendResult> => {
    const receivedAt = new Date().toISOString();
    const reject = (rejected: RejectedRecord) => {
      const r = storableRejection(rejected);
      return tx.run(INSERT_REJECTION, [receivedAt, batch.source, r.origin, r.reason, r.path, r.raw]);
    };
    const fresh: LogEvent[] = [];
    const results: AppendedRecord[] = [];
    for (const { record, key } of batch.accepted) {
      const values = [key, record.type, record.stepId, record.runId, record.threadId, batch.source, record.origin, receivedAt, record.data];
      const position = await insertEvent(tx, values);
      if (position !== undefined) {
        fresh.push(decodeEvent({ position, type: record.type, payload: record.payload, envelopeCreatedAt: record.envelopeCreatedAt }));
        results.push({ status: "appended", position });
      } else {
        const result = await existing(tx, record, key);
        if (result.status === "conflict") await reject(result.rejection);
        results.push(result);
      }
    }
    for (const r of batch.rejected) await reject(r);
    const tallied = tally(results, batch.rejected.length);
    if (fresh.length > 0) {
      await projections.apply(tx, fresh);
      for (const name of projections.names) await storeCheckpoint(tx, name, tallied.lastPosition);
    }
    return tallied;
  };
  return (batch: AppendBatch): Promise<AppendResult> => db.transaction((tx) => appendIn(tx, batch));
}

export type Append = ReturnType<typeof createAppender>;
