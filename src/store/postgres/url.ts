/** Whether a store location is PostgreSQL, answered without loading pg: a SQLite run never loads it. */
const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** True for a `postgres://` or `postgresql://` URL: the store is then PostgreSQL, not a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return POSTGRES_URL.test(db);
}
