import { storeCheckpoints } from "../store/checkpoints.js";
import { readBatches } from "../store/readEvents.js";
import type { SqlDatabase } from "../store/sqlPort.js";
import type { Projection } from "./projection.js";

const REBUILD_BATCH = 5000;

/** Truncates every projection and refolds the whole log a page at a time, in one transaction: readers see old rows or new. */
export async function rebuildProjections(db: SqlDatabase, projections: readonly Projection[], onProgress?: (folded: number) => void) {
  const started = performance.now();
  let folded = 0;
  const names = projections.map((p) => p.name);
  await db.transaction(async (tx) => {
    for (const projection of projections) await projection.truncate(tx);
    await storeCheckpoints(tx, names, 0);
    for await (const batch of readBatches(tx, REBUILD_BATCH)) {
      for (const projection of projections) await projection.apply(tx, batch);
      const last = batch[batch.length - 1]!.position;
      await storeCheckpoints(tx, names, last);
      folded += batch.length;
      onProgress?.(folded);
    }
  });
  return { events: folded, seconds: (performance.now() - started) / 1000 };
}
