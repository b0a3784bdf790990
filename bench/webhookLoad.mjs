// The webhook load generator and its servers, shared by webhooks.bench.mjs (SQLite) and postgres.bench.mjs:
// CONNECTIONS keep-alive connections (WEBHOOK_BENCH_CONNECTIONS, default 16) posting signed events, a bare node:http server as the ceiling, and
// `stepstore serve` processes; each server in its own process, the load from the caller's.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { worldLines } from "./world.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CONNECTIONS = Number(process.env.WEBHOOK_BENCH_CONNECTIONS ?? 16);

/**
 * Distinct webhook-form events (about 650 bytes each), so that the measured requests all append; their steps take
 * seconds to minutes, as real ones do (each summary's histogram then spans minutes: what the rollups write a webhook).
 */
export const webhookBodies = (runs = 8000) => [...worldLines(424242, runs, { minuteSteps: true })].filter((line) => line.startsWith('{"id":"evt_') && line.includes('"object":"event"'));

export const BARE_SERVER = `
  const server = require("node:http").createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => { Buffer.concat(chunks); res.writeHead(200, { "content-type": "application/json" }); res.end('{"status":"ok"}'); });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/** A port free right now on 127.0.0.1, so a server can be told where to listen whatever it logs. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
    probe.on("error", reject);
  });
}

/** Starts a server process on `port` and resolves once it answers there (or fails after 60 s). */
export async function startProcess(args, port, env = {}) {
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
export async function stop(child) {
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

/** A phase against one server or several (the load spread over them), with the CPU time they spent on it. */
export async function measured(servers, bodies, secret, seconds, connections = CONNECTIONS) {
  const cpu = () => servers.reduce((sum, server) => (sum === null ? null : ((used) => (used === null ? null : sum + used))(cpuSeconds(server.child.pid))), 0);
  const before = cpu();
  const result = await load(servers.map((server) => server.port), bodies, secret, seconds, connections);
  const after = cpu();
  return { ...result, cpu: before === null || after === null ? null : after - before };
}

/**
 * One phase: `connections` workers (default CONNECTIONS), each sending the next signed body and waiting for the answer,
 * until `seconds` pass; worker i posts to ports[i % ports.length], so consecutive events go to different servers.
 */
export async function load(ports, bodies, secret, seconds, connections = CONNECTIONS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections }); // per host and port
  const signer = new Webhook(secret);
  const latencies = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const post = (port, body, id) =>
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
    Array.from({ length: connections }, async (_, worker) => {
      while (performance.now() < deadline && next < bodies.length) {
        const i = next++;
        await post(ports[worker % ports.length], bodies[i], `msg_${i}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { ok, failed, used: next, seconds: elapsed, latencies };
}

/** Rounds alternate between the servers so that a machine busy with something else weighs on both alike. */
export function combine(results) {
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const cpu = results.every((r) => r.cpu !== null) ? results.reduce((n, r) => n + r.cpu, 0) : null;
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  const cpuPerRequest = cpu === null ? null : (cpu * 1e6) / (ok + failed);
  return { rate: ok / seconds, ok, failed, p50: at(50), p99: at(99), rounds: results.map((r) => Math.round(r.ok / r.seconds)), cpuPerRequest };
}
export const line = (label, r) =>
  `webhooks ${label}: ${Math.round(r.rate)} req/s (rounds ${r.rounds.join(", ")}; ${r.ok} ok, ${r.failed} failed), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
  (r.cpuPerRequest === null ? "" : `, server CPU ${Math.round(r.cpuPerRequest)} µs/request`);

