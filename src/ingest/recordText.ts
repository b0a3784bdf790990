/** What every reader does with one record's text or bytes once it has cut them out of its document. */
import { parseRecordText, recordsOf, type ClassifiedRecord, type RejectedRecord } from "../records/classify.js";
import { jsonPath } from "../records/jsonPath.js";
import { recordText } from "../records/utf8.js";
import { oversizedReason, type OversizedRecord } from "./limits.js";

export const oversized = (record: OversizedRecord, maxBytes: number, origin: string): RejectedRecord =>
  ({ ok: false, reason: oversizedReason(maxBytes), path: null, origin, raw: record.raw() });

/**
 * The records of one JSON text (a line, a document, an item of a streamed array at `path`), or
 * the text rejected as it stands when it is not JSON.
 */
export function recordsOfJson(raw: string, origin: string, path: readonly PropertyKey[] = []): Iterable<ClassifiedRecord> {
  const parsed = parseRecordText(raw, raw, path.length === 0 ? origin : `${origin}:${jsonPath(path)}`);
  // Not a generator of its own: it runs once a line, and one more generator a line measured ~3% slower ingest.
  return parsed.ok ? recordsOf(parsed.value, raw, origin, path) : [parsed];
}

/** The records of a record's bytes (a document, an item of a streamed array at `path`): rejected if they are not UTF-8. */
export function recordsOfBytes(bytes: Buffer, origin: string, path: readonly PropertyKey[] = []): Iterable<ClassifiedRecord> {
  const text = recordText(bytes, path.length === 0 ? origin : `${origin}:${jsonPath(path)}`);
  return typeof text === "string" ? recordsOfJson(text, origin, path) : [text];
}

export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
export const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Bytes without the JSON whitespace around them. */
export function trimmed(bytes: Buffer): Buffer {
  let [start, end] = [0, bytes.length];
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  return bytes.subarray(start, end);
}
