import type { SqlPort, SqlValue } from "./sqlPort.js";

interface KeyedTable {
  /** The table (trusted text: callers name their own). */
  from: string;
  /** A condition on its rows, with `?` placeholders for `params`. */
  where?: string;
  params?: readonly SqlValue[];
  /** A unique integer column, the order the rows are read in. */
  key: string;
}

/**
 * A table's rows in `key` order, `pageSize` at a time: each page starts after the last key of the one before
 * (keyset paging), so a page costs the same however deep into the table it is, and memory holds one page.
 */
export async function* pagesByKey<T extends object>(port: SqlPort, table: KeyedTable, pageSize: number): AsyncGenerator<T[]> {
  let after: SqlValue | null = null;
  for (;;) {
    // The first page has no lower bound: a key may be any integer.
    const conditions: string[] = [...(table.where === undefined ? [] : [`(${table.where})`]), ...(after === null ? [] : [`${table.key} > ?`])];
    const params: SqlValue[] = [...(table.params ?? []), ...(after === null ? [] : [after]), pageSize];
    const sql = `SELECT * FROM ${table.from}${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""} ORDER BY ${table.key} LIMIT ?`;
    const rows: T[] = await port.all<T>(sql, params);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    after = (rows[rows.length - 1] as Record<string, SqlValue>)[table.key]!;
  }
}
