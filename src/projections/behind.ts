import { lastPosition, readCheckpoints } from "../store/checkpoints.js";
import type { SqlPort } from "../store/sqlPort.js";

/** Every projection's name (its checkpoint's): what a read checks against the log without loading the projections' writers. */
export const PROJECTION_NAMES = { runSteps: "run_steps", runs: "runs", assistants: "assistants", stepStats: "step_rollups" } as const;

/** What a read answers from: every read model, by its checkpoint's name. */
export const READ_MODELS: readonly string[] = Object.values(PROJECTION_NAMES);

/**
 * The projections whose checkpoint is behind the log. Every commit moves every checkpoint with the log,
 * so only a read model that a newer release added (its tables empty, no checkpoint) is ever behind.
 */
export async function projectionsBehind(port: SqlPort, names: readonly string[]): Promise<string[]> {
  return (await foldedTo(port, names)).behind;
}

/**
 * The log's last position, when every named read model has folded it (what a read of them answers as of); null while one
 * is behind: an upgrade's new read model, or a rebuild under way in another process.
 */
export async function foldedPosition(port: SqlPort, names: readonly string[]): Promise<number | null> {
  const { last, behind } = await foldedTo(port, names);
  return behind.length === 0 ? last : null;
}

/** The log's last position and, of the named read models, those whose checkpoint is not it (null: none yet). An empty log has none. */
export async function checkpointsOffTheLog(port: Pick<SqlPort, "all">, names: readonly string[]): Promise<{ last: number; off: { name: string; at: number | null }[] }> {
  const last = await lastPosition(port);
  if (last === 0) return { last, off: [] };
  const at = new Map((await readCheckpoints(port)).map((c) => [c.name, c.position]));
  return { last, off: names.map((name) => ({ name, at: at.get(name) ?? null })).filter((c) => c.at !== last) };
}

async function foldedTo(port: SqlPort, names: readonly string[]): Promise<{ last: number; behind: string[] }> {
  const { last, off } = await checkpointsOffTheLog(port, names);
  return { last, behind: off.filter((c) => (c.at ?? 0) < last).map((c) => c.name) };
}

/** How a store names its read models that are behind the log. */
export const behindTheLog = (store: string, behind: readonly string[]) =>
  `${store}: read model${behind.length > 1 ? "s" : ""} ${behind.join(", ")} behind the log (added by an upgrade)`;
