import { drizzle } from "drizzle-orm/node-postgres";
import { NewerStoreError, newestMigration, refuseNewerStore } from "../newestMigration.js";
import { readMigrationFiles, type MigrationConfig, type MigrationMeta } from "drizzle-orm/migrator";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { FOREIGN_EVENTS_TABLE, notAStoreBecause } from "../logColumns.js";
import { connectClient, storeSchema, unreachableError, withoutPassword } from "./connect.js";

/** drizzle-kit's output for PostgreSQL (drizzle.pg.config.ts), from src/ and from dist/ alike. */
export const PG_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "../../../migrations/pg");

/**
 * drizzle's own journal, table `__drizzle_migrations`, so drizzle-kit's tools read it too: in schema
 * `drizzle` for a store in `public`, in the store's own schema for one given by `?schema=` (two
 * stores in two schemas of a database keep two journals).
 */
const journalSchema = (schema: string | null) => schema ?? "drizzle";
const journalTable = (schema: string | null) => `"${journalSchema(schema)}"."__drizzle_migrations"`;

/**
 * The migrations as drizzle-kit wrote them, their views placed in the store's schema: drizzle-kit
 * names a view's schema (`"public"."stats_by_day"`), a table's not (the search path places it).
 */
function migrationsFor(schema: string | null) {
  const migrations = readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER });
  if (schema === null) return migrations;
  return migrations.map((m) => ({ ...m, sql: m.sql.map((statement) => statement.replaceAll('"public".', `"${schema}".`)) }));
}

/** The session advisory lock key openers migrate under ("Step" + 2; the append lock is + 1). */
const MIGRATE_LOCK_KEY = 0x5374_6570_0002;

const newestPgMigration = () => newestMigration(PG_MIGRATIONS_FOLDER);

type Queryable = pg.Pool | pg.ClientBase;

/**
 * What drizzle's `migrate` does once it has read the files (node-postgres/migrator.js: `db.dialect.migrate`),
 * called with the statements placed in the store's schema; the fields are drizzle's, left out of its types.
 */
interface DrizzleMigrator {
  dialect: { migrate(migrations: MigrationMeta[], session: unknown, config: MigrationConfig): Promise<void> };
  session: unknown;
}

/** What the journal records: how many migrations, and the newest one's timestamp (0 and 0 when there is no journal yet). */
async function journal(db: Queryable, schema: string | null): Promise<{ applied: number; newest: number }> {
  const exists = await db.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [journalTable(schema)]);
  if (!exists.rows[0]?.exists) return { applied: 0, newest: 0 };
  const row = (await db.query<{ applied: number; newest: number | null }>(`SELECT count(*) AS applied, max(created_at) AS newest FROM ${journalTable(schema)}`)).rows[0];
  return { applied: row?.applied ?? 0, newest: row?.newest ?? 0 };
}

/** Why the database (the URL's schema of it) is not a stepstore store, by open.ts's rule; null when it is one. */
async function notAStore(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ columns: string[] | null }>(
    `SELECT CASE WHEN to_regclass('events') IS NOT NULL THEN array(SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass('events') AND attnum > 0 AND NOT attisdropped) END AS columns`,
  );
  return notAStoreBecause(rows[0]?.columns ?? null);
}

/** Another application's `events` in the store's schema: refused before anything is migrated, so nothing is left behind. */
class ForeignEvents extends Error {
  constructor(url: string) {
    super(`${withoutPassword(url)} is not a stepstore database (it has ${FOREIGN_EVENTS_TABLE}); stepstore leaves it as it is: give --db another database, or a schema of stepstore's own (?schema=NAME)`);
  }
}

/** A database this user may not write in. */
class ReadOnlyStore extends Error {}

/**
 * Applies the migrations the database lacks, with drizzle's migrator, under a session advisory lock:
 * drizzle's reads the last applied migration before its transaction, so two processes opening a fresh
 * database at once would both apply the first one and one would fail. Under the lock the second waits,
 * then finds nothing left to do. The lock is the connection's: a process that dies mid-way frees it,
 * and its migration transaction rolls back. Returns how many migrations it applied.
 */
export async function migratePostgres(pool: pg.Pool, url: string): Promise<number> {
  const schema = storeSchema(url);
  const client = await connectClient(pool, url);
  try {
    const latest = newestPgMigration();
    const { newest } = await journal(client, schema);
    refuseNewerStore(withoutPassword(url), newest, latest);
    // A store opened to write that cannot be (a standby, default_transaction_read_only): said now, not by every append.
    const { rows } = await client.query<{ read_only: string }>("SELECT current_setting('transaction_read_only') AS read_only");
    if (rows[0]?.read_only === "on") throw new ReadOnlyStore(`${withoutPassword(url)}: the database takes no writes (a standby, or default_transaction_read_only): write commands cannot use it, the read commands can`);
    if (newest >= latest) return 0; // the usual open: no lock taken
    if ((await notAStore(client)) === FOREIGN_EVENTS_TABLE) throw new ForeignEvents(url);
    await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_KEY})`);
    try {
      const before = await journal(client, schema);
      // drizzle creates the journal's schema when missing: with `?schema=`, the store's own.
      const db = drizzle({ client }) as unknown as DrizzleMigrator;
      await db.dialect.migrate(migrationsFor(schema), db.session, { migrationsFolder: PG_MIGRATIONS_FOLDER, migrationsSchema: journalSchema(schema) });
      return (await journal(client, schema)).applied - before.applied;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`);
    }
  } catch (error) {
    if (error instanceof NewerStoreError || error instanceof ForeignEvents || error instanceof ReadOnlyStore) throw error;
    // drizzle wraps PostgreSQL's error in its own, whose message is the whole DDL statement.
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error);
    throw unreachableError(url, cause) ?? new Error(`${withoutPassword(url)}: migrating failed: ${cause.message}`, { cause: error });
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
  const why = await notAStore(pool);
  if (why === FOREIGN_EVENTS_TABLE) throw new ForeignEvents(url);
  if (why !== null) throw new Error(`${shown} is not a stepstore database (it has ${why}); stepstore ingest, poll, rebuild or serve creates one`);
  const { newest } = await journal(pool, storeSchema(url));
  refuseNewerStore(shown, newest, newestPgMigration());
  if (newest < newestPgMigration()) {
    throw new Error(`${shown} was made by an older stepstore: run any write command (ingest, rebuild) once to upgrade it`);
  }
}
