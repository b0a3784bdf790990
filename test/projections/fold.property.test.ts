import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyProjections, verifyRows } from "../../src/projections/verify.js";
import { recordsOf } from "../../src/records/classify.js";
import { createEventKeyer, documentIdentity } from "../../src/records/eventKey.js";
import type { KeyedRecord, Source } from "../../src/store/append.js";
import { appendAll } from "../../src/store/appendAll.js";
import { openStepstore, wireProjections } from "../../src/stepstore.js";
import type { PostgresDatabase } from "../../src/store/postgres/database.js";
import { withPostgresSnapshot } from "../../src/store/postgres/snapshot.js";
import { inCodePointOrder } from "../../src/store/rowSource.js";
import type { Store } from "../../src/store/store.js";
import { emptySpecDatabase, pgHalf } from "../helpers/storeUnderTest.js";
import { worldArbitrary, type World } from "../world/world.js";

// Each run on PostgreSQL pays round trips a SQLite call does not: fewer runs there. Both counts keep the whole suite
// within CI's 15 minutes on a 2-core machine (200 and 25 took ~78 s a half, 919 s for the CI run; 120 and 15, 858–908 s
// with more tests since); each run is a world of many steps, and a failure's seed replays it.
const RUNS = pgHalf ? 15 : 100;
const dir = mkdtempSync(join(tmpdir(), "stepstore-fold-"));
let opened = 0;
// A freshly migrated database to copy for each run: opening a copy skips re-running the migrations.
const template = join(dir, "template.db");
beforeAll(() => openStepstore(template).close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One document as it reaches stepstore: a webhook body, a polled list page, a polled run. */
interface Delivery {
  value: unknown;
  source: Source;
  /** For a delta: its step, whose deltas must stay in order. */
  deltaOf: string | null;
}

/** Everything the world sends: its events (webhooks), each polled run's steps (a list page) and each run's snapshot (a poll). */
function deliveriesOf(world: World): Delivery[] {
  const deliveries: Delivery[] = world.events.map((event) => ({
    value: event,
    source: "webhook",
    deltaOf: event.type === "thread.run.step.delta" ? ((event.data as { id: string }).id) : null,
  }));
  for (const steps of world.polledSteps.values()) deliveries.push({ value: { object: "list", data: steps, has_more: false }, source: "poll", deltaOf: null });
  for (const run of world.runs) deliveries.push({ value: run, source: "poll", deltaOf: null });
  return deliveries;
}

/** The records of one delivery, keyed as ingest keys them (CONTRACT §3). */
function keyedRecords(delivery: Delivery, index: number): KeyedRecord[] {
  const raw = JSON.stringify(delivery.value);
  const keyOf = createEventKeyer(documentIdentity(Buffer.from(raw)));
  return [...recordsOf(delivery.value, raw, `delivery-${index}.json`)].map((record) => {
    if (!record.ok) throw new Error(`the world made an invalid record: ${record.reason} at ${record.path}`);
    return { record, key: keyOf.key(record) };
  });
}

/** A store under test and `verify`'s differences on it. */
type Tested = Store & { differences(): Promise<string[]> };

/** A fresh store (a real SQLite file, removed afterwards; or in the PostgreSQL half, this file's database emptied). */
async function withStore<T>(use: (store: Tested) => T | Promise<T>): Promise<T> {
  if (pgHalf) {
    const sql = (await emptySpecDatabase()) as PostgresDatabase;
    const differences = async () => (await withPostgresSnapshot(sql.pool, sql.shownUrl, (source) => verifyRows(source))).differences;
    try {
      return await use({ dialect: "postgres", path: sql.shownUrl, sql, ...wireProjections(sql), close: () => sql.close(), differences });
    } finally {
      await sql.close();
    }
  }
  const path = join(dir, `world-${opened++}.db`);
  copyFileSync(template, path);
  const onFile = openStepstore(path);
  const store = { ...onFile, differences: async () => (await verifyProjections(onFile.sqlite)).differences };
  // Durability is not under test here, and an fsync per batch would take most of the time.
  store.sqlite.pragma("synchronous = OFF");
  try {
    return await use(store);
  } finally {
    await store.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  }
}

/** Appends the deliveries in order, in batches of the given sizes (cycled); counts what the log took. */
async function ingest(store: Store, deliveries: Delivery[], batchSizes: number[]) {
  const totals = { appended: 0, duplicates: 0, keys: new Set<string>() };
  let next = 0;
  for (let b = 0; next < deliveries.length; b++) {
    const size = Math.max(1, batchSizes[b % batchSizes.length]!);
    const batch = deliveries.slice(next, next + size);
    for (const source of new Set(batch.map((d) => d.source))) {
      const accepted = batch.flatMap((d, i) => (d.source === source ? keyedRecords(d, next + i) : []));
      for (const { key } of accepted) totals.keys.add(key);
      const result = await store.append({ source, accepted, rejected: [] });
      totals.appended += result.appended;
      totals.duplicates += result.duplicates;
    }
    next += size;
  }
  return totals;
}

async function rowsOf(store: Store): Promise<string[]> {
  return (await store.sql.all<{ data: string }>(`SELECT data FROM run_steps ORDER BY created_at, ${inCodePointOrder(store.dialect, "id")}`)).map((r) => r.data);
}

async function tablesOf(store: Store) {
  const ordered = (...columns: string[]) => columns.map((c) => inCodePointOrder(store.dialect, c)).join(", ");
  return {
    runSteps: await store.sql.all(`SELECT * FROM run_steps ORDER BY ${ordered("id")}`),
    tools: await store.sql.all(`SELECT * FROM run_step_tools ORDER BY ${ordered("step_id", "tool")}`),
    runs: await store.sql.all(`SELECT * FROM runs ORDER BY ${ordered("id")}`),
  };
}

const truthOf = (world: World) => world.steps.map((step) => JSON.stringify(step));

/** Each row's `position`, read off the log: the largest among the step's own events and its run's expiry records. */
async function expectedPositions(store: Store): Promise<Map<string, number>> {
  const log = await store.sql.all<{ position: number; type: string; step_id: string | null; run_id: string | null; data: string }>(
    "SELECT position, type, step_id, run_id, data FROM events ORDER BY position",
  );
  const byStep = new Map<string, number>();
  const expiryOfRun = new Map<string, number>();
  const runOfStep = new Map<string, string>();
  for (const row of log) {
    if (row.step_id !== null) byStep.set(row.step_id, row.position);
    if (row.step_id !== null && row.run_id !== null) runOfStep.set(row.step_id, row.run_id);
    const bareExpired = row.type === "thread.run" && (JSON.parse(row.data) as { status?: string }).status === "expired";
    if (row.run_id !== null && (row.type === "thread.run.expired" || bareExpired)) expiryOfRun.set(row.run_id, row.position);
  }
  const positions = new Map<string, number>();
  for (const [step, position] of byStep) positions.set(step, Math.max(position, expiryOfRun.get(runOfStep.get(step) ?? "") ?? 0));
  return positions;
}

/**
 * A world delivered in any order, some deliveries twice, some run events lost: a permutation that keeps
 * each step's deltas in their relative order (a stream is ordered), redeliveries after their original.
 */
const shuffledWorld = worldArbitrary({ maxRuns: 4 }).chain((world) => {
  const count = deliveriesOf(world).length;
  const indexes = [...Array(count).keys()];
  return fc.record({
    world: fc.constant(world),
    order: fc.shuffledSubarray(indexes, { minLength: count, maxLength: count }),
    redeliveries: fc.array(fc.tuple(fc.nat(count - 1), fc.nat()), { maxLength: 10 }),
    lost: fc.array(fc.nat(count - 1), { maxLength: 10 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
  });
});

/**
 * The deliveries in the scenario's order. Run, thread and message events it names as lost never arrive: no step
 * row depends on them (a run's expiry is also in its polled snapshot).
 */
function shuffled({ world, order, redeliveries, lost }: { world: World; order: number[]; redeliveries: [number, number][]; lost: number[] }): Delivery[] {
  const deliveries = deliveriesOf(world);
  const dropped = new Set(lost.filter((i) => {
    const value = deliveries[i]!.value as { object?: string; type?: string };
    return value.object === "event" && !value.type!.startsWith("thread.run.step.");
  }));
  const sequence = order.filter((i) => !dropped.has(i)).map((i) => deliveries[i]!);
  // Put each step's deltas back in stream order, in the slots the shuffle gave them.
  const slotsByStep = new Map<string, number[]>();
  sequence.forEach((d, slot) => {
    if (d.deltaOf !== null) slotsByStep.set(d.deltaOf, [...(slotsByStep.get(d.deltaOf) ?? []), slot]);
  });
  for (const [step, slots] of slotsByStep) {
    const inStreamOrder = deliveries.filter((d) => d.deltaOf === step);
    slots.forEach((slot, i) => (sequence[slot] = inStreamOrder[i]!));
  }
  for (const [which, offset] of redeliveries) {
    if (dropped.has(which)) continue;
    const at = sequence.indexOf(deliveries[which]!);
    sequence.splice(at + 1 + (offset % (sequence.length - at)), 0, deliveries[which]!);
  }
  return sequence;
}

describe("the run_steps fold over generated worlds (CONTRACT §5)", () => {
  it("ingesting a world's events and polled snapshots gives exactly the world's run-step rows", async () => {
    await fc.assert(
      fc.asyncProperty(worldArbitrary({ maxRuns: 4 }), fc.integer({ min: 1, max: 40 }), (world, batchSize) =>
        withStore(async (store) => {
          async function* records() {
            let index = 0;
            for (const delivery of deliveriesOf(world)) yield* keyedRecords(delivery, index++);
          }
          const summary = await appendAll(store.append, records(), { source: "webhook", batchSize });
          expect(summary.rejected).toBe(0);
          expect(await rowsOf(store)).toEqual(truthOf(world));
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("any order of the records and any redelivery give the same rows", async () => {
    await fc.assert(
      fc.asyncProperty(shuffledWorld, (scenario) =>
        withStore(async (store) => {
          const totals = await ingest(store, shuffled(scenario), scenario.batchSizes);
          expect(await rowsOf(store)).toEqual(truthOf(scenario.world));
          expect(totals.appended).toBe(totals.keys.size);
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("rebuilding from the log gives exactly the incrementally maintained tables, and verify finds no difference", async () => {
    await fc.assert(
      fc.asyncProperty(shuffledWorld, (scenario) =>
        withStore(async (store) => {
          await ingest(store, shuffled(scenario), scenario.batchSizes);
          expect(await store.differences()).toEqual([]);
          const incremental = await tablesOf(store);
          await store.rebuild();
          expect(await tablesOf(store)).toEqual(incremental);
          expect(await store.differences()).toEqual([]);
          expect(await rowsOf(store)).toEqual(truthOf(scenario.world));
          const positions = await expectedPositions(store);
          for (const row of incremental.runSteps as { id: string; position: number }[]) expect(row.position).toBe(positions.get(row.id));
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("a world streamed without event ids (the SDK's form) gives the same rows, and streaming it again appends nothing", async () => {
    await fc.assert(
      fc.asyncProperty(worldArbitrary({ maxRuns: 4 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }), (world, batchSizes) =>
        withStore(async (store) => {
          const transcript = world.events.map((event) => ({ event: event.type, data: event.data }));
          const identity = documentIdentity(Buffer.from(JSON.stringify(transcript)));
          const deliver = async () => {
            const keyOf = createEventKeyer(identity);
            const keyed = transcript.flatMap((value, line) =>
              [...recordsOf(value, JSON.stringify(value), `transcript.sse:${line + 1}`)].map((record) => {
                if (!record.ok) throw new Error(`the world made an invalid record: ${record.reason}`);
                return { record, key: keyOf.key(record) };
              }));
            let appended = 0;
            for (let next = 0, b = 0; next < keyed.length; next += batchSizes[b++ % batchSizes.length]!) {
              appended += (await store.append({ source: "file", accepted: keyed.slice(next, next + batchSizes[b % batchSizes.length]!), rejected: [] })).appended;
            }
            return { appended, distinct: new Set(keyed.map((k) => k.key)).size };
          };
          const first = await deliver();
          expect(first.appended).toBe(first.distinct);
          const polls = deliveriesOf(world).filter((d) => d.source === "poll");
          await ingest(store, polls, [polls.length]);
          expect(await rowsOf(store)).toEqual(truthOf(world));
          expect((await deliver()).appended).toBe(0);
          expect(await rowsOf(store)).toEqual(truthOf(world));
        }),
      ),
      { numRuns: RUNS },
    );
  });
});
