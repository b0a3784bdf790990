/** Whether a store location is PostgreSQL, answered without loading pg: a SQLite run never loads it. */
const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** True for a `postgres://` or `postgresql://` URL: the store is then PostgreSQL, not a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return POSTGRES_URL.test(db);
}

/** `scheme://…`: a URL, never a file path a user means (a path would be `./postgress:/…`). */
const ANY_URL = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The scheme of a URL that is not PostgreSQL's (a typo such as `postgress://`, or `mysql://`), else null. */
function foreignUrlScheme(db: string): string | null {
  return isPostgresUrl(db) ? null : (ANY_URL.exec(db)?.[1] ?? null);
}

/** `postgres:` or `postgresql:` without the `//` (`postgres:/host/db`, `postgres:user@host/db`): a mistyped URL, not a file. */
const POSTGRES_WITHOUT_SLASHES = /^(postgres(?:ql)?):(?!\/\/)/i;

/** Query parameters node-postgres takes a secret from (`?password=` is the password as much as `user:password@`). */
const SECRET_PARAMETERS = ["password", "sslpassword"];

/** A URL as an error may show it: the password left out, whether given before the host or as a parameter. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    for (const name of SECRET_PARAMETERS) parsed.searchParams.delete(name);
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1@").replace(/([?&](?:ssl)?password=)[^&]*/gi, "$1");
  }
}

/** The database a PostgreSQL URL names ("" when none: pg would then connect to the user's default database). */
export const urlDatabase = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/** A schema name `?schema=` may give: an unquoted SQL identifier (letters, digits, `_`, at most 63 bytes), kept as written. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Why the URL's `?schema=` cannot name a schema, or null (none given, or a good name). */
function schemaProblem(url: string): string | null {
  const schema = new URL(url).searchParams.get("schema");
  if (schema === null || SCHEMA_NAME.test(schema)) return null;
  return `${withoutPassword(url)}: ?schema= takes a name of letters, digits and _ (not starting with a digit, at most 63), not "${schema}"`;
}

/**
 * The schema the URL's `?schema=NAME` puts the store in (null: PostgreSQL's default, `public`). The
 * tables, views and migration journal live there; a write command creates it when missing.
 * `?schema=public` names the default: the same store as no `?schema=` (it was another, whose journal lay elsewhere).
 */
export function storeSchema(url: string): string | null {
  const problem = schemaProblem(url);
  if (problem !== null) throw new Error(problem);
  const schema = new URL(url).searchParams.get("schema");
  return schema === "public" ? null : schema;
}

const GIVE = "give postgres://user@host:5432/database, or a SQLite file path";
const ENCODE_ADVICE = "postgres://user@host:5432/database; in a user or password, percent-encode @ # / ? : as %40 %23 %2F %3F %3A";
/**
 * An @ where a URL holds none but from a password holding @ and then a / ? or # (read as the host, the rest of the
 * password in the path, a query parameter's name or the fragment): an @ in a query value (`?user=me@corp`) is legal.
 */
const strayAt = (url: URL) => url.pathname.includes("@") || url.hash.includes("@") || [...url.searchParams.keys()].some((name) => name.includes("@"));

/**
 * Why a store location is neither a file path a user means nor a usable PostgreSQL URL (openStore makes it bad
 * usage, exit 2), else null: taken as a path it would make a SQLite store (under `./postgress:/…`), or pg would
 * connect to a database of its own choosing.
 */
export function storeLocationProblem(db: string): string | null {
  const typo = POSTGRES_WITHOUT_SLASHES.exec(db)?.[1];
  if (typo !== undefined) return `the store ${typo}:… lacks the // of a URL: ${GIVE} (./${typo}:… for a file so named)`;
  const scheme = foreignUrlScheme(db);
  if (scheme !== null) return `the store ${scheme}://… is a URL but not PostgreSQL's: ${GIVE}`;
  if (!isPostgresUrl(db)) return null;
  // Most often a password with a # / or ? in it, which ends the authority early: the URL shown then looks right.
  if (!URL.canParse(db)) return `${withoutPassword(db)}: not a PostgreSQL URL (${ENCODE_ADVICE})`;
  // An @ past the authority: a password with an @ and a # / or ?, read as a host and a path holding the rest of it.
  // Shown from its last @, as it may hold a password before it; a password parameter after it left out too.
  if (strayAt(new URL(db))) return `${withoutPassword(db.replace(/\/\/.*@/s, "//REDACTED@"))}: not a PostgreSQL URL: an @ after its host (${ENCODE_ADVICE})`;
  if (urlDatabase(db) === "") return `${withoutPassword(db)} names no database: give its name after the host, postgres://user@host:5432/database (stepstore creates tables, never the database)`;
  return schemaProblem(db);
}
