import type pg from "pg";
import Cursor from "pg-cursor";
import { uniqueColumns, userRow } from "../queryValues.js";
import { ReadOnlyViolation, withoutLeadingComments, type QueryResult } from "../readOnlyQuery.js";
import { QueryTimeout } from "../sqlProcess.js";
import { connectClient, QUERY_TYPES, unreachableError } from "./connect.js";

const READ_ONLY = "stepstore sql is read-only: it runs one query (SELECT, WITH … SELECT, VALUES, TABLE, EXPLAIN, SHOW)";

/** The statements that only read. COPY is left out: `COPY … TO` a file or a program writes outside the database. */
const QUERY_KEYWORDS = new Set(["SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW"]);

/**
 * The words PostgreSQL's statements begin with (its reference, "SQL Commands"): a query beginning with any other
 * (`SELEC 1`) is no statement it would refuse for writing but a syntax error, and said as PostgreSQL says it.
 */
const STATEMENT_KEYWORDS = new Set(["ABORT", "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER", "COMMENT", "COMMIT",
  "COPY", "CREATE", "DEALLOCATE", "DECLARE", "DELETE", "DISCARD", "DO", "DROP", "END", "EXECUTE", "EXPLAIN", "FETCH", "GRANT", "IMPORT",
  "INSERT", "LISTEN", "LOAD", "LOCK", "MERGE", "MOVE", "NOTIFY", "PREPARE", "REASSIGN", "REFRESH", "REINDEX", "RELEASE", "RESET", "REVOKE",
  "ROLLBACK", "SAVEPOINT", "SECURITY", "SELECT", "SET", "SHOW", "START", "TABLE", "TRUNCATE", "UNLISTEN", "UPDATE", "VACUUM", "VALUES", "WITH"]);

const READ_BATCH_ROWS = 1_000;

/** The statement's first keyword, past leading comments and parentheses (`(SELECT 1) UNION …`). */
function firstKeyword(query: string): string {
  let text = withoutLeadingComments(query).trimStart();
  while (text.startsWith("(")) text = withoutLeadingComments(text.slice(1)).trimStart();
  return (/^\w+/.exec(text)?.[0] ?? text.slice(0, 20)).toUpperCase();
}

/** PostgreSQL's refusals, in the words the SQLite `sql` command uses for them. */
function refusal(error: unknown, timeoutMs: number): Error | null {
  const { code, message } = error as { code?: string; message?: string };
  // PostgreSQL names the statement it stopped in, which may be the SELECT around a write (`WITH d AS (DELETE …) SELECT`).
  if (code === "25006") return new ReadOnlyViolation(`refused: the query writes (PostgreSQL: ${message}); ${READ_ONLY}`);
  if (code === "42601" && /multiple commands/.test(message ?? "")) return new ReadOnlyViolation(`refused: more than one statement; ${READ_ONLY}`);
  // 57014 is any cancel: the statement timeout's, or another session's pg_cancel_backend (the query's own included).
  if (code === "57014") return /statement timeout/.test(message ?? "") ? QueryTimeout.after(timeoutMs) : new Error(`query cancelled: ${message}`);
  return null;
}

/** Reads up to `limit` rows from the cursor, with the statement's column names (known even when there are no rows). */
function readRows(cursor: Cursor, limit: number): Promise<{ rows: unknown[][]; columns: string[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(limit, (error, rows, result) => {
      if (error) reject(error);
      else resolve({ rows: rows as unknown as unknown[][], columns: uniqueColumns(result.fields.map((field) => field.name)) });
    });
  });
}

/**
 * The `sql` command on PostgreSQL: one statement in a READ ONLY transaction with a statement timeout, its
 * rows read through a cursor so that no more than `maxRows` (plus one, to know there were more) leave the
 * server; the columns in the statement's order. One statement only: the extended protocol pg-cursor speaks
 * refuses several. The transaction is never committed, and the connection is closed afterwards, not
 * pooled: what a query leaves on its session (a session advisory lock) would pass to the next user.
 * Its session locks are released before: a closed connection's server process ends a moment later.
 */
export async function runPostgresReadOnlyQuery(pool: pg.Pool, url: string, query: string, options: { timeoutMs: number; maxRows: number }): Promise<QueryResult> {
  const keyword = firstKeyword(query);
  if (keyword !== "" && !STATEMENT_KEYWORDS.has(keyword)) throw new Error(`syntax error at or near "${keyword}"`);
  if (!QUERY_KEYWORDS.has(keyword)) throw new ReadOnlyViolation(`refused: ${keyword || "an empty statement"} is not allowed; ${READ_ONLY}`);
  const client = await connectClient(pool, url);
  let cursor: Cursor | undefined;
  const deadline = backstop(pool, client, options.timeoutMs);
  try {
    await client.query("BEGIN");
    await client.query("SET TRANSACTION READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(options.timeoutMs))}`);
    // Arrays, so that two columns of one name both come through.
    cursor = client.query(new Cursor(query, undefined, { types: QUERY_TYPES, rowMode: "array" }));
    const rows: Record<string, unknown>[] = [];
    let columns: string[] = [];
    for (;;) {
      if (deadline.passed()) throw QueryTimeout.after(options.timeoutMs);
      const wanted = Math.min(READ_BATCH_ROWS, options.maxRows - rows.length + 1);
      const batch = await readRows(cursor, wanted);
      columns = batch.columns;
      rows.push(...batch.rows.map((values) => userRow(columns, values)));
      if (rows.length > options.maxRows) return { columns, rows: rows.slice(0, options.maxRows), cut: true };
      if (batch.rows.length < wanted) return { columns, rows, cut: false };
    }
  } catch (error) {
    // A cursor that failed is not closed: closing waits for an answer a lost connection never sends (the ROLLBACK
    // after it waits behind the failed cursor's own end, or fails at once on a lost connection).
    cursor = undefined;
    if (deadline.passed()) throw QueryTimeout.after(options.timeoutMs);
    throw refusal(error, options.timeoutMs) ?? unreachableError(url, error) ?? error;
  } finally {
    deadline.clear();
    await endSession(client, cursor);
  }
}

/** How long past its timeout a query whose own statement_timeout did not stop it runs before its session is ended. */
const BACKSTOP_GRACE_MS = 1_000;

/**
 * The timeout the query cannot turn off: `set_config('statement_timeout', '0', true)` in its own SELECT lifts the
 * server's for the cursor's later fetches (a query held an advisory lock on the append key, and every append waited,
 * 40 s past a 2 s --timeout). Past the timeout and a grace, its session is ended from another connection, and its locks
 * with it; the loop's next fetch fails, answered as the timeout.
 */
function backstop(pool: pg.Pool, client: pg.PoolClient, timeoutMs: number) {
  let passed = false;
  const pid = (client as unknown as { processID: number }).processID;
  const timer = setTimeout(() => {
    passed = true;
    pool.query("SELECT pg_terminate_backend($1)", [pid]).catch(() => {});
  }, timeoutMs + BACKSTOP_GRACE_MS);
  return { passed: () => passed, clear: () => clearTimeout(timer) };
}

/** Closes the query's cursor (when it did not fail) and transaction, lets go of any session advisory lock it took, and closes the connection. */
async function endSession(client: pg.PoolClient, cursor: Cursor | undefined): Promise<void> {
  try {
    await cursor?.close();
    await client.query("ROLLBACK");
    await client.query("SELECT pg_advisory_unlock_all()");
  } catch {
    // A connection that failed is closed below all the same, its locks with it.
  } finally {
    client.release(true);
  }
}
