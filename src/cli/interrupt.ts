import { EXIT } from "./errors.js";

/**
 * The first SIGINT (Ctrl-C) aborts the command, which then commits what it has, prints its summary and
 * returns; a second exits at once, after `beforeExit` (restoring the terminal a progress bar changed).
 */
export function abortOnSigint(beforeExit: () => void = () => {}) {
  const controller = new AbortController();
  const onSigint = () => {
    if (!controller.signal.aborted) return controller.abort();
    beforeExit();
    process.exit(EXIT.interrupted);
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, release: () => process.off("SIGINT", onSigint) };
}

/**
 * `items` until `signal` aborts: then it ends at once, even with a read in flight (stdin waiting for a line),
 * so what was read before is committed. The source is closed behind it.
 */
export async function* untilAborted<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const aborted = new Promise<null>((resolve) => signal.addEventListener("abort", () => resolve(null), { once: true }));
  let pending: Promise<IteratorResult<T>> | null = null;
  try {
    while (!signal.aborted) {
      pending = iterator.next();
      const next = await Promise.race([pending, aborted]);
      if (next === null || next.done) return;
      pending = null;
      yield next.value;
    }
  } finally {
    // A read abandoned in flight may still fail (stdin destroyed): nobody waits for it any more.
    pending?.catch(() => {});
    void iterator.return?.()?.catch(() => {});
  }
}
