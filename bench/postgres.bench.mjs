// PostgreSQL: `stepstore ingest` records/s against its raw ceiling (ceiling.mjs: a multi-row INSERT of the same
// records into a plain keyed table, as a whole process), and signed webhooks/s with one and with two `serve`
// processes on one database (the load spread over both) against the bare node:http server, with the same load
// generator as webhooks.bench.mjs, and both again on databases whose WAL flush takes 2 ms, as a network disk's does,
// and through a proxy holding each packet 1 ms each way, as between hosts (latencyProxy.mjs). Two more comparisons
// say what the ratio is made of: two serves on two databases (nothing shared in PostgreSQL, so no lock: the bound any
// scheme could reach on this machine), and one against two serves at LOADED_CONNECTIONS (a load that fills groups).
// SQLite's figures are measured in the same run, alternating, beside them.
// Every phase writes a fresh database (CREATE DATABASE stepstore_bench_<random>), dropped at the end.
// Skipped, saying so, where no server answers. Standalone: `npm run build && node bench/postgres.bench.mjs`.
// STEPSTORE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres: where databases are created),
// BENCH_PG_RECORDS (default 200000, as ingest.bench.mjs), BENCH_REPEAT (default 2: best of N alternating runs), WEBHOOK_BENCH_SECONDS (8).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runNode } from "./process.mjs";
import { BARE_SERVER, CONNECTIONS, combine, freePort, line, load, measured, startProcess, stop, webhookBodies } from "./webhookLoad.mjs";
import { writeWorld } from "./world.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BIN = join(ROOT, "bin/stepstore");
const PROXY = join(ROOT, "bench/latencyProxy.mjs");
const CEILING = join(ROOT, "bench/ceiling.mjs");
const ADMIN_URL = process.env.STEPSTORE_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const RECORDS = Number(process.env.BENCH_PG_RECORDS ?? 200_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
const SECONDS = Number(process.env.WEBHOOK_BENCH_SECONDS ?? 8);
const ROUNDS = 4;
const WARMUP_SECONDS = 3;

const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
try {
  await admin.connect();
} catch (error) {
  console.log(`postgres bench SKIPPED: no PostgreSQL at ${new URL(ADMIN_URL).host} (${error.message}); set STEPSTORE_BENCH_PG_URL`);
  process.exit(0);
}
const made = [];
/** A new empty database on the server; its URL. */
async function freshDatabase() {
  const name = `stepstore_bench_${randomBytes(5).toString("hex")}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  made.push(name);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
/** Drops a database made here at once: autovacuum would otherwise work through its tables during the phases after it. */
async function dropDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  made.splice(made.indexOf(name), 1);
}
const work = mkdtempSync(join(tmpdir(), "stepstore-pg-bench-"));
let sqliteFiles = 0;
const freshFile = () => join(work, `store-${++sqliteFiles}.db`);
const removeFile = async (path) => ["", "-wal", "-shm"].forEach((suffix) => rmSync(path + suffix, { force: true }));
const rate = (n, s) => Math.round(n / s);
function check(result, what) {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result;
}

/** Best of REPEAT alternating runs of each store's ceiling and ingest, each into a fresh database. */
async function ingestPhase(file, records) {
  const best = {};
  const keep = (name, result) => (best[name] = !best[name] || result.seconds < best[name].seconds ? result : best[name]);
  for (let i = 0; i < REPEAT; i++) {
    for (const [store, fresh, remove] of [["sqlite", async () => freshFile(), removeFile], ["postgres", freshDatabase, dropDatabase]]) {
      for (const [what, args] of [["ceiling", (db) => [CEILING, file, db]], ["ingest", (db) => [BIN, "ingest", "--json", "--db", db, file]]]) {
        const db = await fresh();
        keep(`${store} ${what}`, check(await runNode(args(db), { cwd: ROOT }), `${store} ${what}`));
        await remove(db);
      }
    }
  }
  // The webhooks phase starts on a quiet server: the ingests' dirty pages written out now, not during its rounds.
  await admin.query("CHECKPOINT").catch((error) => console.log(`checkpoint before the webhooks SKIPPED: ${error.message}`));
  for (const store of ["sqlite", "postgres"]) {
    const ceiling = best[`${store} ceiling`];
    const ingest = best[`${store} ingest`];
    const ratio = ceiling.seconds / ingest.seconds;
    console.log(`${store} ceiling: ${rate(records, ceiling.seconds)} records/s; stepstore ingest: ${rate(records, ingest.seconds)} records/s (${ingest.stdout.trim()}), peak RSS ${ingest.peakRssMb.toFixed(0)} MB`);
    console.log(`${store} ratio ingest/ceiling: ${ratio.toFixed(2)}${store === "postgres" ? ` (target >= 0.3) ${ratio >= 0.3 ? "ok" : "BELOW TARGET"}` : ""}`);
  }
}

/**
 * A fresh database whose every WAL flush first waits FLUSH_DELAY_US (`commit_delay`, `commit_siblings = 0`): the fsync
 * of a network disk, where this machine's local disk flushes in ~0.2 ms. Null where the bench's user may not set it.
 */
const FLUSH_DELAY_US = 2000;
async function slowFlushDatabase() {
  const url = await freshDatabase();
  const name = new URL(url).pathname.slice(1);
  try {
    await admin.query(`ALTER DATABASE "${name}" SET commit_delay = ${FLUSH_DELAY_US}`);
    await admin.query(`ALTER DATABASE "${name}" SET commit_siblings = 0`);
    return url;
  } catch (error) {
    console.log(`webhooks with a slow flush SKIPPED: ${error.message}`);
    return null;
  }
}

/**
 * The load of the second local comparison: enough connections that each server's groups fill (one serve's CPU is a
 * third idle at CONNECTIONS, waiting on its transactions' round trips), so the two configurations are compared at
 * what they can carry rather than at what CONNECTIONS senders offer.
 */
const LOADED_CONNECTIONS = 64;

/** The latency each way between the servers and PostgreSQL in the network targets (latencyProxy.mjs). */
const NETWORK_DELAY_MS = 1;

/** A fresh database's URL through `proxy`, a latency proxy to the server. */
async function farDatabase(proxy) {
  const url = new URL(await freshDatabase());
  url.host = `127.0.0.1:${proxy.port}`;
  return url.toString();
}

/**
 * Rounds alternate between the targets (bare, SQLite, PostgreSQL with one server, with two, both again through the
 * latency proxy and with a slow flush) so that a busy machine weighs on all alike.
 */
async function webhooksPhase() {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const bodies = webhookBodies();
  const env = { STEPSTORE_WEBHOOK_SECRET: secret, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
  const serve = async (db) => {
    const port = await freePort();
    return startProcess([BIN, "serve", "--port", String(port), "--db", db], port, env);
  };
  const processes = [];
  const started = async (server) => (processes.push(server), server);
  try {
    const sharedUrl = await freshDatabase();
    const bare = { label: "bare node:http", servers: [await started(await startProcess(["-e", BARE_SERVER], await freePort()))], distinct: false };
    const sqlite = { label: "sqlite, one serve", servers: [await started(await serve(freshFile()))] };
    const one = { label: "postgres, one serve", servers: [await started(await serve(await freshDatabase()))] };
    const two = { label: "postgres, two serves on one database", servers: [await started(await serve(sharedUrl)), await started(await serve(sharedUrl))] };
    // The same two processes sharing nothing in PostgreSQL: what any scheme of locks could reach on this machine.
    const apart = { label: "postgres, two serves on two databases (nothing shared)", servers: [await started(await serve(await freshDatabase())), await started(await serve(await freshDatabase()))] };
    const loaded = `${LOADED_CONNECTIONS} connections`;
    const sharedLoaded = await freshDatabase();
    const oneLoaded = { label: `postgres, one serve, ${loaded}`, servers: [await started(await serve(await freshDatabase()))], connections: LOADED_CONNECTIONS };
    const twoLoaded = { label: `postgres, two serves, ${loaded}`, servers: [await started(await serve(sharedLoaded)), await started(await serve(sharedLoaded))], connections: LOADED_CONNECTIONS };
    const targets = [bare, sqlite, one, two, apart, oneLoaded, twoLoaded];
    // Each variant: one serve against two on one database, what the two stand for, and their bound where measured.
    const variants = [
      { one, two, apart, label: "", as: `${CONNECTIONS} connections split over the servers` },
      { one: oneLoaded, two: twoLoaded, label: `, ${loaded}`, as: "a load that fills each server's groups" },
    ];
    const server = new URL(ADMIN_URL);
    const proxy = await started(await startProcess([PROXY, server.hostname, server.port || "5432"], await freePort(), { DELAY_MS: String(NETWORK_DELAY_MS) }));
    const network = `${NETWORK_DELAY_MS} ms network`;
    const farShared = await farDatabase(proxy);
    const oneFar = { label: `postgres, one serve, ${network}`, servers: [await started(await serve(await farDatabase(proxy)))] };
    const twoFar = { label: `postgres, two serves, ${network}`, servers: [await started(await serve(farShared)), await started(await serve(farShared))] };
    targets.push(oneFar, twoFar);
    variants.push({ one: oneFar, two: twoFar, label: `, ${NETWORK_DELAY_MS} ms of network latency each way`, as: "servers on other hosts" });
    const slowOne = await slowFlushDatabase();
    const slowShared = slowOne && (await slowFlushDatabase());
    if (slowShared) {
      const flush = `${FLUSH_DELAY_US / 1000} ms flush`;
      const oneSlow = { label: `postgres, one serve, ${flush}`, servers: [await started(await serve(slowOne))] };
      const twoSlow = { label: `postgres, two serves, ${flush}`, servers: [await started(await serve(slowShared)), await started(await serve(slowShared))] };
      targets.push(oneSlow, twoSlow);
      variants.push({ one: oneSlow, two: twoSlow, label: `, every WAL flush ${FLUSH_DELAY_US / 1000} ms`, as: "a network disk" });
    }
    // Each store gets events it has not seen (all append); the bare server is sent the same bodies again.
    for (const target of targets) {
      target.distinct ??= true;
      target.connections ??= CONNECTIONS;
      target.cursor = 0;
      target.rounds = [];
      target.next = () => (target.distinct ? bodies.slice(target.cursor) : bodies);
      target.ran = (r) => ((target.cursor += target.distinct ? r.used : 0), r);
      // Each server process warms as long as one alone does (two share the load): a process's JIT warms on its own requests.
      target.ran(await load(target.servers.map((s) => s.port), target.next(), secret, WARMUP_SECONDS * target.servers.length, target.connections));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) target.rounds.push(target.ran(await measured(target.servers, target.next(), secret, SECONDS / ROUNDS, target.connections)));
    }
    console.log(`webhooks: ${CONNECTIONS} connections unless said, ${SECONDS} s a target in ${ROUNDS} alternating rounds, signed events of ~${Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length)} bytes`);
    for (const target of targets) {
      target.result = combine(target.rounds);
      console.log(line(target.label, target.result));
    }
    const bareRate = bare.result.rate;
    console.log(`webhooks ratios to bare: sqlite ${(sqlite.result.rate / bareRate).toFixed(3)}, postgres one serve ${(one.result.rate / bareRate).toFixed(3)}, two serves ${(two.result.rate / bareRate).toFixed(3)}`);
    /** Each round of `b` against the round of `a` just before it (the machine's load drifts between rounds): the ratios, and their median. */
    const paired = (a, b) => {
      const roundRate = (r) => r.ok / r.seconds;
      const ratios = b.rounds.map((r, i) => roundRate(r) / roundRate(a.rounds[i])).sort((x, y) => x - y);
      return `paired rounds ${ratios.map((r) => r.toFixed(2)).join(", ")}, median ${((ratios[(ratios.length - 1) >> 1] + ratios[ratios.length >> 1]) / 2).toFixed(2)}`;
    };
    for (const variant of variants) {
      const [oneRate, twoRate] = [variant.one.result.rate, variant.two.result.rate];
      console.log(`webhooks postgres two serves / one${variant.label} (${variant.as}): ${(twoRate / oneRate).toFixed(2)} (target >= 1) ${twoRate >= oneRate ? "ok" : "BELOW TARGET"}; ${paired(variant.one, variant.two)}`);
      if (variant.apart) {
        const apartRate = variant.apart.result.rate;
        console.log(`webhooks postgres two serves on two databases / one${variant.label}: ${(apartRate / oneRate).toFixed(2)} (the machine's bound); two on one database / two on two: ${(twoRate / apartRate).toFixed(2)} (what sharing the log costs); ${paired(variant.apart, variant.two)}`);
      }
    }
    if (targets.some((t) => t.cursor >= bodies.length)) console.log("webhooks note: ran out of distinct events; later requests were duplicates");
    const { loadavg, availableParallelism } = await import("node:os");
    console.log(`webhooks machine load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${availableParallelism()} cores`);
  } finally {
    // The servers before the proxy their connections go through.
    for (const server of processes.reverse()) await stop(server.child);
  }
}

try {
  const file = join(work, "world.jsonl");
  const world = await writeWorld(file, { seed: 1, records: RECORDS });
  console.log(`world: ${world.records} records, ${(world.bytes / 1e6).toFixed(1)} MB of JSONL; PostgreSQL at ${new URL(ADMIN_URL).host}`);
  await ingestPhase(file, world.records);
  await webhooksPhase();
} finally {
  for (const name of made) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}
