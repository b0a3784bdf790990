import { expect, it } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/database.js";
import { describePostgresStore, postgresStoreInfo } from "../../../src/store/postgres/status.js";
import { describePostgres, useFreshDatabase } from "../../helpers/postgres.js";

describePostgres("status of a PostgreSQL store", () => {
  const url = useFreshDatabase();

  it("names the database, its size in bytes and the server's URL without password", async () => {
    const withPassword = new URL(url());
    withPassword.password = "s3cret"; // trust auth ignores it
    const db = await openPostgresDatabase(withPassword.toString());
    try {
      const info = await postgresStoreInfo(db, withPassword.toString());
      const name = new URL(url()).pathname.slice(1);
      expect(info).toEqual({ database: name, sizeBytes: expect.any(Number), url: url() });
      expect(info.sizeBytes).toBeGreaterThan(1_000_000);
      expect(describePostgresStore(info)).toBe(`database     ${url()} (database ${name}, ${info.sizeBytes} bytes)`);
      expect(describePostgresStore(info)).not.toContain("s3cret");
    } finally {
      await db.close();
    }
  });
});
