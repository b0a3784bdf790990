import { isUtf8 } from "node:buffer";
import { invalidUtf8At } from "../records/utf8.js";
import { OversizedRecord } from "./limits.js";

/**
 * A line (without its `\n` or `\r\n`), numbered from 1; or one over the byte limit, kept as a prefix;
 * or one that is not UTF-8, kept as its bytes with the offset of the first fault. `cr`: its `\r` was
 * dropped, for a reader that keeps a record's lines as they stand (an SSE event's).
 */
export type Line =
  | { line: string; number: number; cr: boolean; oversized?: undefined; invalid?: undefined }
  | { line?: undefined; number: number; cr: false; oversized: OversizedRecord; invalid?: undefined }
  | { line?: undefined; number: number; cr: boolean; oversized?: undefined; invalid: Buffer; at: number };

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines in time linear in its bytes, whatever the chunk size: each chunk is
 * scanned once for `\n`, and a line's start waits as Buffers until its end arrives (never re-decoded
 * or rescanned). A line over `maxBytes` is not held: its first bytes are kept, the rest counted and
 * dropped as they stream past, so memory stays within the limit and a chunk. Splitting at `\n` bytes
 * is safe for UTF-8: no multi-byte character contains one. `skipEmpty`: lines with nothing but their end inside a
 * chunk are numbered but not handed on (JSON Lines skips them; SSE needs its blank lines).
 */
export async function* linesOf(chunks: AsyncIterable<Buffer>, maxBytes = Infinity, { skipEmpty = false } = {}): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let pending = 0;
  let oversized: OversizedRecord | null = null;
  let number = 0;

  /** Adds bytes to the line being read, switching it to oversized once it passes the limit. */
  const carry = (part: Buffer) => {
    if (oversized === null && pending + part.length > maxBytes) {
      oversized = new OversizedRecord();
      for (const earlier of parts) oversized.add(earlier);
      [parts, pending] = [[], 0];
    }
    if (oversized) oversized.add(part);
    else if (part.length > 0) {
      parts.push(part);
      pending += part.length;
    }
  };
  /** The line being read, ended. */
  const finish = (): Line => {
    number++;
    const done: Line = oversized ? { number, oversized, cr: false } : textOf(Buffer.concat(parts, pending), number);
    [parts, pending, oversized] = [[], 0, null];
    return done;
  };

  for await (const chunk of chunks) {
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) {
      carry(chunk);
      continue;
    }
    carry(chunk.subarray(0, first));
    yield finish();
    // The lines wholly inside this chunk: decoded at once and split as text (the fast path), unless
    // they are not all UTF-8: then each is ended as bytes, so only the faulty ones are rejected.
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > first && !isUtf8(chunk.subarray(first + 1, last))) {
      for (let start = first + 1, end = first; end < last; start = end + 1) {
        end = chunk.indexOf(NEWLINE, start);
        carry(chunk.subarray(start, end));
        yield finish();
      }
    } else if (last > first) {
      const text = chunk.toString("utf8", first + 1, last);
      for (let start = 0, end = 0; end !== -1; start = end + 1) {
        end = text.indexOf("\n", start);
        const line = end === -1 ? text.slice(start) : text.slice(start, end);
        // UTF-16 units never outnumber UTF-8 bytes: only a long line needs its bytes counted.
        if (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes) {
          carry(Buffer.from(line));
          yield finish();
        } else {
          const cr = line.charCodeAt(line.length - 1) === CR;
          ++number;
          // Counted, not handed on, where the reader skips them: a gzip of a gigabyte of newlines took minutes a line at a time.
          if (skipEmpty && line.length === (cr ? 1 : 0)) continue;
          yield { line: cr ? line.slice(0, -1) : line, number, cr };
        }
      }
    }
    carry(chunk.subarray(last + 1));
  }
  if (pending > 0 || oversized) yield finish();
}

/** A line's bytes as text, or kept as bytes when they are not UTF-8 (its `\r` dropped either way). */
function textOf(bytes: Buffer, number: number): Line {
  const cr = bytes[bytes.length - 1] === CR;
  const line = cr ? bytes.subarray(0, -1) : bytes;
  const at = invalidUtf8At(line);
  return at === null ? { line: line.toString("utf8"), number, cr } : { invalid: line, at, number, cr };
}

/**
 * SSE also ends a line at a lone `\r` (linesOf splits at `\n` only): each lone `\r` is passed on as `\n`, and the
 * number of the line it ended is added to `lone`, so a reader can keep that line's end as written. A `\r` that ends a
 * chunk waits for the next chunk's first byte: a `\r\n` cut between two chunks is one line end, not two.
 */
export async function* loneCrAsNewline(chunks: AsyncIterable<Buffer>, lone: Set<number>): AsyncGenerator<Buffer> {
  let ended = 0;
  let held = false;
  const countNewlines = (chunk: Buffer, from: number, to: number) => {
    for (let at = chunk.indexOf(NEWLINE, from); at !== -1 && at < to; at = chunk.indexOf(NEWLINE, at + 1)) ended++;
  };
  for await (const input of chunks) {
    const joined: Buffer = held ? Buffer.concat([Buffer.of(CR), input]) : input;
    held = joined.length > 0 && joined[joined.length - 1] === CR;
    const chunk = held ? joined.subarray(0, -1) : joined;
    let copy: Buffer | null = null;
    let from = 0;
    for (let cr = chunk.indexOf(CR); cr !== -1; cr = chunk.indexOf(CR, from)) {
      countNewlines(chunk, from, cr);
      from = cr + 1;
      if (chunk[cr + 1] === NEWLINE) continue;
      lone.add(++ended);
      copy ??= Buffer.from(chunk);
      copy[cr] = NEWLINE;
    }
    countNewlines(chunk, from, chunk.length);
    if (chunk.length > 0) yield copy ?? chunk;
  }
  if (held) {
    lone.add(++ended);
    yield Buffer.of(NEWLINE);
  }
}
