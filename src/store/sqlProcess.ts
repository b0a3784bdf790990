import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openForReading } from "./open.js";
import { isAboutTheFile } from "./storeErrors.js";
import { ReadOnlyViolation, runReadOnlyQuery, type QueryResult } from "./readOnlyQuery.js";

export class QueryTimeout extends Error {
  /** The one message for a query stopped at `--timeout`, on either store. */
  static after(timeoutMs: number): QueryTimeout {
    const seconds = timeoutMs / 1000;
    return new QueryTimeout(`query stopped after ${seconds} s (--timeout ${seconds}); raise --timeout for a longer query`);
  }
}

/** A failure's SQLite code comes back with its message: the CLI names the store for SQLite's errors about it. */
type Answer = { ok: true; result: QueryResult } | { ok: false; readOnly: boolean; message: string; code: string | undefined };

/**
 * Runs a user's query in a child process killed after `timeoutMs`. better-sqlite3 has no statement
 * timeout, no progress handler and no interrupt, and a worker thread busy in SQLite cannot be stopped
 * (nor can the process exit while it runs): a process can always be killed, its memory with it.
 */
export function runQueryWithTimeout(path: string, query: string, options: { timeoutMs: number; maxRows: number }): Promise<QueryResult> {
  const child = fork(fileURLToPath(import.meta.url), [], { serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const release = killedWithThis(child);
  return new Promise<QueryResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(QueryTimeout.after(options.timeoutMs));
    }, options.timeoutMs);
    child.once("message", (answer: Answer) => {
      clearTimeout(timer);
      if (answer.ok) resolve(answer.result);
      else reject(answer.readOnly ? new ReadOnlyViolation(answer.message) : Object.assign(new Error(answer.message), { code: answer.code }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the query process stopped (${signal ?? `exit ${code}`}) before answering`));
    });
    child.send({ path, query, maxRows: options.maxRows });
  }).finally(release);
}

/** The signals that end this process while it waits for the query (Ctrl-C, a service manager, a closed terminal). */
const ENDING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Kills the query's process when one of ENDING_SIGNALS ends this one, which then ends as the signal would have ended it.
 * The child cannot notice for itself (it is busy in SQLite), and left alone it ran on without a time limit, holding a
 * read snapshot that keeps the WAL from being checkpointed. Returns what removes the handlers.
 */
function killedWithThis(child: ChildProcess): () => void {
  const handlers = ENDING_SIGNALS.map((signal) => {
    const onSignal = () => {
      child.kill("SIGKILL");
      release();
      process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
    return () => process.off(signal, onSignal);
  });
  const release = () => handlers.forEach((off) => off());
  return release;
}

// The child: one query, one answer, then it exits.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once("message", ({ path, query, maxRows }: { path: string; query: string; maxRows: number }) => {
    let answer: Answer;
    try {
      const store = openForReading(path);
      try {
        answer = { ok: true, result: runReadOnlyQuery(store.sqlite, query, maxRows) };
      } finally {
        store.close();
      }
    } catch (error) {
      // The query's own errors (a syntax error, an unknown table, a value too big) are not about the store.
      const code = (error as { code?: unknown }).code;
      const aboutStore = isAboutTheFile(code) ? code : undefined;
      answer = { ok: false, readOnly: error instanceof ReadOnlyViolation, message: (error as Error).message, code: aboutStore };
    }
    process.send!(answer, () => process.disconnect());
  });
}
