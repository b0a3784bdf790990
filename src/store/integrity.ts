import type { Database } from "better-sqlite3";

/**
 * What SQLite's `PRAGMA integrity_check` finds wrong with the file, its first `max` lines; none when it
 * is sound. A page too damaged to walk makes the check itself fail: that message is the damage then.
 */
export function integrityProblems(sqlite: Database, max = 10): string[] {
  try {
    const lines = sqlite.prepare<[], string>(`PRAGMA integrity_check(${max})`).pluck().all();
    return lines.length === 1 && lines[0] === "ok" ? [] : lines;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return [(error as Error).message];
    throw error;
  }
}
