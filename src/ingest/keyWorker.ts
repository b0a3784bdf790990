import { Readable } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import type { FormatOption } from "./document.js";
import { CHUNK_RECORDS, CHUNK_TEXT, MAX_CHUNKS_AHEAD, toWire, type WorkerMessage } from "./parallel.js";
import { documentsOf, keyedRecordsOf } from "./sources.js";

/**
 * The reading half of a file ingest, on its own thread: decodes, splits, parses, validates and
 * keys the files' records, and hands them on in chunks, at most MAX_CHUNKS_AHEAD ahead of the
 * thread that appends them (so memory stays flat however large the files).
 */
const { paths, format, store } = workerData as { paths: string[]; format: FormatOption; store: string[] };
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

let credits = MAX_CHUNKS_AHEAD;
let wake: (() => void) | null = null;
port.on("message", () => {
  credits++;
  wake?.();
  wake = null;
});

async function send(chunk: WorkerMessage & { kind: "records" }): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  post(chunk);
}

try {
  let items: (WorkerMessage & { kind: "records" })["items"] = [];
  let text = 0;
  let bytesRead = 0;
  for await (const doc of documentsOf(paths, format, Readable.from([]), store, (bytes) => (bytesRead += bytes))) {
    for await (const item of keyedRecordsOf(doc)) {
      const wire = "key" in item ? toWire(item) : item;
      items.push(wire);
      text += wire.ok ? wire.data.length : wire.raw.length;
      if (items.length >= CHUNK_RECORDS || text >= CHUNK_TEXT) {
        await send({ kind: "records", items, bytesRead });
        [items, text] = [[], 0];
      }
    }
  }
  if (items.length > 0) await send({ kind: "records", items, bytesRead });
  post({ kind: "done" });
} catch (error) {
  post({ kind: "error", message: (error as Error).message });
}
port.unref();
