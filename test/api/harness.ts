import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll } from "vitest";
import { DEFAULT_MAX_BODY, DEFAULT_MAX_INGEST_BODY, buildServer, type ServerOptions } from "../../src/api/server.js";
import { BIN, ROOT, tempDb } from "../helpers/cli.js";

export const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

export interface RunningServer {
  url: string;
  port: number;
  dbPath: string;
  secret: string;
  app: ReturnType<typeof buildServer>;
  close(): Promise<void>;
}

/** One server for the enclosing suite: started before its tests, closed after; its fields are filled once started. */
export function serverForSuite(options: Partial<ServerOptions> = {}): RunningServer {
  const server = {} as RunningServer;
  beforeAll(async () => {
    Object.assign(server, await startServer(options));
  });
  afterAll(() => server.close());
  return server;
}

/** The real service in this process on 127.0.0.1, a free port, a fresh database. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const secret = newSecret();
  const dbPath = options.dbPath ?? tempDb();
  const app = buildServer({ dbPath, webhookSecret: secret, maxBody: DEFAULT_MAX_BODY, maxIngestBody: DEFAULT_MAX_INGEST_BODY, ...options });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, dbPath, secret: options.webhookSecret ?? secret, app, close: () => app.close() };
}

/** The official SDK pointed at the service, as a user would configure it. */
export function openaiClient(server: { port: number }, apiKey = "unused"): OpenAI {
  return new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey, maxRetries: 0 });
}

export interface Delivery {
  id?: string;
  /** Seconds since the epoch to sign with (default now). */
  timestamp?: number;
  secret?: string;
  headers?: Record<string, string>;
}

let deliveries = 0;

/** The spec's signature over raw bytes (the package signs a string, so it cannot sign bytes that are not UTF-8). */
function signBytes(secret: string, id: string, timestamp: number, body: Buffer): string {
  const hmac = createHmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64")).update(`${id}.${timestamp}.`).update(body);
  return `v1,${hmac.digest("base64")}`;
}

/** Signs a body as a Standard Webhooks sender does: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export function signedHeaders(secret: string, body: string | Buffer, delivery: Delivery = {}): Record<string, string> {
  const id = delivery.id ?? `msg_${process.pid}_${++deliveries}`;
  const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = typeof body === "string"
    ? new Webhook(delivery.secret ?? secret).sign(id, new Date(timestamp * 1000), body)
    : signBytes(delivery.secret ?? secret, id, timestamp, body);
  return { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

export async function postWebhook(server: { url: string; secret: string }, body: string | Buffer, delivery: Delivery = {}) {
  const response = await fetch(`${server.url}/webhooks`, {
    method: "POST",
    headers: { ...signedHeaders(server.secret, body, delivery), ...delivery.headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function postIngest(server: { url: string }, body: string | Buffer, contentType = "application/x-ndjson", headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/v1/ingest`, { method: "POST", headers: { "content-type": contentType, ...headers }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs `tasks` with at most `width` in flight. */
export async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `bin/stepstore serve` as a user starts it; resolves once it listens (or rejects with what it printed). */
export function spawnServe(args: string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "info", ...env } });
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Server listening at (http:\/\/[^"\s]+:(\d+))/.exec(stderr);
      if (match) resolve({ child, port: Number(match[2]), url: match[1]!, stderr: () => stderr, exited });
    });
    child.stdout.resume();
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}
