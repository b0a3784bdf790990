import { existsSync } from "node:fs";
import { keyedFileRecords } from "../../ingest/parallel.js";
import { bytesToRead, documentsOf, keyedRecordsOf, storeFiles } from "../../ingest/sources.js";
import type { FormatOption } from "../../ingest/document.js";
import { maxRecordBytes } from "../../ingest/limits.js";
import { appendAll, FILE_BATCH_SIZE } from "../../store/appendAll.js";
import { openStoreForWriting } from "../db.js";
import { EXIT } from "../errors.js";
import { cliIo, writeOut } from "../io.js";
import { ingestProgress } from "../progress.js";

export interface IngestOptions {
  db?: string;
  format: FormatOption;
  json?: boolean;
}

export function describeRejection(r: { origin: string; path: string | null; reason: string }): string {
  return `${r.origin}: ${r.path ? `${r.path}: ` : ""}${r.reason}`;
}

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
  try {
    // Files are read (parsed, validated, keyed) on a worker thread while this one appends; stdin here.
    const records = paths.includes("-")
      ? (async function* () {
        for await (const doc of documentsOf(paths, options.format, cliIo().stdin, own)) yield* keyedRecordsOf(doc);
      })()
      : keyedFileRecords(paths, options.format, own, (bytes) => progress.read(bytes));
    const summary = await appendAll(store.append, records, {
      source: "file",
      batchSize: FILE_BATCH_SIZE,
      onCommit: (_, totals) => progress.committed(totals.records),
      onRejected: (r) => progress.note(describeRejection(r)),
    });
    progress.stop();
    await writeOut(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `${summary.records} records: ${summary.appended} appended, ${summary.duplicates} duplicates, ${summary.rejected} rejected\n`,
    );
    return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    progress.stop();
    await store.close();
  }
}
