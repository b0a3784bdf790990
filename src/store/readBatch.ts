import type { Database } from "better-sqlite3";
import { logEventFromRow, type LogEvent } from "./logEvent.js";

/** Reads the log in position order, `batchSize` events at a time, from after `after`. */
export function* readBatches(sqlite: Database, batchSize: number, after = 0): Generator<LogEvent[]> {
  const page = sqlite.prepare<[number, number], { position: number; type: string; data: string }>(
    "SELECT position, type, data FROM events WHERE position > ? ORDER BY position LIMIT ?",
  );
  let from = after;
  for (;;) {
    const rows = page.all(from, batchSize);
    if (rows.length === 0) return;
    yield rows.map(logEventFromRow);
    from = rows[rows.length - 1]!.position;
  }
}
