import { readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, stepstore, tempDir } from "../helpers/cli.js";
import { describePostgres, useFreshDatabase } from "../helpers/postgres.js";

describe("a PostgreSQL URL where no server answers", () => {
  it.each([["ingest", "-"], ["steps"], ["status"], ["serve"]])("%s fails naming the database, password left out, says what to check, and creates nothing", async (...command) => {
    const cwd = tempDir();
    const result = await stepstore([...command, "--db", "postgres://alice:s3cret@127.0.0.1:1/db"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("postgres://alice@127.0.0.1:1/db");
    expect(result.stderr).not.toContain("s3cret");
    expect(result.stderr).toContain("is the PostgreSQL server running");
    // No createdb advice while no server answers: it could not work.
    expect(result.stderr).not.toContain("createdb");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("with an @ in a query value (legal), it is tried, and a password parameter after it is not shown", async () => {
    const result = await stepstore(["steps", "--db", "postgres://alice:s3cret@127.0.0.1:1/db?application_name=me@laptop&sslpassword=s3cret"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stepstore: postgres:\/\/alice@127\.0\.0\.1:1\/db\?application_name=me%40laptop: cannot connect /);
    expect(result.stderr).not.toContain("s3cret");
  });

  it("with an sslmode, as hosted servers' URLs have, it fails the same, without pg's warning about what the mode means", async () => {
    for (const mode of ["require", "prefer", "verify-full"]) {
      const result = await stepstore(["steps", "--db", `postgres://alice:s3cret@127.0.0.1:1/db?sslmode=${mode}`], { subprocess: true });
      expect({ mode, code: result.code }).toEqual({ mode, code: 1 });
      expect(result.stderr).toMatch(new RegExp(`^stepstore: postgres://alice@127\\.0\\.0\\.1:1/db\\?sslmode=${mode}: cannot connect `));
      expect(result.stderr).not.toContain("WARNING");
    }
    // As libpq: verify-ca checks the certificate against a CA the URL names.
    const verifyCa = await stepstore(["steps", "--db", "postgres://alice:s3cret@127.0.0.1:1/db?sslmode=verify-ca"], { subprocess: true });
    expect(verifyCa.code).toBe(1);
    expect(verifyCa.stderr).toContain("sslrootcert");
  });
});

describe("a URL that is not PostgreSQL's", () => {
  // Before: taken as a path, it made a SQLite store under ./postgress:/… and ingest said all was appended (exit 0).
  it.each([["ingest", "-"], ["steps"], ["status"], ["serve"]])("%s is a usage error (exit 2) saying what a store location is, shows no password, and creates nothing", async (...command) => {
    const cwd = tempDir();
    for (const url of ["postgress://alice:s3cret@127.0.0.1:5432/db", "mysql://alice:s3cret@localhost/db"]) {
      const result = await stepstore([...command, "--db", url], { cwd });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`stepstore: the store ${url.split(":")[0]}://… is a URL but not PostgreSQL's: give postgres://user@host:5432/database, or a SQLite file path\n`);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("a --db that names no usable store", () => {
  // Before: the first two connected to the user's default database (ingest made a store in `postgres`), the next three
  // made SQLite stores under ./postgres:/…, and a bad ?schema= exited 1 where every other malformed --db exits 2.
  const noDatabase = (url: string) => `stepstore: ${url} names no database: give its name after the host, postgres://user@host:5432/database (stepstore creates tables, never the database)\n`;
  const noSlashes = (scheme: string) => `stepstore: the store ${scheme}:… lacks the // of a URL: give postgres://user@host:5432/database, or a SQLite file path (./${scheme}:… for a file so named)\n`;
  const malformed: [string, string][] = [
    ["postgres://alice:s3cret@127.0.0.1:1/", noDatabase("postgres://alice@127.0.0.1:1/")],
    ["postgres://alice:s3cret@127.0.0.1:1", noDatabase("postgres://alice@127.0.0.1:1")],
    ["postgres:/alice:s3cret@127.0.0.1:1/db", noSlashes("postgres")],
    ["postgresql:alice:s3cret@127.0.0.1:1/db", noSlashes("postgresql")],
    ["POSTGRES:db", noSlashes("POSTGRES")],
    // A # in the password ends the authority: the URL shown looks right, so the message says what to encode.
    ["postgres://alice:s3#cret@127.0.0.1:1/db", "stepstore: postgres://alice@127.0.0.1:1/db: not a PostgreSQL URL (postgres://user@host:5432/database; in a user or password, percent-encode @ # / ? : as %40 %23 %2F %3F %3A)\n"],
    // An @ and then a / # or ? in the password: the URL parses, with part of the password as its host and path.
    ...["p@ss/word", "p@ss#word", "p@ss?word"].map((password): [string, string] => [`postgres://alice:${password}@127.0.0.1:1/db`,
      "stepstore: postgres://REDACTED@127.0.0.1:1/db: not a PostgreSQL URL: an @ after its host (postgres://user@host:5432/database; in a user or password, percent-encode @ # / ? : as %40 %23 %2F %3F %3A)\n"]),
    ["postgres://alice:s3cret@127.0.0.1:1/db?schema=bad-name", `stepstore: postgres://alice@127.0.0.1:1/db?schema=bad-name: ?schema= takes a name of letters, digits and _ (not starting with a digit, at most 63), not "bad-name"\n`],
  ];
  it.each([["ingest", "-"], ["steps"]])("%s is a usage error (exit 2) naming the problem, shows no password, and creates nothing", async (...command) => {
    const cwd = tempDir();
    for (const [db, message] of malformed) {
      const result = await stepstore([...command, "--db", db], { cwd });
      expect(result.stderr).toBe(message);
      expect(result.code).toBe(2);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("still takes a file named postgres.db, or one with a colon, as a SQLite store", async () => {
    const cwd = tempDir();
    for (const db of ["postgres.db", "./postgres:x.db"]) {
      const rebuild = await stepstore(["rebuild", "--db", db], { cwd });
      expect(rebuild.code).toBe(0);
      // A new store holds nothing: rebuild says so, for the --db that was mistyped.
      expect(rebuild.stderr).toBe(`rebuild: ${join(cwd, db)} holds no events: there was nothing to refold (check --db if you expected some)\n`);
    }
    expect(readdirSync(cwd).filter((name) => name.endsWith(".db")).sort()).toEqual(["postgres.db", "postgres:x.db"]);
  });
});

/** Runs `sql` on the database as its owner, outside stepstore: the rows' first column. */
async function onDatabase(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: "array" })).rows.map((row: unknown[]) => row[0]);
  } finally {
    await client.end();
  }
}

/** Every schema and relation of the database but PostgreSQL's own. */
const relations = (url: string) => onDatabase(url, `SELECT n.nspname || '.' || coalesce(c.relname, '') FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
  WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1`);

describePostgres("a PostgreSQL database whose events table is another application's", () => {
  // Before: reads said "made by an older stepstore: run any write command", and a write then failed showing drizzle's
  // whole CREATE TABLE and left a `drizzle` schema behind. The rule is SQLite's (src/store/logColumns.ts).
  const url = useFreshDatabase();
  it.each([["status"], ["steps"], ["ingest", join(EXAMPLES, "relayed-events.jsonl")], ["rebuild"]])("%s refuses it, exit 1 naming it, and adds nothing", async (...command) => {
    if ((await relations(url())).length === 1) await onDatabase(url(), "CREATE TABLE events (id serial PRIMARY KEY, name text)");
    const before = await relations(url());
    const result = await stepstore([...command, "--db", url()]);
    expect(result.stderr).toBe(`stepstore: ${url()} is not a stepstore database (it has an events table that is not stepstore's log); stepstore leaves it as it is: give --db another database, or a schema of stepstore's own (?schema=NAME)\n`);
    expect(result.code).toBe(1);
    expect(await relations(url())).toEqual(before);
  });
});

describePostgres("a PostgreSQL migration that fails", () => {
  const url = useFreshDatabase();
  it("shows PostgreSQL's own error, not drizzle's statement", async () => {
    await onDatabase(url(), "CREATE TABLE rejections (id int)");
    const result = await stepstore(["ingest", "--db", url(), join(EXAMPLES, "relayed-events.jsonl")]);
    expect(result.stderr).toBe(`stepstore: ${url()}: migrating failed: relation "rejections" already exists\n`);
    expect(result.code).toBe(1);
  });
});

describePostgres("a PostgreSQL role without rights on the store", () => {
  const url = useFreshDatabase();
  const role = `stepstore_test_norights_${process.pid}`;
  const asRole = () => Object.assign(new URL(url()), { username: role }).toString();
  beforeAll(async () => {
    expect((await stepstore(["ingest", "--db", url(), join(EXAMPLES, "relayed-events.jsonl")])).code).toBe(0);
    await onDatabase(url(), `CREATE ROLE ${role} LOGIN`);
  });
  afterAll(async () => {
    await onDatabase(url(), `DROP ROLE IF EXISTS ${role}`);
  });

  // Before: "stepstore: permission denied for schema drizzle", naming no store (CONTRACT §8: every error about the store names it).
  it.each([["steps"], ["status"], ["rebuild"]])("%s fails with PostgreSQL's refusal, the database named first", async (...command) => {
    const result = await stepstore([...command, "--db", asRole()]);
    expect(result.stderr).toMatch(new RegExp(`^stepstore: ${asRole().replace(/[.?*+^$()[\]{}|\\/]/g, "\\$&")}: (migrating failed: )?permission denied for `));
    expect(result.code).toBe(1);
  });
});
