import { Presets, SingleBar } from "cli-progress";

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
export function progressBar(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) return { note() {}, update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label} {bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  let first: { done: number; at: number } | null = null;
  return {
    note: (text) => void process.stderr.write(`\r${text}`),
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
