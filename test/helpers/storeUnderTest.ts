import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { join } from "node:path";
import { openPostgresStepstore, openStepstore } from "../../src/stepstore.js";
import { openInMemory } from "../../src/store/open.js";
import { openPostgresDatabase } from "../../src/store/postgres/database.js";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import type { SqlDatabase } from "../../src/store/sqlPort.js";
import type { Store } from "../../src/store/store.js";
import { tempDir } from "./tempDir.js";
import { sqliteDatabase } from "../../src/store/sqlite/sqlDatabase.js";

/**
 * Which store this run of the suite tests (vitest.config.ts runs it twice): "sqlite" (a file per
 * store) or "postgres" (a database per store on STEPSTORE_TEST_PG_URL's server).
 */
export const STORE_UNDER_TEST = process.env.STEPSTORE_TEST_STORE === "postgres" ? "postgres" : "sqlite";
export const pgHalf = STORE_UNDER_TEST === "postgres";

/** The server the PostgreSQL half creates its databases on. */
export const ADMIN_URL = process.env.STEPSTORE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The admin URL pointing at another database of the same server. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Databases this test file made: its setup (pgSetup.ts) drops them after the file. */
export const madeDatabases: string[] = [];

/**
 * A new empty database, made synchronously (tempDb() is synchronous: a path needs no I/O) by a short
 * Node child with the same `pg` package. Its name is kept to be dropped after the file.
 */
export function freshDatabaseSync(): string {
  const name = `stepstore_test_${randomBytes(6).toString("hex")}`;
  const script = `const pg = require("pg"); const c = new pg.Client(process.argv[1]);
    c.connect().then(() => c.query('CREATE DATABASE "${name}"')).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });`;
  execFileSync(process.execPath, ["-e", script, ADMIN_URL], { stdio: ["ignore", "ignore", "inherit"] });
  madeDatabases.push(name);
  return databaseUrl(name);
}

/** Drops the databases made so far, closing any connection still open to them. */
export async function dropMadeDatabases(): Promise<void> {
  if (madeDatabases.length === 0) return;
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    for (const name of madeDatabases.splice(0)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

let specDatabase: string | undefined;

/**
 * An empty store's database for a test that wires the log itself (projection specs, property tests):
 * SQLite in memory, or in the PostgreSQL half this file's one database, migrated, every table emptied.
 */
export async function emptySpecDatabase(): Promise<SqlDatabase> {
  if (!pgHalf) return sqliteDatabase(openInMemory().sqlite);
  specDatabase ??= freshDatabaseSync();
  // Pipelined, as the store that appends opens it (stepstore.ts): a projection's reads side by side share its connection.
  const database = await openPostgresDatabase(specDatabase, { pipeline: true });
  await migratePostgres(database.pool, specDatabase);
  const tables = await database.all<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
  await database.run(`TRUNCATE ${tables.map((t) => `"${t.name}"`).join(", ")} RESTART IDENTITY`);
  return database;
}

/** A new, empty store of the kind under test, opened as the commands open one: a SQLite file, or in the PostgreSQL half a fresh database. */
export function openStoreUnderTest(): Promise<Store> {
  if (pgHalf) return openPostgresStepstore(freshDatabaseSync());
  return Promise.resolve(openStepstore(join(tempDir(), "store.db")));
}
