import { createParser } from "eventsource-parser";
import { parseRecordText, recordsOf, sseRecordText, type ClassifiedRecord, type RejectedRecord } from "../records/classify.js";
import { jsonPath } from "../records/jsonPath.js";
import { isJsonText, isJsonWhitespace } from "../records/jsonSyntax.js";
import { invalidUtf8, recordText, withoutByteOrderMark } from "../records/utf8.js";
import type { Document, Format } from "./document.js";
import { BoundedBytes, maxRecordBytes, OversizedRecord, oversizedReason } from "./limits.js";
import { linesOf, loneCrAsNewline } from "./lines.js";

const oversized = (record: OversizedRecord, maxBytes: number, origin: string): RejectedRecord =>
  ({ ok: false, reason: oversizedReason(maxBytes), path: null, origin, raw: record.raw() });

/** One record a line; blank lines skipped; origin `name:line`. */
async function* jsonlRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  for await (const numbered of linesOf(doc.chunks, maxBytes)) {
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

/**
 * The records of one JSON text (a line, a document, an item of a streamed array at `path`), or
 * the text rejected as it stands when it is not JSON.
 */
function recordsOfJson(raw: string, origin: string, path: readonly PropertyKey[] = []): Iterable<ClassifiedRecord> {
  const parsed = parseRecordText(raw, raw, path.length === 0 ? origin : `${origin}:${jsonPath(path)}`);
  // Not a generator of its own: it runs once a line, and one more generator a line measured ~3% slower ingest.
  return parsed.ok ? recordsOf(parsed.value, raw, origin, path) : [parsed];
}

/** The records of a record's bytes (a document, an item of a streamed array at `path`): rejected if they are not UTF-8. */
function recordsOfBytes(bytes: Buffer, origin: string, path: readonly PropertyKey[] = []): Iterable<ClassifiedRecord> {
  const text = recordText(bytes, path.length === 0 ? origin : `${origin}:${jsonPath(path)}`);
  return typeof text === "string" ? recordsOfJson(text, origin, path) : [text];
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Bytes without the JSON whitespace around them. */
function trimmed(bytes: Buffer): Buffer {
  let [start, end] = [0, bytes.length];
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  return bytes.subarray(start, end);
}

/**
 * One JSON value, an array meaning many records. A top-level array is streamed item by item, so
 * memory does not grow with it (origins `name:$[i]`, a broken item rejected on its own while the
 * others land); any other value (one record, a list page, a thread export) is read whole. Read as
 * bytes: each record is decoded on its own, so one that is not UTF-8 is rejected alone.
 */
async function* jsonRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const chunks = doc.chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let first = -1;
  // Up to the first byte that is not whitespace (not with `for await … break`, which would close `chunks`).
  while (first === -1) {
    const next = await chunks.next();
    if (next.done) return; // an empty document holds no record
    const chunk = head.length === 0 && next.value.subarray(0, BOM.length).equals(BOM) ? next.value.subarray(BOM.length) : next.value;
    head.push(chunk);
    first = chunk.findIndex((byte) => !isSpace(byte));
  }
  const all = prepended(head, chunks);
  if (head[head.length - 1]![first] === OPEN_BRACKET) {
    yield* arrayItemRecords(all, doc, maxBytes);
    return;
  }
  const whole = new BoundedBytes(maxBytes);
  for await (const chunk of all) whole.push(chunk);
  const bytes = whole.take();
  yield* bytes instanceof OversizedRecord ? [oversized(bytes, maxBytes, doc.name)] : recordsOfBytes(bytes, doc.name);
}

async function* prepended(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const isOpener = (char: number) => char === OPEN_BRACKET || char === 0x7b; // [ {
const isCloser = (char: number) => char === 0x5d || char === 0x7d; // ] }

const cutOffReason = (items: number) =>
  `cut off: the JSON array is not closed (the document ends ${items === 0 ? "after its [" : `after ${jsonPath([items - 1])}`} with no ])`;

/**
 * The records of a top-level array's items, split at the commas outside strings and nested values.
 * Scanned as bytes: every byte it looks for is ASCII, which no multi-byte UTF-8 character contains.
 */
async function* arrayItemRecords(chunks: AsyncIterable<Buffer>, doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const { name } = doc;
  let opened = false;
  let closed = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const item = new BoundedBytes(maxBytes);
  let index = 0;
  const trailing = new BoundedBytes(maxBytes);
  for await (const chunk of chunks) {
    if (closed) {
      trailing.push(chunk);
      continue;
    }
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const char = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (char === BACKSLASH) escaped = true;
        else if (char === QUOTE) inString = false;
      } else if (char === QUOTE) inString = true;
      else if (isOpener(char)) {
        if (opened) depth++;
        else [opened, start] = [true, i + 1];
      } else if (isCloser(char) && depth > 0) depth--;
      else if (char === COMMA ? depth === 0 : isCloser(char)) {
        item.push(chunk.subarray(start, i));
        const whole = item.take();
        start = i + 1;
        // `[]` and a trailing `[1,]` leave an empty slot, which is no item; `[1,,2]` has a broken one.
        if (whole instanceof OversizedRecord) yield oversized(whole, maxBytes, `${name}:${jsonPath([index++])}`);
        else if (char === COMMA || trimmed(whole).length > 0) yield* recordsOfBytes(trimmed(whole), name, [index++]);
        if (char !== COMMA) {
          closed = true;
          trailing.push(chunk.subarray(i + 1));
          break;
        }
      }
    }
    if (!closed) item.push(chunk.subarray(start));
  }
  // A document cut short: its last item is read like any other (rejected if incomplete). A cut after a whole item
  // is one more rejection, so a truncated download is not taken for a whole one; a cut the last item's own
  // rejection or the document's damage (a gzip stream cut short) already tells is not counted twice.
  const unclosed = item.take();
  let cutInside = false;
  if (unclosed instanceof OversizedRecord) yield oversized(unclosed, maxBytes, `${name}:${jsonPath([index++])}`);
  else if (trimmed(unclosed).length > 0) {
    // A whole value that is no valid record (a step with a bad status) does not tell the cut: only text cut inside does.
    cutInside = !isJsonText(trimmed(unclosed));
    yield* recordsOfBytes(trimmed(unclosed), name, [index++]);
  }
  if (!closed && !cutInside && doc.damage() === null) yield { ok: false, reason: cutOffReason(index), path: null, origin: name, raw: "" };
  const after = trailing.take();
  if (after instanceof OversizedRecord) yield oversized(after, maxBytes, name);
  else if (trimmed(after).length > 0) {
    const text = recordText(trimmed(after), name);
    yield typeof text !== "string" ? text : { ok: false, reason: "invalid JSON: unexpected text after the array's closing ]", path: null, origin: name, raw: text };
  }
}

interface SseEvent {
  event: string | undefined;
  data: string;
  /** The line of the event's first field, comments included. */
  line: number;
  /** The event's lines as they stand in the transcript, for a rejection. */
  raw: string;
}

/** `event: done` / `data: [DONE]` closes one stream; a transcript may hold several streams after one another. */
const isStreamEnd = (event: SseEvent) => event.event === "done" || event.data === "[DONE]";

/**
 * An SSE transcript: each event is the record `{"event": name, "data": …}`, or the bare data where
 * the name is missing. Origin `name:line` of the event's first line. A `done` event is no record,
 * and the events after it (a later stream logged to the same file, such as the one that submitting
 * tool outputs opens) are read on.
 */
async function* sseRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const ready: SseEvent[] = [];
  // The block's lines as they stand, each with its end (`\r\n` or `\n`); a rejection keeps them without the last one's.
  let block: string[] = [];
  let lastEnd = 1;
  const blockText = () => block.join("").slice(0, -lastEnd);
  let blockLine = 0;
  let blockBytes = 0;
  // An event past the limit: its lines are no longer kept nor parsed, only counted, until it ends.
  let over: OversizedRecord | null = null;
  // An event with a line that is not UTF-8: no longer parsed, its lines kept as bytes (each with its line end) for the rejection.
  let binary: { parts: Buffer[]; at: number } | null = null;
  // The first line of the block that is no SSE field (JSON without `data:`, say), which the parser would skip.
  let lineNumber = 0;
  let notAField: number | null = null;
  const parser = createParser({
    onEvent: (event) => ready.push({ event: event.event, data: event.data, line: blockLine, raw: blockText() }),
    onError: (error) => void (error.type === "unknown-field" && (notAField ??= lineNumber)),
  });
  const endBlock = (): RejectedRecord | null => {
    const origin = `${doc.name}:${blockLine}`;
    const reject = (reason: string): RejectedRecord => ({ ok: false, reason, path: null, origin, raw: blockText() });
    let rejection = over ? oversized(over, maxBytes, origin) : binary && invalidUtf8(Buffer.concat(binary.parts).subarray(0, -lastEnd), binary.at, origin);
    if (!rejection && notAField !== null) rejection = reject(`invalid SSE: line ${notAField} is no field (data:, event:, id:, retry:) nor a : comment`);
    if (rejection) parser.reset(); // drops the lines it was fed before the event went bad
    else {
      const dispatched = ready.length;
      parser.feed("\n");
      // A named event the parser does not dispatch for want of data would vanish: it is kept as a rejection instead
      // (but `event: done`, which closes a stream, is no record either way).
      const named = block.find((line) => line.startsWith("event:"))?.replace(/^event: ?|(?:\r\n|\r|\n)$/g, "");
      if (ready.length === dispatched && named !== undefined && named !== "done") rejection = reject(`invalid SSE: event ${JSON.stringify(named)} has no data: line`);
    }
    [block, blockLine, blockBytes, over, binary, notAField] = [[], 0, 0, null, null, null];
    return rejection;
  };
  // The lines a lone `\r` ended (SSE allows it), each dropped from the set once read.
  const endedByLoneCr = new Set<number>();
  for await (const numbered of linesOf(loneCrAsNewline(doc.chunks, endedByLoneCr), maxBytes)) {
    const loneCr = endedByLoneCr.delete(numbered.number);
    const line = numbered.line === undefined ? null : numbered.number === 1 ? withoutByteOrderMark(numbered.line) : numbered.line;
    // A blank line ends the block, whether it held an event or only comments and `retry:`.
    if (line === "") {
      const rejection = endBlock();
      if (rejection) yield rejection;
    } else {
      if (blockLine === 0) blockLine = numbered.number;
      const end = numbered.cr ? "\r\n" : loneCr ? "\r" : "\n";
      lastEnd = end.length;
      const bytes = line !== null ? Buffer.byteLength(line) : numbered.invalid ? numbered.invalid.length : Infinity;
      if (!over && (blockBytes += bytes + end.length) > maxBytes) {
        over = new OversizedRecord();
        for (const earlier of binary?.parts ?? block) over.add(earlier);
      }
      const withEnd = () => (line !== null ? Buffer.from(`${line}${end}`) : Buffer.concat([numbered.invalid!, Buffer.from(end)]));
      if (over) {
        if (numbered.oversized) over.absorb(numbered.oversized);
        else over.add(withEnd());
      } else if (binary) binary.parts.push(withEnd());
      else if (numbered.invalid) {
        const before = Buffer.from(block.join(""));
        binary = { parts: [before, withEnd()], at: before.length + numbered.at };
      } else {
        block.push(`${line}${end}`);
        lineNumber = numbered.number;
        parser.feed(`${line}\n`);
      }
    }
    for (const event of ready.splice(0)) if (!isStreamEnd(event)) yield* sseRecord(event, doc.name);
  }
  const rejection = endBlock();
  if (rejection) yield rejection;
  for (const event of ready.splice(0)) if (!isStreamEnd(event)) yield* sseRecord(event, doc.name);
}

function* sseRecord(event: SseEvent, name: string): Generator<ClassifiedRecord> {
  const parsed = parseRecordText(event.data, event.raw, `${name}:${event.line}`);
  if (!parsed.ok) {
    yield parsed;
    return;
  }
  const origin = `${name}:${event.line}`;
  const data = parsed.value;
  if (event.event === undefined) return yield* recordsOf(data, event.data, origin, [], event.raw);
  // The record is the event around its data field (its content key and reasons read that text); the log keeps the field.
  const envelope = sseRecordText(event.event, event.data);
  for (const record of recordsOf({ event: event.event, data }, envelope, origin, [], event.raw)) yield record.ok ? { ...record, data: event.data } : record;
}

/** A document's records; any one over `maxBytes` (STEPSTORE_MAX_RECORD) is a rejection, its bytes dropped as they stream. */
export function recordsOfDocument(doc: Document, maxBytes = maxRecordBytes()): AsyncGenerator<ClassifiedRecord> {
  const records = doc.format === "jsonl" ? jsonlRecords(doc, maxBytes) : doc.format === "json" ? jsonRecords(doc, maxBytes) : sseRecords(doc, maxBytes);
  return doc.looksLike ? withFormatHint(records, doc.name, doc.format, doc.looksLike) : records;
}

const FORMAT_NAMES: Record<Format, string> = { jsonl: "JSON Lines", json: "one JSON document", sse: "an SSE transcript" };

/** The records, the first one's rejection for its syntax (when it is one) saying what the content looks like and how to read it so. */
async function* withFormatHint(records: AsyncGenerator<ClassifiedRecord>, name: string, format: Format, looksLike: Format): AsyncGenerator<ClassifiedRecord> {
  let first = true;
  for await (const record of records) {
    yield first && !record.ok && /^invalid (JSON|SSE)/.test(record.reason) ? { ...record, reason: `${record.reason} (${name} reads as ${FORMAT_NAMES[format]} by its name but looks like ${FORMAT_NAMES[looksLike]}: try --format ${looksLike})` } : record;
    first = false;
  }
}
