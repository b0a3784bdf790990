import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateWorld } from "../world/world.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";

describe("an ingest that fails after some of its batches committed", () => {
  it("says how much it committed and that a re-run adds the rest; the re-run does", async () => {
    const db = tempDb();
    const dir = tempDir();
    const events = generateWorld(7, { runs: 800 }).events;
    expect(events.length).toBeGreaterThan(10_000);
    const file = join(dir, "events.jsonl");
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join("\n"));
    const first = join(dir, "first.jsonl");
    writeFileSync(first, JSON.stringify(events[0]));
    expect((await stepstore(["ingest", "--db", db, first])).code).toBe(0);
    // The store refuses the second batch of 5,000 midway, as a full disk or a lock held too long would.
    const sqlite = new Database(db);
    sqlite.exec("CREATE TRIGGER injected BEFORE INSERT ON events WHEN (SELECT count(*) FROM events) >= 7500 BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    sqlite.close();

    const failed = await stepstore(["ingest", "--db", db, file]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("stepstore: ingest stopped after committing 5000 records: 4999 appended, 1 duplicates, 0 rejected; run it again to add the rest (what landed is skipped as duplicates)\n");
    expect(failed.stderr).toContain("injected failure");

    const unblocked = new Database(db);
    unblocked.exec("DROP TRIGGER injected");
    unblocked.close();
    const again = await stepstore(["ingest", "--db", db, file]);
    expect([again.code, again.stdout]).toEqual([0, `${events.length} records: ${events.length - 5000} appended, 5000 duplicates, 0 rejected\n`]);
  });
});
