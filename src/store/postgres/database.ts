import type pg from "pg";
import { pagesOfRows, type SqlDatabase, type SqlPort, type SqlValue } from "../sqlPort.js";
import { connectClient, openPool, storeError, withoutPassword, type PoolOptions } from "./connect.js";
import { numberPlaceholders } from "./placeholders.js";
import { preparedQuery } from "./prepared.js";

/** The PostgreSQL store's connection: the port over a pool, plus what status and the `sql` command need. */
export interface PostgresDatabase extends SqlDatabase {
  readonly dialect: "postgres";
  /** The URL without its password, for messages. */
  readonly shownUrl: string;
  readonly pool: pg.Pool;
}

type Queryable = pg.Pool | pg.PoolClient;

/** The port over a pool (each statement on any free connection) or over one client (a transaction's, its statements `prepared`: its connection is established). */
function portOver(url: string, target: Queryable, prepared = false): SqlPort {
  const query = async <T extends pg.QueryResultRow>(sql: string, params: readonly SqlValue[] = [], rowMode?: "array") => {
    try {
      const statement = prepared ? preparedQuery(sql, params) : { text: numberPlaceholders(sql), values: params as SqlValue[] };
      return await target.query<T>({ ...statement, ...(rowMode && { rowMode }) });
    } catch (error) {
      throw storeError(url, error, prepared);
    }
  };
  const rows = async (sql: string, params?: readonly SqlValue[]) => (await query(sql, params, "array")).rows as unknown as SqlValue[][];
  return {
    dialect: "postgres",
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
    rows,
    rowPages: pagesOfRows(rows),
    run: async (sql: string, params?: readonly SqlValue[]) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
    write: async (sql: string, params?: readonly SqlValue[]) => void (await query(sql, params)),
  };
}

/**
 * A transaction's port on its client. When the connection pipelines (pg's `pipeline`: a statement is sent while
 * earlier ones are still being answered, and the server runs them in the order sent), its writes are not waited
 * for, only kept. `settled` waits for every statement sent and fails with the first that failed, a read's whose
 * failure its caller set aside included (a read ahead of a batch that turned out duplicates): once one statement
 * fails, the transaction is aborted, each later one fails only because of it, and a COMMIT rolls back without an
 * error. Every statement is corked: writes wait for the next read or COMMIT, and a read leaves at the end of the tick
 * with the writes before it and the reads issued beside it (`Promise.all`), as one packet. On loopback each packet
 * costs the sender the receiver's TCP work and wake-up too: a write system call was the largest single cost of `serve`.
 */
function transactionPort(url: string, client: pg.PoolClient): { port: SqlPort; settled(): Promise<void> } {
  const port = portOver(url, client, true);
  if (!client.pipeline) return { port, settled: () => Promise.resolve() };
  const stream = (client as unknown as { connection: { stream: NodeJS.WritableStream & { cork(): void; uncork(): void } } }).connection.stream;
  const answered: Promise<void>[] = [];
  let firstFailure: { error: unknown } | null = null;
  /** A statement sent: kept until `settled`, its failure noted (and so never an unhandled rejection of a write). */
  const kept = <R>(answer: Promise<R>): Promise<R> => {
    answered.push(answer.then(() => undefined, (error: unknown) => void (firstFailure ??= { error })));
    return answer;
  };
  let corked = false;
  const cork = () => {
    if (!corked) stream.cork();
    corked = true;
  };
  const sent = () => {
    if (corked) stream.uncork();
    corked = false;
  };
  /** A read, issued corked: it leaves at the end of this tick, with what was issued before and beside it. */
  const leaving = <R>(answer: Promise<R>): Promise<R> => (process.nextTick(sent), kept(answer));
  const rows: SqlPort["rows"] = (sql, params) => (cork(), leaving(port.rows(sql, params)));
  return {
    port: {
      ...port,
      all: (sql, params) => (cork(), leaving(port.all(sql, params))),
      get: (sql, params) => (cork(), leaving(port.get(sql, params))),
      rows,
      rowPages: pagesOfRows(rows),
      run: (sql, params) => (cork(), leaving(port.run(sql, params))),
      write(sql, params) {
        cork();
        kept(port.write(sql, params));
        return Promise.resolve();
      },
    },
    async settled() {
      sent();
      await Promise.all(answered);
      if (firstFailure) throw firstFailure.error;
    },
  };
}

/** The statements a write transaction opens and ends with (the store's: appendLock.ts). */
interface TransactionEnds {
  begin: string;
  /** Sent after `begin`'s answer, ahead of the transaction's first statements and in their packet (pipelined), before any of them runs. */
  lock?: string;
  commit: string;
}

const PLAIN_TRANSACTION: TransactionEnds = { begin: "BEGIN", commit: "COMMIT" };

/**
 * Runs `fn` in one transaction on one pooled client: `ends.begin`, `ends.lock` with fn's first statements, then
 * `ends.commit` (sent behind the pipelined writes, answered with them), or ROLLBACK when `fn` or a statement fails;
 * the error thrown is the first statement's that failed, as the statements after it only fail because it did (and a
 * COMMIT after it rolls back). A client whose connection broke (ROLLBACK failed) is destroyed, not returned to the pool.
 */
async function inTransaction<T>(url: string, pool: pg.Pool, ends: TransactionEnds, fn: (tx: SqlPort) => Promise<T>): Promise<T> {
  const client = await connectClient(pool, url);
  const tx = transactionPort(url, client);
  let broken: Error | undefined;
  try {
    await client.query(ends.begin);
    if (ends.lock) await tx.port.write(ends.lock);
    const result = await fn(tx.port);
    const committed = client.query(ends.commit);
    await Promise.all([tx.settled(), committed]);
    return result;
  } catch (error) {
    const cause = await tx.settled().then(() => error, (failed: unknown) => failed);
    try {
      await client.query("ROLLBACK");
    } catch (rollbackFailed) {
      broken = rollbackFailed as Error;
    }
    throw storeError(url, cause, true);
  } finally {
    client.release(broken);
  }
}

/**
 * Opens the PostgreSQL store's connection (the database must exist; migrating is migrate.ts's). Write
 * transactions open and end with `ends` (default BEGIN and COMMIT; the store's, appendLock.ts's) and are serialized per handle, as on SQLite: a second waits for the first instead of holding
 * a second connection blocked on the append lock. `prepare` (migrating, or checking the tables) runs
 * first; when it fails the pool is closed and its error thrown.
 */
export async function openPostgresDatabase(
  url: string,
  options: PoolOptions & { ends?: TransactionEnds; prepare?: (pool: pg.Pool) => Promise<unknown> } = {},
): Promise<PostgresDatabase> {
  const pool = await openPool(url, options);
  try {
    await options.prepare?.(pool);
  } catch (error) {
    await pool.end();
    throw storeError(url, error);
  }
  let lastTransaction: Promise<unknown> = Promise.resolve();
  return {
    ...portOver(url, pool),
    dialect: "postgres",
    shownUrl: withoutPassword(url),
    pool,
    transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T> {
      const run = lastTransaction.then(() => inTransaction(url, pool, options.ends ?? PLAIN_TRANSACTION, fn));
      lastTransaction = run.catch(() => undefined);
      return run;
    },
    close: () => pool.end(),
  };
}
