import type { LogEvent } from "../../records/events.js";
import type { Assistant } from "../../records/schemas.js";
import { compareCanonical } from "../runSteps/compare.js";

const isNamed = (assistant: Assistant) => typeof assistant.name === "string" && assistant.name !== "";

/**
 * Which of two snapshots of one assistant wins, whatever order they arrived in: the larger `created_at`,
 * then one with a name over one without (an unnamed copy never hides the name), then the larger
 * canonical JSON, as runs tie. An assistant carries no time of its last edit, so between two edits
 * of one assistant the rule picks one consistently, not necessarily the newer.
 */
function compareAssistants(a: Assistant, b: Assistant): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  if (isNamed(a) !== isNamed(b)) return isNamed(a) ? 1 : -1;
  return compareCanonical(a, b);
}

/** The assistant's winning snapshot after one more of its events. Pure. */
export function evolveAssistant(current: Assistant | null, event: LogEvent): Assistant | null {
  if (event.kind !== "assistant") return current;
  return current === null || compareAssistants(event.payload, current) > 0 ? event.payload : current;
}
