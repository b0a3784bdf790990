import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A bar on stderr when it is a terminal: done of total, rate and ETA; off a terminal, nothing. The
 * work it follows holds the event loop (better-sqlite3 is synchronous), so it redraws from update().
 */
export function progressBar(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label} {bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(done, total) {
      const rate = Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3));
      if (!running) (bar.start(total, done, { rate }), (running = true));
      else bar.update(done, { rate });
    },
    stop: () => bar.stop(),
  };
}
