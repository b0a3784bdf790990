/** Whether a store location is PostgreSQL, answered without loading pg: a SQLite run never loads it. */
const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** True for a `postgres://` or `postgresql://` URL: the store is then PostgreSQL, not a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return POSTGRES_URL.test(db);
}

/** `scheme://…`: a URL, never a file path a user means (a path would be `./postgress:/…`). */
const ANY_URL = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The scheme of a URL that is not PostgreSQL's (a typo such as `postgress://`, or `mysql://`), else null. */
export function foreignUrlScheme(db: string): string | null {
  return isPostgresUrl(db) ? null : (ANY_URL.exec(db)?.[1] ?? null);
}
