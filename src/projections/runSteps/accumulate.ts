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
 * names (an absent key built onto `{}` or `[]`); anything else replaces.
 */
export function accumulateDelta(target: JsonObject, delta: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(delta)) {
    const current = result[key];
    // An absent key is built onto an empty one, so that arrays deep in a first chunk land in the slots their `index` names.
    const absent = current === undefined || current === null;
    if (isJsonObject(value) && (absent || isJsonObject(current))) result[key] = accumulateDelta(absent ? {} : current, value);
    else if (isArrayOfObjects(value) && (absent || Array.isArray(current))) result[key] = mergeIndexed(absent ? [] : (current as unknown[]), value);
    else if (absent || key === "index" || key === "type") result[key] = value;
    else if (typeof current === "string" && typeof value === "string") result[key] = current + value;
    else result[key] = value;
  }
  return result;
}

function withoutIndex(value: unknown): unknown {
  if (!isJsonObject(value)) return value ?? null;
  const { index: _index, ...rest } = value;
  return rest;
}

/** A RunStep has no `index`: drop it from every tool call and code_interpreter output that deltas placed. */
export function withoutIndexes(details: JsonObject): JsonObject {
  if (!Array.isArray(details.tool_calls)) return details;
  const toolCalls = details.tool_calls.map((call) => {
    const stripped = withoutIndex(call);
    if (!isJsonObject(stripped)) return stripped;
    const inner = stripped.code_interpreter;
    if (isJsonObject(inner) && Array.isArray(inner.outputs)) {
      return { ...stripped, code_interpreter: { ...inner, outputs: inner.outputs.map(withoutIndex) } };
    }
    return stripped;
  });
  return { ...details, tool_calls: toolCalls };
}
