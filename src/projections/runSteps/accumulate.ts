type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An array of objects, the empty one included: it merges nothing (a delta's `"outputs": []` keeps what was built). */
function isArrayOfObjects(value: unknown): value is JsonObject[] {
  return Array.isArray(value) && value.every(isObject);
}

function mergeIndexed(target: unknown[], entries: JsonObject[]): unknown[] {
  const merged = [...target];
  entries.forEach((entry, position) => {
    const slot = typeof entry.index === "number" ? entry.index : position;
    const current = merged[slot];
    merged[slot] = isObject(current) ? accumulateDelta(current, entry) : entry;
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
    if (current === undefined || current === null || key === "index" || key === "type") result[key] = value;
    else if (typeof current === "string" && typeof value === "string") result[key] = current + value;
    else if (isObject(current) && isObject(value)) result[key] = accumulateDelta(current, value);
    else if (Array.isArray(current) && isArrayOfObjects(value)) result[key] = mergeIndexed(current, value);
    else result[key] = value;
  }
  return result;
}

function withoutIndex(value: unknown): unknown {
  if (!isObject(value)) return value ?? null;
  const { index: _index, ...rest } = value;
  return rest;
}

/** A RunStep has no `index`: drop it from every tool call and code_interpreter output that deltas placed. */
export function withoutIndexes(details: JsonObject): JsonObject {
  if (!Array.isArray(details.tool_calls)) return details;
  const toolCalls = details.tool_calls.map((call) => {
    const stripped = withoutIndex(call);
    if (!isObject(stripped)) return stripped;
    const inner = stripped.code_interpreter;
    if (isObject(inner) && Array.isArray(inner.outputs)) {
      return { ...stripped, code_interpreter: { ...inner, outputs: inner.outputs.map(withoutIndex) } };
    }
    return stripped;
  });
  return { ...details, tool_calls: toolCalls };
}
