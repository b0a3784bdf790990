import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventKeyer } from "../../../src/records/eventKey.js";
import { openPostgresStepstore } from "../../../src/stepstore.js";
import { keyed } from "../../projections/projectionSpec.js";
import { describePostgres, freshDatabase } from "../../helpers/postgres.js";
import { generateWorld } from "../../world/world.js";

/** The projections' tables, which an append reads by key: a scan of one costs every row it holds, for every append. */
const READ_BY_KEY = ["runs", "run_steps", "run_step_folds", "run_step_tools", "run_expiries", "step_summaries"];

describePostgres("appends on a new PostgreSQL store read their rows by index, not by scanning tables", () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => (database = await freshDatabase()));
  afterAll(() => database?.drop());

  it("the plans a connection keeps from while its tables were empty still use the indexes once they hold rows", async () => {
    // Small batches, as a webhook server commits them: each statement text runs often enough for PostgreSQL to keep one
    // generic plan per connection, made while the tables were empty, before autovacuum has analyzed them.
    const world = generateWorld(6601, { runs: 40 });
    const keyOf = createEventKeyer("plans");
    const records = keyed(world.events as Record<string, unknown>[], keyOf, 0);
    const store = await openPostgresStepstore(database.url);
    try {
      for (let i = 0; i < records.length; i += 3) await store.append({ source: "webhook", accepted: records.slice(i, i + 3), rejected: [] });
    } finally {
      await store.close(); // its backends exit and report their table statistics
    }
    const reader = new pg.Client(database.url);
    await reader.connect();
    try {
      // A backend reports its statistics as it exits: once the log's inserts are all counted, every appender's scans are too.
      const appended = Number((await reader.query("SELECT count(*) AS n FROM events")).rows[0].n);
      await expect.poll(async () => Number((await reader.query("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'events'")).rows[0].n_tup_ins)).toBe(appended);
      const { rows } = await reader.query<{ relname: string; seq_tup_read: string; n_live_tup: string }>(
        "SELECT relname, seq_tup_read, n_live_tup FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname", [READ_BY_KEY]);
      expect(rows).toHaveLength(READ_BY_KEY.length);
      expect(rows.find((r) => r.relname === "run_steps")!.n_live_tup).not.toBe("0");
      // Opening the store looks at its tables while they are empty: a scan then reads no row; an append's scan would.
      expect(rows.filter((r) => r.seq_tup_read !== "0").map((r) => `${r.relname}: ${r.seq_tup_read} rows scanned`)).toEqual([]);
    } finally {
      await reader.end();
    }
  });
});
