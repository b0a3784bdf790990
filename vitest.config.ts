import pg from "pg";
import { defineConfig } from "vitest/config";

const PG_URL = process.env.STEPSTORE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Null when the PostgreSQL server answers, else why not. */
async function postgresMissing(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `no PostgreSQL at ${new URL(PG_URL).host} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Store-independent tests (records, readers, the poller's parts, the PostgreSQL store's own unit tests)
 * run once, in the SQLite half; every test that goes through a store runs in both halves.
 */
const STORE_INDEPENDENT = [
  "test/records/**", "test/ingest/lines.property.test.ts", "test/api/signature.test.ts", "test/poll/limiter.test.ts", "test/store/postgres/**",
  "test/world/world.test.ts", "test/cli/output.test.ts", "test/cli/untilAborted.test.ts",
  // each names its own --db (a PostgreSQL URL no server answers, a foreign URL, a file) and fails before any store is opened
  "test/cli/postgresUrl.test.ts", "test/cli/settings.test.ts", "test/cli/sslmode.test.ts",
];

/**
 * Tests about SQLite files themselves, run in the SQLite half only: each names why.
 */
const SQLITE_FILE_TESTS = [
  // read-only files, folders and media; text, empty, foreign and older SQLite files
  "test/cli/readOnly.test.ts",
  // SQLite statements (PRAGMA, ATTACH, VACUUM) and the child process that stops a query; PostgreSQL's `sql`: test/store/postgres/readOnlyQuery.test.ts
  "test/cli/sql.test.ts",
  // tampers with the tables through better-sqlite3 and checks PRAGMA integrity_check; PostgreSQL's verify: test/concurrency
  "test/projections/verify.test.ts",
  // an old release's SQLite file upgraded in place
  "test/store/upgrade.test.ts",
  // the SQLite connection's own transaction mutex
  "test/store/transactionMutex.test.ts",
  // fsync, WAL and a killed writer on one SQLite file
  "test/store/durability.test.ts",
  // SQLite's error codes about the file, and a folder given as the file
  "test/store/storeErrors.test.ts",
  // a trigger added through better-sqlite3 fails an ingest midway
  "test/cli/ingestFailure.test.ts",
];

/**
 * Browser tests run in the SQLite half only: the pages are the same code whichever store, and what they read is held
 * on both stores by other files (the report's figures, HTML included, by formats.test.ts and metrics.test.ts; the
 * console's reads by drilldown.test.ts and the console's HTTP tests). Chromium made each the slowest file of its half:
 * running them twice pushed CI past 15 minutes on a slow machine.
 */
const BROWSER_TESTS = ["test/analytics/html.test.ts", "test/api/console/console.test.ts"];

export default defineConfig(async () => {
  const missing = await postgresMissing();
  if (missing !== null && process.env.STEPSTORE_REQUIRE_POSTGRES === "1") throw new Error(`the PostgreSQL half must run here (STEPSTORE_REQUIRE_POSTGRES=1), but ${missing}`);
  // Said once: vitest evaluates this file more than once per run (the process's environment outlives each evaluation).
  if (missing !== null && process.env.STEPSTORE_TEST_PG_SKIP_SAID === undefined) {
    process.env.STEPSTORE_TEST_PG_SKIP_SAID = "1";
    process.stderr.write(`PostgreSQL half of the suite SKIPPED: ${missing}; set STEPSTORE_TEST_PG_URL to a server the tests may create databases on\n`);
  }
  const half = (store: "sqlite" | "postgres") => ({
    extends: true as const,
    test: {
      name: store,
      env: { STEPSTORE_TEST_STORE: store },
      ...(store === "postgres" ? { setupFiles: ["test/helpers/pgSetup.ts"], exclude: [...STORE_INDEPENDENT, ...SQLITE_FILE_TESTS, ...BROWSER_TESTS] } : {}),
    },
  });
  return {
    test: {
      include: ["test/**/*.test.ts"],
      // One folder for the run's files, removed at its end (test/helpers/tempRoot.ts).
      globalSetup: ["test/helpers/tempRoot.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: "forks",
      // Most files wait on child processes, HTTP or PostgreSQL rather than compute: three workers keep
      // two cores busy (one worker per core left them idle about a third of a run).
      maxWorkers: 3,
      projects: missing === null ? [half("sqlite"), half("postgres")] : [half("sqlite")],
    },
  };
});
