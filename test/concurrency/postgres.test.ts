import { describe, expect, it } from "vitest";
import { spawnStepstore, tempDb } from "../helpers/cli.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { assistantRecords, generateWorld } from "../world/world.js";
import { expectTruth, sendLanes, splitWorld, startServers } from "./sharedDatabase.js";
import { spawnServe } from "../api/harness.js";
import pg from "pg";

/** The events the log holds from `file` (their origins are `file:line`). */
async function eventsFrom(db: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE starts_with(origin, $1)", [`${file}:`])).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Resolves once `condition` holds, checked every 5 ms. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * A count once it stops moving (the same twice, 250 ms apart): after its client is killed, PostgreSQL still runs
 * what the client sent before it died, a COMMIT included, so a killed ingest's last batch can commit after the kill.
 */
async function settled(count: () => Promise<number>): Promise<number> {
  for (let last = await count(); ; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    if (now === last) return now;
    last = now;
  }
}

/** Assistant records (no step's truth changes): enough for the first file's ingest to commit several batches of 5,000 first. */
const PADDING = assistantRecords(Array.from({ length: 16_000 }, (_, i) => `asst_padding_${i}`), []);

const ingest = (db: string, file: string) => spawnStepstore(["ingest", "--db", db, file], { subprocess: true });

// Several processes on one database is what PostgreSQL is for; the SQLite half has its own concurrency tests.
describe.runIf(pgHalf)("a world split over two serve and two ingest processes on one PostgreSQL database", () => {
  it("every step equals the truth, verify passes, the report equals the truth's metrics, steps equal SQLite's bytes", async () => {
    const world = generateWorld(20261130, { runs: 40 });
    const { webhookLanes, files, everything } = splitWorld(world);
    const db = tempDb();
    const { servers, secret } = await startServers(db);
    const acknowledged = new Map<string, number>();
    try {
      const [ingested] = await Promise.all([
        Promise.all(files.map((file) => ingest(db, file).done)),
        sendLanes(webhookLanes, () => servers, secret, acknowledged),
      ]);
      for (const result of ingested) if (result.code !== 0) throw new Error(`ingest failed: ${result.stderr}`);
      await expectTruth(db, world, everything, acknowledged, servers[0]!);
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
      await Promise.all(servers.map((server) => server.exited));
    }
  });

  it("with one serve and one ingest killed (SIGKILL) mid-load and restarted: nothing acknowledged is lost, verify passes, rows equal the truth", async () => {
    const world = generateWorld(20261201, { runs: 160 });
    const { webhookLanes, files, everything, fileRecords } = splitWorld(world, PADDING);
    const webhooks = webhookLanes.flat().length;
    const db = tempDb();
    const { servers, secret } = await startServers(db);
    const acknowledged = new Map<string, number>();
    try {
      const sending = sendLanes(webhookLanes, () => servers, secret, acknowledged);
      const ingests = files.map((file) => ingest(db, file));
      // Side by side (the serve's restart takes longer than the rest of an ingest may):
      // a serve dies while webhooks are still being sent to it, and comes back;
      // the first file's ingest dies once it has committed a batch, long before its end.
      const serveKilled = (async () => {
        await until(() => acknowledged.size >= 50);
        servers[0]!.child.kill("SIGKILL");
        expect(acknowledged.size, "every webhook was acknowledged before the serve was killed").toBeLessThan(webhooks);
        expect((await servers[0]!.exited).signal).toBe("SIGKILL");
        servers[0] = await spawnServe(["--db", db], { STEPSTORE_WEBHOOK_SECRET: secret });
      })();
      const ingestKilled = (async () => {
        await until(async () => (await eventsFrom(db, files[0]!)) > 0);
        ingests[0]!.child.kill("SIGKILL");
        expect((await ingests[0]!.done).signal, "the first ingest finished before it was killed").toBe("SIGKILL");
      })();
      await Promise.all([serveKilled, ingestKilled]);
      const committed = await settled(() => eventsFrom(db, files[0]!));
      expect(committed).toBeGreaterThan(0);
      expect(committed).toBeLessThan(fileRecords[0]!);
      const rerun = await ingest(db, files[0]!).done;
      const [other] = await Promise.all([ingests[1]!.done, sending]);
      for (const result of [rerun, other]) if (result.code !== 0) throw new Error(`ingest failed: ${result.stderr}`);
      // The rerun reads the whole file again and appends exactly what the killed one had not committed.
      const [, records, appended] = /^(\d+) records: (\d+) appended/.exec(rerun.stdout) ?? [];
      expect(Number(records)).toBe(fileRecords[0]);
      expect(await eventsFrom(db, files[0]!)).toBe(committed + Number(appended));
      await expectTruth(db, world, everything, acknowledged, servers[1]!);
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
      await Promise.all(servers.map((server) => server.exited));
    }
  });
});
