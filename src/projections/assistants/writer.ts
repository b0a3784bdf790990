import type { LogEvent } from "../../records/events.js";
import type { Assistant } from "../../records/schemas.js";
import type { Projection } from "../projection.js";
import { snapshotProjection } from "../snapshotProjection.js";
import { evolveAssistant } from "./evolve.js";
import { assistants } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";

/** The `assistants` columns of an assistant's winning snapshot. */
export function assistantValues(assistant: Assistant): typeof assistants.$inferInsert {
  return {
    id: assistant.id,
    name: typeof assistant.name === "string" ? assistant.name : null,
    model: assistant.model,
    createdAt: assistant.created_at,
    data: JSON.stringify(assistant),
  };
}

/** The assistant snapshot an event carries; null for any other event. */
const snapshotOf = (event: LogEvent) => (event.kind === "assistant" ? event.payload : null);

/** The assistants projection: each assistant's winning snapshot, for its name beside its id. */
export const assistantsProjection: Projection = snapshotProjection({ name: PROJECTION_NAMES.assistants, table: assistants, snapshotOf, evolve: evolveAssistant, values: assistantValues });
