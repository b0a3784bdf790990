import { Worker } from "node:worker_threads";
import type { AcceptedRecord, RejectedRecord } from "../records/classify.js";
import type { KeyedRecord } from "../store/append.js";
import { payloadOfData } from "../records/events.js";
import type { FormatOption } from "./document.js";

/**
 * A chunk the reading thread hands on ends at CHUNK_RECORDS records or CHUNK_TEXT of their text (UTF-16 units of
 * `data`, or `raw` for a rejection), whichever comes first: 140 records of 4 MB had all been read ahead (four chunks
 * of 1,000), so memory grew with the file.
 */
export const CHUNK_RECORDS = 1000;
export const CHUNK_TEXT = 16 * 1024 * 1024;
export const MAX_CHUNKS_AHEAD = 4;

/** An accepted, keyed record as it crosses threads: its text, not its parsed value (cheaper to copy than objects), and already keyed (no `source`). */
type WireRecord = Omit<AcceptedRecord, "payload" | "value" | "source"> & Omit<KeyedRecord, "record">;

export type WorkerMessage =
  /** `bytesRead`: of the files, so far, for progress. */
  | { kind: "records"; items: (WireRecord | RejectedRecord)[]; bytesRead: number }
  | { kind: "done" }
  | { kind: "error"; message: string }
  | { kind: "exited"; code: number };

export function toWire({ record, ...keys }: KeyedRecord): WireRecord {
  const { type, eventId, envelopeCreatedAt, stepId, runId, threadId, origin, data } = record;
  return { ok: true, ...keys, type, eventId, envelopeCreatedAt, stepId, runId, threadId, origin, data };
}

/** The record again, its payload parsed from its text exactly as the log's readers (rebuild, verify) do. */
function fromWire(wire: WireRecord): KeyedRecord {
  const { payload } = payloadOfData(wire.data);
  const record: AcceptedRecord = {
    ok: true, type: wire.type, payload, value: payload, eventId: wire.eventId, envelopeCreatedAt: wire.envelopeCreatedAt,
    stepId: wire.stepId, runId: wire.runId, threadId: wire.threadId, origin: wire.origin, data: wire.data, source: wire.data,
  };
  return { record, key: wire.key, ...(wire.legacyKey === undefined ? {} : { legacyKey: wire.legacyKey }) };
}

/**
 * Every record of the files at `paths` (folders expanded), keyed, read on a worker thread while
 * this one appends: parsing and validating overlap the appends' commits. Same records, same order,
 * same keys as `documentsOf` + `keyedRecordsOf` (stdin stays with those). Ends when `signal` aborts.
 */
export async function* keyedFileRecords(
  paths: readonly string[], format: FormatOption, store: readonly string[], onRead?: (bytesRead: number) => void, signal?: AbortSignal,
): AsyncGenerator<KeyedRecord | RejectedRecord> {
  const worker = new Worker(new URL("./keyWorker.js", import.meta.url), { workerData: { paths: [...paths], format, store: [...store] } });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  const push = (message: WorkerMessage) => {
    queue.push(message);
    wake?.();
    wake = null;
  };
  worker.on("message", push);
  worker.on("error", (error) => push({ kind: "error", message: error.message }));
  worker.on("exit", (code) => push({ kind: "exited", code }));
  // Stopped (Ctrl-C): the thread may be waiting on a read that never ends (a FIFO); it is ended, not waited for.
  signal?.addEventListener("abort", () => push({ kind: "done" }), { once: true });
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift()!;
      if (message.kind === "done" || signal?.aborted) return;
      if (message.kind === "error") throw new Error(message.message);
      if (message.kind === "exited") throw new Error(`the reading thread stopped before the end (exit ${message.code})`);
      worker.postMessage("more");
      onRead?.(message.bytesRead);
      for (const item of message.items) yield item.ok ? fromWire(item) : item;
      // A turn of the event loop a chunk: Node hands a port's messages over in one loop for as long as they keep
      // coming, and SQLite's appends never wait, so without it a fast reader kept the loop from ever reaching a
      // Ctrl-C or SIGTERM (an ingest of 150,000 records ran to its end, exit 0, ignoring them).
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await worker.terminate();
  }
}
