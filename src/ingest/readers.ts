import type { ClassifiedRecord } from "../records/classify.js";
import { isJsonWhitespace } from "../records/jsonSyntax.js";
import { invalidUtf8, withoutByteOrderMark } from "../records/utf8.js";
import { MEDIA_TYPES, type Document, type Format } from "./document.js";
import { jsonRecords } from "./jsonRecords.js";
import { maxRecordBytes } from "./limits.js";
import { linesOf } from "./lines.js";
import { oversized, recordsOfJson } from "./recordText.js";
import { sseRecords } from "./sse.js";

/** One record a line; blank lines skipped; origin `name:line`. */
async function* jsonlRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  for await (const numbered of linesOf(doc.chunks, maxBytes, { skipEmpty: true })) {
    const { number } = numbered;
    if (numbered.oversized) {
      yield oversized(numbered.oversized, maxBytes, `${doc.name}:${number}`);
      continue;
    }
    if (numbered.invalid) {
      yield invalidUtf8(numbered.invalid, numbered.at, `${doc.name}:${number}`);
      continue;
    }
    const raw = number === 1 ? withoutByteOrderMark(numbered.line) : numbered.line;
    // Blank: JSON's whitespace alone. Any other character, a no-break space or a BOM too, is a record to read, or reject.
    if (isJsonWhitespace(raw)) continue;
    yield* recordsOfJson(raw, `${doc.name}:${number}`);
  }
}

/** A document's records; any one over `maxBytes` (STEPSTORE_MAX_RECORD) is a rejection, its bytes dropped as they stream. */
export function recordsOfDocument(doc: Document, maxBytes = maxRecordBytes()): AsyncGenerator<ClassifiedRecord> {
  const records = doc.format === "jsonl" ? jsonlRecords(doc, maxBytes) : doc.format === "json" ? jsonRecords(doc, maxBytes) : sseRecords(doc, maxBytes);
  return doc.looksLike ? withFormatHint(records, doc, doc.looksLike) : records;
}

const FORMAT_NAMES: Record<Format, string> = { jsonl: "JSON Lines", json: "one JSON document", sse: "an SSE transcript" };

/** The records, the first one's rejection for its syntax (when it is one) saying what the content looks like and how to read it so. */
async function* withFormatHint(records: AsyncGenerator<ClassifiedRecord>, { name, format, declaredBy }: Document, looksLike: Format): AsyncGenerator<ClassifiedRecord> {
  const instead = declaredBy ? `send it as ${MEDIA_TYPES[looksLike]}` : `try --format ${looksLike}`;
  const hint = `(${name} reads as ${FORMAT_NAMES[format]} by its ${declaredBy ?? "name"} but looks like ${FORMAT_NAMES[looksLike]}: ${instead})`;
  let first = true;
  for await (const record of records) {
    yield first && !record.ok && /^invalid (JSON|SSE)/.test(record.reason) ? { ...record, reason: `${record.reason} ${hint}` } : record;
    first = false;
  }
}
