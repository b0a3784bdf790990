import { isJsonObject, type JsonObject } from "../../records/json.js";

type IndexedEntry = JsonObject & { index: number };

/**
 * An array of objects each naming its slot (`index`), the empty one included: it merges nothing (a delta's
 * `"outputs": []` keeps what was built). An entry without one names no slot: its array replaces, as anything else does
 * (two file_search deltas each sending whole `results` had their file ids joined, merged by position).
 */
function isIndexedEntries(value: unknown): value is IndexedEntry[] {
  return Array.isArray(value) && value.every((entry) => isJsonObject(entry) && typeof entry.index === "number");
}

function mergeIndexed(target: unknown[], entries: IndexedEntry[]): unknown[] {
  const merged = [...target];
  // forEach, not for…of: a hole (a slot a stream skipped, in a state built before) stays a hole.
  entries.forEach((entry) => {
    const current = merged[entry.index];
    merged[entry.index] = accumulateDelta(isJsonObject(current) ? current : {}, entry);
  });
  return merged;
}

/**
 * Applies one delta onto a target (CONTRACT §5 rule 3), returning a new object and leaving both
 * inputs untouched: absent or null keys are set, `index` and `type` overwritten, strings
 * concatenated, objects merged recursively, arrays of objects merged into the slot each `index`
 * names (an absent key built onto `{}` or `[]`); anything else (an array whose entries name no slot) replaces.
 */
export function accumulateDelta(target: JsonObject, delta: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(delta)) {
    const current = result[key];
    // An absent key is built onto an empty one, so that arrays deep in a first chunk land in the slots their `index` names.
    const absent = current === undefined || current === null;
    if (isJsonObject(value) && (absent || isJsonObject(current))) result[key] = accumulateDelta(absent ? {} : current, value);
    else if (isIndexedEntries(value) && (absent || Array.isArray(current))) result[key] = mergeIndexed(absent ? [] : (current as unknown[]), value);
    else if (absent || key === "index" || key === "type") result[key] = value;
    else if (typeof current === "string" && typeof value === "string") result[key] = current + value;
    else result[key] = value;
  }
  return result;
}

/** A value with `index` dropped from each object that is an entry of an array (the slot its `index` named), at any depth. */
function withoutSlotIndexes(value: unknown, isEntry: boolean): unknown {
  // map keeps a hole (a slot no delta filled) a hole, which the row's JSON writes as null.
  if (Array.isArray(value)) return value.map((entry: unknown) => withoutSlotIndexes(entry ?? null, true));
  if (!isJsonObject(value)) return value;
  const kept = Object.entries(value).filter(([key]) => !(isEntry && key === "index"));
  return Object.fromEntries(kept.map(([key, inner]) => [key, withoutSlotIndexes(inner, false)]));
}

/**
 * A RunStep has no `index` (CONTRACT §5 rule 3): drop it from every entry the deltas placed by it, tool calls,
 * code_interpreter outputs and file_search results and their content alike.
 */
export function withoutIndexes(details: JsonObject): JsonObject {
  if (!Array.isArray(details.tool_calls)) return details;
  return { ...details, tool_calls: withoutSlotIndexes(details.tool_calls, false) };
}
