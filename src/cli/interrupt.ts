import { constants } from "node:os";
import { settledOrAborted } from "../ingest/abortable.js";

/**
 * The signals that stop a command gracefully: SIGINT (Ctrl-C), and SIGTERM, which service managers (systemd, Docker,
 * Kubernetes) send a long `poll --follow` or `ingest` to stop it.
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal's number, as a shell reports a command a signal stopped (130 for SIGINT, 143 for SIGTERM). */
const exitCodeOf = (signal: StopSignal) => 128 + constants.signals[signal];

/**
 * The first SIGINT or SIGTERM aborts the command, which then commits what it has, prints its summary and returns; a
 * second exits at once, after `beforeExit` (restoring the terminal a progress bar changed). `exitCode` is the code that
 * tells which signal stopped the command.
 */
export function abortOnStopSignals(beforeExit: () => void = () => {}) {
  const controller = new AbortController();
  let received: StopSignal = "SIGINT";
  const handlers = STOP_SIGNALS.map((signal) => {
    const onSignal = () => {
      if (!controller.signal.aborted) {
        received = signal;
        return controller.abort();
      }
      beforeExit();
      process.exit(exitCodeOf(signal));
    };
    process.on(signal, onSignal);
    return () => process.off(signal, onSignal);
  });
  return { signal: controller.signal, exitCode: () => exitCodeOf(received), release: () => handlers.forEach((off) => off()) };
}

/**
 * Lets a stop signal's handler run, then throws if it aborted the work: a synchronous SQLite loop (a rebuild, a verify)
 * never yields to it otherwise, as its statements answer with promises already resolved.
 */
export async function stopPoint(signal: AbortSignal): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}


/**
 * `items` until `signal` aborts: then it ends at once, even with a read in flight (stdin waiting for a line),
 * so what was read before is committed. The source is closed behind it.
 */
export async function* untilAborted<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  try {
    while (!signal.aborted) {
      pending = iterator.next();
      const next = await settledOrAborted(pending, signal, () => null);
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
