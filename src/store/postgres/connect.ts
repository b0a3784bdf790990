import pg from "pg";
import { isPostgresUrl, storeSchema, urlDatabase, withoutPassword } from "./url.js";

export { isPostgresUrl, storeSchema, withoutPassword };

/**
 * Connections per process. Appends are serialized across every process by one advisory lock
 * (appendLock.ts), so one connection writes at a time and a second waits for it; the rest serve the
 * reads of `serve` that run beside them. Eight per process lets a dozen processes (servers, ingest
 * jobs, analysts) share PostgreSQL's default `max_connections` of 100.
 */
const POOL_SIZE = 8;

const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long an idle connection is kept (pg's default is 10 s). A server backend fills its caches and plans (prepared.ts)
 * over its first transactions, so webhooks that come in bursts a minute apart are appended by warm connections:
 * with pg's default, `serve` reconnected at each burst (the bench's rounds, 12 s apart: 1,208 webhooks/s, 1,548 warm).
 */
const IDLE_CONNECTION_MS = 5 * 60_000;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** int8 as a JS number: positions and counts stay below 2^53; past it, an error rather than a rounded number. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer ${text} is past 2^53-1 and cannot be read exactly as a number`);
  return value;
}

/** int8 for a user's query (`sql`): a number, or past 2^53 its exact digits as text (pg-cursor cannot catch a parser's error). */
function parseInt8OrDigits(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** Significant digits a double always keeps exactly (DBL_DIG). */
const DOUBLE_DIGITS = 15;

/**
 * numeric for a user's query (`sql`): a number when a double gives it back as written (an integer up to 2^53, or at most
 * 15 significant digits), else its exact digits as text: `sum()` over bigint is numeric, and a double would round it.
 */
function parseNumericOrDigits(text: string): number | string {
  const value = Number(text);
  if (!Number.isFinite(value)) return text; // NaN, Infinity: PostgreSQL's own words
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(value) ? value : text;
  // numeric text is [-]digits.digits: its significant digits are those between the leading and the trailing zeros.
  const significant = text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return significant.length <= DOUBLE_DIGITS ? value : text;
}

/**
 * Dates, times, timestamps and intervals (and arrays of them), kept as the server writes them: pg would make a JS Date
 * in this process's time zone (a `::date` a day off east of UTC) or an object, where `sql` prints the database's own value.
 */
const TIME_OIDS = new Set([1082, 1083, 1114, 1184, 1186, 1266, 1182, 1183, 1115, 1185, 1187, 1270]);
const asWritten = (text: string) => text;

/**
 * Parsers of our own (pg's global ones stay untouched): int8 (count(*), bigint columns) and numeric (sum over
 * bigint) come back as numbers, as SQLite returns them, instead of strings; times as text (TIME_OIDS).
 */
function typeParsers(int8: (text: string) => number | string, numeric: (text: string) => number | string = Number): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format !== "binary" && oid === INT8_OID) return int8;
      if (format !== "binary" && oid === NUMERIC_OID) return numeric;
      if (format !== "binary" && TIME_OIDS.has(oid)) return asWritten;
      return pg.types.getTypeParser(oid, format as "text");
    }) as pg.CustomTypesConfig["getTypeParser"],
  };
}
const NUMBER_TYPES = typeParsers(parseInt8);
/** The `sql` command's parsers: as the pool's, but an int8 past 2^53, or a numeric a double would round, is its digits. */
export const QUERY_TYPES = typeParsers(parseInt8OrDigits, parseNumericOrDigits);

/** An error that names the database (URL without password) and says what to do about it. */
class StoreUnreachable extends Error {}

/** A connection ended by the server (terminated by an administrator, a crash, an idle timeout) or broken under a write. */
const LOST_CODES = new Set(["57P01", "57P02", "57P05", "25P03", "EPIPE"]);
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "ENETUNREACH"]);

/**
 * The error for a connection that failed, naming the database and what to check; null when `error`
 * is not about reaching the database (a failed statement keeps its own message). `url` is a valid URL.
 * `connected`: the error ended a connection already in use (a transaction's), so a reset or an end is a loss, not a
 * failure to connect.
 */
export function unreachableError(url: string, error: unknown, connected = false): StoreUnreachable | null {
  const shown = withoutPassword(url);
  const { code, message } = error as { code?: string; message?: string };
  const database = urlDatabase(url) || "postgres";
  if (code === "3D000") {
    return new StoreUnreachable(`${shown}: database "${database}" does not exist; create it (createdb ${createdbArguments(url)}) or give --db an existing database`);
  }
  if (code === "28P01" || code === "28000") return new StoreUnreachable(`${shown}: ${message}; check the user and password in the URL (a password is given as postgres://user:password@host/db)`);
  if (code !== undefined && LOST_CODES.has(code)) return new StoreUnreachable(`${shown}: connection lost: ${message}`);
  if (code === "57P03") return new StoreUnreachable(`${shown}: ${message}; the server is starting or shutting down, try again`);
  // pg's own connection failures carry no SQLSTATE ("timeout expired", "Connection terminated unexpectedly"); a
  // statement's do (a statement timeout is 57014 and keeps its message).
  const dropped = code === undefined && /timeout expired|Connection terminated/i.test(message ?? "");
  if ((code !== undefined && CONNECTION_CODES.has(code)) || dropped) {
    if (connected) return new StoreUnreachable(`${shown}: connection lost: ${message}`);
    // Nothing answered at that host and port: whether the database exists is the server's to say once it runs (3D000 above).
    return new StoreUnreachable(`${shown}: cannot connect (${message}); is the PostgreSQL server running and accepting connections at that host and port?`);
  }
  return null;
}

/**
 * What a failed statement or connection throws: `unreachableError`'s when it is about reaching the database; the server's
 * own refusal (permission denied, a statement timeout …) with the database named first (CONTRACT §8: every error about
 * the store names it); anything else (stepstore's own errors) as it is.
 */
export function storeError(url: string, error: unknown, connected = false): unknown {
  const unreachable = unreachableError(url, error, connected);
  if (unreachable) return unreachable;
  return error instanceof pg.DatabaseError ? new Error(`${withoutPassword(url)}: ${error.message}`, { cause: error }) : error;
}

/** `createdb`'s arguments for the URL's database (password left out: createdb asks for it). */
function createdbArguments(url: string): string {
  const parsed = new URL(url);
  const parts = [`-h ${parsed.hostname || "localhost"}`, `-p ${parsed.port || "5432"}`];
  if (parsed.username) parts.push(`-U ${decodeURIComponent(parsed.username)}`);
  parts.push(urlDatabase(url) || "postgres");
  return parts.join(" ");
}

/**
 * The URL pg connects with: `schema` is stepstore's parameter, not a server setting, and `options` is passed beside it
 * (pg lets the URL's `options` replace the configured ones, which would drop the search path and read-only setting).
 * An `sslmode` means what it means to psql and libpq (`require`: encrypted, the certificate not checked without
 * `sslrootcert`): pg 8 reads `require` as `verify-full` unless asked for libpq's semantics, refusing the private CAs
 * of hosted servers that psql connects to, and printing a warning at each command.
 */
/** The modes pg 8 reads more strictly than libpq (`no-verify`, pg's own, it reads only outside libpq's semantics). */
const LIBPQ_WEAKER_MODES = new Set(["prefer", "require", "verify-ca"]);

function connectionUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("options");
  if (LIBPQ_WEAKER_MODES.has(parsed.searchParams.get("sslmode") ?? "") && !parsed.searchParams.has("uselibpqcompat")) parsed.searchParams.set("uselibpqcompat", "true");
  return parsed.toString();
}

export interface PoolOptions {
  /** Connections at most (default POOL_SIZE). */
  max?: number;
  /** For the commands that only read: every transaction of every connection is READ ONLY, so the server refuses a write. */
  readOnly?: boolean;
  /**
   * For the store that appends: its connections pipeline (pg's `pipeline`), so a transaction's writes are sent
   * without waiting for each answer (database.ts: transactionPort). Off elsewhere: pg-cursor, which the `sql`
   * command reads through, cannot share a pipelined connection.
   */
  pipeline?: boolean;
}

/** A client from the pool; a server that cannot be reached is named, with what to do. */
export async function connectClient(pool: pg.Pool, url: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw unreachableError(url, error) ?? error;
  }
}

/**
 * A pool for `url`, checked by one round trip so that an unreachable or missing database fails here,
 * named, and not at the first statement. The URL must be `postgres://` or `postgresql://`.
 */
export async function openPool(url: string, options: PoolOptions = {}): Promise<pg.Pool> {
  if (!isPostgresUrl(url) || !URL.canParse(url)) throw new Error(`${withoutPassword(url)}: not a PostgreSQL URL (postgres://user@host:5432/database)`);
  const schema = storeSchema(url);
  // Settings every connection starts with: without `?schema=`, `public` alone on the search path (PostgreSQL's default
  // puts a schema named for the user first, where the tables went while drizzle-kit's views name `public`); the URL's
  // own `options` (winning over that); then (winning over them) its schema and, for reading commands, read only.
  const given = new URL(url).searchParams.get("options");
  const settings = [...(schema ? [] : ["-c search_path=public"]), ...(given ? [given] : []), ...(schema ? [`-c search_path="${schema}"`] : []),
    ...(options.readOnly ? ["-c default_transaction_read_only=on"] : [])];
  const pool = new pg.Pool({
    connectionString: connectionUrl(url),
    max: options.max ?? POOL_SIZE,
    application_name: "stepstore",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    types: NUMBER_TYPES,
    pipeline: options.pipeline ?? false,
    ...(settings.length > 0 ? { options: settings.join(" ") } : {}),
  });
  // An idle connection the server drops (a restart) only leaves the pool; the next statement reconnects
  // or fails itself. Without a listener, pg's 'error' event would end the process.
  pool.on("error", () => {});
  // A connection lost while checked out (the server restarted, the backend was terminated) fails the statement it runs
  // or the next; pg also emits 'error' on the client, which, unheard, would end the process with a stack trace.
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    // Whatever stops the first connection (SSL refused, a bad setting in `options`) is about the store: name it.
    throw unreachableError(url, error) ?? new StoreUnreachable(`${withoutPassword(url)}: ${(error as Error).message}`);
  }
  return pool;
}
