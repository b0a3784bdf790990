import { createHash } from "node:crypto";
import { canonicalOfText } from "./canonical.js";
import type { AcceptedRecord, ClassifiedRecord, RejectedRecord } from "./classify.js";

/** The hex SHA-256 the event keys and the poller's document identities are made of. */
export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A text keyed by its digest, `sha256:<hex>`: a key a PostgreSQL b-tree (~2.7 kB an entry) always takes. */
export const digestKey = (text: string) => `sha256:${sha256Hex(text)}`;

/** `text` as written up to `maxBytes` of UTF-8, past that its digestKey. */
export const keptOrDigest = (text: string, maxBytes: number) =>
  text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes ? text : digestKey(text);

/** How many leading bytes name a document (CONTRACT §3): known before streaming starts. */
export const DOCUMENT_IDENTITY_BYTES = 64 * 1024;

export function documentIdentity(firstBytes: Buffer): string {
  return sha256Hex(firstBytes.subarray(0, DOCUMENT_IDENTITY_BYTES));
}

const DELTA_KEY = "delta:";
const CONTENT_KEY = "sha256:";

/** Whether an event names itself (CONTRACT §3 rule 1): an id other than null or "", which names nothing. */
export const namesItself = (id: unknown) => id !== undefined && id !== null && id !== "";

/** An accepted record and its key; for a delta placed after a rejected one of its step, the key the log gave it before. */
export interface KeyedRecord {
  record: AcceptedRecord;
  key: string;
  /**
   * Before 2026-12-04 a delta's place counted the step's accepted deltas alone: a document read by an earlier version
   * holds this delta under this key. The log's appender takes it as a duplicate when it finds it (store/append.ts).
   */
  legacyKey?: string;
}

interface EventKeyer {
  /** An accepted record's key. */
  key(record: AcceptedRecord, deliveryId?: string): string;
  /** The document's next record: keyed when accepted; a rejected delta of a known step keeps its place among the step's deltas. */
  keyed(record: ClassifiedRecord): KeyedRecord | RejectedRecord;
}

/**
 * The idempotency key of each record of one document (CONTRACT §3): the event's id (or the
 * webhook delivery id), else for a delta its place in the document's stream, else its content.
 * `documentId` may be given as the function that computes it, called only for a key that needs it
 * (a delta's): a webhook's body is not hashed for every request.
 */
export function createEventKeyer(documentId: string | (() => string)): EventKeyer {
  // A delta's place among its step's deltas, rejected ones included; less the rejected ones before it, its place as it was.
  const places = new Map<string, number>();
  const rejectedBefore = new Map<string, number>();
  const place = (stepId: string) => {
    const ordinal = places.get(stepId) ?? 0;
    places.set(stepId, ordinal + 1);
    return ordinal;
  };
  const deltaKey = (stepId: string, ordinal: number, canonical: string) =>
    `${DELTA_KEY}${sha256Hex(JSON.stringify([typeof documentId === "string" ? documentId : documentId(), stepId, ordinal, canonical]))}`;
  const keysOf = (record: AcceptedRecord, deliveryId?: string): Omit<KeyedRecord, "record"> => {
    if (namesItself(record.eventId)) return { key: record.eventId! };
    if (deliveryId !== undefined) return { key: deliveryId };
    const canonical = canonicalOfText(record.source, record.value);
    if (record.type !== "thread.run.step.delta" || record.stepId === null) return { key: `${CONTENT_KEY}${sha256Hex(canonical)}` };
    const ordinal = place(record.stepId);
    const key = deltaKey(record.stepId, ordinal, canonical);
    const rejected = rejectedBefore.get(record.stepId);
    return rejected === undefined ? { key } : { key, legacyKey: deltaKey(record.stepId, ordinal - rejected, canonical) };
  };
  return {
    key: (record, deliveryId) => keysOf(record, deliveryId).key,
    keyed(record) {
      if (record.ok) return { record, ...keysOf(record) };
      // Counted as if accepted: otherwise reading the document again once this delta is taken would shift the step's
      // later deltas by one place, and append them a second time (their new keys are not in the log).
      if (record.deltaOf !== undefined) {
        place(record.deltaOf);
        rejectedBefore.set(record.deltaOf, (rejectedBefore.get(record.deltaOf) ?? 0) + 1);
      }
      return record;
    },
  };
}
