import { sha256Hex } from "../../records/eventKey.js";
import type { RejectedRecord } from "../../records/classify.js";
import type { Append, KeyedRecord } from "../../store/append.js";
import { DEFAULT_BATCH_SIZE, tallyBatch, type IngestSummary } from "../../store/appendAll.js";
import type { PolledRecord } from "./records.js";

export interface RecordSinkOptions {
  /** A record that was not kept: rejected on arrival, or a key that holds other content. */
  onRejected?: (rejection: RejectedRecord) => void;
  /** After each commit, with the totals so far. */
  onCommit?: (totals: IngestSummary) => void;
  /** Pages are committed together up to this many records a transaction (default DEFAULT_BATCH_SIZE, 1000)… */
  batchRecords?: number;
  /** …or once the oldest uncommitted one has waited this long (default 1000 ms): a commit costs an fsync. */
  batchDelayMs?: number;
}

/**
 * Under --follow an invalid snapshot that has not changed is met again every round: it is kept
 * (and named) once a poll, not once a round.
 */
function createRejectionFilter() {
  const seen = new Set<string>();
  return (record: PolledRecord): boolean => {
    if ("key" in record) return true;
    const identity = sha256Hex(`${record.reason}\n${record.raw}`);
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  };
}

/** Appends polled records, a transaction per `batchRecords` at most, and keeps the totals `ingest` prints. */
function createCommitter(append: Append, options: RecordSinkOptions) {
  const batchRecords = options.batchRecords ?? DEFAULT_BATCH_SIZE;
  const isFresh = createRejectionFilter();
  const totals: IngestSummary = { records: 0, appended: 0, duplicates: 0, rejected: 0 };
  const appendBatch = async (records: PolledRecord[]) => {
    const accepted = records.filter((r): r is KeyedRecord => "key" in r);
    const rejected = records.filter((r): r is RejectedRecord => !("key" in r));
    const batch = { source: "poll" as const, accepted, rejected };
    tallyBatch(totals, batch, await append(batch), options.onRejected);
  };
  const commit = async (records: PolledRecord[]) => {
    const fresh = records.filter(isFresh);
    for (let at = 0; at < fresh.length; at += batchRecords) await appendBatch(fresh.slice(at, at + batchRecords));
    options.onCommit?.(totals);
  };
  return { commit, totals };
}

/**
 * Where a poll's records go. Staged records wait for one shared commit; the poll flushes everything
 * staged before it asks the store what is unfinished, before a pause, and before returning.
 */
export function createRecordSink(append: Append, options: RecordSinkOptions = {}) {
  const { commit, totals } = createCommitter(append, options);
  let staged: PolledRecord[] = [];
  let stagedTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    clearTimeout(stagedTimer);
    stagedTimer = undefined;
    const batch = staged;
    staged = [];
    if (batch.length > 0) committing = committing.then(() => commit(batch));
    return committing;
  };
  const stage = async (records: PolledRecord[]) => {
    staged.push(...records);
    if (staged.length >= (options.batchRecords ?? DEFAULT_BATCH_SIZE)) await flush();
    else stagedTimer ??= setTimeout(() => void flush().catch(() => undefined), options.batchDelayMs ?? 1000);
  };
  return { stage, flush, totals: (): Readonly<IngestSummary> => totals };
}

export type RecordSink = ReturnType<typeof createRecordSink>;
