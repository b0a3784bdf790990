/** A JSON object as parsed: string keys, any JSON values. */
export type JsonObject = Record<string, unknown>;

/** A JSON object, not an array or null: the one test every reader of parsed records uses. */
export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether two parsed JSON values serialise to the same text (JSON.stringify equal): the same keys in
 * the same order, equal values. Walked without building either text, and left at the first difference.
 */
export function sameJsonText(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonText(a[i], b[i])) return false;
    return true;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !sameJsonText((a as JsonObject)[key], (b as JsonObject)[key])) return false;
  }
  return true;
}

/**
 * Items as `JSON.stringify(array, null, 2)` writes them inside an array nested `depth` levels deep, without its
 * brackets: each on its own line, indented, joined by commas (`"\n    {…},\n    {…}"` at depth 1); "" for none. An
 * array written a page at a time joins these with commas, each page serialized by JSON.stringify itself.
 */
export function prettyJsonItems(items: readonly unknown[], depth: number): string {
  if (items.length === 0) return "";
  let wrapped: unknown = items;
  for (let level = 0; level < depth; level++) wrapped = { _: wrapped };
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(text.indexOf("[") + 1, text.lastIndexOf(`\n${"  ".repeat(depth)}]`));
}
