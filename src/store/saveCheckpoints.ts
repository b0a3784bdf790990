import { insertRows, rowsInsert } from "./sqlBatch.js";
import { upsertOf } from "./sqlText.js";
import type { SqlPort } from "./sqlPort.js";
import { checkpoints } from "./tables.js";

const saveCheckpoint = rowsInsert(upsertOf(checkpoints));

/** Records how far the projections named have folded, inside the transaction that folded them. */
export async function storeCheckpoints(tx: SqlPort, names: readonly string[], position: number): Promise<void> {
  await insertRows(tx, saveCheckpoint, names.map((name) => saveCheckpoint.values({ name, position })));
}
