import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { freshDatabaseSync, pgHalf } from "./storeUnderTest.js";
import { tempDir } from "./tempDir.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const EXAMPLES = resolve(ROOT, "../shared/examples");
export const BIN = join(ROOT, "bin/stepstore");

export { tempDir } from "./tempDir.js";

/** A location for a new store: a file path, or in the PostgreSQL half of the suite a fresh, empty database's URL. */
export function tempDb(): string {
  return pgHalf ? freshDatabaseSync() : join(tempDir(), "store.db");
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
  /** Run as this user and group (the parent must be root): a child process. */
  user?: { uid: number; gid: number };
  /** Run the real binary in a child process even where in-process would do (what is tested is the process itself). */
  subprocess?: boolean;
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

// The built CLI, as the binary runs it (its reading thread is a file of dist/ too); typed by its source.
const RUN_JS = join(ROOT, "dist/cli/run.js");
export const runCli = async (...args: Parameters<typeof import("../../src/cli/run.js").runCli>) =>
  ((await import(RUN_JS)) as typeof import("../../src/cli/run.js")).runCli(...args);

// In-process runs take turns: each sets its variables in this process's environment, which they all share.
let turn: Promise<unknown> = Promise.resolve();

/** `stepstore ARGS…` inside this process, with `env` set only while it runs. */
function runInProcess(args: string[], { input, env = {} }: CliOptions): Promise<CliResult> {
  const run = turn.then(async () => {
    const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    setEnv(env);
    try {
      return { signal: null, ...(await runCli(args, input)) };
    } finally {
      setEnv(before);
    }
  });
  turn = run.catch(() => {});
  return run;
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/**
 * `stepstore ARGS…` as a user would run it, in-process (fast: no Node start-up): same exit code,
 * same stdout and stderr. A child process runs the real binary when the test is about the process:
 * another user, a working directory other than this process's, `serve` (it runs until signalled), or `subprocess`.
 * (`sql` runs in-process too: its query's own child is forked either way.)
 */
export function stepstore(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const needsProcess = options.subprocess || options.user || (options.cwd ?? ROOT) !== process.cwd() || args[0] === "serve";
  return needsProcess ? spawnStepstore(args, options).done : runInProcess(args, options);
}

/** A store with nothing in it, made as a user makes one: read commands never create a store (CONTRACT §8 v1.1). */
export async function emptyStore(): Promise<string> {
  const db = tempDb();
  const made = await stepstore(["rebuild", "--db", db]);
  if (made.code !== 0) throw new Error(`rebuild could not make an empty store: ${made.stderr}`);
  return db;
}

/** A rejection as `stepstore rejections --format jsonl` prints it. */
export interface PrintedRejection { id: number; received_at: string; source: string; origin: string; reason: string; path: string | null; raw: string }

/** The store's rejections, listed as a user lists them (`rejections`, which must succeed). */
export async function rejectionsOf(db: string): Promise<PrintedRejection[]> {
  const result = await stepstore(["rejections", "--db", db, "--format", "jsonl"]);
  if (result.code !== 0) throw new Error(`rejections failed (exit ${result.code}): ${result.stderr}`);
  return result.stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as PrintedRejection);
}

/** The ids of the store's run-step rows, in id order. */
export async function stepIds(db: string): Promise<string[]> {
  const result = await stepstore(["sql", "--db", db, "--format", "jsonl", "SELECT id FROM run_steps ORDER BY id"]);
  return result.stdout.trim().split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
}
