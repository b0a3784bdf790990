/** A JSON object as parsed: string keys, any JSON values. */
export type JsonObject = Record<string, unknown>;

/** A JSON object, not an array or null: the one test every reader of parsed records uses. */
export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
