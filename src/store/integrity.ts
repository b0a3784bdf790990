import type { Database } from "better-sqlite3";

/**
 * What SQLite's `PRAGMA integrity_check` finds wrong with the file, its first `max` lines; none when it
 * is sound. A page too damaged to walk makes the check itself fail part way: the lines it gave before
 * (the pages and rows it names) are kept, then that failure's message.
 */
export function integrityProblems(sqlite: Database, max = 10): string[] {
  const lines: string[] = [];
  try {
    // A row may hold several lines (a table's header, then its problems): one line each.
    for (const row of sqlite.prepare<[], string>(`PRAGMA integrity_check(${max})`).pluck().iterate()) lines.push(...row.split("\n"));
    return lines.length === 1 && lines[0] === "ok" ? [] : lines;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return [...lines, (error as Error).message];
    throw error;
  }
}
