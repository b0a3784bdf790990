import { existsSync } from "node:fs";
import { SingleBar, Presets } from "cli-progress";
import { keyedFileRecords } from "../../ingest/parallel.js";
import { documentsOf, keyedRecordsOf } from "../../ingest/sources.js";
import type { FormatOption } from "../../ingest/document.js";
import { appendAll, FILE_BATCH_SIZE } from "../../store/appendAll.js";
import { openStepstore } from "../../stepstore.js";
import { dbPath } from "../db.js";
import { EXIT } from "../errors.js";
import { writeOut } from "../output.js";

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
  const store = openStepstore(dbPath(options.db));
  const bar = process.stderr.isTTY ? new SingleBar({ format: "ingest | {value} records | {appended} appended", hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(0, 0, { appended: 0 });
  try {
    // Files are read (parsed, validated, keyed) on a worker thread while this one appends; stdin here.
    const records = paths.includes("-")
      ? (async function* () {
        for await (const doc of documentsOf(paths, options.format, process.stdin)) yield* keyedRecordsOf(doc);
      })()
      : keyedFileRecords(paths, options.format);
    const summary = await appendAll(store.append, records, {
      source: "file",
      batchSize: FILE_BATCH_SIZE,
      onCommit: (_, totals) => {
        bar?.setTotal(totals.records);
        bar?.update(totals.records, { appended: totals.appended });
      },
      onRejected: (r) => {
        bar?.stop();
        process.stderr.write(`${describeRejection(r)}\n`);
      },
    });
    bar?.stop();
    await writeOut(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `${summary.records} records: ${summary.appended} appended, ${summary.duplicates} duplicates, ${summary.rejected} rejected\n`,
    );
    return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } finally {
    bar?.stop();
    store.close();
  }
}
