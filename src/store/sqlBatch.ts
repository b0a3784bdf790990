import type { SqlPort, SqlValue } from "./sqlPort.js";

/**
 * Statements over many rows, written once for both stores. SQLite runs one prepared statement per row
 * (an in-process call costs microseconds; a statement text that varies with the row count would be
 * prepared anew); PostgreSQL sends one statement per chunk of rows, as a round trip to the server
 * costs more than the rows it carries.
 */

/** PostgreSQL binds at most 65,535 parameters a statement; a chunk stays well below. */
const MAX_PARAMETERS = 30_000;
/** Rows a PostgreSQL statement carries at most (fewer when rows are wide). */
const MAX_ROWS = 1000;

/** `items` in chunks of at most MAX_ROWS, and of at most MAX_PARAMETERS when each binds `width` values. */
export function chunks<T>(items: readonly T[], width: number): T[][] {
  const size = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / Math.max(1, width))));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `INSERT INTO t (…) VALUES (?, …) ON CONFLICT …` split where its VALUES row repeats; `sql` is the
 * one-row statement. Any text after the row (conflict clause, RETURNING) is `tail`.
 */
interface RowsInsert {
  sql: string;
  head: string;
  row: string;
  tail: string;
}

/** A one-row `INSERT … VALUES (…) …` (and whatever goes with it, e.g. upsertOf's `values`), split at its only VALUES row. */
export function rowsInsert<T extends { sql: string }>(statement: T): T & RowsInsert {
  const match = /^([\s\S]*?\bVALUES\s*)(\([^()]*\))([\s\S]*)$/i.exec(statement.sql);
  if (!match) throw new Error(`not a one-row INSERT … VALUES (…): ${statement.sql}`);
  return { ...statement, head: match[1]!, row: match[2]!, tail: match[3]! };
}

/** Inserts (or upserts) every row; rows of one call must not share a conflict key (PostgreSQL refuses to touch a row twice in one statement). */
export async function insertRows(tx: SqlPort, insert: RowsInsert, rows: readonly SqlValue[][]): Promise<void> {
  for (const [sql, params] of insertStatements(tx, insert, rows)) await tx.write(sql, params);
}

/** insertRows' statements: one a row on SQLite, one a chunk on PostgreSQL. */
export function insertStatements(tx: SqlPort, insert: RowsInsert, rows: readonly SqlValue[][]): Statement[] {
  if (tx.dialect === "sqlite") return rows.map((row) => [insert.sql, row]);
  return chunks(rows, rows[0]?.length ?? 1).map((chunk) => [manyRowsSql(insert, chunk.length), chunk.flat()]);
}

/** A statement and its parameters. */
export type Statement = [string, SqlValue[]];

/**
 * Runs statements that do not read what another of them writes: one after another on SQLite, as one
 * statement on PostgreSQL (each but the last a data-modifying WITH; all see the same snapshot), as few
 * as the parameter limit allows.
 */
export async function runTogether(tx: SqlPort, statements: readonly Statement[]): Promise<void> {
  if (tx.dialect === "sqlite") {
    for (const [sql, params] of statements) await tx.write(sql, params);
    return;
  }
  let group: Statement[] = [];
  const flush = async () => {
    if (group.length === 0) return;
    const last = group.length - 1;
    const sql = group.map(([text], i) => (i === last ? text : `${i === 0 ? "WITH" : ","} w${i} AS (${text})`)).join(" ");
    await tx.write(sql, group.flatMap(([, params]) => params));
    group = [];
  };
  for (const statement of statements) {
    if (group.reduce((n, [, params]) => n + params.length, 0) + statement[1].length > MAX_PARAMETERS) await flush();
    group.push(statement);
  }
  await flush();
}

/** The statement for `count` rows at once (PostgreSQL). */
export function manyRowsSql(insert: RowsInsert, count: number): string {
  return `${insert.head}${Array.from({ length: count }, () => insert.row).join(", ")}${insert.tail}`;
}

/**
 * The SQLite text `head <column> = ?`, made once per head and column: the port finds its prepared statement by the
 * text, and a text made anew each time is hashed whole at each lookup (the percentiles' head is 500 characters).
 */
const byKeyTexts = new Map<string, Map<string, string>>();
function byKeySql(head: string, column: string): string {
  let ofHead = byKeyTexts.get(head);
  if (ofHead === undefined) byKeyTexts.set(head, (ofHead = new Map()));
  let sql = ofHead.get(column);
  if (sql === undefined) ofHead.set(column, (sql = `${head} ${column} = ?`));
  return sql;
}

/**
 * `head <column> = ? tail` once per key on SQLite, `head <column> IN (…) tail` once per chunk of keys on PostgreSQL;
 * `head` ends in "WHERE" (or in a subquery's, which `tail` closes).
 */
export function byKeysStatements(tx: SqlPort, head: string, column: string, keys: readonly string[], tail = ""): Statement[] {
  if (tx.dialect === "sqlite") {
    const sql = byKeySql(head, column) + tail;
    return keys.map((key) => [sql, [key]]);
  }
  return chunks(keys, 1).map((chunk) => [`${head} ${column} IN (${chunk.map(() => "?").join(", ")})${tail}`, chunk]);
}

/**
 * The rows of `SELECT … FROM t WHERE <column> = ?` for every key (`select` ends in "WHERE"); the rows' order is not kept.
 * The statements are sent at once: in a PostgreSQL transaction they are pipelined, one round trip for them all.
 */
export async function selectByKeys<T>(tx: SqlPort, select: string, column: string, keys: readonly string[], tail = ""): Promise<T[]> {
  return (await Promise.all(byKeysStatements(tx, select, column, keys, tail).map(([sql, params]) => tx.all<T>(sql, params)))).flat();
}

/** `DELETE FROM t WHERE <column> = ?` for every key (`del` ends in "WHERE"). */
export async function deleteByKeys(tx: SqlPort, del: string, column: string, keys: readonly string[]): Promise<void> {
  for (const [sql, params] of byKeysStatements(tx, del, column, keys)) await tx.write(sql, params);
}
