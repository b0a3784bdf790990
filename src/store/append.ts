import type { Database } from "better-sqlite3";
import { canonicalOfText } from "../records/canonical.js";
import type { AcceptedRecord, RejectedRecord } from "../records/classify.js";
import { keyedByContent } from "../records/eventKey.js";
import { checkpointWriter } from "./checkpoints.js";
import type { LogEvent } from "./logEvent.js";

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
  apply(events: readonly LogEvent[]): void;
}

/**
 * Appends batches to the log: one `BEGIN IMMEDIATE` transaction per batch holding its events,
 * its rejections, the projections' updates and their checkpoints; a key already in the log is a
 * duplicate and changes nothing, unless an id names other content there: a conflict, kept as a rejection.
 */
export function createAppender(sqlite: Database, projections: ProjectionRunner) {
  const insertEvent = sqlite.prepare(`INSERT INTO events (event_key, type, step_id, run_id, thread_id, source, origin, received_at, data)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING`);
  const positionOf = sqlite.prepare<[string], { position: number }>("SELECT position FROM events WHERE event_key = ?");
  // Equal bytes are told inside SQLite: the stored text reaches JS only when it differs.
  const storedUnder = sqlite.prepare<[string, string], { position: number; origin: string; same: number }>(
    "SELECT position, origin, data = ? AS same FROM events WHERE event_key = ?",
  );
  const dataOf = sqlite.prepare<[number], { data: string }>("SELECT data FROM events WHERE position = ?");
  const insertRejection = sqlite.prepare("INSERT INTO rejections (received_at, source, origin, reason, path, raw) VALUES (?, ?, ?, ?, ?, ?)");
  const storeCheckpoint = checkpointWriter(sqlite);
  const checkpoint = (position: number) => {
    for (const name of projections.names) storeCheckpoint(name, position);
  };

  /** A record whose key is in the log already (the batch's own earlier records included): a duplicate or a conflict. */
  const existing = (record: AcceptedRecord, key: string): AppendedRecord => {
    // A content key names its content, so only an id can hold other content; a fresh insert never gets here.
    if (keyedByContent(record, key)) return { status: "duplicate", position: positionOf.get(key)!.position };
    const stored = storedUnder.get(record.data, key)!;
    const same = stored.same === 1 || sameContent(dataOf.get(stored.position)!.data, record.data);
    if (same) return { status: "duplicate", position: stored.position };
    const rejection: RejectedRecord = { ok: false, reason: conflictReason(key, stored.origin), path: null, origin: record.origin, raw: record.data };
    return { status: "conflict", position: stored.position, rejection };
  };

  const appendInTransaction = sqlite.transaction((batch: AppendBatch): AppendResult => {
    const receivedAt = new Date().toISOString();
    const reject = (r: RejectedRecord) => insertRejection.run(receivedAt, batch.source, r.origin, r.reason, r.path, r.raw);
    const fresh: LogEvent[] = [];
    const results: AppendedRecord[] = [];
    for (const { record, key } of batch.accepted) {
      const info = insertEvent.run(key, record.type, record.stepId, record.runId, record.threadId, batch.source, record.origin, receivedAt, record.data);
      if (info.changes === 1) {
        const position = Number(info.lastInsertRowid);
        fresh.push({ position, type: record.type, payload: record.payload, envelopeCreatedAt: record.envelopeCreatedAt });
        results.push({ status: "appended", position });
      } else {
        const result = existing(record, key);
        if (result.status === "conflict") reject(result.rejection);
        results.push(result);
      }
    }
    for (const r of batch.rejected) reject(r);
    const tallied = tally(results, batch.rejected.length);
    if (fresh.length > 0) {
      projections.apply(fresh);
      checkpoint(tallied.lastPosition);
    }
    return tallied;
  });

  return (batch: AppendBatch): AppendResult => appendInTransaction.immediate(batch);
}

export type Append = ReturnType<typeof createAppender>;
