import { selectByKeys } from "../../store/sqlBatch.js";
import type { SqlPort } from "../../store/sqlPort.js";

/** The names of the assistants given, by id; an assistant the log has no record of, or one without a name, is absent. */
export async function assistantNames(port: SqlPort, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const known = [...new Set(ids.filter((id): id is string => id !== null))];
  const rows = await selectByKeys<{ id: string; name: string | null }>(port, "SELECT id, name FROM assistants WHERE", "id", known);
  return new Map(rows.flatMap((row) => (row.name === null ? [] : [[row.id, row.name] as const])));
}
