import { canonicalOfText } from "../records/canonical.js";
import { sseRecordText, type AcceptedRecord, type RejectedRecord } from "../records/classify.js";
import { storableRejection } from "../records/utf8.js";
import type { KeyedRecord } from "../records/eventKey.js";
import { decodeEvent, type LogEvent } from "../records/events.js";
import { storeCheckpoints } from "./saveCheckpoints.js";
import type { SqlDatabase, SqlPort, SqlValue } from "./sqlPort.js";
import { chunks, selectByKeys } from "./sqlBatch.js";
import { columnNames, insertNewOf, insertOf } from "./sqlText.js";
import { events, rejections } from "./tables.js";

export type Source = "file" | "webhook" | "http" | "poll";

export type { KeyedRecord };

export interface AppendBatch {
  source: Source;
  accepted: readonly KeyedRecord[];
  rejected: readonly RejectedRecord[];
}

type AppendedRecord =
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
export interface ProjectionRunner<Ahead = unknown> {
  names: readonly string[];
  /** Starts the projections' reads for a batch about to be appended (its events, positions not drawn yet); `apply` is handed what it returns. */
  readAhead?(tx: SqlPort, events: readonly LogEvent[]): Ahead;
  apply(tx: SqlPort, events: readonly LogEvent[], ahead?: Ahead): Promise<void>;
}

const eventOf = (record: AcceptedRecord, position: number) =>
  decodeEvent({ position, type: record.type, payload: record.payload, envelopeCreatedAt: record.envelopeCreatedAt });

/**
 * Whether a transaction's projections read ahead of its insert: on PostgreSQL those reads then leave with the insert,
 * one round trip under the append lock instead of one per read. A SQLite read costs no round trip, and reading ahead
 * for records that turn out duplicates would be work for nothing.
 */
const readsAhead = (tx: SqlPort) => tx.dialect === "postgres";

const EVENT_COLUMNS = ["eventKey", "type", "stepId", "runId", "threadId", "source", "origin", "receivedAt", "data"] as const;
const INSERT_EVENT = insertNewOf(events, EVENT_COLUMNS, "event_key");
const EVENT_NAMES = columnNames(events, EVENT_COLUMNS);

/**
 * PostgreSQL's insert of `count` rows of distinct keys: a position is drawn only for a row whose key is not in the log,
 * in the rows' order (the sequence is read after the sort). `ON CONFLICT DO NOTHING` alone draws one for every row
 * before it finds the key, so duplicates left gaps SQLite's rowids do not, where CONTRACT §8 asks both stores to behave
 * the same. The lookup is the key's unique index (appends run with sequential scans off: appendLock.ts); under the
 * append lock no other writer adds a key meanwhile, and the conflict clause only keeps one that did from failing.
 */
function newEventsSql(count: number): string {
  const row = `, ${EVENT_NAMES.map(() => "?").join(", ")})`;
  const rows = Array.from({ length: count }, (_, i) => `(${i}${row}`);
  return `INSERT INTO events (position, ${EVENT_NAMES.join(", ")})
SELECT nextval('events_position_seq'), ${EVENT_NAMES.map((name) => `v.${name}`).join(", ")} FROM (VALUES ${rows.join(", ")}) AS v(ord, ${EVENT_NAMES.join(", ")})
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = v.event_key) ORDER BY v.ord
ON CONFLICT (event_key) DO NOTHING RETURNING position, event_key`;
}

/**
 * Each row's new position, or none where its key is in the log already (an earlier row of the batch
 * included). SQLite's RETURNING buffers its rows in a temporary table, which doubled the cost of this,
 * the hottest insert: there each insert's answer carries its rowid. PostgreSQL inserts a chunk
 * of rows a round trip; under the append lock their positions follow the rows' order.
 */
async function insertEvents(tx: SqlPort, rows: readonly SqlValue[][]): Promise<(number | undefined)[]> {
  if (tx.dialect === "sqlite") {
    const positions: (number | undefined)[] = [];
    for (const row of rows) {
      const { changes, lastInsertRowid } = await tx.run(INSERT_EVENT, row);
      positions.push(changes > 0 ? lastInsertRowid : undefined);
    }
    return positions;
  }
  // A key twice in the batch is sent once: its later rows find the first (a duplicate or a conflict), drawing no position.
  const seen = new Set<string>();
  const firsts = rows.filter((row) => !seen.has(row[0] as string) && seen.add(row[0] as string));
  // The chunks go at once (pipelined in the transaction) and run in order, so their positions follow the rows'.
  const batches = chunks(firsts, firsts[0]?.length ?? 1);
  const answers = await Promise.all(batches.map((chunk) => tx.all<{ position: number; event_key: string }>(newEventsSql(chunk.length), chunk.flat())));
  const byKey = new Map(answers.flat().map((r) => [r.event_key, r.position]));
  return rows.map((row) => {
    const position = byKey.get(row[0] as string);
    byKey.delete(row[0] as string);
    return position;
  });
}

const STORED_UNDER = "SELECT event_key, position, type, origin, data FROM events WHERE";
const INSERT_REJECTION = insertOf(rejections, ["receivedAt", "source", "origin", "reason", "path", "raw"]);

interface StoredEvent {
  event_key: string;
  position: number;
  type: string;
  origin: string;
  data: string;
}

/** The stored events under these keys, by key: read at once for all of a batch's records that were not new. */
async function storedUnder(tx: SqlPort, keys: readonly string[]): Promise<Map<string, StoredEvent>> {
  return new Map((await selectByKeys<StoredEvent>(tx, STORED_UNDER, "event_key", [...new Set(keys)])).map((e) => [e.event_key, e]));
}

/**
 * The same record received in another form: an SSE event in one (the log keeps its data field alone), the same event
 * whole in JSONL (the SDK's form) in the other.
 */
const sameRecord = (stored: StoredEvent, record: AcceptedRecord) =>
  sameContent(sseRecordText(stored.type, stored.data), record.data) || sameContent(stored.data, sseRecordText(record.type, record.data));

/** A record whose key is in the log already (the batch's own earlier records included): a duplicate or a conflict. */
function existing(stored: StoredEvent, record: AcceptedRecord, key: string): AppendedRecord {
  // Compared even under a content key: an event's own id may be spelled as one (`sha256:…`) and hold other content.
  if (stored.data === record.data || sameContent(stored.data, record.data) || sameRecord(stored, record)) return { status: "duplicate", position: stored.position };
  const rejection: RejectedRecord = { ok: false, reason: conflictReason(key, stored.origin), path: null, origin: record.origin, raw: record.data };
  return { status: "conflict", position: stored.position, rejection };
}

/**
 * The batch's records less those the log holds under the key an earlier version gave them (eventKey.ts's `legacyKey`):
 * those are duplicates, each with its stored position. Read only when a record has such a key, which is rare.
 */
async function withoutLegacyDuplicates(tx: SqlPort, batch: readonly KeyedRecord[]) {
  if (!batch.some(({ legacyKey }) => legacyKey !== undefined)) return { accepted: batch, heldBefore: [] };
  const stored = await storedUnder(tx, batch.flatMap(({ legacyKey }) => (legacyKey === undefined ? [] : [legacyKey])));
  const held = (keyed: KeyedRecord) => keyed.legacyKey !== undefined && stored.has(keyed.legacyKey);
  return {
    accepted: batch.filter((keyed) => !held(keyed)),
    heldBefore: batch.filter(held).map((keyed) => ({ keyed, position: stored.get(keyed.legacyKey!)!.position })),
  };
}

/** The results of `appended` and the duplicates `heldBefore`, one per record of the batch, in its order. */
function inBatchOrder(batch: readonly KeyedRecord[], appended: readonly KeyedRecord[], results: readonly AppendedRecord[], heldBefore: { keyed: KeyedRecord; position: number }[]) {
  const byRecord = new Map<KeyedRecord, AppendedRecord>(appended.map((keyed, i) => [keyed, results[i]!]));
  for (const { keyed, position } of heldBefore) byRecord.set(keyed, { status: "duplicate", position });
  return batch.map((keyed) => byRecord.get(keyed)!);
}

/**
 * A batch, or what gives it once the transaction has begun (on PostgreSQL, after BEGIN's round trip; the append
 * lock leaves with the first reads): group commit takes its group then, so that what arrived meanwhile goes in too.
 */
export type LateBatch = AppendBatch | (() => AppendBatch);

/**
 * Appends batches to the log: one write transaction per batch holding its events, its rejections,
 * the projections' updates and their checkpoints; a key already in the log is a duplicate and
 * changes nothing, unless an id names other content there: a conflict, kept as a rejection.
 */
export function createAppender<Ahead>(db: SqlDatabase, projections: ProjectionRunner<Ahead>) {
  const appendIn = async (tx: SqlPort, batch: AppendBatch): Promise<AppendResult> => {
    const receivedAt = new Date().toISOString();
    const reject = (rejected: RejectedRecord) => {
      const r = storableRejection(rejected);
      return tx.write(INSERT_REJECTION, [receivedAt, batch.source, r.origin, r.reason, r.path, r.raw]);
    };
    const fresh: LogEvent[] = [];
    const results: AppendedRecord[] = [];
    const { accepted, heldBefore } = await withoutLegacyDuplicates(tx, batch.accepted);
    const rows = accepted.map(({ record, key }) => [key, record.type, record.stepId, record.runId, record.threadId, batch.source, record.origin, receivedAt, record.data]);
    // Positions are not drawn yet: 0 until the insert gives them.
    const ahead = readsAhead(tx) ? projections.readAhead?.(tx, accepted.map(({ record }) => eventOf(record, 0))) : undefined;
    const positions = await insertEvents(tx, rows);
    const stored = await storedUnder(tx, accepted.flatMap(({ key }, i) => (positions[i] === undefined ? [key] : [])));
    for (const [i, { record, key }] of accepted.entries()) {
      const position = positions[i];
      if (position !== undefined) {
        fresh.push(eventOf(record, position));
        results.push({ status: "appended", position });
      } else {
        const result = existing(stored.get(key)!, record, key);
        if (result.status === "conflict") await reject(result.rejection);
        results.push(result);
      }
    }
    for (const r of batch.rejected) await reject(r);
    const tallied = tally(heldBefore.length === 0 ? results : inBatchOrder(batch.accepted, accepted, results, heldBefore), batch.rejected.length);
    if (fresh.length > 0) {
      await projections.apply(tx, fresh, ahead);
      await storeCheckpoints(tx, projections.names, tallied.lastPosition);
    }
    return tallied;
  };
  return (batch: LateBatch): Promise<AppendResult> => db.transaction((tx) => appendIn(tx, typeof batch === "function" ? batch() : batch));
}

export type Append = ReturnType<typeof createAppender>;
