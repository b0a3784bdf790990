/**
 * The official RunStepObject (test/fixtures/openapi-run-step.json, extracted from openai/openai-openapi)
 * as two validators: `strict`, the spec with no key beyond the ones it names; `extended`, the spec with
 * exactly the §1 extensions (extra keys, tool-call types beyond the three, any last_error.code / ranker).
 * ajv is a pinned devDependency (package.json).
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fixture = JSON.parse(readFileSync(new URL("../fixtures/openapi-run-step.json", import.meta.url), "utf8")) as Schema;
const KNOWN_TOOL_TYPES = ["code_interpreter", "file_search", "function"];

/** Every object schema that names its properties admits no other key (the spec leaves them open). */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]));
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function extended(spec: Schema): Schema {
  const schema = structuredClone(spec);
  const defs = schema.$defs as Schema;
  delete defs.RunStepObject.properties.last_error.anyOf[0].properties.code.enum;
  delete defs.FileSearchRanker.enum;
  defs.RunStepDetailsToolCallsObject.properties.tool_calls.items.oneOf.push({
    type: "object",
    required: ["id", "type"],
    properties: { id: { type: "string" }, type: { type: "string", not: { enum: KNOWN_TOOL_TYPES } } },
  });
  return schema;
}

function compile(schema: Schema) {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  ajv.addFormat("unixtime", true);
  const validate = ajv.compile(schema);
  return (row: unknown): ErrorObject[] => (validate(row) ? [] : (validate.errors ?? []));
}

export const validateStrict = compile(closed(fixture) as Schema);
export const validateExtended = compile(extended(fixture));
export { fixture as runStepFixture };
