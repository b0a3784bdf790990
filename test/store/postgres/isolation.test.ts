import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordsOf, type AcceptedRecord } from "../../../src/records/classify.js";
import { openPostgresStepstore } from "../../../src/stepstore.js";
import { LOCK_LOG_FOR_APPEND } from "../../../src/store/postgres/appendLock.js";
import type { Store } from "../../../src/store/store.js";
import { ADMIN_URL, describePostgres, freshDatabase } from "../../helpers/postgres.js";

describePostgres("appends on a database whose default isolation is REPEATABLE READ", () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let store: Store;
  beforeAll(async () => {
    database = await freshDatabase();
    const admin = new pg.Client(ADMIN_URL);
    await admin.connect();
    await admin.query(`ALTER DATABASE "${database.name}" SET default_transaction_isolation TO 'repeatable read'`);
    await admin.end();
    store = await openPostgresStepstore(database.url);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("an append that waited for the lock sees what its holder committed: the same event is a duplicate, not a serialization error", async () => {
    const text = '{"id":"evt_iso_1","object":"event","type":"thread.created","created_at":1755180000,"data":{"id":"thread_iso","object":"thread","created_at":1755180000}}';
    const record = [...recordsOf(JSON.parse(text), text, "test:1")][0] as AcceptedRecord;
    const holder = new pg.Client(database.url);
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(LOCK_LOG_FOR_APPEND);
      const appending = store.append({ source: "file", accepted: [{ record, key: "evt_iso_1" }], rejected: [] });
      await expect.poll(async () => (await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n).toBe(1);
      await holder.query("INSERT INTO events (event_key, type, thread_id, source, origin, received_at, data) VALUES ($1, 'thread.created', 'thread_iso', 'file', 'holder:1', '2026-12-01T00:00:00Z', $2)", ["evt_iso_1", text]);
      await holder.query("COMMIT");
      expect(await appending).toMatchObject({ appended: 0, duplicates: 1, rejected: 0, results: [{ status: "duplicate", position: 1 }] });
    } finally {
      await holder.end();
    }
  });
});
