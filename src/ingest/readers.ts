import { createParser } from "eventsource-parser";
import { invalidJson, recordsOf, type ClassifiedRecord } from "../records/classify.js";
import type { Document } from "./document.js";
import { linesOf } from "./lines.js";

/** One record a line; blank lines skipped; origin `name:line`. */
async function* jsonlRecords(doc: Document): AsyncGenerator<ClassifiedRecord> {
  for await (const { line, number } of linesOf(doc.chunks)) {
    const raw = number === 1 ? line.replace(/^\uFEFF/, "") : line;
    if (raw.trim() === "") continue;
    const origin = `${doc.name}:${number}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      yield invalidJson(error, raw, origin);
      continue;
    }
    yield* recordsOf(value, raw, origin);
  }
}

/** One JSON value (an array meaning many records), read whole: origins name the item's JSON path. */
async function* jsonRecords(doc: Document): AsyncGenerator<ClassifiedRecord> {
  const parts: Buffer[] = [];
  for await (const chunk of doc.chunks) parts.push(chunk);
  const raw = Buffer.concat(parts).toString("utf8").replace(/^\uFEFF/, "");
  if (raw.trim() === "") return;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    yield invalidJson(error, raw, doc.name);
    return;
  }
  yield* recordsOf(value, raw, doc.name);
}

interface SseEvent {
  event: string | undefined;
  data: string;
  line: number;
}

/**
 * An SSE transcript: each event is the record `{"event": name, "data": …}`, or the bare data where
 * the name is missing; `done` / `[DONE]` ends the stream. Origin `name:line` of the event's first field.
 */
async function* sseRecords(doc: Document): AsyncGenerator<ClassifiedRecord> {
  const ready: SseEvent[] = [];
  let startLine = 0;
  let currentLine = 0;
  const parser = createParser({
    onEvent: (event) => {
      ready.push({ event: event.event, data: event.data, line: startLine });
      startLine = 0;
    },
  });
  let ended = false;
  for await (const { line, number } of linesOf(doc.chunks)) {
    currentLine = number;
    if (line !== "" && startLine === 0) startLine = currentLine;
    parser.feed(`${number === 1 ? line.replace(/^\uFEFF/, "") : line}\n`);
    while (ready.length > 0) {
      const event = ready.shift()!;
      if (event.event === "done" || event.data === "[DONE]") {
        ended = true;
        break;
      }
      yield* sseRecord(event, doc.name);
    }
    if (ended) return;
  }
  parser.feed("\n");
  for (const event of ready) if (event.event !== "done" && event.data !== "[DONE]") yield* sseRecord(event, doc.name);
}

function* sseRecord(event: SseEvent, name: string): Generator<ClassifiedRecord> {
  const origin = `${name}:${event.line}`;
  const transcript = `${event.event !== undefined ? `event: ${event.event}\n` : ""}data: ${event.data}`;
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch (error) {
    yield invalidJson(error, transcript, origin, event.data);
    return;
  }
  const value = event.event === undefined ? data : { event: event.event, data };
  yield* recordsOf(value, event.data, origin, [], transcript);
}

export function recordsOfDocument(doc: Document): AsyncGenerator<ClassifiedRecord> {
  switch (doc.format) {
    case "jsonl":
      return jsonlRecords(doc);
    case "json":
      return jsonRecords(doc);
    case "sse":
      return sseRecords(doc);
  }
}
