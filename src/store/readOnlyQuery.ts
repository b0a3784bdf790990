import type { Database } from "better-sqlite3";

export class ReadOnlyViolation extends Error {}

const CONNECTION_CHANGING = /^\s*(ATTACH|DETACH|VACUUM|REINDEX|ANALYZE)\b/i;

function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/, "");
}

/**
 * Runs a user's query on a read-only connection. Anything that could change the database or the
 * connection (writes, writing pragmas, ATTACH, VACUUM INTO) is refused before it runs.
 */
export function runReadOnlyQuery(sqlite: Database, query: string): { columns: string[]; rows: Record<string, unknown>[] } {
  if (CONNECTION_CHANGING.test(withoutLeadingComments(query))) {
    throw new ReadOnlyViolation(`refused: ${withoutLeadingComments(query).trim().split(/\s+/)[0]!.toUpperCase()} is not allowed; stepstore sql is read-only`);
  }
  let statement;
  try {
    statement = sqlite.prepare(query);
  } catch (error) {
    const message = (error as Error).message;
    if (/readonly|read-only/i.test(message)) throw new ReadOnlyViolation(`refused: ${message}; stepstore sql is read-only`);
    throw error;
  }
  if (!statement.readonly || !statement.reader) {
    if (!statement.readonly) throw new ReadOnlyViolation("refused: this statement writes; stepstore sql is read-only");
    throw new ReadOnlyViolation("refused: this statement returns no rows; stepstore sql runs queries only");
  }
  const columns = statement.columns().map((c) => c.name);
  return { columns, rows: statement.all() as Record<string, unknown>[] };
}
