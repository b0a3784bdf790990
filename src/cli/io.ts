import { AsyncLocalStorage } from "node:async_hooks";
import type { Readable, Writable } from "node:stream";

/** Where one CLI run reads and writes: the process's streams, or (in-process runs) its own. */
export interface CliIo {
  stdin: Readable;
  /** `isTTY`/`columns` as a terminal stream has them; a captured stream has neither, like a pipe. */
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

// One context per run, so runs in flight at once in one process each keep their own output.
const context = new AsyncLocalStorage<CliIo>();

/** The process's streams, each touched only when used: touching stdin opens it (on a pipe, a stream that cost every report ~3 ms). */
const PROCESS_IO: CliIo = {
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  get stderr() {
    return process.stderr;
  },
};

/** The streams of the run in progress; outside any run, the process's. */
export function cliIo(): CliIo {
  return context.getStore() ?? PROCESS_IO;
}

export function withCliIo<T>(io: CliIo, work: () => Promise<T>): Promise<T> {
  return context.run(io, work);
}

/** Writes to stdout and resolves once flushed, so a pipe gets everything before exit. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => cliIo().stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
