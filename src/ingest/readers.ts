import { StringDecoder } from "node:string_decoder";
import { createParser } from "eventsource-parser";
import { parseRecordText, recordsOf, type ClassifiedRecord, type RejectedRecord } from "../records/classify.js";
import { jsonPath } from "../records/jsonPath.js";
import type { Document } from "./document.js";
import { BoundedText, maxRecordBytes, OversizedRecord, oversizedReason } from "./limits.js";
import { linesOf } from "./lines.js";

const oversized = (record: OversizedRecord, maxBytes: number, origin: string): RejectedRecord =>
  ({ ok: false, reason: oversizedReason(maxBytes), path: null, origin, raw: record.raw() });

/** One record a line; blank lines skipped; origin `name:line`. */
async function* jsonlRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  for await (const { line, number, oversized: over } of linesOf(doc.chunks, maxBytes)) {
    if (over) {
      yield oversized(over, maxBytes, `${doc.name}:${number}`);
      continue;
    }
    const raw = number === 1 ? line.replace(/^\uFEFF/, "") : line;
    if (raw.trim() === "") continue;
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

/**
 * One JSON value, an array meaning many records. A top-level array is streamed item by item, so
 * memory does not grow with it (origins `name:$[i]`, a broken item rejected on its own while the
 * others land); any other value (one record, a list page, a thread export) is read whole.
 */
async function* jsonRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const texts = textsOf(doc.chunks);
  let head = "";
  // Read up to the first character (not with `for await … break`, which would close `texts`).
  while (head.trimStart() === "") {
    const next = await texts.next();
    if (next.done) return; // an empty document holds no record
    head += next.value;
  }
  if (head.trimStart().startsWith("[")) {
    yield* arrayItemRecords(prepended(head, texts), doc.name, maxBytes);
    return;
  }
  const whole = new BoundedText(maxBytes);
  whole.push(head);
  for await (const text of texts) whole.push(text);
  const text = whole.take();
  yield* typeof text === "string" ? recordsOfJson(text, doc.name) : [oversized(text, maxBytes, doc.name)];
}

/** A document's text, chunk by chunk, without its byte-order mark. */
async function* textsOf(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let first = true;
  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    yield first ? text.replace(/^\uFEFF/, "") : text;
    first = false;
  }
  const rest = decoder.end();
  if (rest !== "") yield rest;
}

async function* prepended(head: string, rest: AsyncIterable<string>): AsyncGenerator<string> {
  yield head;
  yield* rest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const isOpener = (char: number) => char === 0x5b || char === 0x7b; // [ {
const isCloser = (char: number) => char === 0x5d || char === 0x7d; // ] }

/** The records of a top-level array's items, split at the commas outside strings and nested values. */
async function* arrayItemRecords(texts: AsyncIterable<string>, name: string, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  let opened = false;
  let closed = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const item = new BoundedText(maxBytes);
  let index = 0;
  let trailing = "";
  for await (const text of texts) {
    if (closed) {
      trailing += text;
      continue;
    }
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i);
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
        item.push(text.slice(start, i));
        const whole = item.take();
        start = i + 1;
        // `[]` and a trailing `[1,]` leave an empty slot, which is no item; `[1,,2]` has a broken one.
        if (typeof whole !== "string") yield oversized(whole, maxBytes, `${name}:${jsonPath([index++])}`);
        else if (char === COMMA || whole.trim() !== "") yield* recordsOfJson(whole.trim(), name, [index++]);
        if (char !== COMMA) {
          closed = true;
          trailing = text.slice(i + 1);
          break;
        }
      }
    }
    if (!closed) item.push(text.slice(start));
  }
  // A document cut short: its last item is read like any other (rejected if incomplete).
  const unclosed = item.take();
  if (typeof unclosed !== "string") yield oversized(unclosed, maxBytes, `${name}:${jsonPath([index])}`);
  else if (unclosed.trim() !== "") yield* recordsOfJson(unclosed.trim(), name, [index]);
  if (trailing.trim() !== "") {
    yield { ok: false, reason: "invalid JSON: unexpected text after the array's closing ]", path: null, origin: name, raw: trailing.trim() };
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
  let block: string[] = [];
  let blockLine = 0;
  let blockBytes = 0;
  // An event past the limit: its lines are no longer kept nor parsed, only counted, until it ends.
  let over: OversizedRecord | null = null;
  const parser = createParser({
    onEvent: (event) => ready.push({ event: event.event, data: event.data, line: blockLine, raw: block.join("\n") }),
  });
  const endBlock = (): RejectedRecord | null => {
    const rejection = over && oversized(over, maxBytes, `${doc.name}:${blockLine}`);
    if (over) parser.reset(); // drops the lines it was fed before the event went over
    else parser.feed("\n");
    [block, blockLine, blockBytes, over] = [[], 0, 0, null];
    return rejection;
  };
  for await (const numbered of linesOf(doc.chunks, maxBytes)) {
    const line = numbered.oversized ? null : numbered.number === 1 ? numbered.line.replace(/^\uFEFF/, "") : numbered.line;
    // A blank line ends the block, whether it held an event or only comments and `retry:`.
    if (line === "") {
      const rejection = endBlock();
      if (rejection) yield rejection;
    } else {
      if (blockLine === 0) blockLine = numbered.number;
      if (!over && (line === null || (blockBytes += Buffer.byteLength(line) + 1) > maxBytes)) {
        over = new OversizedRecord();
        for (const earlier of block) over.add(`${earlier}\n`);
      }
      if (!over) {
        block.push(line!);
        parser.feed(`${line}\n`);
      } else if (numbered.oversized) over.absorb(numbered.oversized);
      else over.add(`${line}\n`);
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
  const envelope = `{"event":${JSON.stringify(event.event)},"data":${event.data}}`;
  for (const record of recordsOf({ event: event.event, data }, envelope, origin, [], event.raw)) yield record.ok ? { ...record, data: event.data } : record;
}

/** A document's records; any one over `maxBytes` (STEPSTORE_MAX_RECORD) is a rejection, its bytes dropped as they stream. */
export function recordsOfDocument(doc: Document, maxBytes = maxRecordBytes()): AsyncGenerator<ClassifiedRecord> {
  switch (doc.format) {
    case "jsonl":
      return jsonlRecords(doc, maxBytes);
    case "json":
      return jsonRecords(doc, maxBytes);
    case "sse":
      return sseRecords(doc, maxBytes);
  }
}
