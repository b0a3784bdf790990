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

export interface EventKeyer {
  /** An accepted record's key. */
  key(record: AcceptedRecord, deliveryId?: string): string;
  /** The document's next record: keyed when accepted; a rejected delta of a known step keeps its place among the step's deltas. */
  keyed(record: ClassifiedRecord): { record: AcceptedRecord; key: string } | RejectedRecord;
}

/**
 * The idempotency key of each record of one document (CONTRACT §3): the event's id (or the
 * webhook delivery id), else for a delta its place in the document's stream, else its content.
 * `documentId` may be given as the function that computes it, called only for a key that needs it
 * (a delta's): a webhook's body is not hashed for every request.
 */
export function createEventKeyer(documentId: string | (() => string)): EventKeyer {
  const deltaOrdinals = new Map<string, number>();
  const nextOrdinal = (stepId: string) => {
    const ordinal = deltaOrdinals.get(stepId) ?? 0;
    deltaOrdinals.set(stepId, ordinal + 1);
    return ordinal;
  };
  const key = (record: AcceptedRecord, deliveryId?: string) => {
    // An empty id names nothing: two such events are not one.
    if (record.eventId !== null && record.eventId !== "") return record.eventId;
    if (deliveryId !== undefined) return deliveryId;
    const canonical = canonicalOfText(record.source, record.value);
    if (record.type === "thread.run.step.delta" && record.stepId !== null) {
      const ordinal = nextOrdinal(record.stepId);
      const document = typeof documentId === "string" ? documentId : documentId();
      return `${DELTA_KEY}${sha256Hex(JSON.stringify([document, record.stepId, ordinal, canonical]))}`;
    }
    return `${CONTENT_KEY}${sha256Hex(canonical)}`;
  };
  return {
    key,
    keyed(record) {
      if (record.ok) return { record, key: key(record) };
      // Counted as if accepted: otherwise reading the document again once this delta is taken would shift the step's
      // later deltas by one place, and append them a second time (their new keys are not in the log).
      if (record.deltaOf !== undefined) nextOrdinal(record.deltaOf);
      return record;
    },
  };
}
