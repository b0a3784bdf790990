import { pino, type Logger } from "pino";
import { withoutSecrets } from "../settings.js";

/** Paths pino censors wherever a request, its headers or an error carry them. */
const REDACTED = [
  "req.headers.authorization",
  'req.headers["webhook-signature"]',
  'req.headers["api-key"]',
  "req.headers.cookie",
  "headers.authorization",
  'headers["webhook-signature"]',
  "apiKey",
  "webhookSecret",
  "secret",
];

/** Lines are written 4 KiB at a time (and at least every second): one write per line cost 9% of webhook throughput. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/** What `LOG_LEVEL` may name: pino's levels, and `silent`. */
export const LOG_LEVELS = [...Object.keys(pino.levels.values), "silent"];

/** The level `LOG_LEVEL` asks for: info when it is unset or empty. */
export const configuredLogLevel = (): string => process.env.LOG_LEVEL || "info";

/**
 * The service's log: JSON lines on stderr at `LOG_LEVEL` (default info), secrets censored, bodies never logged.
 * A request's `url` is logged with `secrets` (the API key, the webhook secret) cut out: a client that puts its key in
 * the query string (`?api_key=…`, which no route reads) must not leave it in the log either.
 * Written asynchronously and buffered (see LOG_BUFFER_BYTES), flushed on exit.
 */
export function createLogger(level = configuredLogLevel(), secrets: readonly string[] = []): Logger {
  const destination = pino.destination({ dest: 2, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
  const url = (value: unknown) => (typeof value === "string" ? withoutSecrets(value, secrets) : value);
  return pino({ level, redact: { paths: REDACTED, censor: "[redacted]" }, serializers: { url } }, destination);
}
