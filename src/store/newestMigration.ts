import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The newest migration's time (drizzle's `folderMillis`) in a drizzle-kit folder, from its journal alone: a read checks
 * the schema's age without reading and hashing every migration file (drizzle's readMigrationFiles), a report's start.
 */
export function newestMigration(folder: string): number {
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: { when: number }[] };
  return Math.max(0, ...journal.entries.map((entry) => entry.when));
}
