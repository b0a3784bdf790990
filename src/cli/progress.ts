import { MultiBar, Presets, SingleBar } from "cli-progress";
import type { IngestSummary } from "../store/appendAll.js";
import { abortOnStopSignals, stopPoint } from "./interrupt.js";
import { cliIo } from "./io.js";

export interface Progress {
  /** A line saying what is under way before any count is known; the bar, once started, draws over it. */
  note(text: string): void;
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A bar on stderr when it is a terminal: done of total, rate and ETA; off a terminal, nothing. The
 * work it follows holds the event loop (better-sqlite3 is synchronous), so it redraws from update().
 */
function progressBar(label: string, unit: string): Progress {
  if (!cliIo().stderr.isTTY) return { note() {}, update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label} {bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  let first: { done: number; at: number } | null = null;
  return {
    note: (text) => void cliIo().stderr.write(`\r${text}`),
    update(done, total) {
      // The rate counts from the first update: what came before it (opening, checking the file) is no event.
      if (!first) {
        first = { done, at: performance.now() };
        bar.start(total, done, { rate: 0 });
      } else {
        const seconds = Math.max((performance.now() - first.at) / 1000, 1e-3);
        bar.update(done, { rate: Math.round((done - first.done) / seconds) });
      }
    },
    stop: () => bar.stop(),
  };
}

/**
 * A bar (as progressBar) over work SIGINT or SIGTERM stops: `update` lets the signal in and throws once one came, so the
 * work ends there (a rebuild's transaction rolls back). `interrupted` then stops the bar (cursor shown, line wrap on
 * again), says so on stderr and gives 128 + the signal; a second signal exits at once, the terminal restored.
 */
export function stoppableProgress(label: string, unit: string) {
  const bar = progressBar(label, unit);
  const stop = abortOnStopSignals(() => bar.stop());
  return {
    note: bar.note,
    async update(done: number, total: number) {
      bar.update(done, total);
      await stopPoint(stop.signal);
    },
    /** After the work failed: the exit code when a signal stopped it (`outcome` says what became of it), else null. */
    interrupted(outcome: string): number | null {
      if (!stop.signal.aborted) return null;
      bar.stop();
      cliIo().stderr.write(`stepstore: ${label} interrupted; ${outcome}\n`);
      return stop.exitCode();
    },
    stop() {
      bar.stop();
      stop.release();
    },
  };
}

const MIB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const perSecond = (count: number, startedAt: number) => Math.round(count / Math.max((performance.now() - startedAt) / 1000, 0.001)).toLocaleString("en-US");

export interface IngestProgress {
  /** Bytes of the input read so far (files only: stdin's size is not known). */
  read(bytes: number): void;
  /** Records committed so far. */
  committed(records: number): void;
  /** Prints a line above the bar (a rejection), or plainly when there is no bar. */
  note(line: string): void;
  /** Ends the bar, so what is printed next starts on its own line. */
  stop(): void;
}

const QUIET: IngestProgress = { read() {}, committed() {}, note: (line) => cliIo().stderr.write(`${line}\n`), stop() {} };

/**
 * `ingest`'s progress on stderr, on a TTY only: bytes read of the total with percentage, records/s
 * and ETA when the input's size is known (files), else a record count and rate (stdin).
 */
export function ingestProgress(totalBytes: number | null, enabled: boolean): IngestProgress {
  if (!enabled) return QUIET;
  const startedAt = performance.now();
  const sized = totalBytes !== null && totalBytes > 0;
  const bars = new MultiBar({
    format: sized
      ? "ingest {bar} {percentage}% | {done} / {size} | {records} records, {rate}/s | ETA {eta_formatted}"
      : "ingest | {records} records, {rate}/s",
    barsize: 20,
    hideCursor: true,
    etaBuffer: 50,
  }, Presets.shades_classic);
  let records = 0;
  let bytes = 0;
  const payload = () => ({ done: megabytes(bytes), size: megabytes(totalBytes ?? 0), records: records.toLocaleString("en-US"), rate: perSecond(records, startedAt) });
  const bar = bars.create(sized ? totalBytes : 0, 0, payload());
  let stopped = false;
  let drawnAt = 0;
  // Appends keep the event loop busy, so the bar's own redraw timer rarely fires: redraw here, at most 10 times a second.
  const redraw = (force = false) => {
    bar.update(sized ? Math.min(bytes, totalBytes) : 0, payload());
    if (force || performance.now() - drawnAt > 100) (bars.update(), (drawnAt = performance.now()));
  };
  return {
    read(total) {
      bytes = total;
      redraw();
    },
    committed(total) {
      records = total;
      redraw();
    },
    note(line) {
      if (stopped) return void cliIo().stderr.write(`${line}\n`);
      bars.log(`${line}\n`);
      redraw(true);
    },
    stop() {
      if (!stopped) (redraw(true), bars.stop());
      stopped = true;
    },
  };
}

/** `poll`'s progress bar on a terminal's stderr; started at the first progress, so a poll that fails at once draws none. */
export function pollProgress() {
  const bar = cliIo().stderr.isTTY
    ? new SingleBar({ format: "poll {bar} {value}/{total} runs | {steps} steps | {appended} appended", hideCursor: true }, Presets.shades_classic)
    : null;
  let started = false;
  let steps = 0;
  let appended = 0;
  return {
    /** A line written under the bar starts on a line of its own. */
    linePrefix: bar ? "\n" : "",
    committed(totals: IngestSummary) {
      appended = totals.appended;
      if (started) bar?.update({ appended, steps });
    },
    progressed(p: { runsDone: number; runsKnown: number; steps: number }) {
      steps = p.steps;
      if (bar && !started) (bar.start(p.runsKnown, 0, { steps: 0, appended: 0 }), (started = true));
      bar?.setTotal(p.runsKnown);
      bar?.update(p.runsDone, { steps, appended });
    },
    stop: () => bar?.stop(),
  };
}
