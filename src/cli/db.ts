import { DEFAULT_DB_PATH } from "../store/open.js";

/** `--db`, else `$STEPSTORE_DB`, else ./data/stepstore.db: a SQLite file, or a PostgreSQL URL (`postgres://…`). */
export function dbPath(option: string | undefined): string {
  return option ?? process.env.STEPSTORE_DB ?? DEFAULT_DB_PATH;
}
