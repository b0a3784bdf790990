import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { expect } from "vitest";
import { newSecret, openaiClient, signedHeaders, spawnServe, type ServeProcess } from "../api/harness.js";
import { DIMENSIONS, expectRows, testPricesFile, truthRows } from "../analytics/truth.js";
import { stepstore, tempDir } from "../helpers/cli.js";
import { lanesOf } from "../helpers/lanes.js";
import type { World } from "../world/world.js";

type Json = Record<string, unknown>;

/**
 * A world split for several writers: webhook lanes (each run's events in order) and two JSONL files for two ingest
 * processes. `padding` (records that change no step, such as assistant records) goes first in the first file, so that
 * its ingest commits several batches before it reaches the world's own records.
 */
export function splitWorld(world: World, padding: readonly Json[] = []) {
  const lanes = [...lanesOf(world.events).values()];
  const webhookLanes = lanes.filter((_, i) => i % 2 === 0);
  const fileLanes = lanes.filter((_, i) => i % 2 === 1);
  const polled = [...world.polledSteps.values()].flat();
  const dir = tempDir("stepstore-concurrency-");
  // A lane stays in one file, in order: deltas carry no sequence number, their order is the stream's.
  const files = [0, 1].map((half) => {
    const file = join(dir, `half${half}.jsonl`);
    const records = [...(half === 0 ? padding : []), ...fileLanes.filter((_, i) => i % 2 === half).flat(), ...polled.filter((_, i) => i % 2 === half)];
    writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(""));
    return file;
  });
  const everything = join(dir, "everything.jsonl");
  writeFileSync(everything, [...padding, ...world.events, ...polled].map((r) => `${JSON.stringify(r)}\n`).join(""));
  return { webhookLanes, files, everything, fileRecords: files.map((file) => readFileSync(file, "utf8").split("\n").length - 1) };
}

/** Two `serve` processes on one database, sharing one webhook secret. */
export async function startServers(db: string, count = 2): Promise<{ servers: ServeProcess[]; secret: string }> {
  const secret = newSecret();
  const servers = await Promise.all(Array.from({ length: count }, () => spawnServe(["--db", db], { STEPSTORE_WEBHOOK_SECRET: secret })));
  return { servers, secret };
}

/**
 * A sender that retries what was not acknowledged: each event goes to the next server in turn (so
 * consecutive events of one run go to different servers); a refused connection or a non-200 answer is
 * sent again, to the next server, until one acknowledges it. Returns each acknowledged event's position.
 */
export async function sendLanes(lanes: readonly Json[][], servers: () => readonly ServeProcess[], secret: string, acknowledged: Map<string, number>) {
  let turn = 0;
  const send = async (event: Json) => {
    const body = JSON.stringify(event);
    const headers = signedHeaders(secret, body, { id: `msg_${event.id as string}` });
    for (let attempt = 0; attempt < 200; attempt++) {
      const live = servers();
      const server = live[turn++ % live.length]!;
      try {
        const response = await fetch(`${server.url}/webhooks`, { method: "POST", headers, body });
        const answer = (await response.json()) as { status?: string; position?: number };
        if (response.status === 200) return acknowledged.set(event.id as string, answer.position!);
      } catch {
        // not acknowledged (the server died or is restarting): sent again
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`event ${event.id as string} was never acknowledged`);
  };
  await Promise.all(lanes.map(async (lane) => {
    for (const event of lane) await send(event);
  }));
}

/** What the acceptance asks of the database once every writer is done: rows, verify, report, and bytes equal to SQLite's. */
export async function expectTruth(db: string, world: World, everything: string, acknowledged: Map<string, number>, server: ServeProcess) {
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    // Nothing acknowledged is lost: each acknowledged event is in the log at the position its answer gave.
    const rows = (await client.query<{ event_key: string; position: number }>("SELECT event_key, position::int AS position FROM events")).rows;
    const keyAt = new Map(rows.map((r) => [r.position, r.event_key]));
    for (const [id, position] of acknowledged) expect([id, `msg_${id}`], id).toContain(keyAt.get(position));
  } finally {
    await client.end();
  }
  const sdk = openaiClient(server);
  for (const truth of world.steps as Json[]) {
    const step = await sdk.beta.threads.runs.steps.retrieve(truth.id as string, { thread_id: truth.thread_id as string, run_id: truth.run_id as string });
    expect(step).toEqual(truth);
  }
  const verify = await stepstore(["verify", "--db", db]);
  expect(verify.stderr).toBe("");
  expect(verify.stdout).toMatch(/^ok: \d+ events fold to exactly the stored tables\n$/);
  const prices = testPricesFile();
  for (const dimension of DIMENSIONS) {
    const report = await stepstore(["report", "--db", db, "--by", dimension, "--prices", prices]);
    expectRows(JSON.parse(report.stdout).rows, truthRows({ steps: world.steps, runs: world.runs }, dimension), dimension);
  }
  const sqlite = join(tempDir(), "reference.db");
  expect((await stepstore(["ingest", "--db", sqlite, everything])).code).toBe(0);
  const [onPostgres, onSqlite] = await Promise.all([db, sqlite].map((store) => stepstore(["steps", "--db", store, "--format", "jsonl"])));
  expect(onPostgres!.stdout).not.toBe("");
  expect(onPostgres!.stdout).toBe(onSqlite!.stdout);
}

