import { describe, it } from "vitest";
import { spawnStepstore, tempDb } from "../helpers/cli.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { generateWorld } from "../world/world.js";
import { expectTruth, sendLanes, splitWorld, startServers } from "./sharedDatabase.js";
import { spawnServe } from "../api/harness.js";
import pg from "pg";

/** Resolves once the database holds more than `count` events from files (an ingest is committing). */
async function fileEventsPast(db: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    for (;;) {
      const row = (await client.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE source = 'file'")).rows[0]!;
      if (Number(row.n) > count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await client.end();
  }
}

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
    const { webhookLanes, files, everything } = splitWorld(world);
    const db = tempDb();
    const { servers, secret } = await startServers(db);
    const acknowledged = new Map<string, number>();
    const killed: string[] = [];
    try {
      const sending = sendLanes(webhookLanes, () => servers, secret, acknowledged);
      const ingests = files.map((file) => ingest(db, file));
      // Once both kinds of writer are committing, one of each dies without warning.
      await fileEventsPast(db, 0);
      while (acknowledged.size < 50) await new Promise((resolve) => setTimeout(resolve, 5));
      ingests[0]!.child.kill("SIGKILL");
      servers[0]!.child.kill("SIGKILL");
      killed.push((await ingests[0]!.done).signal ?? "finished first", (await servers[0]!.exited).signal ?? "exited");
      servers[0] = await spawnServe(["--db", db], { STEPSTORE_WEBHOOK_SECRET: secret });
      const rerun = await ingest(db, files[0]!).done;
      const [other] = await Promise.all([ingests[1]!.done, sending]);
      for (const result of [rerun, other]) if (result.code !== 0) throw new Error(`ingest failed: ${result.stderr}`);
      await expectTruth(db, world, everything, acknowledged, servers[1]!);
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
      await Promise.all(servers.map((server) => server.exited));
    }
    process.stderr.write(`killed mid-load: ingest ${killed[0]}, serve ${killed[1]}\n`);
  });
});
