import type { ReadStore } from "./openStore.js";
import { verifyRows } from "./projections/verify.js";
import { openPostgresDatabase } from "./store/postgres/database.js";
import { checkPostgresSchema } from "./store/postgres/migrate.js";
import { runPostgresReadOnlyQuery } from "./store/postgres/readOnlyQuery.js";
import { withPostgresSnapshot } from "./store/postgres/snapshot.js";
import { describePostgresStore, postgresStoreInfo } from "./store/postgres/status.js";

/** A PostgreSQL store for reading: every transaction READ ONLY, never migrated; one without stepstore's tables is refused by name. */
export async function openPostgresForReading(url: string): Promise<ReadStore> {
  const database = await openPostgresDatabase(url, { readOnly: true, prepare: (pool) => checkPostgresSchema(pool, url) });
  return {
    dialect: "postgres",
    path: database.shownUrl,
    sql: database,
    query: (query, options) => runPostgresReadOnlyQuery(database.pool, url, query, options),
    verify: async (progress) => {
      progress?.checking();
      return { damage: null, ...(await withPostgresSnapshot(database.pool, url, (source) => verifyRows(source, progress?.update))) };
    },
    describe: async () => describePostgresStore(await postgresStoreInfo(database, url)),
    close: () => database.close(),
  };
}
