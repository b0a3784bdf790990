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
