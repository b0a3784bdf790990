import { getTableColumns, is, type SQL } from "drizzle-orm";
import {
  bigint,
  bigserial,
  customType,
  doublePrecision,
  index,
  pgTable,
  pgView,
  primaryKey,
  uniqueIndex,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  type PgViewWithSelection,
} from "drizzle-orm/pg-core";
import { getTableConfig, getViewConfig, SQLiteColumn, type SQLiteTable, type SQLiteView } from "drizzle-orm/sqlite-core";

/**
 * Text compared by code point, as SQLite compares it (CONTRACT §10: `COLLATE "C"`), whatever the database's default
 * collation: `steps`, the list routes' order and cursors, and a user's `ORDER BY id` in `sql` agree on both stores.
 */
const codePointText = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' });

/** A derived table: its column types are known at run time only. */
type DerivedPgTable = PgTableWithColumns<any>;

/**
 * A SQLite column's PostgreSQL twin: integer → bigint (read as a JS number), text → text COLLATE "C", real →
 * double precision; NOT NULL, a literal default and single-column UNIQUE carried over. A single-column INTEGER PRIMARY
 * KEY is SQLite's rowid, numbered on insert when left out; PostgreSQL's counterpart is a `bigserial`.
 */
function pgColumn(column: SQLiteColumn, table: string): PgColumnBuilderBase {
  const where = `${table}.${column.name}`;
  if (column.columnType === "SQLiteInteger" && column.primary) return bigserial(column.name, { mode: "number" }).primaryKey();
  const fallback = column.default;
  if (column.hasDefault && typeof fallback !== "number" && typeof fallback !== "string") throw new Error(`${where}: only a number or text default is derived for PostgreSQL`);
  let built;
  if (column.columnType === "SQLiteInteger") built = bigint(column.name, { mode: "number" });
  else if (column.columnType === "SQLiteText") built = codePointText(column.name);
  else if (column.columnType === "SQLiteReal") built = doublePrecision(column.name);
  else throw new Error(`${where}: no PostgreSQL type for ${column.columnType}`);
  // The builders differ in what default each takes; the check above keeps it a number or a text.
  if (column.hasDefault) built = built.default(fallback as never);
  if (column.primary) built = built.primaryKey();
  else if (column.notNull) built = built.notNull();
  if (column.isUnique) built = built.unique(column.uniqueName);
  return built;
}

/** One table, column by column, then its indexes and composite primary key; anything it cannot carry over is an error. */
function derivePgTable(sqliteTable: SQLiteTable): DerivedPgTable {
  const config = getTableConfig(sqliteTable);
  if (config.foreignKeys.length > 0 || config.checks.length > 0 || config.uniqueConstraints.length > 0) {
    throw new Error(`${config.name}: foreign keys, checks and table-level unique constraints are not derived for PostgreSQL yet`);
  }
  const sqliteColumns = Object.entries(getTableColumns(sqliteTable));
  const keyOf = new Map(sqliteColumns.map(([key, column]) => [column.name, key]));
  const columns = Object.fromEntries(sqliteColumns.map(([key, column]) => [key, pgColumn(column, config.name)]));
  // checked here, not in pgTable's callback, which drizzle calls only when it reads the table's config
  const keysOf = (list: unknown[], what: string) =>
    list.map((column) => {
      if (!is(column, SQLiteColumn)) throw new Error(`${what}: only plain columns are derived for PostgreSQL`);
      return keyOf.get(column.name)!;
    });
  const indexes = config.indexes.map(({ config: ix }) => {
    if (ix.where) throw new Error(`${ix.name}: a partial index is not derived for PostgreSQL`);
    return { name: ix.name, unique: ix.unique, keys: keysOf(ix.columns, ix.name) };
  });
  const primaryKeys = config.primaryKeys.map((key) => keysOf(key.columns, `${config.name} primary key`));
  return pgTable(config.name, columns, (pgColumns) => {
    const pick = (keys: string[]) => {
      const [first, ...rest] = keys.map((key) => pgColumns[key]!);
      return [first!, ...rest] as const;
    };
    return [
      ...indexes.map((ix) => (ix.unique ? uniqueIndex(ix.name) : index(ix.name)).on(...pick(ix.keys))),
      ...primaryKeys.map((keys) => primaryKey({ columns: [...pick(keys)] })),
    ];
  });
}

/**
 * The PostgreSQL tables, derived from the SQLite drizzle declarations so that each table is declared
 * once; keyed as given (the SQLite schema's export names).
 */
export function derivePgTables<K extends string>(sqliteTables: Record<K, SQLiteTable>): Record<K, DerivedPgTable> {
  const entries = Object.entries(sqliteTables) as [K, SQLiteTable][];
  return Object.fromEntries(entries.map(([key, table]) => [key, derivePgTable(table)])) as Record<K, DerivedPgTable>;
}

type DerivedPgView = PgViewWithSelection<string, false, any>;

/** A view's columns from its SQLite declaration; its SELECT is the dialect's own (`definition`). */
export function derivePgView(sqliteView: SQLiteView, definition: SQL): DerivedPgView {
  const config = getViewConfig(sqliteView);
  const columns = Object.fromEntries(
    Object.entries(config.selectedFields).map(([key, column]) => {
      if (!is(column, SQLiteColumn)) throw new Error(`${config.name}.${key}: only plain columns are derived for PostgreSQL`);
      return [key, pgColumn(column, config.name)];
    }),
  );
  return pgView(config.name, columns).as(definition);
}
