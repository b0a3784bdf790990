import { openStore } from "../openStore.js";
import { DEFAULT_DB_PATH } from "../store/open.js";
import { cliIo } from "./io.js";

/** `--db`, else `$STEPSTORE_DB` (set and not empty), else ./data/stepstore.db: a SQLite file, or a PostgreSQL URL (`postgres://…`). */
export function dbPath(option: string | undefined): string {
  return option ?? (process.env.STEPSTORE_DB || undefined) ?? DEFAULT_DB_PATH;
}

/** The store a write command opens (`ingest`, `poll`); catching up a read model an upgrade added is said on stderr. */
export function openStoreForWriting(option: string | undefined) {
  return openStore(dbPath(option), { mode: "write", notify: (message) => cliIo().stderr.write(`stepstore: ${message}\n`) });
}
