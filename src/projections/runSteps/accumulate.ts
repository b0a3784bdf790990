import { isJsonObject, type JsonObject } from "../../records/json.js";

/** The arrays whose entries a delta places by their `index` (CONTRACT §5): validation requires it of each since 2026-12-03. */
const SLOTTED = new Set(["tool_calls", "outputs"]);

/**
 * An array of objects to merge entry by entry, the empty one included (it merges nothing: a delta's `"outputs": []`
 * keeps what was built): one whose every entry names its slot (`index`), or a tool call or output list, whose entries
 * without one (taken before validation required it) go to the slot of their position, as they were folded then. Any
 * other array whose entries name no slot replaces, as anything else does (two file_search deltas each sending whole
 * `results` had their file ids joined, merged by position).
 */
function isMergedArray(key: string, value: unknown): value is JsonObject[] {
  if (!Array.isArray(value) || !value.every(isJsonObject)) return false;
  return SLOTTED.has(key) || value.every((entry) => typeof entry.index === "number");
}

function mergeIndexed(target: unknown[], entries: JsonObject[]): unknown[] {
  const merged = [...target];
  entries.forEach((entry, position) => {
    const slot = typeof entry.index === "number" ? entry.index : position;
    const current = merged[slot];
    merged[slot] = accumulateDelta(isJsonObject(current) ? current : {}, entry);
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
    else if (isMergedArray(key, value) && (absent || Array.isArray(current))) result[key] = mergeIndexed(absent ? [] : (current as unknown[]), value);
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
