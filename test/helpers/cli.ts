import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const EXAMPLES = resolve(ROOT, "../shared/examples");
export const BIN = join(ROOT, "bin/stepstore");

export function tempDir(prefix = "stepstore-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempDb(): string {
  return join(tempDir(), "store.db");
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  /** Added to this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user and group (the parent must be root). */
  user?: { uid: number; gid: number };
}

/** Starts the real `bin/stepstore` without waiting: the child (to signal it) and its outcome. */
export function spawnStepstore(args: string[], options: CliOptions = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    ...options.user,
  });
  let stdout = "";
  let stderr = "";
  // Decoded as one stream: a character may straddle two pipe chunks.
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (c: string) => (stdout += c));
  child.stderr.on("data", (c: string) => (stderr += c));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  child.stdin.end(options.input ?? "");
  return { child, done };
}

/** Runs the real `bin/stepstore` as a user would. */
export function stepstore(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnStepstore(args, options).done;
}

/** A store with nothing in it, made as a user makes one: read commands never create a store (CONTRACT §8 v1.1). */
export async function emptyStore(): Promise<string> {
  const db = tempDb();
  const made = await stepstore(["rebuild", "--db", db]);
  if (made.code !== 0) throw new Error(`rebuild could not make an empty store: ${made.stderr}`);
  return db;
}
