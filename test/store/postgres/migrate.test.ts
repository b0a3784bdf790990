import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { is } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { execFile } from "node:child_process";
import { cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import * as sqliteSchema from "../../../src/schema.js";
import { openPool } from "../../../src/store/postgres/connect.js";
import { openPostgresDatabase } from "../../../src/store/postgres/database.js";
import { checkPostgresSchema, migratePostgres, PG_MIGRATIONS_FOLDER } from "../../../src/store/postgres/migrate.js";
import { EXAMPLES, ROOT, stepstore, tempDir } from "../../helpers/cli.js";
import { stepLine } from "../../helpers/hostile.js";
import { ADMIN_URL, describePostgres, freshDatabase } from "../../helpers/postgres.js";
import pg from "pg";

const MIGRATIONS = readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER });

describe("the PostgreSQL migrations", () => {
  it("are up to date with the schema: drizzle-kit generate, given the derived tables and the views, finds nothing to add", async () => {
    const out = tempDir("stepstore-pg-migrations-");
    cpSync(PG_MIGRATIONS_FOLDER, out, { recursive: true });
    const drizzleKit = join(ROOT, "node_modules/.bin/drizzle-kit");
    // drizzle-kit takes --out relative to the working directory
    const args = ["generate", "--dialect", "postgresql", "--schema", "./src/pgSchema.ts", "--out", relative(ROOT, out)];
    const { stdout } = await promisify(execFile)(drizzleKit, args, { cwd: ROOT });
    expect(stdout).toContain("No schema changes, nothing to migrate");
    expect(readdirSync(out).sort()).toEqual(readdirSync(PG_MIGRATIONS_FOLDER).sort());
  });
});

describePostgres("migrating a PostgreSQL store", () => {
  it("applies every migration exactly once when several processes open a fresh database at once", async () => {
    const database = await freshDatabase();
    const pools = await Promise.all(Array.from({ length: 6 }, () => openPool(database.url, { max: 2 })));
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool, database.url)));
      expect(applied.reduce((sum, n) => sum + n, 0)).toBe(MIGRATIONS.length);
      expect(applied.filter((n) => n > 0)).toHaveLength(1);
      const journal = await pools[0]!.query(`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`);
      expect(journal.rows).toEqual(MIGRATIONS.map((m) => ({ hash: m.hash, created_at: m.folderMillis })));
      expect(await migratePostgres(pools[1]!, database.url)).toBe(0);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    }
  });

  it("makes every table of the SQLite schema, column for column", async () => {
    const database = await freshDatabase();
    const db = await openPostgresDatabase(database.url);
    try {
      await migratePostgres(db.pool, database.url);
      const columns = await db.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
         ORDER BY table_name, ordinal_position`,
      );
      const pgType = { SQLiteInteger: "bigint", SQLiteText: "text", SQLiteReal: "double precision" } as Record<string, string>;
      const expected = (Object.values(sqliteSchema) as unknown[])
        .filter((table): table is SQLiteTable => is(table, SQLiteTable))
        .flatMap((table) => {
          const config = getTableConfig(table);
          return config.columns.map((column) => ({
            table_name: config.name,
            column_name: column.name,
            data_type: pgType[column.columnType],
            is_nullable: column.notNull || column.primary ? "NO" : "YES",
          }));
        })
        .sort((a, b) => (a.table_name < b.table_name ? -1 : a.table_name > b.table_name ? 1 : 0));
      expect(columns).toEqual(expected);
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it("numbers the log's positions on insert, as SQLite's INTEGER PRIMARY KEY does", async () => {
    const database = await freshDatabase();
    const db = await openPostgresDatabase(database.url);
    try {
      await migratePostgres(db.pool, database.url);
      const insert = "INSERT INTO events (event_key, type, source, origin, received_at, data) VALUES (?, 'thread.run.step.created', 'test', 'test', '2026-01-01T00:00:00Z', '{}') ON CONFLICT (event_key) DO NOTHING RETURNING position";
      expect(await db.get(insert, ["k1"])).toEqual({ position: 1 });
      expect(await db.get(insert, ["k2"])).toEqual({ position: 2 });
      expect(await db.get(insert, ["k1"])).toBeUndefined();
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it("lets the read commands refuse a database that is not a stepstore one, and accept it once migrated", async () => {
    const database = await freshDatabase();
    const pool = await openPool(database.url);
    try {
      await expect(checkPostgresSchema(pool, database.url)).rejects.toThrow(`${database.url} is not a stepstore database (it has no events table)`);
      await migratePostgres(pool, database.url);
      await expect(checkPostgresSchema(pool, database.url)).resolves.toBeUndefined();
      await pool.query("DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)");
      await expect(checkPostgresSchema(pool, database.url)).rejects.toThrow("was made by an older stepstore");
    } finally {
      await pool.end();
      await database.drop();
    }
  });

  it("a write command on a database that takes no writes (default_transaction_read_only, a standby) refuses at once, naming it; reads still read", async () => {
    const database = await freshDatabase();
    try {
      expect((await stepstore(["ingest", "--db", database.url, join(EXAMPLES, "relayed-events.jsonl")])).code).toBe(0);
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`ALTER DATABASE "${database.name}" SET default_transaction_read_only = on`);
      await admin.end();
      for (const args of [["ingest", join(EXAMPLES, "relayed-events.jsonl")], ["rebuild"]]) {
        const result = await stepstore([...args, "--db", database.url]);
        expect([result.code, result.stderr], args[0]).toEqual([1, `stepstore: ${database.url}: the database takes no writes (a standby, or default_transaction_read_only): write commands cannot use it, the read commands can\n`]);
      }
      expect((await stepstore(["steps", "--db", database.url])).code).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it("refuses a database a newer stepstore migrated, to every command, reading or writing: exit 1 naming it", async () => {
    const database = await freshDatabase();
    const pool = await openPool(database.url);
    try {
      await migratePostgres(pool, database.url);
      await pool.query("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
      for (const args of [["ingest", "-"], ["rebuild"], ["steps"]]) {
        const result = await stepstore([args[0]!, "--db", database.url, ...args.slice(1)], { input: `${stepLine("step_Newer")}\n` });
        expect(result.stderr, args[0]).toContain(`${database.url} was made by a newer stepstore: upgrade stepstore to read or write it`);
        expect(result.code, args[0]).toBe(1);
      }
      expect((await pool.query("SELECT count(*)::int AS n FROM events")).rows).toEqual([{ n: 0 }]);
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
