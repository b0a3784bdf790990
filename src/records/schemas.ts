import { z } from "zod";
import { byType, deepPartial } from "./partial.js";
import { describe } from "./reason.js";
import { RUN_STATUSES, STEP_STATUSES, STEP_TYPES } from "./statuses.js";
import { calendarTimeProblem, isCalendarTime, MAX_TOKENS } from "./times.js";

/** One zod schema per record kind (CONTRACT §1). Loose objects: unknown keys are kept, never stripped. */

const int = z.number().int();
/** A Unix time in seconds, of years 1 to 9999 (times.ts). */
const time = int.refine(isCalendarTime, { error: (issue) => calendarTimeProblem(describe(issue.input)) });
const nullableTime = time.nullable().optional();
/** A usage count: 0 to MAX_TOKENS. */
const tokens = int.min(0).max(MAX_TOKENS);

/** The most UTF-8 bytes of an id, model, error code or tool name (the API's are under 64): PostgreSQL indexes no key past ~2.7 kB. */
export const MAX_COLUMN_BYTES = 1024;
/** With the u flag a surrogate pair is one character: what is left is a half. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Why text that becomes a column is refused, or null when it is fine. */
export function columnTextProblem(text: string): string | null {
  if (text.includes("\u0000")) return "U+0000 in text stepstore keeps in a column (an id, model, error code or tool name): PostgreSQL's text cannot hold it";
  // PostgreSQL stores one as U+FFFD (two ids became one), SQLite as bytes that are not UTF-8 (verify then differed).
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `a lone surrogate (\\u${lone[0].charCodeAt(0).toString(16)}) in text stepstore keeps in a column (an id, model, error code or tool name): it is no character, and not UTF-8`;
  // Counted only past a length no text under the limit reaches (3 bytes a UTF-16 unit at most).
  const bytes = text.length > MAX_COLUMN_BYTES / 3 ? Buffer.byteLength(text) : 0;
  if (bytes > MAX_COLUMN_BYTES) return `${bytes} bytes of UTF-8, more than the ${MAX_COLUMN_BYTES} stepstore keeps in a column (an id, model, error code or tool name)`;
  return null;
}
const addColumnTextProblem = (text: string, ctx: z.RefinementCtx) => {
  const problem = columnTextProblem(text);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
};
/**
 * Text that becomes a column of the log or a read model (and part of its indexes' keys). Refused with U+0000, a lone
 * surrogate or past MAX_COLUMN_BYTES on both stores: on PostgreSQL one such value failed its whole batch, and a file
 * must give the same log whichever store it goes to.
 */
const columnText = z.string().superRefine(addColumnTextProblem);
/** `assistant.name`: any value is kept, a string one becomes a column. */
const columnTextIfString = z.unknown().superRefine((value, ctx) => {
  if (typeof value === "string") addColumnTextProblem(value, ctx);
});

const functionCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({
    name: columnText,
    arguments: z.string(),
    output: z.string().nullable().optional(),
  }),
});

const codeInterpreterOutput = byType({
  options: {
    logs: z.looseObject({ type: z.literal("logs"), logs: z.string() }),
    image: z.looseObject({ type: z.literal("image"), image: z.looseObject({ file_id: z.string() }) }),
  },
  inDelta: { index: int },
});

const codeInterpreterCall = z.looseObject({
  id: z.string(),
  type: z.literal("code_interpreter"),
  code_interpreter: z.looseObject({ input: z.string(), outputs: z.array(codeInterpreterOutput) }),
});

/** The API's ranges: "a floating point number between 0 and 1". */
const unitInterval = z.number().min(0).max(1);

const fileSearchCall = z.looseObject({
  id: z.string(),
  type: z.literal("file_search"),
  file_search: z.looseObject({
    // Any ranker: newer servers add values (CONTRACT §1).
    ranking_options: z.looseObject({ ranker: z.string(), score_threshold: unitInterval }).optional(),
    results: z
      .array(
        z.looseObject({
          file_id: z.string(),
          file_name: z.string(),
          score: unitInterval,
          // Both optional in OpenAI's spec and SDK types: a chunk may come without its text.
          content: z.array(z.looseObject({ type: z.literal("text").optional(), text: z.string().optional() })).optional(),
        }),
      )
      .optional(),
  }),
});

/**
 * The three OpenAI tool types are checked in full, in a delta each with its `index` (the official delta objects require it);
 * another vendor's (Azure's bing_grounding, openapi, …) needs only id and type (in a delta: index and type) and is kept whole.
 */
const toolCall = byType({
  options: { function: functionCall, code_interpreter: codeInterpreterCall, file_search: fileSearchCall },
  other: z.looseObject({ id: z.string(), type: columnText }),
  inDelta: { other: z.looseObject({ index: int, type: columnText }), index: int },
});

const stepDetails = byType({
  options: {
    message_creation: z.looseObject({ type: z.literal("message_creation"), message_creation: z.looseObject({ message_id: z.string() }) }),
    tool_calls: z.looseObject({ type: z.literal("tool_calls"), tool_calls: z.array(toolCall) }),
  },
  // A delta may leave the type out: it accumulates onto details of the step's own type (CONTRACT §5).
  inDelta: { typeOptional: true },
});

const usage = z.looseObject({ prompt_tokens: tokens, completion_tokens: tokens, total_tokens: tokens });

/**
 * `metadata`: string values only. zod's record skips a `__proto__` key (JSON.parse makes it an own
 * key), so every own key is checked here too.
 */
const stringMap = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item !== "string") ctx.addIssue({ code: "custom", path: [key], message: `expected string, got ${describe(item)}` });
    }
  })
  .pipe(z.record(z.string(), z.string()));

export const runStepSchema = z.looseObject({
  id: columnText,
  object: z.literal("thread.run.step"),
  created_at: time,
  assistant_id: columnText,
  thread_id: columnText,
  run_id: columnText,
  type: z.enum(STEP_TYPES),
  status: z.enum(STEP_STATUSES),
  step_details: stepDetails,
  last_error: z.looseObject({ code: columnText, message: z.string() }).nullable().optional(),
  expired_at: nullableTime,
  cancelled_at: nullableTime,
  failed_at: nullableTime,
  completed_at: nullableTime,
  metadata: stringMap.nullable().optional(),
  usage: usage.nullable().optional(),
});

const MAX_DELTA_INDEX = 1023;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Finds what makes a delta unsafe to accumulate: a prototype-polluting key or an index past the cap. */
function unsafeDeltaPart(value: unknown, path: (string | number)[]): { path: (string | number)[]; message: string } | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unsafeDeltaPart(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: `forbidden key "${key}" in a delta` };
    const item = (value as Record<string, unknown>)[key];
    if (key === "index" && (typeof item !== "number" || !Number.isInteger(item) || item < 0 || item > MAX_DELTA_INDEX)) {
      return { path: [...path, key], message: `index must be an integer from 0 to ${MAX_DELTA_INDEX}, got ${JSON.stringify(item)}` };
    }
    const found = unsafeDeltaPart(item, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** A delta's step_details: each field it carries checked as the snapshot checks it (CONTRACT §1 v1.1). */
const stepDeltaShape = z.looseObject({
  id: columnText,
  object: z.literal("thread.run.step.delta"),
  delta: z.looseObject({ step_details: deepPartial(stepDetails).optional() }),
});

/**
 * A delta is checked for unsafe parts as parsed from JSON, before zod copies it: the copy would
 * turn a `__proto__` key into the object's prototype, and the check would no longer see it.
 */
export const stepDeltaSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    // The whole record, not only its `delta`: a top-level `__proto__` is as unsafe there.
    const found = unsafeDeltaPart(value, []);
    if (found) ctx.addIssue({ code: "custom", path: found.path, message: found.message });
  })
  .pipe(stepDeltaShape);

export const runSchema = z.looseObject({
  id: columnText,
  object: z.literal("thread.run"),
  created_at: time,
  thread_id: columnText,
  assistant_id: columnText,
  status: z.enum(RUN_STATUSES),
  started_at: nullableTime,
  expires_at: nullableTime,
  cancelled_at: nullableTime,
  failed_at: nullableTime,
  completed_at: nullableTime,
  /** Null from some compatible servers (a run no model was named for): kept, its steps counted under `(unknown)`, as with none. */
  model: columnText.nullable().optional(),
});

export const messageSchema = z.looseObject({
  id: z.string(),
  object: z.literal("thread.message"),
  created_at: time,
  thread_id: columnText,
  run_id: columnText.nullable().optional(),
  role: z.enum(["user", "assistant"]),
  status: z.enum(["in_progress", "incomplete", "completed"]),
  content: z.array(z.looseObject({ type: z.string() })),
});
export const messageDeltaSchema = z.looseObject({ id: z.string(), object: z.literal("thread.message.delta"), delta: z.looseObject({}) });
export const threadSchema = z.looseObject({ id: columnText, object: z.literal("thread"), created_at: time });
export const assistantSchema = z.looseObject({ id: columnText, object: z.literal("assistant"), created_at: time, model: columnText, name: columnTextIfString.optional() });
/** The stream's `error` event: the SDK's ErrorObject (`code`, `param` and `type` may be null or left out). */
export const errorSchema = z.looseObject({
  message: z.string(),
  code: z.string().nullable().optional(),
  param: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
});

export type RunStep = z.infer<typeof runStepSchema>;
export type Run = z.infer<typeof runSchema>;
export type Assistant = z.infer<typeof assistantSchema>;
