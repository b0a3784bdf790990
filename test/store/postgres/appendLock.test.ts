import { afterAll, beforeAll, expect, it } from "vitest";
import { LOCK_LOG_FOR_APPEND } from "../../../src/store/postgres/appendLock.js";
import { openPostgresDatabase, type PostgresDatabase } from "../../../src/store/postgres/database.js";
import { migratePostgres } from "../../../src/store/postgres/migrate.js";
import type { SqlPort } from "../../../src/store/sqlPort.js";
import { describePostgres, useFreshDatabase } from "../../helpers/postgres.js";

const INSERT = `INSERT INTO events (event_key, type, source, origin, received_at, data)
  VALUES (?, 'thread.run.step.created', 'test', 'test', '2026-11-30T00:00:00Z', '{}') RETURNING position`;

const lockLogForAppend = (tx: SqlPort) => tx.get(LOCK_LOG_FOR_APPEND);

const append = async (tx: SqlPort, key: string) => (await tx.get<{ position: number }>(INSERT, [key]))!.position;

const positionsAfter = async (db: SqlPort, after: number) =>
  (await db.all<{ position: number }>("SELECT position FROM events WHERE position > ? ORDER BY position", [after])).map((row) => row.position);

/** Batches of 1 to 4 events, varied by writer so that their transactions differ in length. */
const batchSize = (writer: number, batch: number) => ((batch + writer) % 4) + 1;

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describePostgres("positions under concurrent appends on PostgreSQL", () => {
  const url = useFreshDatabase();
  const handles: PostgresDatabase[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) handles.push(await openPostgresDatabase(url(), { max: 3 }));
    await migratePostgres(handles[0]!.pool, url());
  });
  afterAll(() => Promise.all(handles.map((handle) => handle.close())));

  it("without the lock, a bigserial commits out of order and a reader of 'after P' skips the late one", async () => {
    const [a, b, reader] = handles as [PostgresDatabase, PostgresDatabase, PostgresDatabase];
    await a.run("TRUNCATE events RESTART IDENTITY");
    const hold = gate();
    let early = 0;
    const slow = a.transaction(async (tx) => {
      early = await append(tx, "early");
      await hold.opened;
    });
    await expect.poll(() => early).toBe(1);
    const late = await b.transaction((tx) => append(tx, "late"));
    expect(await positionsAfter(reader, 0)).toEqual([late]);
    hold.open();
    await slow;
    expect(await positionsAfter(reader, late)).toEqual([]); // position 1 is committed, and never seen after 2
  });

  it("with the lock, a second append waits for the first to commit, so positions become visible in order", async () => {
    const [a, b, reader] = handles as [PostgresDatabase, PostgresDatabase, PostgresDatabase];
    await a.run("TRUNCATE events RESTART IDENTITY");
    const hold = gate();
    let first = 0;
    const slow = a.transaction(async (tx) => {
      await lockLogForAppend(tx);
      first = await append(tx, "first");
      await hold.opened;
    });
    await expect.poll(() => first).toBe(1);
    const second = b.transaction(async (tx) => {
      await lockLogForAppend(tx);
      return append(tx, "second");
    });
    await expect.poll(() => reader.get("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).toEqual({ n: 1 });
    expect(await positionsAfter(reader, 0)).toEqual([]);
    hold.open();
    await slow;
    expect(await second).toBe(2);
    expect(await positionsAfter(reader, 0)).toEqual([1, 2]);
  });

  it("given six writers on three pools appending interleaved batches, then a reader polling 'after P' sees every position, in order, none skipped", async () => {
    const [, , , reader] = handles as [PostgresDatabase, PostgresDatabase, PostgresDatabase, PostgresDatabase];
    await reader.run("TRUNCATE events RESTART IDENTITY");
    const writers = handles.slice(0, 3).flatMap((handle, h) =>
      // two loops per handle: its transactions queue on the handle, and three handles contend for the lock
      [0, 1].map(async (loop) => {
        for (let batch = 0; batch < 15; batch++) {
          await handle.transaction(async (tx) => {
            await lockLogForAppend(tx);
            for (let i = 0; i < batchSize(h, batch); i++) {
              await append(tx, `h${h}-l${loop}-b${batch}-${i}`);
              await new Promise((resolve) => setImmediate(resolve));
            }
          });
        }
      }),
    );
    const seen: number[] = [];
    let done = false;
    const all = Promise.all(writers).finally(() => (done = true));
    for (let last = 0; !done; ) {
      const fresh = await positionsAfter(reader, last);
      seen.push(...fresh);
      last = fresh.at(-1) ?? last;
    }
    await all;
    seen.push(...(await positionsAfter(reader, seen.at(-1) ?? 0)));
    const total = (await reader.get<{ n: number }>("SELECT count(*) AS n FROM events"))!.n;
    let expected = 0;
    for (let h = 0; h < 3; h++) for (let batch = 0; batch < 15; batch++) expected += 2 * batchSize(h, batch);
    expect(total).toBe(expected);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });
});
