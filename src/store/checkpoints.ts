import type { SqlPort } from "./sqlPort.js";

/** The log's positions and the projections' checkpoints, read in plain SQL: a read loads no table declarations (saveCheckpoints.ts writes them). */

export function readCheckpoints(port: Pick<SqlPort, "all">): Promise<{ name: string; position: number }[]> {
  return port.all("SELECT name, position FROM checkpoints ORDER BY name");
}

export async function lastPosition(port: Pick<SqlPort, "all">): Promise<number> {
  return (await port.all<{ p: number | null }>("SELECT max(position) AS p FROM events"))[0]?.p ?? 0;
}

const rowCount = async (port: Pick<SqlPort, "all">, table: string) => Number((await port.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

/** How many events the log holds: what `rebuild` and `verify` count to (a rolled-back append leaves a gap in the positions: the last is no count). */
export const eventCount = (port: Pick<SqlPort, "all">): Promise<number> => rowCount(port, "events");

/** How many events and rejections the log holds (`status`). */
export async function logCounts(port: Pick<SqlPort, "all">): Promise<{ events: number; rejections: number }> {
  return { events: await eventCount(port), rejections: await rowCount(port, "rejections") };
}

/**
 * What changes whenever another process commits to the store, a `rebuild` included, which leaves the log's last position
 * as it was: SQLite's `data_version` (changed by any other connection's commit), PostgreSQL's newest transaction id that
 * wrote the checkpoints (every append and every rebuild writes them). A copy of a read kept with the position alone
 * outlived a rebuild in another process.
 */
export async function storeVersion(port: SqlPort): Promise<string> {
  const sql = port.dialect === "sqlite" ? "PRAGMA data_version" : "SELECT max(xmin::text::bigint) AS data_version FROM checkpoints";
  return String((await port.all<{ data_version: unknown }>(sql))[0]?.data_version ?? "");
}
