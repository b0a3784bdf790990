import { existsSync } from "node:fs";
import { keyedFileRecords } from "../../ingest/parallel.js";
import { bytesToRead, documentsOf, keyedRecordsOf, storeFiles } from "../../ingest/sources.js";
import type { FormatOption } from "../../ingest/document.js";
import { maxRecordBytes } from "../../ingest/limits.js";
import { afterField } from "../../records/reason.js";
import { appendAll, FILE_BATCH_SIZE, type IngestSummary } from "../../store/appendAll.js";
import { openStoreForWriting } from "../db.js";
import { EXIT } from "../errors.js";
import { abortOnStopSignals, untilAborted } from "../interrupt.js";
import { cliIo, writeOut } from "../io.js";
import { ingestProgress, type IngestProgress } from "../progress.js";

interface IngestOptions {
  db?: string;
  format: FormatOption;
  json?: boolean;
}

export function describeRejection(r: { origin: string; path: string | null; reason: string }): string {
  // CONTRACT §8's `events.jsonl:42: $.data.status: expected one of …`: the path says the field, which the reason then need not.
  return `${r.origin}: ${r.path ? `${r.path}: ${afterField(r.reason, r.path)}` : r.reason}`;
}

/** The summary line of `ingest` and `poll`: records, appended, duplicates, rejected. */
export const summaryLine = (totals: IngestSummary) => `${totals.records} records: ${totals.appended} appended, ${totals.duplicates} duplicates, ${totals.rejected} rejected`;

export async function ingestCommand(paths: string[], options: IngestOptions): Promise<number> {
  // Every path is checked before anything is read: a mistyped one fails the command, not half of it.
  const missing = paths.filter((path) => path !== "-" && !existsSync(path));
  if (missing.length > 0) throw new Error(`no such file or folder: ${missing.join(", ")} (nothing was ingested)`);
  // Read again by each document's reader (on the worker thread too): a bad one is a usage error here, before the store is made.
  maxRecordBytes();
  const store = await openStoreForWriting(options.db);
  // A folder that holds the store (`ingest .` beside ./data/stepstore.db) is read without it.
  const own = store.dialect === "sqlite" ? storeFiles(store.path) : [];
  const progress = ingestProgress(bytesToRead(paths, own), cliIo().stderr.isTTY === true && !options.json);
  // Ctrl-C (or SIGTERM) stops the reading; what was read is committed and summed up, and the bar gives the terminal back.
  const stop = abortOnStopSignals(() => progress.stop());
  let committed: IngestSummary | null = null;
  try {
    const summary = await appendAll(store.append, untilAborted(recordsOf(paths, options.format, own, progress, stop.signal), stop.signal), {
      source: "file",
      batchSize: FILE_BATCH_SIZE,
      onCommit: (_, totals) => {
        committed = totals;
        progress.committed(totals.records);
      },
      onRejected: (r) => progress.note(describeRejection(r)),
    }).catch((error: unknown) => {
      // The failure itself is said by the caller, naming the store; what landed before it is only known here.
      progress.stop();
      if (committed !== null) cliIo().stderr.write(`stepstore: ingest stopped after committing ${summaryLine(committed)}; run it again to add the rest (what landed is skipped as duplicates)\n`);
      throw error;
    });
    progress.stop();
    const interrupted = stop.signal.aborted;
    if (interrupted) cliIo().stderr.write("stepstore: ingest interrupted; the summary counts what was committed; nothing after it was stored (run it again to add the rest: what landed is skipped as duplicates)\n");
    await writeOut(
      options.json
        ? `${JSON.stringify(interrupted ? { ...summary, interrupted } : summary)}\n`
        : `${summaryLine(summary)}\n`,
    );
    return interrupted ? stop.exitCode() : summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    stop.release();
    progress.stop();
    await store.close();
  }
}

/** Files are read (parsed, validated, keyed) on a worker thread while this one appends; stdin here. */
function recordsOf(paths: string[], format: FormatOption, own: string[], progress: IngestProgress, signal: AbortSignal) {
  if (!paths.includes("-")) return keyedFileRecords(paths, format, own, (bytes) => progress.read(bytes), signal);
  // A read of stdin in flight would keep the process waiting for a line after Ctrl-C. (Taken now: the signal's
  // listener runs outside this run's context.)
  const stdin = cliIo().stdin;
  signal.addEventListener("abort", () => stdin.destroy(), { once: true });
  return (async function* () {
    for await (const doc of documentsOf(paths, format, stdin, own)) yield* keyedRecordsOf(doc);
  })();
}
