import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordsOf, type AcceptedRecord } from "../../../src/records/classify.js";
import { openPostgresStepstore } from "../../../src/stepstore.js";
import type { Store } from "../../../src/store/store.js";
import { ADMIN_URL, describePostgres, freshDatabase } from "../../helpers/postgres.js";

/** PostgreSQL's longest `commit_delay`: every WAL flush on the database first sleeps this long, as on a slow disk. */
const FLUSH_DELAY_MS = 100;

function threadRecord(id: string): { record: AcceptedRecord; key: string } {
  const text = JSON.stringify({ id: `evt_${id}`, object: "event", type: "thread.created", created_at: 1755180000, data: { id: `thread_${id}`, object: "thread", created_at: 1755180000 } });
  return { record: [...recordsOf(JSON.parse(text), text, `test:${id}`)][0] as AcceptedRecord, key: `evt_${id}` };
}

describePostgres("an append's WAL flush on PostgreSQL: waited for before the answer, not under the append lock", () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let first: Store;
  let second: Store;
  let reader: pg.Client;
  beforeAll(async () => {
    database = await freshDatabase();
    const admin = new pg.Client(ADMIN_URL);
    await admin.connect();
    await admin.query(`ALTER DATABASE "${database.name}" SET commit_delay = ${FLUSH_DELAY_MS * 1000}`);
    await admin.query(`ALTER DATABASE "${database.name}" SET commit_siblings = 0`);
    await admin.end();
    [first, second] = [await openPostgresStepstore(database.url), await openPostgresStepstore(database.url)];
    reader = new pg.Client(database.url);
    await reader.connect();
  });
  afterAll(async () => {
    await reader?.end();
    await Promise.all([first?.close(), second?.close()]);
    await database?.drop();
  });

  const visible = async (key: string) => (await reader.query("SELECT count(*)::int AS n FROM events WHERE event_key = $1", [key])).rows[0].n === 1;

  it("an append is answered only once the WAL holding its commit is on disk", async () => {
    const started = performance.now();
    const appending = first.append({ source: "file", accepted: [threadRecord("durable_1")], rejected: [] });
    await expect.poll(() => visible("evt_durable_1"), { interval: 1, timeout: 10_000 }).toBe(true);
    const { insert } = (await reader.query("SELECT pg_current_wal_insert_lsn()::text AS insert")).rows[0];
    expect(await appending).toMatchObject({ appended: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(FLUSH_DELAY_MS - 5); // it waited for a flush
    // everything written before its events could be seen, its commit included, was flushed before the answer
    expect((await reader.query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed", [insert])).rows[0].flushed).toBe(true);
  });

  it("while one append waits for its flush, a second store on the database (as another process would) takes the append lock and commits: the flushes overlap", async () => {
    // A round can miss the window on a loaded machine (the second append taking longer than the flush delay): five tries.
    const overlapped: boolean[] = [];
    for (let round = 0; round < 5 && !overlapped.includes(true); round++) {
      const [a, b] = [threadRecord(`overlap_a${round}`), threadRecord(`overlap_b${round}`)];
      let firstAnswered = false;
      const appendingFirst = first.append({ source: "file", accepted: [a], rejected: [] }).then(() => (firstAnswered = true));
      await expect.poll(() => visible(a.key), { interval: 1, timeout: 10_000 }).toBe(true);
      const appendingSecond = second.append({ source: "file", accepted: [b], rejected: [] });
      let secondVisible = false;
      while (!secondVisible && !firstAnswered) secondVisible = await visible(b.key);
      overlapped.push(secondVisible && !firstAnswered); // the second committed while the first still waited for its flush
      await Promise.all([appendingFirst, appendingSecond]);
    }
    expect(overlapped).toContain(true);
  });
});
