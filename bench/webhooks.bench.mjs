// Webhook load: signed webhooks/s at 16 keep-alive connections against `stepstore serve` and, in the same run,
// against a bare node:http server that reads the body and answers 200. Each server runs in its own process,
// the load from this one; 127.0.0.1 only; each phase stops by itself. Usage: node bench/webhooks.bench.mjs [seconds]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CONNECTIONS, BARE_SERVER, combine, freePort, line, load, measured, startProcess, stop, webhookBodies } from "./webhookLoad.mjs";

const SECONDS = Number(process.argv[2] ?? process.env.WEBHOOK_BENCH_SECONDS ?? 8);
const ROUNDS = 4;
// Both servers are warmed (JIT, page cache, a few hundred commits) before anything is measured.
const WARMUP_SECONDS = 3;

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const bodies = webhookBodies();
const dir = mkdtempSync(join(tmpdir(), "stepstore-webhooks-bench-"));

let bare;
let serve;
try {
  bare = await startProcess(["-e", BARE_SERVER], await freePort());
  const servePort = await freePort();
  serve = await startProcess(["bin/stepstore", "serve", "--port", String(servePort), "--db", join(dir, "bench.db")], servePort, {
    STEPSTORE_WEBHOOK_SECRET: secret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  });
  let cursor = 0;
  const fresh = () => bodies.slice(cursor);
  const ran = (r) => ((cursor += r.used), r);
  await load([bare.port], bodies, secret, WARMUP_SECONDS);
  ran(await load([serve.port], fresh(), secret, WARMUP_SECONDS));
  const bareRounds = [];
  const ourRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareRounds.push(await measured([bare], bodies, secret, SECONDS / ROUNDS));
    ourRounds.push(ran(await measured([serve], fresh(), secret, SECONDS / ROUNDS)));
  }
  const bareResult = combine(bareRounds);
  const ours = combine(ourRounds);
  const code = await stop(serve.child);
  serve = null;

  console.log(`webhooks: ${CONNECTIONS} connections, ${SECONDS} s a server in ${ROUNDS} alternating rounds, signed events of ~${Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length)} bytes`);
  console.log(line("bare node:http", bareResult));
  console.log(line("stepstore serve", ours));
  // Each stepstore round against the bare round just before it: the machine's speed drifts between rounds.
  const paired = ourRounds.map((r, i) => r.ok / r.seconds / (bareRounds[i].ok / bareRounds[i].seconds)).sort((a, b) => a - b);
  const median = (paired[(paired.length - 1) >> 1] + paired[paired.length >> 1]) / 2;
  const ratio = ours.rate / bareResult.rate;
  console.log(`webhooks ratio (stepstore / bare): ${ratio.toFixed(3)} (target >= 0.3, aim 0.5) ${ratio >= 0.3 ? "ok" : "BELOW TARGET"}; paired rounds ${paired.map((r) => r.toFixed(3)).join(", ")}, median ${median.toFixed(3)}`);
  console.log(`webhooks machine load average at the end: ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")} on ${(await import("node:os")).availableParallelism()} cores`);
  if (cursor >= bodies.length) console.log("webhooks note: ran out of distinct events; later requests were duplicates");
  if (code !== 0) console.log(`webhooks note: serve exited ${code} on SIGTERM`);
} finally {
  if (bare) await stop(bare.child);
  if (serve) await stop(serve.child);
  rmSync(dir, { recursive: true, force: true });
}
