import { openStore } from "../openStore.js";
import { DEFAULT_DB_PATH } from "../store/open.js";
import { UsageError } from "./errors.js";
import { cliIo } from "./io.js";

/**
 * `--db`, else `$STEPSTORE_DB`, else ./data/stepstore.db: a SQLite file, or a PostgreSQL URL (`postgres://…`). A
 * `STEPSTORE_DB` set to nothing is bad usage, as `--db ""` is: what a template's unset variable leaves
 * (`STEPSTORE_DB=${DB_PATH}`), where taking the default made a store in the working folder.
 */
export function dbPath(option: string | undefined): string {
  if (option !== undefined) return option;
  const fromEnvironment = process.env.STEPSTORE_DB;
  if (fromEnvironment === "") throw new UsageError("STEPSTORE_DB is set but empty: give it a database, or unset it for ./data/stepstore.db");
  return fromEnvironment ?? DEFAULT_DB_PATH;
}

/** The store a write command opens (`ingest`, `poll`); catching up a read model an upgrade added is said on stderr. */
export function openStoreForWriting(option: string | undefined) {
  return openStore(dbPath(option), { mode: "write", notify: (message) => cliIo().stderr.write(`stepstore: ${message}\n`) });
}
