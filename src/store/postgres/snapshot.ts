import type pg from "pg";
import type { RowSource } from "../rowSource.js";
import type { SqlValue } from "../sqlPort.js";
import { storeError, unreachableError } from "./connect.js";
import { numberPlaceholders } from "./placeholders.js";

const FETCH_ROWS = 1000;

/**
 * Runs `fn` in one REPEATABLE READ, READ ONLY transaction on one connection: every statement sees the
 * same snapshot while others append. Streams are SQL cursors (DECLARE … FETCH), which, unlike a
 * protocol-level cursor, can be read interleaved on one connection: the merge join reads several at once.
 */
export async function withPostgresSnapshot<T>(pool: pg.Pool, url: string, fn: (source: RowSource) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw unreachableError(url, error) ?? error;
  }
  let cursors = 0;
  const source: RowSource = {
    dialect: "postgres",
    rows: async function* <R>(sql: string) {
      const name = `stepstore_rows_${++cursors}`;
      await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
      try {
        for (;;) {
          const batch = await client.query<R & pg.QueryResultRow>(`FETCH ${FETCH_ROWS} FROM ${name}`);
          yield* batch.rows;
          if (batch.rows.length < FETCH_ROWS) return;
        }
      } finally {
        await client.query(`CLOSE ${name}`);
      }
    },
    all: async <R>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query<R & pg.QueryResultRow>(numberPlaceholders(sql), params as SqlValue[])).rows,
  };
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // A run's own events are read by `events_run_position` (SQLite: INDEXED BY). Without statistics (a bulk load before
    // autovacuum's first ANALYZE) the planner ANDed two bitmaps, every `step_id IS NULL` entry scanned once a run:
    // verify of 588,000 events ran over 10 minutes, 74 s once analyzed.
    await client.query("SET LOCAL enable_bitmapscan = off");
    return await fn(source);
  } catch (error) {
    throw storeError(url, error, true);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}
