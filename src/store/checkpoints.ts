import type { SqlPort } from "./sqlPort.js";

/** The log's positions and the projections' checkpoints, read in plain SQL: a read loads no table declarations (saveCheckpoints.ts writes them). */

export function readCheckpoints(port: Pick<SqlPort, "all">): Promise<{ name: string; position: number }[]> {
  return port.all("SELECT name, position FROM checkpoints ORDER BY name");
}

export async function lastPosition(port: Pick<SqlPort, "all">): Promise<number> {
  return (await port.all<{ p: number | null }>("SELECT max(position) AS p FROM events"))[0]?.p ?? 0;
}

/** How many events the log holds: what `rebuild` and `verify` count to (on PostgreSQL positions have gaps: the last is no count). */
export async function eventCount(port: Pick<SqlPort, "all">): Promise<number> {
  return Number((await port.all<{ n: number }>("SELECT count(*) AS n FROM events"))[0]!.n);
}

/** How many events and rejections the log holds (`status`). */
export async function logCounts(port: SqlPort): Promise<{ events: number; rejections: number }> {
  const count = async (table: string) => (await port.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;
  return { events: await count("events"), rejections: await count("rejections") };
}
