import { isJsonObject, type JsonObject } from "../../records/json.js";

/** An array of objects, the empty one included: it merges nothing (a delta's `"outputs": []` keeps what was built). */
function isArrayOfObjects(value: unknown): value is JsonObject[] {
  return Array.isArray(value) && value.every(isJsonObject);
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
 * names; anything else replaces.
 */
export function accumulateDelta(target: JsonObject, delta: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(delta)) {
    const current = result[key];
    // An absent key is set as the delta has it, arrays deep in it included (§5, as the SDK does); later deltas merge by `index`.
    if (current === undefined || current === null || key === "index" || key === "type") result[key] = value;
    else if (isJsonObject(value) && isJsonObject(current)) result[key] = accumulateDelta(current, value);
    else if (isArrayOfObjects(value) && Array.isArray(current)) result[key] = mergeIndexed(current, value);
    else if (typeof current === "string" && typeof value === "string") result[key] = current + value;
    else result[key] = value;
  }
  return result;
}

/**
 * Applies a delta's `step_details` (CONTRACT §5): as `accumulateDelta`, but its `tool_calls` merge by `index` even while the
 * target has none: they stand for the empty details' `"tool_calls": []`, so deltas folded ahead of knowing the step's
 * type (onto `{}`) and then onto the empty details place every call where folding them onto those details would.
 */
export function accumulateStepDetails(target: JsonObject, delta: JsonObject): JsonObject {
  const slotted = isArrayOfObjects(delta.tool_calls) && !Array.isArray(target.tool_calls);
  return accumulateDelta(slotted ? { ...target, tool_calls: [] } : target, delta);
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
