import type { Database } from "better-sqlite3";
import type { SqlValue } from "./sqlPort.js";

/**
 * A consistent snapshot of a store, read as streams: what `verify` compares the log and the tables
 * through, so that neither is held whole in memory, and both sides are the same moment while others append.
 */
export interface RowSource {
  readonly dialect: "sqlite" | "postgres";
  /** The rows of a statement without parameters, one at a time; several may be read interleaved. */
  rows<T>(sql: string): AsyncIterable<T>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

/** `ORDER BY` text in code point order on both stores (SQLite's BINARY is byte order, which is the same for UTF-8). */
export const inCodePointOrder = (dialect: RowSource["dialect"], column: string) => (dialect === "postgres" ? `${column} COLLATE "C"` : column);

/** SQLite's `INDEXED BY` (its planner may otherwise sort the whole log in a temp b-tree); PostgreSQL chooses its own plan. */
export const indexedBy = (dialect: RowSource["dialect"], index: string) => (dialect === "sqlite" ? `INDEXED BY ${index}` : "");

/** Runs `fn` on a SQLite connection inside one read transaction: its statements see one snapshot. */
export async function withSqliteSnapshot<T>(sqlite: Database, fn: (source: RowSource) => Promise<T>): Promise<T> {
  const reading = new Set<IterableIterator<unknown>>();
  const source: RowSource = {
    dialect: "sqlite",
    rows: async function* <T>(sql: string) {
      const rows = sqlite.prepare<[], T>(sql).iterate();
      reading.add(rows);
      try {
        yield* rows;
      } finally {
        reading.delete(rows);
      }
    },
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => sqlite.prepare<SqlValue[], T>(sql).all(...params),
  };
  sqlite.exec("BEGIN");
  try {
    return await fn(source);
  } finally {
    // Readers `fn` left open when it stopped early (verify interrupted: the merge joins' stored sides) keep the connection busy.
    for (const rows of reading) rows.return?.();
    sqlite.exec("COMMIT");
  }
}
