import { isJsonObject, type JsonObject } from "../../records/json.js";

/**
 * The keys RunStepObject requires inside `step_details`, with what a row shows when neither the winning
 * snapshot nor the deltas supplied one (CONTRACT §1 v1.1): nullable ones `null`, strings `""`, arrays
 * `[]`, and numbers, which the contract does not name, `0`. A nested object is itself filled. Only keys the
 * official schema requires are here; a tool-call type beyond the three gets only the `id` every tool call
 * has, and is otherwise kept whole.
 */
interface Template { [key: string]: null | "" | 0 | [] | Template }

const DETAILS = new Map<unknown, Template>([
  ["message_creation", { message_creation: { message_id: "" } }],
  ["tool_calls", { tool_calls: [] }],
]);
const TOOL_CALLS = new Map<unknown, Template>([
  ["function", { id: "", function: { name: "", arguments: "", output: null } }],
  ["code_interpreter", { id: "", code_interpreter: { input: "", outputs: [] } }],
  ["file_search", { id: "", file_search: {} }],
]);
const ANY_TOOL_CALL: Template = { id: "" };
const OUTPUTS = new Map<unknown, Template>([
  ["logs", { logs: "" }],
  ["image", { image: { file_id: "" } }],
]);
/** A file search's optional parts, filled when a delta supplied them only in part (a snapshot must carry them whole). */
const RANKING_OPTIONS: Template = { ranker: "", score_threshold: 0 };
const FILE_SEARCH_RESULT: Template = { file_id: "", file_name: "", score: 0 };

/** The object with each missing key of the template added, in the template's order after the keys it has. */
function filled(value: JsonObject, template: Template): JsonObject {
  const out: JsonObject = { ...value };
  for (const [key, fallback] of Object.entries(template)) {
    const current = out[key];
    const nested = isJsonObject(fallback) ? fallback : null;
    if (current === undefined) out[key] = nested ? filled({}, nested) : Array.isArray(fallback) ? [] : fallback;
    else if (nested && isJsonObject(current)) out[key] = filled(current, nested);
  }
  return out;
}

/** A file_search result, a content chunk a stream skipped left out as the other slots are. */
function completeResult(result: JsonObject): JsonObject {
  const done = filled(result, FILE_SEARCH_RESULT);
  if (Array.isArray(done.content)) done.content = done.content.filter(isJsonObject);
  return done;
}

function completeFileSearch(search: JsonObject): JsonObject {
  const done = { ...search };
  if (isJsonObject(done.ranking_options)) done.ranking_options = filled(done.ranking_options, RANKING_OPTIONS);
  if (Array.isArray(done.results)) done.results = done.results.filter(isJsonObject).map(completeResult);
  return done;
}

function completeToolCall(call: JsonObject): JsonObject {
  const done = filled(call, TOOL_CALLS.get(call.type) ?? ANY_TOOL_CALL);
  const inner = done.code_interpreter;
  if (call.type === "code_interpreter" && isJsonObject(inner) && Array.isArray(inner.outputs)) {
    done.code_interpreter = { ...inner, outputs: inner.outputs.filter(isJsonObject).map((o) => filled(o, OUTPUTS.get(o.type) ?? {})) };
  }
  if (call.type === "file_search" && isJsonObject(done.file_search)) done.file_search = completeFileSearch(done.file_search);
  return done;
}

/** A row's step_details with every key RunStepObject requires present. */
export function completeStepDetails(details: unknown): unknown {
  if (!isJsonObject(details)) return details;
  const done = filled(details, DETAILS.get(details.type) ?? {});
  // A slot a stream skipped (its first chunk lost) holds nothing a RunStep can show: it is left out.
  if (Array.isArray(done.tool_calls)) done.tool_calls = done.tool_calls.filter(isJsonObject).map(completeToolCall);
  return done;
}
