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
 * brackets: each on its own line, indented, joined by commas (`"\n    {…},\n    {…}"` at depth 1).
 */
function prettyJsonItems(items: readonly unknown[], depth: number): string {
  let wrapped: unknown = items;
  for (let level = 0; level < depth; level++) wrapped = { _: wrapped };
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(text.indexOf("[") + 1, text.lastIndexOf(`\n${"  ".repeat(depth)}]`));
}

/**
 * An array as `JSON.stringify(…, null, 2)` writes it `depth` levels deep, written a page of items at a time: `page`
 * for each page (each serialized by JSON.stringify itself), `end` once after the last (`[]` when no item came), the
 * same bytes as the whole array at once.
 */
export function prettyJsonArrayPages(depth: number): { page(items: readonly unknown[]): string; end(): string } {
  let first = true;
  return {
    page(items) {
      if (items.length === 0) return "";
      const text = `${first ? "[" : ","}${prettyJsonItems(items, depth)}`;
      first = false;
      return text;
    },
    end: () => (first ? "[]" : `\n${"  ".repeat(depth)}]`),
  };
}
