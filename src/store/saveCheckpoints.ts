import { manyRowsSql, rowsInsert } from "./sqlBatch.js";
import { upsertOf } from "./sqlText.js";
import type { SqlPort } from "./sqlPort.js";
import { checkpoints } from "./tables.js";

const saveCheckpoint = rowsInsert(upsertOf(checkpoints));

/**
 * Records how far the projections named have folded, inside the transaction that folded them: one
 * statement for them all on either store, as a webhook group's commit holds only a few records. Nothing
 * reads its answer, so on PostgreSQL it goes out with COMMIT instead of costing the append lock a round trip.
 */
export async function storeCheckpoints(tx: SqlPort, names: readonly string[], position: number): Promise<void> {
  if (names.length === 0) return;
  await tx.write(manyRowsSql(saveCheckpoint, names.length), names.flatMap((name) => saveCheckpoint.values({ name, position })));
}
