/**
 * `INSERT … ON CONFLICT(key) DO UPDATE` for a projection's row, not `INSERT OR REPLACE`: an update
 * rewrites only the indexes whose columns changed, a replace deletes and reinserts every entry.
 */
export function upsertSql(table: string, columns: readonly string[], key = columns[0]!): string {
  const updates = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})
    ON CONFLICT(${key}) DO UPDATE SET ${updates.join(", ")}`;
}
