import type { Database } from "better-sqlite3";
import type { AcceptedRecord, RejectedRecord } from "../records/classify.js";
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

export type AppendedRecord = { status: "appended" | "duplicate"; position: number };

export interface AppendResult {
  appended: number;
  duplicates: number;
  rejected: number;
  /** One per accepted record, in order: where it stands in the log. */
  results: AppendedRecord[];
  lastPosition: number;
}

/** What the log hands each batch's new events to, inside the batch's transaction. */
export interface ProjectionRunner {
  names: readonly string[];
  apply(events: readonly LogEvent[]): void;
}

/**
 * Appends batches to the log: one `BEGIN IMMEDIATE` transaction per batch holding its events,
 * its rejections, the projections' updates and their checkpoints; a key already in the log is a
 * duplicate and changes nothing.
 */
export function createAppender(sqlite: Database, projections: ProjectionRunner) {
  const insertEvent = sqlite.prepare(`INSERT INTO events (event_key, type, step_id, run_id, thread_id, source, origin, received_at, data)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING`);
  const positionOf = sqlite.prepare<[string], { position: number }>("SELECT position FROM events WHERE event_key = ?");
  const insertRejection = sqlite.prepare("INSERT INTO rejections (received_at, source, origin, reason, path, raw) VALUES (?, ?, ?, ?, ?, ?)");
  const storeCheckpoint = checkpointWriter(sqlite);
  const checkpoint = (position: number) => {
    for (const name of projections.names) storeCheckpoint(name, position);
  };

  const appendInTransaction = sqlite.transaction((batch: AppendBatch): AppendResult => {
    const receivedAt = new Date().toISOString();
    const fresh: LogEvent[] = [];
    const results: AppendedRecord[] = [];
    for (const { record, key } of batch.accepted) {
      const info = insertEvent.run(key, record.type, record.stepId, record.runId, record.threadId, batch.source, record.origin, receivedAt, record.data);
      if (info.changes === 1) {
        const position = Number(info.lastInsertRowid);
        fresh.push({ position, type: record.type, payload: record.payload, envelopeCreatedAt: record.envelopeCreatedAt });
        results.push({ status: "appended", position });
      } else {
        results.push({ status: "duplicate", position: positionOf.get(key)!.position });
      }
    }
    for (const r of batch.rejected) insertRejection.run(receivedAt, batch.source, r.origin, r.reason, r.path, r.raw);
    const lastPosition = fresh.length > 0 ? fresh[fresh.length - 1]!.position : 0;
    if (fresh.length > 0) {
      projections.apply(fresh);
      checkpoint(lastPosition);
    }
    return { appended: fresh.length, duplicates: results.length - fresh.length, rejected: batch.rejected.length, results, lastPosition };
  });

  return (batch: AppendBatch): AppendResult => appendInTransaction.immediate(batch);
}

export type Append = ReturnType<typeof createAppender>;
