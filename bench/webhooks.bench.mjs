// Webhook load: signed webhooks/s at 16 keep-alive connections against `stepstore serve` and, in the same run,
// against a bare node:http server that reads the body and answers 200. Each server runs in its own process,
// the load from this one; 127.0.0.1 only; each phase stops by itself. Usage: node bench/webhooks.bench.mjs [seconds]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { worldLines } from "./world.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.argv[2] ?? process.env.WEBHOOK_BENCH_SECONDS ?? 8);
const ROUNDS = 4;
// Both servers are warmed (JIT, page cache, a few hundred commits) before anything is measured.
const WARMUP_SECONDS = 3;
const CONNECTIONS = 16;

const BARE_SERVER = `
  const server = require("node:http").createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => { Buffer.concat(chunks); res.writeHead(200, { "content-type": "application/json" }); res.end('{"status":"ok"}'); });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/** A port free right now on 127.0.0.1, so a server can be told where to listen whatever it logs. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
    probe.on("error", reject);
  });
}

/** Starts a server process on `port` and resolves once it answers there (or fails after 60 s). */
async function startProcess(args, port, env = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, PORT: String(port), ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exited = null;
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.on("exit", (code) => (exited = code));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`server exited (${exited}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer on ${port} within 60 s: ${stderr}`);
    }
    const up = await new Promise((resolveUp) => {
      const socket = net.connect(port, "127.0.0.1", () => (socket.destroy(), resolveUp(true)));
      socket.on("error", () => resolveUp(false));
    });
    if (up) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL if it has not exited within 20 s; resolves with its exit code. */
async function stop(child) {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** CPU seconds (user + system) a process has used so far, from /proc (null where there is none). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** A phase against one server, with the CPU time that server spent on it. */
async function measured(server, bodies, seconds) {
  const before = cpuSeconds(server.child.pid);
  const result = await load(server.port, bodies, secret, seconds);
  const after = cpuSeconds(server.child.pid);
  return { ...result, cpu: before === null || after === null ? null : after - before };
}

/** One phase: CONNECTIONS workers, each sending the next signed body and waiting for the answer, until `seconds` pass. */
async function load(port, bodies, secret, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const signer = new Webhook(secret);
  const latencies = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const post = (body, id) =>
    new Promise((resolveRequest) => {
      const timestamp = new Date();
      const headers = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signer.sign(id, timestamp, body),
      };
      const started = performance.now();
      const request = http.request({ host: "127.0.0.1", port, path: "/webhooks", method: "POST", headers, agent }, (response) => {
        response.resume();
        response.on("end", () => {
          latencies.push(performance.now() - started);
          if (response.statusCode === 200) ok++;
          else failed++;
          resolveRequest();
        });
      });
      request.setTimeout(10_000, () => request.destroy(new Error("no answer within 10 s")));
      request.on("error", () => {
        failed++;
        resolveRequest();
      });
      request.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline && next < bodies.length) {
        const i = next++;
        await post(bodies[i], `msg_${i}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { ok, failed, used: next, seconds: elapsed, latencies };
}

const secret = `whsec_${randomBytes(32).toString("base64")}`;
// Distinct webhook-form events (about 650 bytes each): the measured requests all append.
const bodies = [...worldLines(424242, 8000)].filter((line) => line.startsWith('{"id":"evt_') && line.includes('"object":"event"'));
const dir = mkdtempSync(join(tmpdir(), "stepstore-webhooks-bench-"));

/** Rounds alternate between the servers so that a machine busy with something else weighs on both alike. */
function combine(results) {
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const cpu = results.every((r) => r.cpu !== null) ? results.reduce((n, r) => n + r.cpu, 0) : null;
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  const cpuPerRequest = cpu === null ? null : (cpu * 1e6) / (ok + failed);
  return { rate: ok / seconds, ok, failed, p50: at(50), p99: at(99), rounds: results.map((r) => Math.round(r.ok / r.seconds)), cpuPerRequest };
}
const line = (label, r) =>
  `webhooks ${label}: ${Math.round(r.rate)} req/s (rounds ${r.rounds.join(", ")}; ${r.ok} ok, ${r.failed} failed), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
  (r.cpuPerRequest === null ? "" : `, server CPU ${Math.round(r.cpuPerRequest)} µs/request`);

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
  await load(bare.port, bodies, secret, WARMUP_SECONDS);
  ran(await load(serve.port, fresh(), secret, WARMUP_SECONDS));
  const bareRounds = [];
  const ourRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareRounds.push(await measured(bare, bodies, SECONDS / ROUNDS));
    ourRounds.push(ran(await measured(serve, fresh(), SECONDS / ROUNDS)));
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
