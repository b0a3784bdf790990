import { createReadStream } from "node:fs";
import { gunzip } from "./gzip.js";
import { DOCUMENT_IDENTITY_BYTES, documentIdentity } from "../records/eventKey.js";
import { withoutByteOrderMark } from "../records/utf8.js";

export type Format = "jsonl" | "json" | "sse";
export type FormatOption = Format | "auto";

/** A stream of bytes being ingested: a file, stdin or a request body, named for origins. */
export interface Document {
  /** The origin prefix: the path as given, `-` for stdin, or the route. */
  name: string;
  /** sha256 of the first 64 KiB: known before streaming starts (CONTRACT §3). */
  identity: string;
  format: Format;
  chunks: AsyncIterable<Buffer>;
  /** Once the chunks are read: why the rest could not be (a gzip stream cut short or damaged, a file unreadable), else null. */
  damage(): string | null;
  /** The format its content looks like, when its name (or its Content-Type) chose another: what a rejection of it suggests. */
  looksLike?: Format;
  /** How the format was given where not by the name: `Content-Type` (`/v1/ingest`). */
  declaredBy?: "Content-Type";
}

/** The media type `/v1/ingest` reads each format by (others it takes too are in its route). */
export const MEDIA_TYPES: Record<Format, string> = { jsonl: "application/x-ndjson", json: "application/json", sse: "text/event-stream" };

// A Map: a file named `x.constructor` must find nothing, not Object.prototype's.
const EXTENSION_FORMATS = new Map<string, Format>([["jsonl", "jsonl"], ["ndjson", "jsonl"], ["json", "json"], ["sse", "sse"]]);

function formatFromName(name: string): Format | null {
  const match = /\.([a-z]+)(?:\.gz)?$/i.exec(name);
  return (match && EXTENSION_FORMATS.get(match[1]!.toLowerCase())) ?? null;
}

const SNIFFED_LINES = 20;

function isJsonObjectLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0;
  } catch {
    return false;
  }
}

/** The leading text, without a byte-order mark or the blank lines before it. */
const headText = (head: Buffer) => withoutByteOrderMark(head.toString("utf8")).trimStart();

/** SSE fields or a comment: no JSON line or document begins so, so they tell a transcript whatever its name (CONTRACT §2). */
const beginsAsSse = (text: string) => /^(event|data|id|retry):/.test(text) || text.startsWith(":");

/**
 * Guesses a format from the leading bytes: SSE fields, a JSON array, one JSON value a line, or one
 * document. An unindented object line among the first lines means JSONL even when the first line is
 * broken (a pretty-printed document has none), so that one bad line does not sink the others. So does
 * a first line longer than the head (`ended` false: more follows): a pretty-printed document breaks
 * its first line at once, and a one-line document read as JSONL is the same one record.
 */
function sniffFormat(head: Buffer, ended: boolean): Format {
  const text = headText(head);
  if (beginsAsSse(text)) return "sse";
  if (text.startsWith("[")) return "json";
  const lines = text.split(/\r?\n/, SNIFFED_LINES + 1).slice(0, SNIFFED_LINES);
  if (lines.length === 1 && !ended) return "jsonl";
  try {
    JSON.parse(lines[0] ?? "");
    return "jsonl";
  } catch {
    // Unindented: a pretty-printed document's inner lines are indented.
    return lines.slice(1).some((line) => line.startsWith("{") && isJsonObjectLine(line)) ? "jsonl" : "json";
  }
}

/**
 * The format content looks like when its name chose another, else null. Only a name's choice is second-guessed, and
 * only in what a rejection says (the contract reads a `.jsonl` one record a line); a document on one line reads the
 * same as JSON or JSON Lines, so it is never said to look like the other.
 */
function otherFormatLooked(chosen: Format, head: Buffer, ended: boolean): Format | null {
  const sniffed = sniffFormat(head, ended);
  if (sniffed === chosen) return null;
  return sniffed === "jsonl" && chosen === "json" && !/\n\s*\S/.test(headText(head)) ? null : sniffed;
}

/** `--format` when given; else SSE content whatever the name (an SSE log saved as `.jsonl`); else the name's, else sniffed. */
function formatOf(option: FormatOption, name: string, head: Buffer, ended: boolean): Format {
  if (option !== "auto") return option;
  return beginsAsSse(headText(head)) ? "sse" : (formatFromName(name) ?? sniffFormat(head, ended));
}

type ByteStream = AsyncIterable<Buffer | string>;

/** Reads the first `bytes` of a stream (all of it if shorter: `ended`), then hands on every byte, head included. */
async function peek(stream: ByteStream, bytes: number): Promise<{ head: Buffer; ended: boolean; all: AsyncGenerator<Buffer> }> {
  const iterator = stream[Symbol.asyncIterator]();
  const asBuffer = (chunk: Buffer | string) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      parts.push(asBuffer(next.value));
      length += parts[parts.length - 1]!.length;
    }
  }
  const head = Buffer.concat(parts);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = done ? null : await iterator.next(); next && !next.done; next = await iterator.next()) yield asBuffer(next.value);
  }
  return { head, ended: done, all: all() };
}

/** An archive by its first bytes (a zip's local or end header, a tar's `ustar` at byte 257), named; else null. */
function archiveKind(head: Buffer): string | null {
  const start = head.toString("latin1", 0, 4);
  if (start === "PK\x03\x04" || start === "PK\x05\x06") return "a zip archive";
  // POSIX's `ustar\0` and `00`, or GNU's `ustar  \0`: NULs no JSON or SSE text holds.
  const magic = head.toString("latin1", 257, 265);
  return magic === "ustar\u000000" || magic === "ustar  \u0000" ? "a tar archive" : null;
}

/** Reads a stream to its end, keeping nothing: a request's body is taken whole (its client waits to send it), a gzip's inflater ended. */
async function* drained(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const _ of chunks);
}

/**
 * Reads the head of a stream (gunzipped when it is gzip) for identity and sniffing, then hands on every byte, head
 * included. An archive (an export shipped zipped) is one rejection saying to unpack it, its bytes read and dropped: read
 * as text it was rejected whole as invalid JSON or UTF-8, which did not say why.
 */
export async function openDocument(stream: ByteStream, name: string, format: FormatOption, declaredBy?: "Content-Type"): Promise<Document> {
  const { bytes, damage } = await gunzipped(stream);
  const { head, ended, all } = await peek(bytes, DOCUMENT_IDENTITY_BYTES);
  const archive = archiveKind(head);
  if (archive !== null) {
    const reason = `${archive}: stepstore reads JSON, JSON Lines and SSE files (gzipped or not) and folders of them; unpack it and ingest the folder`;
    return { ...unreadableDocument(name, reason), chunks: drained(all) };
  }
  const chosen = formatOf(format, name, head, ended);
  const secondGuessed = declaredBy !== undefined || (format === "auto" && formatFromName(name) === chosen);
  const looksLike = secondGuessed ? otherFormatLooked(chosen, head, ended) : null;
  return { name, identity: documentIdentity(head), format: chosen, chunks: all, damage: () => damage.reason, ...(looksLike && { looksLike, declaredBy }) };
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** The stream's bytes, decompressed when they are gzip (by their magic number, whatever the name: stdin has none). */
async function gunzipped(stream: ByteStream): Promise<{ bytes: ByteStream; damage: { reason: string | null } }> {
  const damage = { reason: null };
  const { head, all } = await peek(stream, GZIP_MAGIC.length);
  return { bytes: head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC) ? gunzip(all, damage) : all, damage };
}

/** Hands on a stream's chunks, telling `onRead` each one's size (progress counts the bytes on disk, before gunzip). */
async function* counted(stream: AsyncIterable<Buffer>, onRead: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    onRead(chunk.length);
    yield chunk;
  }
}

/**
 * Why a file or folder could not be read, as a rejection's reason: the system's words without the path, which the
 * rejection's origin already names (`EACCES: permission denied, open '/in/z.jsonl'` → `EACCES: permission denied`).
 */
export function unreadableReason(error: unknown, what: "file" | "folder"): string {
  const message = (error as Error).message.replace(/, \w+ '.*'$/s, "");
  return what === "file" ? `cannot read the file: ${message}` : `cannot read the folder: ${message}: none of its files were read`;
}

/**
 * A file's bytes; a failure to read it (EACCES at open, EIO midway) ends them, its reason kept in `unreadable`, so
 * the file is one rejection naming it and the files after it are read, as for a damaged gzip.
 */
async function* readOrNote(file: AsyncIterable<Buffer>, unreadable: { reason: string | null }): AsyncGenerator<Buffer> {
  try {
    yield* file;
  } catch (error) {
    unreadable.reason = unreadableReason(error, "file");
  }
}

export async function openFileDocument(path: string | Buffer, format: FormatOption, onRead?: (bytes: number) => void): Promise<Document> {
  const unreadable = { reason: null as string | null };
  const file = readOrNote(createReadStream(path, { highWaterMark: 1 << 20 }), unreadable);
  // A name that is not UTF-8 (read as bytes) is shown decoded, U+FFFD where a byte is not UTF-8.
  const doc = await openDocument(onRead ? counted(file, onRead) : file, typeof path === "string" ? path : path.toString("utf8"), format);
  // The file's own failure first: it is why a gzip inside it would be cut short.
  return { ...doc, damage: () => unreadable.reason ?? doc.damage() };
}

/** A folder that could not be listed, as a document with no bytes: one rejection naming it (`reason`). */
export function unreadableDocument(name: string, reason: string): Document {
  return { name, identity: documentIdentity(Buffer.alloc(0)), format: "json", chunks: (async function* () {})(), damage: () => reason };
}
