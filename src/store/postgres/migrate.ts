import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { connectClient, unreachableError, withoutPassword } from "./connect.js";

/** drizzle-kit's output for PostgreSQL (drizzle.pg.config.ts), from src/ and from dist/ alike. */
export const PG_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "../../../migrations/pg");

/** drizzle's own journal (schema `drizzle`, table `__drizzle_migrations`), so drizzle-kit's tools read it too. */
const JOURNAL = `"drizzle"."__drizzle_migrations"`;

/** The session advisory lock key openers migrate under ("Step" + 2; the append lock is + 1). */
const MIGRATE_LOCK_KEY = 0x5374_6570_0002;

const newestMigration = () => Math.max(0, ...readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER }).map((m) => m.folderMillis));

type Queryable = pg.Pool | pg.ClientBase;

/** What the journal records: how many migrations, and the newest one's timestamp (0 and 0 when there is no journal yet). */
async function journal(db: Queryable): Promise<{ applied: number; newest: number }> {
  const exists = await db.query<{ exists: boolean }>(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`);
  if (!exists.rows[0]?.exists) return { applied: 0, newest: 0 };
  const row = (await db.query<{ applied: number; newest: number | null }>(`SELECT count(*) AS applied, max(created_at) AS newest FROM ${JOURNAL}`)).rows[0];
  return { applied: row?.applied ?? 0, newest: row?.newest ?? 0 };
}

/**
 * Applies the migrations the database lacks, with drizzle's migrator, under a session advisory lock:
 * drizzle's reads the last applied migration before its transaction, so two processes opening a fresh
 * database at once would both apply the first one and one would fail. Under the lock the second waits,
 * then finds nothing left to do. The lock is the connection's: a process that dies mid-way frees it,
 * and its migration transaction rolls back. Returns how many migrations it applied.
 */
export async function migratePostgres(pool: pg.Pool, url: string): Promise<number> {
  const client = await connectClient(pool, url);
  try {
    const latest = newestMigration();
    if ((await journal(client)).newest >= latest) return 0; // the usual open: no lock taken
    await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_KEY})`);
    try {
      const before = await journal(client);
      await migrate(drizzle({ client }), { migrationsFolder: PG_MIGRATIONS_FOLDER });
      return (await journal(client)).applied - before.applied;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`);
    }
  } catch (error) {
    throw unreachableError(url, error) ?? new Error(`${withoutPassword(url)}: migrating failed: ${(error as Error).message}`, { cause: error });
  } finally {
    client.release();
  }
}

/**
 * For the commands that only read: never migrates. Refuses a database that is not a stepstore one, or
 * whose schema predates this build's, naming it (URL without password) and saying what to do.
 */
export async function checkPostgresSchema(pool: pg.Pool, url: string): Promise<void> {
  const shown = withoutPassword(url);
  const events = await pool.query<{ exists: boolean }>(`SELECT to_regclass('events') IS NOT NULL AS exists`);
  if (!events.rows[0]?.exists) throw new Error(`${shown} is not a stepstore database (it has no events table); stepstore ingest, poll, rebuild or serve creates one`);
  if ((await journal(pool)).newest < newestMigration()) {
    throw new Error(`${shown} was made by an older stepstore: run any write command (ingest, rebuild) once to upgrade it`);
  }
}
