import { pino, type Logger } from "pino";

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

/**
 * The service's log: JSON lines on stderr at `LOG_LEVEL` (default info), secrets censored, bodies never logged.
 * Written asynchronously (lines logged while a write is under way go out together), flushed on exit.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: "[redacted]" } }, pino.destination({ dest: 2, sync: false }));
}
