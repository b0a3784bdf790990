import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { ADMIN_URL, databaseUrl } from "./storeUnderTest.js";

export { ADMIN_URL, databaseUrl };

/** Set by `.ci/run`: there a missing server fails the suite instead of skipping the PostgreSQL tests. */
const REQUIRED = process.env.STEPSTORE_REQUIRE_POSTGRES === "1";

/** One short connection to the admin URL: null when the server answers, else why not. */
export async function pgAvailable(url = ADMIN_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {}); // a connection dropped after connecting is answered by the query below
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `no PostgreSQL at ${new URL(url).host} (${(error as Error).message}); set STEPSTORE_TEST_PG_URL to a server the tests may create databases on`;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresMissing = await pgAvailable();

if (postgresMissing !== null) {
  if (REQUIRED) throw new Error(`PostgreSQL tests must run here (STEPSTORE_REQUIRE_POSTGRES=1), but ${postgresMissing}`);
  process.stderr.write(`PostgreSQL tests skipped: ${postgresMissing}\n`);
}

/** A describe whose tests run only where a PostgreSQL server answers (skipped, with the reason printed, elsewhere). */
export const describePostgres = describe.skipIf(postgresMissing !== null);

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A new empty database `stepstore_test_<random>` (`options`: what CREATE DATABASE takes after its name, such as a
 * collation); `drop()` removes it, closing any connection still open to it.
 */
export async function freshDatabase(options = ""): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `stepstore_test_${randomBytes(6).toString("hex")}`;
  await asAdmin(`CREATE DATABASE "${name}" ${options}`);
  return { name, url: databaseUrl(name), drop: () => asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Runs `test` on a new empty database, dropped afterwards whatever the outcome. */
export async function withFreshDatabase(test: (database: Awaited<ReturnType<typeof freshDatabase>>) => Promise<void>): Promise<void> {
  const database = await freshDatabase();
  try {
    await test(database);
  } finally {
    await database.drop();
  }
}

/** A fresh database for the enclosing describe (created before its tests, dropped after); call the result for its URL. */
export function useFreshDatabase(): () => string {
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (!database) throw new Error("the fresh database is made in beforeAll: ask for its URL inside a test or hook");
    return database.url;
  };
}
