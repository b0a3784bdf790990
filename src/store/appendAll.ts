import type { RejectedRecord } from "../records/classify.js";
import type { Append, AppendBatch, AppendResult, KeyedRecord, Source } from "./append.js";

export interface IngestSummary {
  records: number;
  appended: number;
  duplicates: number;
  rejected: number;
}

interface AppendAllOptions {
  source: Source;
  batchSize?: number;
  /** Called after each batch commits. */
  onCommit?: (result: AppendResult, totals: IngestSummary) => void;
  onRejected?: (rejection: RejectedRecord) => void;
}

/** Records a transaction by default: `appendAll`'s batch, and the poll's. */
export const DEFAULT_BATCH_SIZE = 1000;

/**
 * The batch of `stepstore ingest`: a batch (one transaction) writes each hot index page to the WAL
 * once for all its records, so at 5,000 a file ingest writes about 40% fewer bytes than at 1,000.
 */
export const FILE_BATCH_SIZE = 5000;

/**
 * The most text a batch holds (its records' `data` and its rejections' `raw`, in UTF-16 units) before it commits,
 * whatever its count: a batch of 5,000 records of up to 16 MiB each is what memory would otherwise have to hold (70
 * deltas of 4 MB in one batch took an ingest to 3.5 GB).
 */
export const MAX_BATCH_TEXT = 64 * 1024 * 1024;

/**
 * Adds a committed batch to `totals`, and names each record not kept: rejected on arrival, or a key that holds
 * other content.
 */
export function tallyBatch(totals: IngestSummary, batch: AppendBatch, result: AppendResult, onRejected?: (rejection: RejectedRecord) => void): void {
  totals.records += batch.accepted.length + batch.rejected.length;
  totals.appended += result.appended;
  totals.duplicates += result.duplicates;
  totals.rejected += result.rejected;
  for (const r of batch.rejected) onRejected?.(r);
  for (const r of result.results) if (r.status === "conflict") onRejected?.(r.rejection);
}

/**
 * Streams records into the log in batches; each batch is acknowledged only once committed. One batch
 * commits while the next is read (PostgreSQL works while this process parses), in order, one at a time.
 */
export async function appendAll(
  append: Append,
  records: AsyncIterable<KeyedRecord | RejectedRecord>,
  options: AppendAllOptions,
): Promise<IngestSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const totals: IngestSummary = { records: 0, appended: 0, duplicates: 0, rejected: 0 };
  let accepted: KeyedRecord[] = [];
  let rejected: RejectedRecord[] = [];
  let text = 0;
  // The batch committing now (assigned in flush: a let here would be narrowed to its initial null below).
  const inFlight: { committing: Promise<void> | null } = { committing: null };
  const commit = async (batch: AppendBatch) => {
    const result = await append(batch);
    tallyBatch(totals, batch, result, options.onRejected);
    options.onCommit?.(result, totals);
  };
  const flush = async () => {
    if (accepted.length === 0 && rejected.length === 0) return;
    const batch = { source: options.source, accepted, rejected };
    accepted = [];
    rejected = [];
    text = 0;
    await inFlight.committing;
    inFlight.committing = commit(batch);
    inFlight.committing.catch(() => {}); // seen by the next flush or at the end, not as an unhandled rejection meanwhile
  };
  try {
    for await (const item of records) {
      if ("key" in item) accepted.push(item);
      else rejected.push(item);
      text += "key" in item ? item.record.data.length : item.raw.length;
      if (accepted.length + rejected.length >= batchSize || text >= MAX_BATCH_TEXT) await flush();
    }
    await flush();
  } catch (error) {
    await inFlight.committing?.catch(() => {}); // nothing left running behind the caller
    throw error;
  }
  await inFlight.committing;
  return totals;
}
