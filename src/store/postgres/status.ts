import type { SqlPort } from "../sqlPort.js";
import { withoutPassword } from "./connect.js";

/** What `status` says of a PostgreSQL store: which database, how big, on which server (URL without password). */
interface PostgresStoreInfo {
  database: string;
  sizeBytes: number;
  url: string;
}

export async function postgresStoreInfo(db: SqlPort, url: string): Promise<PostgresStoreInfo> {
  const row = await db.get<{ database: string; size: number }>("SELECT current_database() AS database, pg_database_size(current_database()) AS size");
  return { database: row!.database, sizeBytes: row!.size, url: withoutPassword(url) };
}

/** `status`'s first line, as the SQLite store's `database     PATH (N bytes)`. */
export function describePostgresStore(info: PostgresStoreInfo): string {
  return `database     ${info.url} (database ${info.database}, ${info.sizeBytes} bytes)`;
}
