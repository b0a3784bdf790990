import { numberFromEnv } from "../settings.js";

/** Limits on one record, whatever its source (CONTRACT §2): hostile input costs one rejection, never the process. */

const DEFAULT_MAX_RECORD = 16 * 1024 * 1024;
/** How much of an oversized record `rejections.raw` keeps. */
const RAW_PREFIX_BYTES = 1024;

/** `STEPSTORE_MAX_RECORD`, in bytes: one line, SSE event, array item or whole JSON document. */
export function maxRecordBytes(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv("STEPSTORE_MAX_RECORD", { whole: true, min: 1, max: Number.MAX_SAFE_INTEGER, unit: "bytes" }, env) ?? DEFAULT_MAX_RECORD;
}

export const oversizedReason = (limit: number) => `record exceeds STEPSTORE_MAX_RECORD (${limit} bytes)`;

/** Keeps the first RAW_PREFIX_BYTES of an oversized record, and counts the rest as it streams past. */
export class OversizedRecord {
  #head: Buffer[] = [];
  #headBytes = 0;
  bytes = 0;

  add(part: Buffer | string): void {
    this.bytes += typeof part === "string" ? Buffer.byteLength(part) : part.length;
    if (this.#headBytes < RAW_PREFIX_BYTES) {
      const room = RAW_PREFIX_BYTES - this.#headBytes;
      // A copy: the chunk it came from can go.
      const kept = typeof part === "string" ? Buffer.from(part.slice(0, room)).subarray(0, room) : Buffer.from(part.subarray(0, room));
      this.#head.push(kept);
      this.#headBytes += kept.length;
    }
  }

  /** Takes in another record's kept prefix and count (an oversized line inside an oversized SSE event). */
  absorb(other: OversizedRecord): void {
    const head = Buffer.concat(other.#head);
    this.add(head);
    this.bytes += other.bytes - head.length;
  }

  /** The kept prefix (cut back to a whole UTF-8 character) and a note of what was dropped; a record within the prefix, verbatim. */
  raw(): string {
    const head = Buffer.concat(this.#head);
    if (head.length === this.bytes) return head.toString("utf8");
    let end = head.length;
    if (end < this.bytes) {
      // Step back over a character the cut split: continuation bytes, then the lead byte they follow.
      let start = end;
      while (start > 0 && (head[start - 1]! & 0xc0) === 0x80) start--;
      if (start > 0 && head[start - 1]! >= 0xc0) {
        const lead = head[start - 1]!;
        const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (end - (start - 1) < size) end = start - 1;
      }
    }
    return `${head.subarray(0, end).toString("utf8")}… [truncated: ${this.bytes - end} bytes]`;
  }
}

/** Bytes gathered in parts up to a limit; past it, only an OversizedRecord's prefix and count. */
export class BoundedBytes {
  #parts: Buffer[] = [];
  #bytes = 0;
  #over: OversizedRecord | null = null;

  constructor(readonly maxBytes: number) {}

  push(part: Buffer): void {
    if (this.#over) return this.#over.add(part);
    this.#bytes += part.length;
    if (this.#bytes <= this.maxBytes) {
      this.#parts.push(part);
      return;
    }
    this.#over = new OversizedRecord();
    for (const earlier of this.#parts) this.#over.add(earlier);
    this.#over.add(part);
    this.#parts = [];
  }

  /** What was gathered (then starts afresh). */
  take(): Buffer | OversizedRecord {
    const taken = this.#over ?? (this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#bytes));
    [this.#parts, this.#bytes, this.#over] = [[], 0, null];
    return taken;
  }
}
