import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stepstore, tempDir } from "../helpers/cli.js";

describe("a PostgreSQL URL where no server answers", () => {
  it.each([["ingest", "-"], ["steps"], ["status"], ["serve"]])("%s fails naming the database, password left out, says what to check, and creates nothing", async (...command) => {
    const cwd = tempDir();
    const result = await stepstore([...command, "--db", "postgres://alice:s3cret@127.0.0.1:1/db"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("postgres://alice@127.0.0.1:1/db");
    expect(result.stderr).not.toContain("s3cret");
    expect(result.stderr).toContain("is the PostgreSQL server running");
    expect(readdirSync(cwd)).toEqual([]);
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
