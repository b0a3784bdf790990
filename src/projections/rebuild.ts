import { storeCheckpoint } from "../store/checkpoints.js";
import { readBatches } from "../store/readEvents.js";
import type { SqlDatabase } from "../store/sqlPort.js";
import { applyProjections, type Projection } from "./projection.js";

const REBUILD_BATCH = 5000;

/** Truncates every projection and refolds the whole log a page at a time, in one transaction: readers see old rows or new. */
export async function rebuildProjections(db: SqlDatabase, projections: readonly Projection[], onProgress?: (folded: number) => void) {
  const started = performance.now();
  let folded = 0;
  await db.transaction(async (tx) => {
    for (const projection of projections) {
      await projection.truncate(tx);
      await storeCheckpoint(tx, projection.name, 0);
    }
    for await (const batch of readBatches(tx, REBUILD_BATCH)) {
      await applyProjections(tx, projections, batch);
      const last = batch[batch.length - 1]!.position;
      for (const projection of projections) await storeCheckpoint(tx, projection.name, last);
      folded += batch.length;
      onProgress?.(folded);
    }
  });
  return { events: folded, seconds: (performance.now() - started) / 1000 };
}
