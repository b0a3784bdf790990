import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { resolve } from "node:path";

const MIGRATIONS = resolve(import.meta.dirname, "../../migrations");

/** A database with an earlier release's schema: only its first migrations applied, in drizzle's journal. */
export function earlierReleaseDatabase(path: string, migrationCount: number): Database.Database {
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec(`CREATE TABLE "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  for (const migration of readMigrationFiles({ migrationsFolder: MIGRATIONS }).slice(0, migrationCount)) {
    for (const statement of migration.sql) if (statement.trim() !== "") sqlite.exec(statement);
    sqlite.prepare(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)`).run(migration.hash, migration.folderMillis);
  }
  return sqlite;
}
