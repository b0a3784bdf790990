/**
 * Numbers a user sets (options and environment variables) are refused the same way when they cannot be used as given:
 * exit 2 at once, naming the setting, its range and the value, before anything is read, served or written.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDir } from "../helpers/cli.js";

const EXAMPLE = join(import.meta.dirname, "../../../shared/examples/relayed-events.jsonl");

describe("a number setting out of its range or not a number", () => {
  const cases: Array<{ what: string; args: string[]; env?: Record<string, string>; message: string }> = [
    { what: "a record limit that is not a number, for ingest", args: ["ingest", EXAMPLE], env: { STEPSTORE_MAX_RECORD: "abc" }, message: 'STEPSTORE_MAX_RECORD must be a whole number of bytes from 1 to 9007199254740991, got "abc"' },
    // Before: serve started, then answered every ingest 500.
    { what: "a record limit that is not a number, for serve", args: ["serve", "--port", "0"], env: { STEPSTORE_MAX_RECORD: "16MB" }, message: 'STEPSTORE_MAX_RECORD must be a whole number of bytes from 1 to 9007199254740991, got "16MB"' },
    // Before: accepted, and a body still arriving after 1 ms was cut off with 408 (a timer that long fires at once).
    { what: "a body timeout past what a timer can wait", args: ["serve", "--port", "0"], env: { STEPSTORE_BODY_TIMEOUT: "3000000000" }, message: 'STEPSTORE_BODY_TIMEOUT must be a whole number of milliseconds from 1 to 2147483647, got "3000000000"' },
    { what: "a body limit of 0", args: ["serve", "--port", "0"], env: { STEPSTORE_MAX_BODY: "0" }, message: 'STEPSTORE_MAX_BODY must be a whole number of bytes from 1 to 9007199254740991, got "0"' },
    // Before: accepted, and listening failed with a RangeError (exit 1).
    { what: "a port with a fraction", args: ["serve", "--port", "80.5"], message: '--port must be a whole number from 0 to 65535, got "80.5"' },
    // Before: accepted, and --follow polled again at once, round after round.
    { what: "a poll interval past what a timer can wait", args: ["poll", "--thread", "t", "--follow", "--interval", "3000000"], env: { OPENAI_API_KEY: "sk-test" }, message: '--interval must be a number of seconds from 0 to 2147483, got "3000000"' },
    { what: "a poll concurrency of 0", args: ["poll", "--thread", "t", "--concurrency", "0"], env: { OPENAI_API_KEY: "sk-test" }, message: '--concurrency must be a whole number from 1 to 64, got "0"' },
    { what: "retries written with an exponent", args: ["poll", "--thread", "t", "--max-retries", "1e3"], env: { OPENAI_API_KEY: "sk-test" }, message: '--max-retries must be a whole number from 0 to 9007199254740991, got "1e3"' },
  ];

  it.each(cases)("$what is a usage error (exit 2) naming it, its range and the value, and makes no store", async ({ args, env, message }) => {
    const db = join(tempDir(), "store.db");
    const result = await stepstore([...args, "--db", db], { env, subprocess: args[0] === "serve" });
    expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code: 2, stderr: `stepstore: ${message}\n`, stdout: "" });
    expect(existsSync(db)).toBe(false);
  });
});
