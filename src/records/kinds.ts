import type { z } from "zod";
import {
  assistantSchema, errorSchema, messageDeltaSchema, messageSchema, runSchema, runStepSchema, stepDeltaSchema, threadSchema,
} from "./schemas.js";

/** The `object` of every record kind that can stand alone, with its schema. A Map: an `object` of "constructor" finds nothing. */
export const SCHEMA_BY_OBJECT: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ["thread.run.step", runStepSchema],
  ["thread.run.step.delta", stepDeltaSchema],
  ["thread.run", runSchema],
  ["thread.message", messageSchema],
  ["thread.message.delta", messageDeltaSchema],
  ["thread", threadSchema],
  ["assistant", assistantSchema],
]);

const RUN_EVENTS = ["created", "queued", "in_progress", "requires_action", "completed", "incomplete", "failed", "cancelling", "cancelled", "expired"];
const STEP_EVENTS = ["created", "in_progress", "completed", "failed", "cancelled", "expired"];
const MESSAGE_EVENTS = ["created", "in_progress", "completed", "incomplete"];

/** Every Assistants stream event type, with the `object` its data must have (null: an error object). */
export const DATA_OBJECT_BY_EVENT: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  ["thread.created", "thread"],
  ...RUN_EVENTS.map((s) => [`thread.run.${s}`, "thread.run"] as [string, string]),
  ...STEP_EVENTS.map((s) => [`thread.run.step.${s}`, "thread.run.step"] as [string, string]),
  ["thread.run.step.delta", "thread.run.step.delta"],
  ...MESSAGE_EVENTS.map((s) => [`thread.message.${s}`, "thread.message"] as [string, string]),
  ["thread.message.delta", "thread.message.delta"],
  ["error", null],
]);

export function schemaForEvent(eventType: string): z.ZodType | undefined {
  const object = DATA_OBJECT_BY_EVENT.get(eventType);
  if (object === undefined) return undefined;
  return object === null ? errorSchema : SCHEMA_BY_OBJECT.get(object);
}
