import { describe, expect, it } from "vitest";
import { isPostgresUrl, openPool, withoutPassword } from "../../../src/store/postgres/connect.js";
import { openPostgresDatabase } from "../../../src/store/postgres/database.js";
import { databaseUrl, describePostgres } from "../../helpers/postgres.js";

describe("PostgreSQL URLs", () => {
  it("are postgres:// or postgresql://, any case", () => {
    expect(["postgres://h/db", "postgresql://u@h:5432/db", "POSTGRES://h/db"].every(isPostgresUrl)).toBe(true);
    expect(["./data/stepstore.db", "/tmp/postgres://x", "sqlite://x"].some(isPostgresUrl)).toBe(false);
  });

  it("are shown without their password", () => {
    expect(withoutPassword("postgres://alice:s3cret@db.example:5432/steps")).toBe("postgres://alice@db.example:5432/steps");
    expect(withoutPassword("postgres://alice@db.example/steps")).toBe("postgres://alice@db.example/steps");
    expect(withoutPassword("postgres://alice@db.example/steps?password=s3cret&schema=team_a&sslpassword=k3y")).toBe("postgres://alice@db.example/steps?schema=team_a");
  });
});

describe("a database that cannot be reached", () => {
  it("is named, password left out, with what to check, when nothing listens on the port", async () => {
    const error = await openPool("postgres://alice:s3cret@127.0.0.1:1/steps").catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("postgres://alice@127.0.0.1:1/steps");
    expect(message).not.toContain("s3cret");
    expect(message).toMatch(/is the PostgreSQL server running/);
    // Whether the database exists is for a running server to say: createdb could not reach this one either.
    expect(message).not.toContain("createdb");
  });

  it("refuses what is not a PostgreSQL URL, password left out", async () => {
    const error = await openPool("mysql://bob:pw@h/db").catch((e: Error) => e);
    expect((error as Error).message).toBe("mysql://bob@h/db: not a PostgreSQL URL (postgres://user@host:5432/database)");
  });
});

describePostgres("a database that does not exist", () => {
  it("is named, and the message says how to create it", async () => {
    const url = databaseUrl("stepstore_test_missing_db");
    const error = await openPostgresDatabase(url).catch((e: Error) => e);
    const message = (error as Error).message;
    expect(message.startsWith(`${url}: database "stepstore_test_missing_db" does not exist; create it (createdb -h `)).toBe(true);
    expect(message.endsWith(" stepstore_test_missing_db) or give --db an existing database")).toBe(true);
  });
});
