import { Webhook } from "standardwebhooks";
import { configuredLogLevel, createLogger, LOG_LEVELS } from "../../api/logger.js";
import { DEFAULT_MAX_BODY, DEFAULT_MAX_INGEST_BODY, buildServer } from "../../api/server.js";
import { dbPath } from "../db.js";
import { EXIT, unsendable, UsageError } from "../errors.js";
import { maxRecordBytes } from "../../ingest/limits.js";
import { MAX_TIMER_MS, numberFromEnv, numberSetting } from "../../settings.js";
import { priceTableOrUsage } from "./report.js";

interface ServeOptions {
  db?: string;
  host: string;
  port: string;
}

/** `[::1]`, as a URL writes an IPv6 address, is listened on as `::1`: getaddrinfo does not read the brackets. */
const unbracketed = (host: string) => (/^\[[^\]]*\]$/.test(host) ? host.slice(1, -1) : host);
const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

const BYTES = { whole: true, min: 1, max: Number.MAX_SAFE_INTEGER, unit: "bytes" };
const byteLimit = (name: string, fallback: number) => numberFromEnv(name, BYTES) ?? fallback;

function webhookSecret(): string | undefined {
  const secret = process.env.STEPSTORE_WEBHOOK_SECRET || undefined;
  if (secret === undefined) return undefined;
  try {
    new Webhook(secret);
  } catch {
    throw new UsageError("STEPSTORE_WEBHOOK_SECRET is not a Standard Webhooks secret: expected whsec_ followed by base64 (or the base64 alone)");
  }
  return secret;
}

/** The key's bytes, the base64 after `whsec_` (or the whole, as the library reads it). */
const keyOf = (secret: string) => (secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
/** Standard Webhooks recommends keys of 24 to 64 bytes: a shorter one can be guessed from one signed delivery. */
const MIN_KEY_BYTES = 24;

/** `stepstore serve`: runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight requests, closes the database. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const port = numberSetting("--port", options.port, { whole: true, min: 0, max: 65535 });
  const apiKey = process.env.STEPSTORE_API_KEY || undefined;
  // A key of spaces is a mistake, not a secret: it would pass the non-loopback check and let anyone in with a blank one.
  if (apiKey !== undefined && apiKey.trim() === "") throw new UsageError("STEPSTORE_API_KEY is only whitespace: set a real key, or leave it empty for none");
  // HTTP drops the spaces around a header's value, so no client could ever send such a key: every request would be 401.
  if (apiKey !== undefined && apiKey !== apiKey.trim()) throw new UsageError("STEPSTORE_API_KEY begins or ends with whitespace, which no Authorization header can carry: remove it");
  // Nor could it send one holding a character a header cannot carry (a pasted `…`): the API would refuse every client.
  const unsent = apiKey === undefined ? null : unsendable("STEPSTORE_API_KEY", apiKey);
  if (unsent) throw unsent;
  const host = unbracketed(options.host);
  if (apiKey === undefined && !isLoopback(host)) {
    throw new UsageError(
      `refusing to serve on ${options.host} without STEPSTORE_API_KEY: anyone who can reach it could read every step. ` +
      "Set STEPSTORE_API_KEY, or listen on a loopback address (--host 127.0.0.1).",
    );
  }
  const maxBody = byteLimit("STEPSTORE_MAX_BODY", DEFAULT_MAX_BODY);
  const maxIngestBody = byteLimit("STEPSTORE_MAX_INGEST_BODY", DEFAULT_MAX_INGEST_BODY);
  const bodyTimeoutMs = numberFromEnv("STEPSTORE_BODY_TIMEOUT", { whole: true, min: 1, max: MAX_TIMER_MS, unit: "milliseconds" });
  // Read per document by the routes that ingest: checked here, so a bad one stops the service at its start, not every ingest.
  maxRecordBytes();
  const secret = webhookSecret();
  const prices = await priceTableOrUsage(undefined);
  const level = configuredLogLevel();
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`LOG_LEVEL must be one of ${LOG_LEVELS.join("|")}, got ${JSON.stringify(level)}`);

  // The key alone is as secret as the whole `whsec_…` (a client may echo either into a URL).
  const logger = createLogger(level, [apiKey, secret, secret && keyOf(secret)].filter((value) => value !== undefined));
  const app = buildServer({ dbPath: dbPath(options.db), apiKey, webhookSecret: secret, maxBody, maxIngestBody, bodyTimeoutMs, logger, prices });
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  await app.listen({ host, port });
  logger.info({ url: app.listeningOrigin, db: app.stepstore.path, webhooksEnabled: secret !== undefined, bearerRequired: apiKey !== undefined }, "stepstore serve ready");
  if (secret === undefined) logger.warn("STEPSTORE_WEBHOOK_SECRET is not set: POST /webhooks answers 503");
  const keyBytes = secret === undefined ? MIN_KEY_BYTES : Buffer.from(keyOf(secret), "base64").length;
  if (keyBytes < MIN_KEY_BYTES) logger.warn(`STEPSTORE_WEBHOOK_SECRET's key is ${keyBytes} bytes: Standard Webhooks recommends 24 to 64, as a shorter one can be guessed from one signed delivery`);
  logger.flush();

  const signal = await stopped;
  logger.info({ signal }, "shutting down: no new connections, finishing requests in flight");
  await app.close();
  logger.info("stopped: database closed");
  logger.flush();
  return EXIT.ok;
}
