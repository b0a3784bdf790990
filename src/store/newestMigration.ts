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

/**
 * A store whose journal's newest migration is newer than this build's was migrated by a newer stepstore: this one
 * would read its tables, or rewrite them, under rules it does not know. Every command refuses it, reading or writing.
 */
export class NewerStoreError extends Error {}

/** Throws NewerStoreError naming the store (`shown`) when its newest applied migration is newer than this build's. */
export function refuseNewerStore(shown: string, applied: number, newest: number): void {
  if (applied > newest) throw new NewerStoreError(`${shown} was made by a newer stepstore: upgrade stepstore to read or write it`);
}
