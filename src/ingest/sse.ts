import { createParser } from "eventsource-parser";
import { parseRecordText, recordsOf, sseRecordText, type ClassifiedRecord, type RejectedRecord } from "../records/classify.js";
import { invalidUtf8, withoutByteOrderMark } from "../records/utf8.js";
import type { Document } from "./document.js";
import { OversizedRecord } from "./limits.js";
import { linesOf, loneCrAsNewline, type Line } from "./lines.js";
import { oversized } from "./recordText.js";

interface SseEvent {
  event: string | undefined;
  data: string;
  /** The line of the event's first field, comments included. */
  line: number;
  /** The event's lines as they stand in the transcript, for a rejection. */
  raw: string;
}

/**
 * `event: done`, or `data: [DONE]` unnamed (or named `message`, SSE's name for none), closes one stream; a transcript
 * may hold several streams after one another. A step or run event whose data is `[DONE]` is no end: it is read, and
 * rejected (its data is no JSON), where it had vanished without a word.
 */
const isStreamEnd = ({ event, data }: SseEvent) => event === "done" || ((event === undefined || event === "message") && data === "[DONE]");

/**
 * The block of lines being read (up to a blank line): fed to the SSE parser, whose events wait in `ready`; or, once the
 * block went bad (past `maxBytes`, not UTF-8, a line no field), kept only for its rejection, which `end` gives.
 */
function createSseBlock(name: string, maxBytes: number) {
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

  /** A line of the block (`line` null where it is not UTF-8 or past the limit), with its end as written. */
  const add = (numbered: Line, line: string | null, end: string) => {
    if (blockLine === 0) blockLine = numbered.number;
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
  };

  /** Ends the block: its event joins `ready`, or its rejection is returned. */
  const end = (): RejectedRecord | null => {
    const origin = `${name}:${blockLine}`;
    const reject = (reason: string): RejectedRecord => ({ ok: false, reason, path: null, origin, raw: blockText() });
    let rejection = over ? oversized(over, maxBytes, origin) : binary && invalidUtf8(Buffer.concat(binary.parts).subarray(0, -lastEnd), binary.at, origin);
    if (!rejection && notAField !== null) rejection = reject(`invalid SSE: line ${notAField} is no field (data:, event:, id:, retry:) nor a : comment`);
    if (rejection) parser.reset(); // drops the lines it was fed before the event went bad
    else {
      const dispatched = ready.length;
      parser.feed("\n");
      // A named event the parser does not dispatch for want of data would vanish: it is kept as a rejection instead
      // (but `event: done`, which closes a stream, is no record either way).
      const named = block.find((text) => text.startsWith("event:"))?.replace(/^event: ?|(?:\r\n|\r|\n)$/g, "");
      if (ready.length === dispatched && named !== undefined && named !== "done") rejection = reject(`invalid SSE: event ${JSON.stringify(named)} has no data: line`);
    }
    [block, blockLine, blockBytes, over, binary, notAField] = [[], 0, 0, null, null, null];
    return rejection;
  };
  return { ready, add, end };
}

/**
 * An SSE transcript: each event is the record `{"event": name, "data": …}`, or the bare data where
 * the name is missing. Origin `name:line` of the event's first line. A `done` event is no record,
 * and the events after it (a later stream logged to the same file, such as the one that submitting
 * tool outputs opens) are read on.
 */
export async function* sseRecords(doc: Document, maxBytes: number): AsyncGenerator<ClassifiedRecord> {
  const block = createSseBlock(doc.name, maxBytes);
  function* ended(): Generator<ClassifiedRecord> {
    const rejection = block.end();
    if (rejection) yield rejection;
  }
  function* events(): Generator<ClassifiedRecord> {
    for (const event of block.ready.splice(0)) if (!isStreamEnd(event)) yield* sseRecord(event, doc.name);
  }
  // The lines a lone `\r` ended (SSE allows it), each dropped from the set once read.
  const endedByLoneCr = new Set<number>();
  for await (const numbered of linesOf(loneCrAsNewline(doc.chunks, endedByLoneCr), maxBytes)) {
    const loneCr = endedByLoneCr.delete(numbered.number);
    const line = numbered.line === undefined ? null : numbered.number === 1 ? withoutByteOrderMark(numbered.line) : numbered.line;
    // A blank line ends the block, whether it held an event or only comments and `retry:`.
    if (line === "") yield* ended();
    else block.add(numbered, line, numbered.cr ? "\r\n" : loneCr ? "\r" : "\n");
    yield* events();
  }
  yield* ended();
  yield* events();
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
