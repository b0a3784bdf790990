import { storeCheckpoints } from "../store/saveCheckpoints.js";
import { readBatches } from "../store/readEvents.js";
import type { SqlDatabase, SqlPort } from "../store/sqlPort.js";
import { projectionsBehind } from "./behind.js";
import { applyProjections, type Projection } from "./projection.js";

const REBUILD_BATCH = 5000;

/** Told the events folded so far after each batch; its rejection ends the rebuild, whose transaction then rolls back. */
export type FoldProgress = (folded: number) => void | Promise<void>;

interface Refolded {
  events: number;
  seconds: number;
}

/** Truncates every projection and refolds the whole log a page at a time, in one transaction: readers see old rows or new. */
export function rebuildProjections(db: SqlDatabase, projections: readonly Projection[], onProgress?: FoldProgress): Promise<Refolded> {
  return db.transaction((tx) => refoldAll(tx, projections, onProgress));
}

/**
 * Brings a store opened for writing up to date after an upgrade that added a read model: the whole log
 * is refolded once (a new model may build on another's changes, as the rollups do on run_steps'). Checked
 * again inside the transaction, so of two processes opening the store at once only one refolds.
 */
export async function catchUpProjections(db: SqlDatabase, projections: readonly Projection[], onStart: (behind: readonly string[]) => void) {
  if ((await projectionsBehind(db, projections.map((p) => p.name))).length === 0) return null;
  return db.transaction(async (tx) => {
    const behind = await projectionsBehind(tx, projections.map((p) => p.name));
    if (behind.length === 0) return null;
    onStart(behind);
    return refoldAll(tx, projections);
  });
}

async function refoldAll(tx: SqlPort, projections: readonly Projection[], onProgress?: FoldProgress): Promise<Refolded> {
  const started = performance.now();
  let folded = 0;
  const names = projections.map((p) => p.name);
  for (const projection of projections) await projection.truncate(tx);
  await storeCheckpoints(tx, names, 0);
  for await (const batch of readBatches(tx, REBUILD_BATCH)) {
    await applyProjections(tx, projections, batch);
    await storeCheckpoints(tx, names, batch[batch.length - 1]!.position);
    folded += batch.length;
    await onProgress?.(folded);
  }
  return { events: folded, seconds: (performance.now() - started) / 1000 };
}
