import { lastPosition, readCheckpoints } from "../store/checkpoints.js";
import type { SqlPort } from "../store/sqlPort.js";

/** Every projection's name (its checkpoint's): what a read checks against the log without loading the projections' writers. */
export const PROJECTION_NAMES = { runSteps: "run_steps", runs: "runs", assistants: "assistants", stepStats: "step_rollups" } as const;

/**
 * The projections whose checkpoint is behind the log. Every commit moves every checkpoint with the log,
 * so only a read model that a newer release added (its tables empty, no checkpoint) is ever behind.
 */
export async function projectionsBehind(port: SqlPort, names: readonly string[]): Promise<string[]> {
  const last = await lastPosition(port);
  if (last === 0) return [];
  const at = new Map((await readCheckpoints(port)).map((c) => [c.name, c.position]));
  return names.filter((name) => (at.get(name) ?? 0) < last);
}

/** How a store names its read models that are behind the log. */
export const behindTheLog = (store: string, behind: readonly string[]) =>
  `${store}: read model${behind.length > 1 ? "s" : ""} ${behind.join(", ")} behind the log (added by an upgrade)`;
