import { insertRows, rowsInsert } from "./sqlBatch.js";
import { upsertOf } from "./sqlText.js";
import type { SqlPort } from "./sqlPort.js";
import { checkpoints } from "./tables.js";

const saveCheckpoint = rowsInsert(upsertOf(checkpoints));

/** Records how far the projections named have folded, inside the transaction that folded them. */
export async function storeCheckpoints(tx: SqlPort, names: readonly string[], position: number): Promise<void> {
  await insertRows(tx, saveCheckpoint, names.map((name) => saveCheckpoint.values({ name, position })));
}

export function readCheckpoints(port: SqlPort): Promise<{ name: string; position: number }[]> {
  return port.all("SELECT name, position FROM checkpoints ORDER BY name");
}

export async function lastPosition(port: SqlPort): Promise<number> {
  return (await port.get<{ p: number | null }>("SELECT max(position) AS p FROM events"))?.p ?? 0;
}

/** How many events and rejections the log holds (`status`). */
export async function logCounts(port: SqlPort): Promise<{ events: number; rejections: number }> {
  const count = async (table: string) => (await port.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;
  return { events: await count("events"), rejections: await count("rejections") };
}
