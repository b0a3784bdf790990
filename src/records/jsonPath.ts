/** Renders a path as JSONPath: `$.data.tool_calls[0]["odd key"]`. */
export function jsonPath(path: readonly PropertyKey[], base = "$"): string {
  let out = base;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z_$][\w$]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}
