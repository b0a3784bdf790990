import { DEFAULT_DB_PATH } from "../store/open.js";

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** A URL as an error may show it: the password left out. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1@");
  }
}

/**
 * `--db`, else `$STEPSTORE_DB`, else ./data/stepstore.db. A PostgreSQL URL is refused by name (this
 * build has the SQLite store only): taken as a path it would create a file named like the URL.
 */
export function dbPath(option: string | undefined): string {
  const path = option ?? process.env.STEPSTORE_DB ?? DEFAULT_DB_PATH;
  if (POSTGRES_URL.test(path)) throw new Error(`${withoutPassword(path)}: this stepstore stores to SQLite only (a PostgreSQL store is planned); give --db a file path`);
  return path;
}
