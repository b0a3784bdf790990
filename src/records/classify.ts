import type { z } from "zod";
import { jsonPath } from "./jsonPath.js";
import { columnTextProblem } from "./schemas.js";
import { DATA_OBJECT_BY_EVENT, SCHEMA_BY_OBJECT, schemaForEvent } from "./kinds.js";
import { partTexts, tokenAt } from "./lossless.js";
import { describeNumberToken } from "./numbers.js";
import { MAX_NESTING, nestingTooDeepAt } from "./nesting.js";
import { describe, namingField, reasonOf } from "./reason.js";
import { isJsonObject, type JsonObject } from "./json.js";
import { invalidJson, placeIn } from "./invalidJson.js";
import { namesItself } from "./eventKey.js";
import { calendarTimeProblem, isCalendarTime } from "./times.js";

/** A record that passed validation: what the log stores and the folds read. */
export interface AcceptedRecord {
  ok: true;
  /** The event type, or for a bare record its `object`. */
  type: string;
  /** The object the record is about: an event's `data`, else the record itself. */
  payload: JsonObject;
  /** The whole record as it arrived (envelope included): the base of its content key. */
  value: unknown;
  eventId: string | null;
  envelopeCreatedAt: number | null;
  stepId: string | null;
  runId: string | null;
  threadId: string | null;
  origin: string;
  /** What `events.data` keeps: the exact bytes received, or the item re-serialised with its numbers as written. */
  data: string;
  /**
   * The whole record's JSON text, numbers as written: the base of its content key (`value` has
   * them as doubles). `data`, except for a named SSE event, whose `data` is its data field alone.
   */
  source: string;
}

export interface RejectedRecord {
  ok: false;
  reason: string;
  path: string | null;
  origin: string;
  raw: string;
  /** The step the record is a delta of, when it plainly is one keyed by its place (deltaStepOf). */
  deltaOf?: string;
}

export type ClassifiedRecord = AcceptedRecord | RejectedRecord;

const THREAD_EXPORT = "assistants-thread-export/v1";
const EXPORT_MANIFEST = "assistants-export-manifest/v1";

function originAt(origin: string, path: readonly PropertyKey[]): string {
  return path.length === 0 ? origin : `${origin}:${jsonPath(path)}`;
}

/** A named SSE event as the record it is (CONTRACT §2): `{"event": name, "data": …}`, the data field's text as written. */
export const sseRecordText = (name: string, data: string) => `{"event":${JSON.stringify(name)},"data":${data}}`;

/** An event in either form (webhook `{object:"event",type,data}` or SDK `{event,data}`), unwrapped. */
export function unwrapEvent(value: unknown): { type: string; data: unknown; id: unknown; createdAt: unknown } | null {
  if (!isJsonObject(value) || !("data" in value)) return null;
  if (value.object === "event" && "type" in value) return { type: value.type as string, data: value.data, id: value.id, createdAt: value.created_at };
  if (typeof value.event === "string" && value.object === undefined) return { type: value.event, data: value.data, id: undefined, createdAt: undefined };
  return null;
}

/**
 * The step a record is a delta of, when it plainly is one that CONTRACT §3 keys by its place among the step's deltas:
 * a `thread.run.step.delta` with a string `id`, bare or as the data of a `thread.run.step.delta` event without an id
 * of its own. A rejection keeps it, so the step's later deltas keep their places (eventKey.ts) whether or not this
 * one is accepted: by a later version that takes it, or in a corrected document read again.
 */
function deltaStepOf(value: JsonObject): string | undefined {
  const event = unwrapEvent(value);
  // An id of any type: once corrected to a string, the event is keyed by it, not by its place.
  if (event && (event.type !== "thread.run.step.delta" || namesItself(event.id))) return undefined;
  const delta = event ? event.data : value;
  return isJsonObject(delta) && delta.object === "thread.run.step.delta" && typeof delta.id === "string" ? delta.id : undefined;
}

/** The first problem zod found, as a reason and a JSON path; a number named as `text` (the record's) writes it. */
function firstProblem(error: z.ZodError, base: readonly PropertyKey[], text: string): { reason: string; path: string } {
  const issue = error.issues[0]!;
  const path = [...base, ...issue.path];
  const written = typeof (issue as { input?: unknown }).input === "number" ? tokenAt(text, path) : null;
  return { path: jsonPath(path), reason: reasonOf(issue, written ?? undefined) };
}

function check(schema: z.ZodType, value: unknown, base: readonly PropertyKey[], text: string): { reason: string; path: string } | null {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? null : firstProblem(result.error, base, text);
}

/** An envelope's `created_at`, when set, is a time a record may hold (times.ts), as its data's times are. */
function badEnvelopeTime(createdAt: unknown, text: string): string | null {
  if (createdAt === undefined || createdAt === null) return null;
  if (Number.isSafeInteger(createdAt)) return isCalendarTime(createdAt as number) ? null : calendarTimeProblem(String(createdAt));
  const written = typeof createdAt === "number" ? tokenAt(text, ["created_at"]) : null;
  return `expected integer, got ${written === null ? describe(createdAt) : describeNumberToken(written)}`;
}

function idsOf(object: string, payload: JsonObject): Pick<AcceptedRecord, "stepId" | "runId" | "threadId"> {
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  switch (object) {
    case "thread.run.step":
      return { stepId: str(payload.id), runId: str(payload.run_id), threadId: str(payload.thread_id) };
    case "thread.run.step.delta":
      return { stepId: str(payload.id), runId: null, threadId: null };
    case "thread.run":
      return { stepId: null, runId: str(payload.id), threadId: str(payload.thread_id) };
    case "thread.message":
      return { stepId: null, runId: str(payload.run_id), threadId: str(payload.thread_id) };
    case "thread":
      return { stepId: null, runId: null, threadId: str(payload.id) };
    default:
      return { stepId: null, runId: null, threadId: null };
  }
}

type Event = NonNullable<ReturnType<typeof unwrapEvent>>;
type Reject = (reason: string, path: string | null) => RejectedRecord;

/** An event in either form: its type, id and time checked on the envelope, its data by the type's schema. */
function classifyEvent(value: JsonObject, event: Event, data: string, origin: string, reject: Reject): ClassifiedRecord {
  const typeKey = value.object === "event" ? "type" : "event";
  if (typeof event.type !== "string") return reject(`expected an event type string, got ${describe(event.type)}`, `$.${typeKey}`);
  const schema = schemaForEvent(event.type);
  if (!schema) return reject(`unknown event type ${JSON.stringify(event.type)}`, `$.${typeKey}`);
  // A null id, like a missing one, names nothing: the event is keyed by its content (as `created_at: null` is no time).
  if (event.id !== undefined && event.id !== null && typeof event.id !== "string") return reject(`expected string, got ${describe(event.id)}`, "$.id");
  const idProblem = typeof event.id === "string" ? columnTextProblem(event.id) : null; // the id becomes the event key
  if (idProblem) return reject(idProblem, "$.id");
  const badTime = badEnvelopeTime(event.createdAt, data);
  if (badTime) return reject(badTime, "$.created_at");
  const expectedObject = DATA_OBJECT_BY_EVENT.get(event.type);
  if (expectedObject && isJsonObject(event.data) && event.data.object !== expectedObject) {
    return reject(`expected ${JSON.stringify(expectedObject)} (the data of a ${event.type} event), got ${describe(event.data.object)}`, "$.data.object");
  }
  const problem = check(schema, event.data, ["data"], data);
  if (problem) return reject(problem.reason, problem.path);
  const payload = event.data as JsonObject;
  return {
    ok: true, type: event.type, payload, value, data, source: data, origin,
    eventId: (event.id as string | null | undefined) ?? null,
    envelopeCreatedAt: (event.createdAt as number | undefined) ?? null,
    ...idsOf(expectedObject ?? "", payload),
  };
}

/** A record that is no event: an envelope without its data, a list page without items, or an object by its `object`. */
function classifyObject(value: JsonObject, data: string, origin: string, reject: Reject): ClassifiedRecord {
  if (value.object === "event" || (value.object === undefined && typeof value.event === "string")) {
    // An event envelope without its `data` (unwrapEvent needs one).
    const typeKey = value.object === "event" ? "type" : "event";
    if (!(typeKey in value)) return reject("missing required key (expected an event type string)", `$.${typeKey}`);
    return reject("missing required key (expected object)", "$.data");
  }
  const object = value.object;
  // A list page whose items are not an array (recordsOf reads the others): say so, not "unknown record kind".
  if (object === "list") return reject(value.data === undefined ? "missing required key (expected an array: the list page's items)" : `expected an array (the list page's items), got ${describe(value.data)}`, "$.data");
  const schema = typeof object === "string" ? SCHEMA_BY_OBJECT.get(object) : undefined;
  if (!schema) {
    return reject(
      object === undefined ? "not a record: no `object`, and not an event" : `unknown record kind ${describe(object)}`,
      object === undefined ? "$" : "$.object",
    );
  }
  const problem = check(schema, value, [], data);
  if (problem) return reject(problem.reason, problem.path);
  return { ok: true, type: object as string, payload: value, value, data, source: data, origin, eventId: null, envelopeCreatedAt: null, ...idsOf(object as string, value) };
}

function classifyOne(value: unknown, data: string, origin: string): ClassifiedRecord {
  if (!isJsonObject(value)) return { ok: false, reason: `expected a JSON object, got ${describe(value)}`, path: "$", origin, raw: data };
  const event = unwrapEvent(value);
  // Looked for when rejecting only: an accepted record is not unwrapped twice.
  const reject: Reject = (reason, path) => {
    const deltaOf = deltaStepOf(value);
    return { ok: false, reason: namingField(reason, path, event !== null), path, origin, raw: data, ...(deltaOf === undefined ? {} : { deltaOf }) };
  };
  return event ? classifyEvent(value, event, data, origin, reject) : classifyObject(value, data, origin, reject);
}

/**
 * Turns one JSON value into the records it holds: itself, the items of a list page or array,
 * or the parts of a thread export. An export manifest holds none.
 * `raw` is the value's text as received, kept as the record's `data` (a streamed array's item arrives
 * with `path` set, where it stands in its document); the items found inside it are re-serialised,
 * numbers as written, since their own bytes are not kept apart (CONTRACT §4).
 */
export function* recordsOf(
  value: unknown, raw: string, origin: string, path: readonly PropertyKey[] = [], rejectionRaw = raw,
): Generator<ClassifiedRecord> {
  const at = originAt(origin, path);
  if (Array.isArray(value)) {
    const itemText = partTexts(value, raw);
    for (let i = 0; i < value.length; i++) yield* recordsOf(value[i], itemText([i]), origin, [...path, i]);
    return;
  }
  if (isJsonObject(value) && value.object === "list" && Array.isArray(value.data)) {
    const itemText = partTexts(value, raw);
    for (let i = 0; i < value.data.length; i++) yield* recordsOf(value.data[i], itemText(["data", i]), origin, [...path, "data", i]);
    return;
  }
  if (isJsonObject(value) && value.export_schema === EXPORT_MANIFEST) return;
  if (isJsonObject(value) && value.export_schema === THREAD_EXPORT) {
    yield* threadExportRecords(value, raw, origin, path);
    return;
  }
  const classified = classifyOne(value, raw, at);
  yield classified.ok ? classified : { ...classified, raw: rejectionRaw };
}

/**
 * The one place a record's text becomes a value: its nesting is checked first (so nothing recursive,
 * validation or keying, ever meets a value nested past MAX_NESTING), then JSON.parse. `parsed` is the
 * text to read (an SSE data field), `raw` what a rejection keeps (the whole SSE event).
 */
export function parseRecordText(parsed: string, raw: string, origin: string): { ok: true; value: unknown } | RejectedRecord {
  const deep = nestingTooDeepAt(parsed);
  if (deep !== null) return { ok: false, reason: `nesting deeper than ${MAX_NESTING} levels ${placeIn(parsed, deep)}`, path: null, origin, raw };
  try {
    return { ok: true, value: JSON.parse(parsed) };
  } catch (error) {
    return invalidJson(error, raw, origin, parsed);
  }
}

function* threadExportRecords(archive: JsonObject, raw: string, origin: string, path: readonly PropertyKey[]): Generator<ClassifiedRecord> {
  const textOf = partTexts(archive, raw);
  const part = (value: unknown, ...sub: PropertyKey[]) => classifyOne(value, textOf(sub), originAt(origin, [...path, ...sub]));
  /** One of the export's lists: absent is none; any other value but an array is one rejection naming it, never skipped unread. */
  const items = (value: unknown, ...sub: PropertyKey[]): unknown[] | RejectedRecord =>
    value === undefined || Array.isArray(value)
      ? (value ?? [])
      : { ok: false, reason: `expected array, got ${describe(value)}`, path: "$", origin: originAt(origin, [...path, ...sub]), raw: textOf(sub) };
  yield part(archive.thread, "thread");
  const messages = items(archive.messages, "messages");
  if (!Array.isArray(messages)) yield messages;
  else for (let i = 0; i < messages.length; i++) yield part(messages[i], "messages", i);
  const runs = items(archive.runs, "runs");
  if (!Array.isArray(runs)) yield runs;
  else for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    if (!isJsonObject(run)) {
      yield part(run, "runs", i);
      continue;
    }
    const { steps, ...snapshot } = run;
    yield classifyOne(snapshot, textOf(["runs", i], "steps"), originAt(origin, [...path, "runs", i]));
    const list = items(steps, "runs", i, "steps");
    if (!Array.isArray(list)) yield list;
    else for (let j = 0; j < list.length; j++) yield part(list[j], "runs", i, "steps", j);
  }
}
