/** A value a statement binds: SQL text, numbers (integers and reals), or NULL. */
export type SqlValue = string | number | bigint | null;

/**
 * What projections, analytics and reads run their SQL through, on either store. Statements are
 * written once in portable SQL: `?` placeholders (the PostgreSQL port numbers them), `INSERT … ON
 * CONFLICT … DO NOTHING / DO UPDATE SET x = excluded.x`, `RETURNING`, no dialect functions (those
 * live behind the store, e.g. the analytics views per dialect).
 */
export interface SqlPort {
  readonly dialect: "sqlite" | "postgres";
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** The rows as arrays of their values in SELECT order: for reads of many wide rows (a report's 8,760 hours), where an object a row costs more than the query. */
  rows(sql: string, params?: readonly SqlValue[]): Promise<SqlValue[][]>;
  /**
   * The rows as `rows` gives them, handed to `onPage` up to `size` at a time as they are read, each page taken (its
   * promise settled) before the next is read: what a page makes of them dies young, where a whole answer (a year's
   * 8,760 hours) kept every row alive through each garbage collection, and a page written to a pipe drains while the
   * next is made. SQLite's statement stays open until the last page is taken, so the connection is held meanwhile
   * (sqliteDatabase): `onPage` must not call the store. PostgreSQL hands on the pages of its answer, read whole.
   */
  rowPages(sql: string, params: readonly SqlValue[], size: number, onPage: (rows: SqlValue[][]) => void | Promise<void>): Promise<void>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  /**
   * A write whose answer nothing reads. In a PostgreSQL transaction it is pipelined: sent without waiting
   * for its answer (later statements still see it; COMMIT waits for it and fails with it), so a batch's
   * writes cost the append lock no round trip each. Elsewhere it runs as `run` does.
   */
  write(sql: string, params?: readonly SqlValue[]): Promise<void>;
  /**
   * Where the store can tell cheaply (SQLite), asked inside a write transaction: a value that stays the same while every
   * row is as this connection last read or wrote it, no other connection having committed since (`PRAGMA data_version`)
   * and no transaction of its own rolled back. What a writer keeps of its rows between transactions holds while it does.
   */
  readonly rowsEpoch?: () => string;
}

/** `rowPages` over an answer read whole (`rows`), cut into pages. */
export const pagesOfRows =
  (rows: SqlPort["rows"]): SqlPort["rowPages"] =>
  async (sql, params, size, onPage) => {
    const all = await rows(sql, params);
    for (let start = 0; start < all.length; start += size) await onPage(all.slice(start, start + size));
  };

interface RunResult {
  changes: number;
  /** SQLite only: the rowid of the row an INSERT wrote, when `changes` > 0 (PostgreSQL answers ids with RETURNING). */
  lastInsertRowid?: number;
}

/** A connection that can also open a write transaction: everything inside `fn` commits together or not at all. */
export interface SqlDatabase extends SqlPort {
  /** Serialized: one write transaction at a time per store handle (SQLite: BEGIN IMMEDIATE; PostgreSQL: a pooled client, BEGIN … COMMIT). */
  transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
