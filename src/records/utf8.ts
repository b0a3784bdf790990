import { isUtf8 } from "node:buffer";
import type { RejectedRecord } from "./classify.js";

/** The second byte's range for each lead byte that narrows it (Unicode Table 3-7: no overlongs, surrogates or > U+10FFFF). */
const SECOND_BYTE: Record<number, [number, number]> = { 0xe0: [0xa0, 0xbf], 0xed: [0x80, 0x9f], 0xf0: [0x90, 0xbf], 0xf4: [0x80, 0x8f] };

/** How many bytes a sequence led by `lead` holds, or 0 if no well-formed sequence starts with it. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Where bytes stop being UTF-8: the offset (from 0) of the first ill-formed sequence's first byte,
 * or null. Valid input costs one native `isUtf8` pass; only invalid input is walked here.
 */
export function invalidUtf8At(bytes: Uint8Array): number | null {
  if (isUtf8(bytes)) return null;
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length) return i;
    const [low, high] = SECOND_BYTE[lead] ?? [0x80, 0xbf];
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k]!;
      if (k === 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xbf) return i;
    }
    i += length;
  }
  return null; // not reached: isUtf8 said there was a fault
}

/** A document's text without the UTF-8 byte-order mark it may start with (CONTRACT: allowed, and skipped). */
export const withoutByteOrderMark = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** Marks a `rejections.raw` that holds base64 of the exact bytes, the reason ending `(raw is base64)`. */
const BASE64_RAW = "base64:";

/** A record whose bytes are not UTF-8: kept losslessly, as base64, since `rejections.raw` is text. */
export function invalidUtf8(bytes: Uint8Array, at: number, origin: string): RejectedRecord {
  const raw = `${BASE64_RAW}${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
  return { ok: false, reason: `invalid UTF-8 at byte ${at} of the record (raw is base64)`, path: null, origin, raw };
}

/** A record's bytes as text, or its rejection when they are not UTF-8. */
export function recordText(bytes: Buffer, origin: string): string | RejectedRecord {
  const at = invalidUtf8At(bytes);
  return at === null ? bytes.toString("utf8") : invalidUtf8(bytes, at, origin);
}

/**
 * What a message must not print as it is: controls and lone surrogates (a terminal acts on them; PostgreSQL text holds
 * no U+0000), and what reads as nothing or as a blank: a line or paragraph separator, a space other than U+0020
 * (no-break, ideographic, …), a zero-width space, a byte-order mark.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b\ufeff]|\p{Cs}|\p{Zl}|\p{Zp}|(?! )\p{Zs}/gu;

/** `text` with each unprintable character written as its JSON escape (`\u0000`), as a message quotes input. */
export const printable = (text: string) => text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * PostgreSQL text cannot hold U+0000 (a record with a NUL byte, rejected as invalid JSON, would fail
 * its insert and the whole batch): such a raw is kept as base64 of its UTF-8 bytes, on both stores alike;
 * the reason, which may quote the input, gets the character escaped.
 */
export function storableRejection(rejection: RejectedRecord): RejectedRecord {
  const reason = rejection.reason.includes("\u0000") ? printable(rejection.reason) : rejection.reason;
  if (!rejection.raw.includes("\u0000")) return reason === rejection.reason ? rejection : { ...rejection, reason };
  const raw = `${BASE64_RAW}${Buffer.from(rejection.raw, "utf8").toString("base64")}`;
  return { ...rejection, reason: `${reason} (raw is base64: it holds U+0000)`, raw };
}
