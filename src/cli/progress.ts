import { MultiBar, Presets } from "cli-progress";

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

const QUIET: IngestProgress = { read() {}, committed() {}, note: (line) => process.stderr.write(`${line}\n`), stop() {} };

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
      if (stopped) return void process.stderr.write(`${line}\n`);
      bars.log(`${line}\n`);
      redraw(true);
    },
    stop() {
      if (!stopped) (redraw(true), bars.stop());
      stopped = true;
    },
  };
}
