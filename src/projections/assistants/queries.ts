import type { SqlPort } from "../../store/sqlPort.js";

/** Chunks of ids per query: well under SQLite's 32,766 bound parameters. */
const CHUNK = 500;

/** The names of the assistants given, by id; an assistant the log has no record of, or one without a name, is absent. */
export async function assistantNames(port: SqlPort, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const rows = await port.all<{ id: string; name: string }>(
      `SELECT id, name FROM assistants WHERE name IS NOT NULL AND id IN (${chunk.map(() => "?").join(", ")})`,
      chunk,
    );
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}
