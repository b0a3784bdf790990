import { canonicalNode, parseLossless } from "./lossless.js";
import { numbersExact } from "./numbers.js";

function appendCanonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + appendCanonical(value[i] ?? null);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${appendCanonical(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** JSON with object keys sorted and no whitespace: the identity of a value, whatever its key order. */
export function canonicalJson(value: unknown): string {
  return appendCanonical(value);
}

/**
 * The canonical JSON of a record's text, its numbers by their exact value as written (CONTRACT §3):
 * `9007199254740993` and `…992`, `1e400` and `null` are different content. When a double holds
 * every number exactly (nearly always), the parsed value says the same and its walk is faster;
 * `value`, when given, is JSON.parse(text) or the same value.
 */
export function canonicalOfText(text: string, value?: unknown): string {
  if (!numbersExact(text)) return canonicalNode(parseLossless(text));
  return canonicalJson(value === undefined ? JSON.parse(text) : value);
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/** Orders strings by code point, as SQLite's ORDER BY sorts text (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === length) return a.length - b.length;
  const ua = a.charCodeAt(i);
  const ub = b.charCodeAt(i);
  // UTF-16 unit order is code point order unless a surrogate meets a unit above it (or a lone one is involved).
  if (!isSurrogate(ua) && !isSurrogate(ub)) return ua - ub;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A string's length in code points, as text is measured where it is ordered by code point (JS `length` counts UTF-16 units). */
export function codePointLength(text: string): number {
  return text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}
