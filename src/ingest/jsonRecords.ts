import type { ClassifiedRecord } from "../records/classify.js";
import { placedInFile } from "../records/invalidJson.js";
import { jsonPath } from "../records/jsonPath.js";
import { isJsonText } from "../records/jsonSyntax.js";
import { recordText } from "../records/utf8.js";
import type { Document } from "./document.js";
import { BoundedBytes, OversizedRecord } from "./limits.js";
import { BOM, isSpace, oversized, recordsOfBytes, trimmed } from "./recordText.js";

/**
 * One JSON value, an array meaning many records. A top-level array is streamed item by item, so
 * memory does not grow with it (origins `name:$[i]`, a broken item rejected on its own while the
 * others land); any other value (one record, a list page, a thread export) is read whole. Read as
 * bytes: each record is decoded on its own, so one that is not UTF-8 is rejected alone.
 */
export async function* jsonRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
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
const NEWLINE = 0x0a;
const isOpener = (char: number) => char === OPEN_BRACKET || char === 0x7b; // [ {
const isCloser = (char: number) => char === 0x5d || char === 0x7d; // ] }

const cutOffReason = (items: number) =>
  `cut off: the JSON array is not closed (the document ends ${items === 0 ? "after its [" : `after ${jsonPath([items - 1])}`} with no ])`;

/** A place in a file: its line, and its column as `placeIn` counts it (UTF-16 units: é is one, an emoji two), both from 1. */
interface Place {
  line: number;
  column: number;
}

/**
 * Where the scan of a file stands, brought up to a byte only when asked (an item's start): `indexOf` finds the lines and
 * V8's decoder counts the columns, where a step a byte in the scan cost a tenth of reading a large array.
 */
function placeTracker() {
  let [line, column, scanned] = [1, 0, 0];
  /** The place of `chunk[to]`, the scan brought up to it. */
  const at = (chunk: Buffer, to: number): Place => {
    for (let end = chunk.indexOf(NEWLINE, scanned); end !== -1 && end < to; end = chunk.indexOf(NEWLINE, scanned)) [line, column, scanned] = [line + 1, 0, end + 1];
    column += chunk.toString("utf8", scanned, to).length;
    scanned = to;
    return { line, column: column + 1 };
  };
  /** The chunk is read to its end: the next one's first byte follows it. */
  const next = (chunk: Buffer) => {
    at(chunk, chunk.length);
    scanned = 0;
  };
  return { at, next };
}

/**
 * An item's records (its bytes as cut, `at` the place of their first byte), a rejection's place in the item's text
 * (`at line 3, column 21` of `$[1]`) told in the file's lines instead, where a reader of the file looks.
 */
function itemRecords(bytes: Buffer, name: string, index: number, at: Place): Iterable<ClassifiedRecord> {
  const records = recordsOfBytes(trimmed(bytes), name, [index]);
  if (!Array.isArray(records)) return records;
  const start = { ...at };
  for (let i = 0; i < bytes.length && isSpace(bytes[i]!); i++) {
    if (bytes[i] === NEWLINE) [start.line, start.column] = [start.line + 1, 1];
    else start.column++;
  }
  return (records as ClassifiedRecord[]).map((record) => (record.ok ? record : { ...record, reason: placedInFile(record.reason, start) }));
}

/** Where a scan of a top-level array's bytes stopped: its `[`, or the end of an item (a `,` or the closing `]`). */
interface ArrayMark {
  at: number;
  kind: "open" | "comma" | "close";
}

/**
 * Scans a top-level array's bytes, chunk after chunk, for its opening `[` and the ends of its items: the commas and
 * the `]` outside strings and nested values. Scanned as bytes: every byte it looks for is ASCII, which no multi-byte
 * UTF-8 character contains.
 */
function arrayScanner() {
  const state = { opened: false, depth: 0, inString: false, escaped: false };
  /** The next mark in `chunk` from `from`, or null at its end. */
  const next = (chunk: Buffer, from: number): ArrayMark | null => {
    // Locals in the loop: a byte's step is the cost of reading a large array.
    let { opened, depth, inString, escaped } = state;
    let mark: ArrayMark | null = null;
    for (let i = from; i < chunk.length && mark === null; i++) {
      const char = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (char === BACKSLASH) escaped = true;
        else if (char === QUOTE) inString = false;
      } else if (char === QUOTE) inString = true;
      else if (isOpener(char)) {
        if (opened) depth++;
        else [opened, mark] = [true, { at: i, kind: "open" }];
      } else if (isCloser(char) && depth > 0) depth--;
      else if (char === COMMA ? depth === 0 : isCloser(char)) mark = { at: i, kind: char === COMMA ? "comma" : "close" };
    }
    Object.assign(state, { opened, depth, inString, escaped });
    return mark;
  };
  return { next };
}

/** The records of a top-level array's items, each item cut at the end the scanner finds for it. */
async function* arrayItemRecords(chunks: AsyncIterable<Buffer>, doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const scanner = arrayScanner();
  const item = new BoundedBytes(maxBytes);
  let index = 0;
  // Where the item being cut began.
  const places = placeTracker();
  let itemAt: Place = { line: 1, column: 1 };
  const trailing = new BoundedBytes(maxBytes);
  let closed = false;
  for await (const chunk of chunks) {
    if (closed) {
      trailing.push(chunk);
      continue;
    }
    let start = 0;
    for (let mark = scanner.next(chunk, 0); mark !== null && !closed; mark = scanner.next(chunk, mark.at + 1)) {
      if (mark.kind !== "open") item.push(chunk.subarray(start, mark.at));
      const [whole, at] = [mark.kind === "open" ? null : item.take(), itemAt];
      [start, itemAt] = [mark.at + 1, places.at(chunk, mark.at + 1)];
      // `[]` and a trailing `[1,]` leave an empty slot, which is no item; `[1,,2]` has a broken one.
      if (whole instanceof OversizedRecord) yield oversized(whole, maxBytes, `${doc.name}:${jsonPath([index++])}`);
      else if (whole !== null && (mark.kind === "comma" || trimmed(whole).length > 0)) yield* itemRecords(whole, doc.name, index++, at);
      if (mark.kind === "close") {
        closed = true;
        trailing.push(chunk.subarray(mark.at + 1));
      }
    }
    if (!closed) item.push(chunk.subarray(start));
    places.next(chunk);
  }
  yield* arrayEnd(doc, maxBytes, { bytes: item.take(), at: itemAt, index }, closed, trailing.take());
}

/**
 * What follows the items: a document cut short has its last item read like any other (rejected if incomplete). A cut
 * after a whole item is one more rejection, so a truncated download is not taken for a whole one; a cut the last
 * item's own rejection or the document's damage (a gzip stream cut short) already tells is not counted twice. Text
 * after the `]` is a rejection.
 */
function* arrayEnd(doc: Document, maxBytes: number, last: { bytes: Buffer | OversizedRecord; at: Place; index: number }, closed: boolean, after: Buffer | OversizedRecord): Generator<ClassifiedRecord> {
  const { name } = doc;
  let { index } = last;
  let cutInside = false;
  if (last.bytes instanceof OversizedRecord) yield oversized(last.bytes, maxBytes, `${name}:${jsonPath([index++])}`);
  else if (trimmed(last.bytes).length > 0) {
    // A whole value that is no valid record (a step with a bad status) does not tell the cut: only text cut inside does.
    cutInside = !isJsonText(trimmed(last.bytes));
    yield* itemRecords(last.bytes, name, index++, last.at);
  }
  if (!closed && !cutInside && doc.damage() === null) yield { ok: false, reason: cutOffReason(index), path: null, origin: name, raw: "" };
  if (after instanceof OversizedRecord) yield oversized(after, maxBytes, name);
  else if (trimmed(after).length > 0) {
    const text = recordText(trimmed(after), name);
    yield typeof text !== "string" ? text : { ok: false, reason: "invalid JSON: unexpected text after the array's closing ]", path: null, origin: name, raw: text };
  }
}
