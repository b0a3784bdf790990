import type { Database } from "better-sqlite3";
import { checkpointWriter } from "../store/checkpoints.js";
import { readBatches } from "../store/readBatch.js";
import type { Projection } from "./index.js";

const REBUILD_BATCH = 5000;

/** Truncates every projection and refolds the whole log, in one transaction: readers see old rows or new. */
export function rebuildProjections(sqlite: Database, projections: readonly Projection[], onProgress?: (folded: number) => void) {
  const started = performance.now();
  let folded = 0;
  const storeCheckpoint = checkpointWriter(sqlite);
  sqlite.transaction(() => {
    for (const projection of projections) {
      projection.truncate();
      storeCheckpoint(projection.name, 0);
    }
    for (const batch of readBatches(sqlite, REBUILD_BATCH)) {
      for (const projection of projections) projection.apply(batch);
      const last = batch[batch.length - 1]!.position;
      for (const projection of projections) storeCheckpoint(projection.name, last);
      folded += batch.length;
      onProgress?.(folded);
    }
  }).immediate();
  return { events: folded, seconds: (performance.now() - started) / 1000 };
}
