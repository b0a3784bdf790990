import type { SqlPort } from "../../store/sqlPort.js";
import type { HeldSummary } from "./cells.js";

/**
 * The most summaries a writer holds between transactions; past it, the least recently touched go first. A batch
 * touches ~10 (the hour and day of now, its assistants, models, types, tools), the same ones batch after batch; each
 * held summary is about the size of its stored row.
 */
export const MAX_HELD = 4096;

interface Held {
  epoch: string;
  summaries: Map<string, HeldSummary>;
}

const heldByPort = new WeakMap<SqlPort, Held>();

/**
 * The summaries this connection's writer holds from its earlier transactions, by cell, while the store says they are
 * still as stored (`SqlPort.rowsEpoch`: SQLite, where reading each touched row back was a third of the rollups' cost
 * a webhook). Where the store cannot tell (PostgreSQL, where other processes write), an empty map for this transaction
 * alone. Called inside the write transaction; the writer holds what it writes as it writes it, and a transaction that
 * rolls back changes the epoch, so what it held is dropped.
 */
export function heldSummaries(tx: SqlPort): Map<string, HeldSummary> {
  if (tx.rowsEpoch === undefined) return new Map();
  const epoch = tx.rowsEpoch();
  let held = heldByPort.get(tx);
  if (held?.epoch !== epoch) heldByPort.set(tx, (held = { epoch, summaries: new Map() }));
  return held.summaries;
}

/** Holds a summary as the most recently touched, dropping the least recent past MAX_HELD. */
export function hold(summaries: Map<string, HeldSummary>, cell: string, summary: HeldSummary): void {
  summaries.delete(cell);
  summaries.set(cell, summary);
  if (summaries.size > MAX_HELD) summaries.delete(summaries.keys().next().value!);
}

/** Drops what this connection's writer holds: the summaries are being truncated. */
export function forgetHeld(tx: SqlPort): void {
  heldByPort.delete(tx);
}
