import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { SqlValue } from "./sqlPort.js";

/** A table's columns as its drizzle declaration lists them: the property a row has, the name SQL uses. */
function columnsOf(table: SQLiteTable): { key: string; name: string }[] {
  return Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name }));
}

/**
 * `INSERT … ON CONFLICT(key) DO UPDATE` for a projection's row, its column list derived from the
 * table's declaration, not `INSERT OR REPLACE`, which deletes and reinserts every index entry. An
 * update still rewrites the entries of every index on a column it sets, changed or not (SQLite goes
 * by the SET list, not by the values), so the columns the key determines (`fixedByKey`) are not set
 * again. `values` puts a row's fields in that order.
 */
export function upsertOf<T extends SQLiteTable>(table: T, keyColumns?: readonly string[], fixedByKey: readonly string[] = []) {
  const columns = columnsOf(table);
  const names = columns.map((c) => c.name);
  const key = keyColumns ?? [names[0]!];
  const updates = names.filter((n) => !key.includes(n) && !fixedByKey.includes(n)).map((n) => `${n} = excluded.${n}`);
  const sql = `INSERT INTO ${getTableName(table)} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})
    ON CONFLICT(${key.join(", ")}) DO UPDATE SET ${updates.join(", ")}`;
  const keys = columns.map((c) => c.key) as (keyof T["$inferInsert"])[];
  return { sql, values: (row: T["$inferInsert"]): SqlValue[] => keys.map((k) => (row[k] ?? null) as SqlValue) };
}

/** A row keyed by SQL column names, as `SELECT *` reads it: how verify compares the fold with the table. */
export function bySqlNames<T extends SQLiteTable>(table: T, row: T["$inferInsert"]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (const { key, name } of columnsOf(table)) named[name] = row[key as keyof T["$inferInsert"]] ?? null;
  return named;
}

/** The SQL names of the columns named by their TypeScript keys, in that order. */
export function columnNames<T extends SQLiteTable>(table: T, keys: readonly (keyof T["$inferInsert"] & string)[]): string[] {
  const byKey = new Map(columnsOf(table).map((c) => [c.key, c.name]));
  return keys.map((k) => byKey.get(k)!);
}

/** `INSERT` of the columns named, in that order (a generated key left out). */
export function insertOf<T extends SQLiteTable>(table: T, keys: readonly (keyof T["$inferInsert"] & string)[]) {
  const names = columnNames(table, keys);
  return `INSERT INTO ${getTableName(table)} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`;
}

/** `INSERT … ON CONFLICT DO NOTHING` of the columns named: the conflict target's row, if any, stays. */
export function insertNewOf<T extends SQLiteTable>(table: T, keys: readonly (keyof T["$inferInsert"] & string)[], conflict: string) {
  return `${insertOf(table, keys)} ON CONFLICT(${conflict}) DO NOTHING`;
}

/** `DELETE FROM` each table: a projection's truncate. */
export const deleteAllSql = (table: SQLiteTable) => `DELETE FROM ${getTableName(table)}`;

/** Every column of `table` (as `alias` names it) by its TypeScript key (`s.in_progress AS "inProgress"`): rows read back as `$inferSelect`. */
export const columnsByKeyNamesSql = (table: SQLiteTable, alias: string) =>
  columnsOf(table).map((c) => `${alias}.${c.name} AS "${c.key}"`).join(", ");
