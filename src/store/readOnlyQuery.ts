import type { Database } from "better-sqlite3";
import { uniqueColumns, userRow } from "./queryValues.js";

export class ReadOnlyViolation extends Error {}

const CONNECTION_CHANGING = /^\s*(ATTACH|DETACH|VACUUM|REINDEX|ANALYZE)\b/i;
const READ_ONLY = "stepstore sql is read-only: it runs one query (SELECT, WITH … SELECT, EXPLAIN, a PRAGMA that reads)";

/** The statement past its leading whitespace and comments: where its keyword is. */
export function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/, "");
}

/** A query that holds no statement: blank, or only comments and semicolons (a `--` note, `;`). */
export function holdsNoStatement(sql: string): boolean {
  let rest = withoutLeadingComments(sql);
  while (/^\s*;/.test(rest)) rest = withoutLeadingComments(rest.replace(/^\s*;/, ""));
  return rest.trim() === "";
}

/** What the statement is, for the error: its keyword, or a whole short PRAGMA (`PRAGMA user_version = 7`). */
function statementName(query: string): string {
  const text = withoutLeadingComments(query).trim().replace(/\s+/g, " ");
  const keyword = (/^\w+/.exec(text)?.[0] ?? text).toUpperCase();
  if (keyword !== "PRAGMA") return keyword;
  return text.length <= 60 ? text.replace(/^pragma/i, "PRAGMA") : `${text.slice(0, 59).replace(/^pragma/i, "PRAGMA")}…`;
}

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** True when the query had more than `maxRows` rows: the rest were not read. */
  cut: boolean;
}

/**
 * Runs a user's query on a read-only connection. Anything that could change the database or the
 * connection (writes, writing pragmas, ATTACH, VACUUM INTO) is refused before it runs.
 */
export function runReadOnlyQuery(sqlite: Database, query: string, maxRows = Infinity): QueryResult {
  if (CONNECTION_CHANGING.test(withoutLeadingComments(query))) {
    throw new ReadOnlyViolation(`refused: ${statementName(query)} is not allowed; ${READ_ONLY}`);
  }
  let statement;
  try {
    statement = sqlite.prepare(query);
  } catch (error) {
    const message = (error as Error).message;
    if (/readonly|read-only/i.test(message)) throw new ReadOnlyViolation(`refused: ${message}; ${READ_ONLY}`);
    if (/more than one statement/i.test(message)) throw new ReadOnlyViolation(`refused: more than one statement; ${READ_ONLY}`);
    throw error;
  }
  // SQLite's own verdict: a statement it does not mark read-only may write (`PRAGMA journal_mode` could switch the mode).
  if (!statement.readonly) throw new ReadOnlyViolation(`refused: ${statementName(query)} may write (SQLite does not mark it read-only); ${READ_ONLY}`);
  if (!statement.reader) throw new ReadOnlyViolation(`refused: ${statementName(query)} returns no rows; ${READ_ONLY}`);
  const columns = uniqueColumns(statement.columns().map((c) => c.name));
  const rows: Record<string, unknown>[] = [];
  try {
    // Arrays, so that two columns of one name both come through; integers as bigint, so that one past 2^53 is printed exactly (userValue), not rounded.
    for (const values of statement.raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>) {
      if (rows.length === maxRows) return { columns, rows, cut: true }; // leaving the loop ends the statement
      rows.push(userRow(columns, values));
    }
  } catch (error) {
    // SQLite's whole message when a query calls load_extension, which is off on every connection.
    if ((error as Error).message === "not authorized") {
      throw new ReadOnlyViolation(`refused: ${statementName(query)} calls load_extension (SQLite: not authorized); stepstore sql loads no extensions`);
    }
    // A function that writes while it runs (`pragma_optimize`, which SQLite marks read-only): the connection refused
    // the write, as it refuses every one; the file is not at fault, as SQLite's words alone would have it read.
    if (String((error as { code?: unknown }).code).startsWith("SQLITE_READONLY")) {
      throw new ReadOnlyViolation(`refused: ${statementName(query)} tried to write while it ran (${(error as Error).message}); ${READ_ONLY}`);
    }
    throw error;
  }
  return { columns, rows, cut: false };
}
