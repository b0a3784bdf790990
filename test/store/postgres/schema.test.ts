import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/database.js";
import { stepstore, tempDir } from "../../helpers/cli.js";
import { describePostgres, withFreshDatabase } from "../../helpers/postgres.js";
import { stepRows } from "../../poll/support.js";
import { generateWorld, type World } from "../../world/world.js";

/** A JSONL file of the world's events and polled snapshots, as a user would ingest them. */
function worldFile(world: World, name: string): string {
  const file = join(tempDir("stepstore-schema-"), name);
  writeFileSync(file, [...world.events, ...[...world.polledSteps.values()].flat()].map((r) => JSON.stringify(r)).join("\n") + "\n");
  return file;
}

const inSchema = (url: string, schema: string) => `${url}?schema=${schema}`;

describePostgres("a PostgreSQL URL's ?schema=", () => {
  it("keeps two stores in two schemas of one database apart: each holds its own world, and sql sees that schema's tables", async () => {
    await withFreshDatabase(async (database) => {
      const worlds = { alpha: generateWorld(31, { runs: 12 }), beta: generateWorld(32, { runs: 7 }) };
      for (const [schema, world] of Object.entries(worlds)) {
        const ingest = await stepstore(["ingest", "--db", inSchema(database.url, schema), worldFile(world, `${schema}.jsonl`)]);
        expect(ingest.stderr).toBe("");
        expect(ingest.code).toBe(0);
      }
      for (const [schema, world] of Object.entries(worlds)) {
        const db = inSchema(database.url, schema);
        expect(await stepRows(db)).toEqual(world.steps);
        const runs = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT id FROM runs ORDER BY id"]);
        expect(runs.stdout.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(world.runs.map((r) => r.id).sort());
        const verify = await stepstore(["verify", "--db", db]);
        expect(verify.code).toBe(0);
      }
      // Nothing in the database's default schema: a URL without ?schema= finds no store there.
      const plain = await stepstore(["steps", "--db", database.url]);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain("is not a stepstore database");
    });
  });

  it("?schema=public is the store a URL without ?schema= names, and a schema named for the user takes none of its tables", async () => {
    await withFreshDatabase(async (database) => {
      // PostgreSQL's default search path puts "$user" first: a schema of that name took the tables, and migrating failed
      // (drizzle-kit's views name public). And ?schema=public kept its migration journal apart: "an older stepstore".
      const user = decodeURIComponent(new URL(database.url).username) || "postgres";
      expect((await stepstore(["rebuild", "--db", inSchema(database.url, user)])).code).toBe(0);
      const world = generateWorld(33, { runs: 5 });
      const ingest = await stepstore(["ingest", "--db", database.url, worldFile(world, "plain.jsonl")]);
      expect(ingest.stderr).toBe("");
      expect(await stepRows(inSchema(database.url, "public"))).toEqual(world.steps);
      const again = await stepstore(["ingest", "--db", inSchema(database.url, "public"), worldFile(world, "plain.jsonl")]);
      expect(again.stderr).toBe("");
      expect(again.stdout).toMatch(/ 0 appended, /);
      const inUserSchema = await stepstore(["sql", "--db", inSchema(database.url, user), "--format", "jsonl", "SELECT count(*) AS n FROM events"]);
      expect(inUserSchema.stdout).toBe('{"n":0}\n');
    });
  });

  it("verify of a store missing a table (dropped by hand) names the store in its error, as every other command does", async () => {
    await withFreshDatabase(async (database) => {
      expect((await stepstore(["ingest", "--db", database.url, worldFile(generateWorld(34, { runs: 2 }), "w.jsonl")])).code).toBe(0);
      const db = await openPostgresDatabase(database.url);
      await db.run("DROP TABLE run_step_tools CASCADE");
      await db.close();
      const verify = await stepstore(["verify", "--db", database.url]);
      expect(verify.code).toBe(1);
      expect(verify.stderr).toBe(`stepstore: ${database.url}: relation "run_step_tools" does not exist\n`);
    });
  });

  it("is created by a write command when missing, never by a read command; a bad name and the password stay out of the message", async () => {
    await withFreshDatabase(async (database) => {
      const missing = await stepstore(["status", "--db", inSchema(database.url, "later")]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("?schema=later is not a stepstore database");
      const schemas = await stepstore(["rebuild", "--db", inSchema(database.url, "later")]);
      expect(schemas.code).toBe(0);
      expect((await stepstore(["status", "--db", inSchema(database.url, "later")])).code).toBe(0);

      const withPassword = new URL(inSchema(database.url, "no-good"));
      withPassword.password = "s3cret-pw";
      const bad = await stepstore(["status", "--db", withPassword.toString()]);
      expect(bad.code).toBe(2); // bad usage, as every other malformed --db
      expect(bad.stderr).toContain('?schema= takes a name of letters, digits and _');
      expect(bad.stderr).not.toContain("s3cret-pw");
    });
  });

  it("holds beside the URL's own &options=: the store stays in its schema, read commands stay read only, and a bad option names the database", async () => {
    await withFreshDatabase(async (database) => {
      const withOptions = `${inSchema(database.url, "team")}&options=${encodeURIComponent("-c statement_timeout=60000")}`;
      const file = worldFile(generateWorld(33, { runs: 3 }), "team.jsonl");
      expect((await stepstore(["ingest", "--db", withOptions, file])).code).toBe(0);
      const count = async (db: string) => (await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT count(*) AS n FROM events"])).stdout;
      expect(await count(withOptions)).toBe(await count(inSchema(database.url, "team")));
      expect((await stepstore(["steps", "--db", database.url])).stderr).toContain("is not a stepstore database");
      const write = await stepstore(["sql", "--db", withOptions, "DELETE FROM events"]);
      expect(write.code).toBe(1);
      expect(write.stderr).toMatch(/read-only/);

      const badOption = `${database.url}?options=${encodeURIComponent("-c statement_timeout=foo")}`;
      const bad = await stepstore(["status", "--db", badOption]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${database.url.split("?")[0]}?options=`);
      expect(bad.stderr).toContain('invalid value for parameter "statement_timeout"');
    });
  });
});
